{#- The reverse funnel per rep and quota month: the quota, what is won so far, the open pipeline
    weighted with its stage probability (deals expected to close in the month), and what is
    still missing, translated with the rep's trailing conversion rates and average deal size
    into the deals, SQLs, SALs, funnel entries (MQLs / SGLs) and appointments still needed to
    reach the quota.

    Trailing window: the var funnel_trailing_months complete months before the quota month (at
    the latest up to the reporting date). Rates in the window: average deal size = won amount /
    won deals; SQL to won = won deals from leads / SQLs; SAL to SQL = SQLs / handovers; entry to
    SAL = handovers / funnel entries; appointments per won deal = appointments / won deals. A rep
    with fewer than var reverse_funnel_min_won_deals won deals in the window is planned with the
    rates of all reps (conversion_rate_basis). Needed counts are rounded up; they assume the
    missing revenue comes through the funnel. For months that are over, they show the shortfall:
    quota minus won (deals still open past their close date no longer count for that month).
    The quota in the reporting currency comes from int_quotas_converted, as in the sales KPIs. -#}
{%- set trailing_months = var('funnel_trailing_months') %}
with

quotas as (
    select * from {{ ref('int_quotas_converted') }}
),

users as (
    select * from {{ ref('stg_crm__users') }}
),

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

flows as (
    select * from {{ ref('int_rep_monthly_flows') }}
),

reporting as (
    select
        {{ reporting_date() }} as reporting_date,
        cast({{ dbt.date_trunc('month', reporting_date()) }} as date) as reporting_month
),

quotas_converted as (
    select
        rep_id,
        cast({{ dbt.date_trunc('month', 'month_date') }} as date) as quota_month,
        sum(quota_reporting) as quota_amount_reporting
    from quotas
    where rep_id is not null and month_date is not null
    group by rep_id, cast({{ dbt.date_trunc('month', 'month_date') }} as date)
),

month_results as (
    select
        owner_id as rep_id,
        cast({{ dbt.date_trunc('month', 'close_date') }} as date) as close_month,
        sum(case when is_won then amount_reporting else 0 end) as won_amount_reporting,
        sum(case when is_won then 1 else 0 end) as won_deals,
        sum(case when not is_closed then amount_reporting * probability / 100 else 0 end)
            as open_pipeline_weighted_reporting,
        sum(case when not is_closed then 1 else 0 end) as open_opportunities
    from opportunities
    where owner_id is not null and close_date is not null
    group by owner_id, cast({{ dbt.date_trunc('month', 'close_date') }} as date)
),

windows as (
    select
        quotas_converted.rep_id,
        quotas_converted.quota_month,
        cast(least(quotas_converted.quota_month, reporting.reporting_month) as date) as window_end_month
    from quotas_converted
    cross join reporting
),

rep_trailing as (
    select
        windows.rep_id,
        windows.quota_month,
        sum(flows.funnel_entries) as funnel_entries,
        sum(flows.handovers) as handovers,
        sum(flows.sql_entries) as sql_entries,
        sum(flows.won_deals) as won_deals,
        sum(flows.lead_won_deals) as lead_won_deals,
        sum(flows.won_amount_reporting) as won_amount_reporting,
        sum(flows.appointments) as appointments
    from windows
    inner join flows
        on
            windows.rep_id = flows.rep_id
            and windows.window_end_month > flows.month_start_date
            and flows.month_start_date
            >= cast({{ dbt.dateadd('month', -trailing_months, 'windows.window_end_month') }} as date)
    group by windows.rep_id, windows.quota_month
),

company_windows as (
    select distinct window_end_month from windows
),

company_trailing as (
    select
        company_windows.window_end_month,
        sum(flows.funnel_entries) as funnel_entries,
        sum(flows.handovers) as handovers,
        sum(flows.sql_entries) as sql_entries,
        sum(flows.won_deals) as won_deals,
        sum(flows.lead_won_deals) as lead_won_deals,
        sum(flows.won_amount_reporting) as won_amount_reporting,
        sum(flows.appointments) as appointments
    from company_windows
    inner join flows
        on
            company_windows.window_end_month > flows.month_start_date
            and flows.month_start_date
            >= cast({{ dbt.dateadd('month', -trailing_months, 'company_windows.window_end_month') }} as date)
    group by company_windows.window_end_month
),

rates as (
    select
        windows.rep_id,
        windows.quota_month,
        case
            when coalesce(rep_trailing.won_deals, 0) >= {{ var('reverse_funnel_min_won_deals') }} then 'rep'
            else 'company'
        end as conversion_rate_basis,
        case
            when coalesce(rep_trailing.won_deals, 0) >= {{ var('reverse_funnel_min_won_deals') }}
                then rep_trailing.won_deals
            else company_trailing.won_deals
        end as trailing_won_deals,
        case
            when coalesce(rep_trailing.won_deals, 0) >= {{ var('reverse_funnel_min_won_deals') }}
                then rep_trailing.lead_won_deals
            else company_trailing.lead_won_deals
        end as trailing_lead_won_deals,
        case
            when coalesce(rep_trailing.won_deals, 0) >= {{ var('reverse_funnel_min_won_deals') }}
                then rep_trailing.won_amount_reporting
            else company_trailing.won_amount_reporting
        end as trailing_won_amount_reporting,
        case
            when coalesce(rep_trailing.won_deals, 0) >= {{ var('reverse_funnel_min_won_deals') }}
                then rep_trailing.sql_entries
            else company_trailing.sql_entries
        end as trailing_sql_entries,
        case
            when coalesce(rep_trailing.won_deals, 0) >= {{ var('reverse_funnel_min_won_deals') }}
                then rep_trailing.handovers
            else company_trailing.handovers
        end as trailing_handovers,
        case
            when coalesce(rep_trailing.won_deals, 0) >= {{ var('reverse_funnel_min_won_deals') }}
                then rep_trailing.funnel_entries
            else company_trailing.funnel_entries
        end as trailing_funnel_entries,
        case
            when coalesce(rep_trailing.won_deals, 0) >= {{ var('reverse_funnel_min_won_deals') }}
                then rep_trailing.appointments
            else company_trailing.appointments
        end as trailing_appointments
    from windows
    left join rep_trailing
        on
            windows.rep_id = rep_trailing.rep_id
            and windows.quota_month = rep_trailing.quota_month
    left join company_trailing on windows.window_end_month = company_trailing.window_end_month
),

month_states as (
    select
        quotas_converted.rep_id,
        quotas_converted.quota_month,
        case
            when {{ dbt.dateadd('month', 1, 'quotas_converted.quota_month') }} <= reporting.reporting_date then 'closed'
            when quotas_converted.quota_month <= reporting.reporting_date then 'current'
            else 'future'
        end as month_status,
        quotas_converted.quota_amount_reporting,
        coalesce(month_results.won_amount_reporting, 0) as won_amount_reporting,
        coalesce(month_results.won_deals, 0) as won_deals,
        coalesce(month_results.open_opportunities, 0) as open_opportunities,
        coalesce(month_results.open_pipeline_weighted_reporting, 0) as open_pipeline_weighted_reporting
    from quotas_converted
    cross join reporting
    left join month_results
        on
            quotas_converted.rep_id = month_results.rep_id
            and quotas_converted.quota_month = month_results.close_month
),

gaps as (
    select
        *,
        greatest(
            quota_amount_reporting
            - won_amount_reporting
            - case when month_status = 'closed' then 0 else open_pipeline_weighted_reporting end,
            0
        ) as remaining_quota_reporting
    from month_states
),

conversion as (
    select
        gaps.*,
        rates.conversion_rate_basis,
        cast(rates.trailing_won_amount_reporting as double) / nullif(rates.trailing_won_deals, 0)
            as avg_deal_size_reporting,
        {#- Flow ratios over a trailing window exceed 1 when entries from before the window
            convert inside it; a stage never converts more than it receives, so they are capped at 1. -#}
        least(cast(rates.trailing_lead_won_deals as double) / nullif(rates.trailing_sql_entries, 0), 1.0)
            as sql_to_won_rate,
        least(cast(rates.trailing_sql_entries as double) / nullif(rates.trailing_handovers, 0), 1.0)
            as sal_to_sql_rate,
        least(cast(rates.trailing_handovers as double) / nullif(rates.trailing_funnel_entries, 0), 1.0)
            as entry_to_sal_rate,
        cast(rates.trailing_appointments as double) / nullif(rates.trailing_won_deals, 0)
            as appointments_per_won_deal
    from gaps
    inner join rates
        on
            gaps.rep_id = rates.rep_id
            and gaps.quota_month = rates.quota_month
),

needs as (
    select
        *,
        remaining_quota_reporting / nullif(avg_deal_size_reporting, 0) as deals_needed_exact,
        remaining_quota_reporting / nullif(avg_deal_size_reporting, 0) / nullif(sql_to_won_rate, 0)
            as sqls_needed_exact,
        remaining_quota_reporting / nullif(avg_deal_size_reporting, 0) / nullif(sql_to_won_rate, 0)
        / nullif(sal_to_sql_rate, 0) as sals_needed_exact,
        remaining_quota_reporting / nullif(avg_deal_size_reporting, 0) / nullif(sql_to_won_rate, 0)
        / nullif(sal_to_sql_rate, 0) / nullif(entry_to_sal_rate, 0) as mqls_needed_exact,
        remaining_quota_reporting / nullif(avg_deal_size_reporting, 0) * appointments_per_won_deal
            as appointments_needed_exact
    from conversion
),

final as (
    select
        cast(needs.rep_id as string) as rep_id,
        cast(users.user_name as string) as rep_name,
        cast(users.team as string) as team,
        cast(users.sales_role as string) as sales_role,
        cast(needs.quota_month as date) as quota_month,
        cast(needs.month_status as string) as month_status,
        cast('{{ var("reporting_currency") }}' as string) as reporting_currency,
        cast(needs.quota_amount_reporting as decimal(18, 2)) as quota_amount_reporting,
        cast(needs.won_amount_reporting as decimal(18, 2)) as won_amount_reporting,
        cast(needs.won_deals as bigint) as won_deals,
        cast(needs.won_amount_reporting as double) / nullif(needs.quota_amount_reporting, 0) as quota_attainment,
        cast(needs.open_opportunities as bigint) as open_opportunities,
        cast(needs.open_pipeline_weighted_reporting as decimal(18, 2)) as open_pipeline_weighted_reporting,
        cast(needs.remaining_quota_reporting as decimal(18, 2)) as remaining_quota_reporting,
        cast(needs.conversion_rate_basis as string) as conversion_rate_basis,
        cast(needs.avg_deal_size_reporting as decimal(18, 2)) as avg_deal_size_reporting,
        cast(needs.sql_to_won_rate as double) as sql_to_won_rate,
        cast(needs.sal_to_sql_rate as double) as sal_to_sql_rate,
        cast(needs.entry_to_sal_rate as double) as entry_to_sal_rate,
        cast(needs.appointments_per_won_deal as double) as appointments_per_won_deal,
        cast(ceil(round(needs.deals_needed_exact, 6)) as bigint) as deals_needed,
        cast(ceil(round(needs.sqls_needed_exact, 6)) as bigint) as sqls_needed,
        cast(ceil(round(needs.sals_needed_exact, 6)) as bigint) as sals_needed,
        cast(ceil(round(needs.mqls_needed_exact, 6)) as bigint) as mqls_needed,
        cast(ceil(round(needs.appointments_needed_exact, 6)) as bigint) as appointments_needed
    from needs
    left join users on needs.rep_id = users.user_id
)

select * from final
