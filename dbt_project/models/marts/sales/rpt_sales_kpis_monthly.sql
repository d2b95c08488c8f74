{#- Sales KPIs per month, for the whole company and broken down by rep, team, territory and
    segment (column breakdown; one row per month and member of the breakdown, months without
    activity included so growth rates compare like with like). Team and territory are the
    rep's; segment is the account's. Quota exists per rep, so segment rows have no quota,
    coverage or attainment.

    Facts and when they count: booked revenue and cost of sales by invoice month (finance, FX
    of the invoice date); won / lost deals by close month (CRM, FX of the close date); the
    pipeline and the forecast as they stood when the month began (fct_pipeline_daily on the
    day before the first of the month, so nothing decided during the month leaks in); quota of
    the month. Every ratio is null when its denominator is zero or missing. -#}
with

calendar as (
    select * from {{ ref('dim_date') }}
),

reps as (
    select * from {{ ref('dim_reps') }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

pipeline as (
    select * from {{ ref('fct_pipeline_daily') }}
),

bookings as (
    select * from {{ ref('int_revenue_bookings_converted') }}
),

quotas as (
    select * from {{ ref('int_quotas_converted') }}
),

months as (
    select distinct
        month_start_date as month_date,
        month_end_date,
        is_complete_month,
        cast({{ dbt.dateadd('day', -1, 'month_start_date') }} as date) as snapshot_date
    from calendar
    where month_start_date <= {{ reporting_date() }}
),

booking_events as (
    select
        invoice_month_date as month_date,
        'booking' as event_type,
        rep_id,
        account_id,
        revenue_reporting as amount,
        cost_of_sales_reporting as cost_amount,
        cast(null as double) as weighted_amount,
        cast(null as bigint) as cycle_days,
        false as is_closing_in_month
    from bookings
),

closed_deal_events as (
    select
        cast({{ dbt.date_trunc('month', 'close_date') }} as date) as month_date,
        outcome as event_type,
        owner_id as rep_id,
        account_id,
        amount_reporting as amount,
        cast(null as double) as cost_amount,
        cast(null as double) as weighted_amount,
        cycle_length_days as cycle_days,
        false as is_closing_in_month
    from opportunities
    where is_closed
),

pipeline_events as (
    {#- Open opportunities as they stood at the start of the month, flagged when their expected
        close date (as it stood then) fell within the month: the month's forecast. Overdue deals
        (expected close date already past) are pipeline, but not forecast for the month. -#}
    select
        months.month_date,
        'pipeline' as event_type,
        pipeline.owner_id as rep_id,
        pipeline.account_id,
        pipeline.amount_reporting as amount,
        cast(null as double) as cost_amount,
        pipeline.weighted_amount_reporting as weighted_amount,
        cast(null as bigint) as cycle_days,
        coalesce(pipeline.close_date between months.month_date and months.month_end_date, false)
            as is_closing_in_month
    from months
    inner join pipeline
        on
            months.snapshot_date >= pipeline.valid_from_date
            and months.snapshot_date <= coalesce(pipeline.valid_to_date, months.snapshot_date)
    where pipeline.is_open
),

quota_events as (
    select
        month_date,
        'quota' as event_type,
        rep_id,
        cast(null as {{ dbt.type_string() }}) as account_id,
        quota_reporting as amount,
        cast(null as double) as cost_amount,
        cast(null as double) as weighted_amount,
        cast(null as bigint) as cycle_days,
        false as is_closing_in_month
    from quotas
),

all_events as (
    select * from booking_events
    union all
    select * from closed_deal_events
    union all
    select * from pipeline_events
    union all
    select * from quota_events
),

events as (
    select
        all_events.*,
        coalesce(all_events.rep_id, '(none)') as rep_key,
        coalesce(reps.team, '(none)') as team,
        coalesce(reps.territory, '(none)') as territory,
        case when all_events.event_type != 'quota' then coalesce(accounts.segment, '(unknown)') end as segment
    from all_events
    left join reps on all_events.rep_id = reps.rep_id
    left join accounts on all_events.account_id = accounts.account_id
    where all_events.month_date <= {{ reporting_date() }}
),

breakdowns as (
    select 'total' as breakdown
    union all
    select 'rep' as breakdown
    union all
    select 'team' as breakdown
    union all
    select 'territory' as breakdown
    union all
    select 'segment' as breakdown
),

events_by_breakdown as (
    {#- Every event once per breakdown, keyed by its member there (null: not part of it, e.g.
        quota on segment rows). -#}
    select
        events.*,
        breakdowns.breakdown,
        case breakdowns.breakdown
            when 'total' then '(all)'
            when 'rep' then events.rep_key
            when 'team' then events.team
            when 'territory' then events.territory
            when 'segment' then events.segment
        end as breakdown_key
    from events
    cross join breakdowns
),

aggregated as (
    select
        month_date,
        breakdown,
        breakdown_key,
        sum(case when event_type = 'booking' then amount end) as booked_revenue,
        sum(case when event_type = 'booking' then cost_amount end) as cost_of_sales,
        count(distinct case when event_type = 'booking' then account_id end) as booked_accounts,
        sum(case when event_type = 'won' then 1 else 0 end) as won_deals,
        sum(case when event_type = 'lost' then 1 else 0 end) as lost_deals,
        sum(case when event_type = 'won' then amount end) as won_amount,
        sum(case when event_type = 'lost' then amount end) as lost_amount,
        {{ median("case when event_type = 'won' then cycle_days end") }} as median_cycle_days,
        avg(case when event_type = 'won' then cycle_days end) as mean_cycle_days,
        sum(case when event_type = 'pipeline' then 1 else 0 end) as open_opportunities,
        sum(case when event_type = 'pipeline' then amount end) as open_pipeline,
        sum(case when event_type = 'pipeline' then weighted_amount end) as weighted_pipeline,
        sum(case when event_type = 'pipeline' and is_closing_in_month then amount end) as closing_pipeline,
        sum(case when event_type = 'pipeline' and is_closing_in_month then weighted_amount end) as forecast_amount,
        sum(case when event_type = 'quota' then amount end) as quota_amount
    from events_by_breakdown
    where breakdown_key is not null
    group by month_date, breakdown, breakdown_key
),

breakdown_members as (
    select distinct
        breakdown,
        breakdown_key
    from aggregated
),

first_month as (
    select min(month_date) as first_month_date from aggregated
),

grid as (
    select
        months.month_date,
        months.is_complete_month,
        breakdown_members.breakdown,
        breakdown_members.breakdown_key
    from months
    cross join breakdown_members
    inner join first_month on months.month_date >= first_month.first_month_date
),

dense as (
    select
        grid.month_date,
        grid.is_complete_month,
        grid.breakdown,
        grid.breakdown_key,
        coalesce(aggregated.booked_revenue, 0) as booked_revenue,
        coalesce(aggregated.cost_of_sales, 0) as cost_of_sales,
        coalesce(aggregated.booked_accounts, 0) as booked_accounts,
        coalesce(aggregated.won_deals, 0) as won_deals,
        coalesce(aggregated.lost_deals, 0) as lost_deals,
        coalesce(aggregated.won_amount, 0) as won_amount,
        coalesce(aggregated.lost_amount, 0) as lost_amount,
        aggregated.median_cycle_days,
        aggregated.mean_cycle_days,
        coalesce(aggregated.open_opportunities, 0) as open_opportunities,
        coalesce(aggregated.open_pipeline, 0) as open_pipeline,
        coalesce(aggregated.weighted_pipeline, 0) as weighted_pipeline,
        coalesce(aggregated.closing_pipeline, 0) as closing_pipeline,
        coalesce(aggregated.forecast_amount, 0) as forecast_amount,
        aggregated.quota_amount
    from grid
    left join aggregated
        on
            grid.month_date = aggregated.month_date
            and grid.breakdown = aggregated.breakdown
            and grid.breakdown_key = aggregated.breakdown_key
),

with_comparisons as (
    select
        dense.*,
        previous_month.booked_revenue as booked_revenue_previous_month,
        previous_year.booked_revenue as booked_revenue_previous_year
    from dense
    left join dense as previous_month
        on
            dense.breakdown = previous_month.breakdown
            and dense.breakdown_key = previous_month.breakdown_key
            and previous_month.month_date = {{ dbt.dateadd('month', -1, 'dense.month_date') }}
    left join dense as previous_year
        on
            dense.breakdown = previous_year.breakdown
            and dense.breakdown_key = previous_year.breakdown_key
            and previous_year.month_date = {{ dbt.dateadd('month', -12, 'dense.month_date') }}
),

kpis as (
    select
        *,
        booked_revenue - cost_of_sales as gross_margin,
        case when booked_revenue != 0 then cast(booked_revenue - cost_of_sales as double) / booked_revenue end
            as gross_margin_pct,
        case
            when is_complete_month and booked_revenue_previous_month != 0
                then cast(booked_revenue - booked_revenue_previous_month as double) / booked_revenue_previous_month
        end as revenue_growth_mom,
        case
            when is_complete_month and booked_revenue_previous_year != 0
                then cast(booked_revenue - booked_revenue_previous_year as double) / booked_revenue_previous_year
        end as revenue_growth_yoy,
        case when won_deals + lost_deals > 0 then cast(won_deals as double) / (won_deals + lost_deals) end
            as win_rate_count,
        case when won_amount + lost_amount != 0 then cast(won_amount as double) / (won_amount + lost_amount) end
            as win_rate_value,
        case when won_deals > 0 then cast(won_amount as double) / won_deals end as average_deal_size,
        case when booked_accounts > 0 then cast(booked_revenue as double) / booked_accounts end as revenue_per_account,
        case when quota_amount > 0 then cast(closing_pipeline as double) / quota_amount end as pipeline_coverage,
        case when quota_amount > 0 then cast(won_amount as double) / quota_amount end as quota_attainment,
        case
            when won_amount != 0 then 1 - abs(won_amount - forecast_amount) / won_amount
        end as forecast_accuracy
    from with_comparisons
),

with_velocity as (
    select
        *,
        case
            when mean_cycle_days > 0
                then open_opportunities * win_rate_count * average_deal_size / mean_cycle_days
        end as sales_velocity
    from kpis
),

labelled as (
    select
        with_velocity.*,
        reps.rep_id,
        reps.rep_name,
        case
            when with_velocity.breakdown = 'team' then with_velocity.breakdown_key
            when with_velocity.breakdown = 'rep' then reps.team
        end as team,
        case
            when with_velocity.breakdown = 'territory' then with_velocity.breakdown_key
            when with_velocity.breakdown = 'rep' then reps.territory
        end as territory,
        case when with_velocity.breakdown = 'segment' then with_velocity.breakdown_key end as segment
    from with_velocity
    left join reps
        on
            with_velocity.breakdown = 'rep'
            and with_velocity.breakdown_key = reps.rep_id
),

final as (
    select
        cast(month_date as date) as month_date,
        cast(breakdown as string) as breakdown,
        cast(breakdown_key as string) as breakdown_key,
        cast(rep_id as string) as rep_id,
        cast(rep_name as string) as rep_name,
        cast(team as string) as team,
        cast(territory as string) as territory,
        cast(segment as string) as segment,
        cast(is_complete_month as boolean) as is_complete_month,
        cast('{{ var("reporting_currency") }}' as string) as reporting_currency,
        cast(booked_revenue as decimal(18, 2)) as booked_revenue,
        cast(cost_of_sales as decimal(18, 2)) as cost_of_sales,
        cast(gross_margin as decimal(18, 2)) as gross_margin,
        cast(gross_margin_pct as double) as gross_margin_pct,
        cast(booked_revenue_previous_month as decimal(18, 2)) as booked_revenue_previous_month,
        cast(booked_revenue_previous_year as decimal(18, 2)) as booked_revenue_previous_year,
        cast(revenue_growth_mom as double) as revenue_growth_mom,
        cast(revenue_growth_yoy as double) as revenue_growth_yoy,
        cast(booked_accounts as bigint) as booked_accounts,
        cast(revenue_per_account as decimal(18, 2)) as revenue_per_account,
        cast(won_deals as bigint) as won_deals,
        cast(lost_deals as bigint) as lost_deals,
        cast(won_amount as decimal(18, 2)) as won_amount,
        cast(lost_amount as decimal(18, 2)) as lost_amount,
        cast(win_rate_count as double) as win_rate_count,
        cast(win_rate_value as double) as win_rate_value,
        cast(average_deal_size as decimal(18, 2)) as average_deal_size,
        cast(median_cycle_days as double) as median_cycle_days,
        cast(mean_cycle_days as double) as mean_cycle_days,
        cast(open_opportunities as bigint) as open_opportunities,
        cast(open_pipeline as decimal(18, 2)) as open_pipeline,
        cast(weighted_pipeline as decimal(18, 2)) as weighted_pipeline,
        cast(closing_pipeline as decimal(18, 2)) as closing_pipeline,
        cast(quota_amount as decimal(18, 2)) as quota_amount,
        cast(pipeline_coverage as double) as pipeline_coverage,
        cast(quota_attainment as double) as quota_attainment,
        cast(sales_velocity as decimal(18, 2)) as sales_velocity,
        cast(forecast_amount as decimal(18, 2)) as forecast_amount,
        cast(forecast_accuracy as double) as forecast_accuracy
    from labelled
)

select * from final
