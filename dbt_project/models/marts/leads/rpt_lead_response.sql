{#- Lead response time per rep and month: of the leads handed over to sales in the month (every
    handover counts, one per cycle), how many were first touched within each response bucket
    (var lead_response_bucket_hours: within 1 h / 24 h / 48 h, later, never), their share, and
    how many of them turned into won deals (win rate per bucket). One row per rep (the lead's
    owner), handover month and bucket; every bucket appears for every rep-month with handovers,
    so the shares of a rep-month add up to 1. Recent handovers may still be open: open_handovers
    says how many outcomes are not decided yet. -#}
{%- set bucket_hours = var('lead_response_bucket_hours') %}
with

responses as (
    select * from {{ ref('int_lead_first_responses') }}
),

users as (
    select * from {{ ref('stg_crm__users') }}
),

buckets as (
    {%- for hours in bucket_hours %}
        select
            'within_{{ hours }}h' as response_bucket,
            {{ loop.index }} as response_bucket_order
        union all
    {%- endfor %}
    select
        'later' as response_bucket,
        {{ bucket_hours | length + 1 }} as response_bucket_order
    union all
    select
        'never' as response_bucket,
        {{ bucket_hours | length + 2 }} as response_bucket_order
),

handovers as (
    select
        coalesce(owner_id, '(unassigned)') as rep_id,
        cast({{ dbt.date_trunc('month', 'handover_at') }} as date) as handover_month,
        response_bucket,
        cycle_outcome,
        is_won,
        response_calendar_hours,
        response_business_hours
    from responses
),

rep_months as (
    select
        rep_id,
        handover_month,
        count(*) as rep_month_handovers
    from handovers
    group by rep_id, handover_month
),

bucket_results as (
    select
        rep_id,
        handover_month,
        response_bucket,
        count(*) as handovers,
        sum(case when cycle_outcome in ('won', 'lost', 'opportunity_open', 'converted') then 1 else 0 end)
            as converted_handovers,
        sum(case when is_won then 1 else 0 end) as won_handovers,
        sum(case when cycle_outcome in ('open', 'opportunity_open') then 1 else 0 end) as open_handovers,
        percentile_cont(0.5) within group (order by response_calendar_hours) as median_response_calendar_hours,
        percentile_cont(0.5) within group (order by response_business_hours) as median_response_business_hours
    from handovers
    group by rep_id, handover_month, response_bucket
),

grid as (
    select
        rep_months.rep_id,
        rep_months.handover_month,
        rep_months.rep_month_handovers,
        buckets.response_bucket,
        buckets.response_bucket_order
    from rep_months
    cross join buckets
),

joined as (
    select
        grid.*,
        users.user_name as rep_name,
        users.team,
        users.sales_role,
        coalesce(bucket_results.handovers, 0) as handovers,
        coalesce(bucket_results.converted_handovers, 0) as converted_handovers,
        coalesce(bucket_results.won_handovers, 0) as won_handovers,
        coalesce(bucket_results.open_handovers, 0) as open_handovers,
        bucket_results.median_response_calendar_hours,
        bucket_results.median_response_business_hours
    from grid
    left join bucket_results
        on
            grid.rep_id = bucket_results.rep_id
            and grid.handover_month = bucket_results.handover_month
            and grid.response_bucket = bucket_results.response_bucket
    left join users on grid.rep_id = users.user_id
),

shares as (
    select
        *,
        cast(handovers as double) / rep_month_handovers as share_of_handovers,
        cast(
            sum(handovers) over (
                partition by rep_id, handover_month
                order by response_bucket_order
                rows between unbounded preceding and current row
            ) as double
        ) / rep_month_handovers as cumulative_share_of_handovers
    from joined
),

final as (
    select
        cast(rep_id as string) as rep_id,
        cast(rep_name as string) as rep_name,
        cast(team as string) as team,
        cast(sales_role as string) as sales_role,
        cast(handover_month as date) as handover_month,
        cast(response_bucket as string) as response_bucket,
        cast(response_bucket_order as bigint) as response_bucket_order,
        cast(handovers as bigint) as handovers,
        cast(rep_month_handovers as bigint) as rep_month_handovers,
        cast(share_of_handovers as double) as share_of_handovers,
        cast(cumulative_share_of_handovers as double) as cumulative_share_of_handovers,
        cast(converted_handovers as bigint) as converted_handovers,
        cast(won_handovers as bigint) as won_handovers,
        cast(open_handovers as bigint) as open_handovers,
        cast(cast(won_handovers as double) / nullif(handovers, 0) as double) as win_rate,
        cast(median_response_calendar_hours as double) as median_response_calendar_hours,
        cast(median_response_business_hours as double) as median_response_business_hours
    from shares
)

select * from final
