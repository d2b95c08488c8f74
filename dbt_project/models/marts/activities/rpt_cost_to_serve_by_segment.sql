{#- Cost-to-serve per ABC segment and month: rpt_cost_to_serve summed over the accounts that were
    in the segment in that month. The monthly columns are the month's own figures; the
    trailing_* columns sum the accounts' trailing abc_trailing_months months, i.e. the window the
    segment itself is based on, so in every month A holds about abc_segment_a_share of
    trailing_revenue. Every segment has a row in every month, also when it has no account. -#}
with

cost_to_serve as (
    select * from {{ ref('rpt_cost_to_serve') }}
),

months as (
    select distinct
        month_start_date,
        is_current_month
    from cost_to_serve
),

segment_values as (
    select 'A' as abc_segment
    union all
    select 'B' as abc_segment
    union all
    select 'C' as abc_segment
),

segment_months as (
    select
        months.month_start_date,
        months.is_current_month,
        segment_values.abc_segment
    from months
    cross join segment_values
),

aggregated as (
    select
        month_start_date,
        abc_segment,
        count(*) as accounts,
        sum(case when trailing_revenue > 0 then 1 else 0 end) as accounts_with_revenue,
        sum(case when trailing_field_visits > 0 then 1 else 0 end) as accounts_visited,
        sum(case when is_field_visit_cost_above_margin then 1 else 0 end) as accounts_with_visit_cost_above_margin,
        sum(revenue) as revenue,
        sum(gross_margin) as gross_margin,
        sum(field_visits) as field_visits,
        sum(phone_calls) as phone_calls,
        sum(emails) as emails,
        sum(video_meetings) as video_meetings,
        sum(field_visit_cost) as field_visit_cost,
        sum(phone_call_cost) as phone_call_cost,
        sum(email_cost) as email_cost,
        sum(video_meeting_cost) as video_meeting_cost,
        sum(other_activity_cost) as other_activity_cost,
        sum(activity_cost) as activity_cost,
        sum(margin_after_cost_to_serve) as margin_after_cost_to_serve,
        sum(won_deals) as won_deals,
        sum(trailing_revenue) as trailing_revenue,
        sum(trailing_gross_margin) as trailing_gross_margin,
        sum(trailing_field_visits) as trailing_field_visits,
        sum(trailing_won_deals) as trailing_won_deals,
        sum(trailing_field_visit_cost) as trailing_field_visit_cost,
        sum(trailing_remote_activity_cost) as trailing_remote_activity_cost,
        sum(trailing_activity_cost) as trailing_activity_cost,
        sum(trailing_margin_after_cost_to_serve) as trailing_margin_after_cost_to_serve
    from cost_to_serve
    group by month_start_date, abc_segment
),

joined as (
    select
        segment_months.month_start_date,
        segment_months.is_current_month,
        segment_months.abc_segment,
        coalesce(aggregated.accounts, 0) as accounts,
        coalesce(aggregated.accounts_with_revenue, 0) as accounts_with_revenue,
        coalesce(aggregated.accounts_visited, 0) as accounts_visited,
        coalesce(aggregated.accounts_with_visit_cost_above_margin, 0) as accounts_with_visit_cost_above_margin,
        coalesce(aggregated.revenue, 0) as revenue,
        coalesce(aggregated.gross_margin, 0) as gross_margin,
        coalesce(aggregated.field_visits, 0) as field_visits,
        coalesce(aggregated.phone_calls, 0) as phone_calls,
        coalesce(aggregated.emails, 0) as emails,
        coalesce(aggregated.video_meetings, 0) as video_meetings,
        coalesce(aggregated.field_visit_cost, 0) as field_visit_cost,
        coalesce(aggregated.phone_call_cost, 0) as phone_call_cost,
        coalesce(aggregated.email_cost, 0) as email_cost,
        coalesce(aggregated.video_meeting_cost, 0) as video_meeting_cost,
        coalesce(aggregated.other_activity_cost, 0) as other_activity_cost,
        coalesce(aggregated.activity_cost, 0) as activity_cost,
        coalesce(aggregated.margin_after_cost_to_serve, 0) as margin_after_cost_to_serve,
        coalesce(aggregated.won_deals, 0) as won_deals,
        coalesce(aggregated.trailing_revenue, 0) as trailing_revenue,
        coalesce(aggregated.trailing_gross_margin, 0) as trailing_gross_margin,
        coalesce(aggregated.trailing_field_visits, 0) as trailing_field_visits,
        coalesce(aggregated.trailing_won_deals, 0) as trailing_won_deals,
        coalesce(aggregated.trailing_field_visit_cost, 0) as trailing_field_visit_cost,
        coalesce(aggregated.trailing_remote_activity_cost, 0) as trailing_remote_activity_cost,
        coalesce(aggregated.trailing_activity_cost, 0) as trailing_activity_cost,
        coalesce(aggregated.trailing_margin_after_cost_to_serve, 0) as trailing_margin_after_cost_to_serve
    from segment_months
    left join aggregated
        on
            segment_months.month_start_date = aggregated.month_start_date
            and segment_months.abc_segment = aggregated.abc_segment
),

with_shares as (
    select
        *,
        sum(trailing_revenue) over (partition by month_start_date) as month_trailing_revenue
    from joined
),

final as (
    select
        cast(month_start_date as date) as month_start_date,
        cast(abc_segment as string) as abc_segment,
        cast(is_current_month as boolean) as is_current_month,
        cast('{{ var("reporting_currency") }}' as string) as reporting_currency,
        cast(accounts as bigint) as accounts,
        cast(accounts_with_revenue as bigint) as accounts_with_revenue,
        cast(accounts_visited as bigint) as accounts_visited,
        cast(accounts_with_visit_cost_above_margin as bigint) as accounts_with_visit_cost_above_margin,
        cast(revenue as decimal(18, 2)) as revenue,
        cast(gross_margin as decimal(18, 2)) as gross_margin,
        cast(field_visits as bigint) as field_visits,
        cast(phone_calls as bigint) as phone_calls,
        cast(emails as bigint) as emails,
        cast(video_meetings as bigint) as video_meetings,
        cast(field_visit_cost as decimal(18, 2)) as field_visit_cost,
        cast(phone_call_cost as decimal(18, 2)) as phone_call_cost,
        cast(email_cost as decimal(18, 2)) as email_cost,
        cast(video_meeting_cost as decimal(18, 2)) as video_meeting_cost,
        cast(other_activity_cost as decimal(18, 2)) as other_activity_cost,
        cast(activity_cost as decimal(18, 2)) as activity_cost,
        cast(margin_after_cost_to_serve as decimal(18, 2)) as margin_after_cost_to_serve,
        cast(won_deals as bigint) as won_deals,
        cast({{ var('abc_trailing_months') }} as bigint) as trailing_months,
        cast(trailing_revenue as decimal(18, 2)) as trailing_revenue,
        cast(
            case
                when month_trailing_revenue > 0 then cast(trailing_revenue as double) / month_trailing_revenue
            end as double
        ) as trailing_revenue_share,
        cast(trailing_gross_margin as decimal(18, 2)) as trailing_gross_margin,
        cast(trailing_field_visits as bigint) as trailing_field_visits,
        cast(trailing_won_deals as bigint) as trailing_won_deals,
        cast(trailing_field_visit_cost as decimal(18, 2)) as trailing_field_visit_cost,
        cast(trailing_remote_activity_cost as decimal(18, 2)) as trailing_remote_activity_cost,
        cast(trailing_activity_cost as decimal(18, 2)) as trailing_activity_cost,
        cast(trailing_margin_after_cost_to_serve as decimal(18, 2)) as trailing_margin_after_cost_to_serve,
        cast(
            case
                when trailing_gross_margin > 0 then cast(trailing_activity_cost as double) / trailing_gross_margin
            end as double
        ) as trailing_cost_to_serve_ratio,
        cast(
            case when trailing_won_deals > 0 then cast(trailing_field_visits as double) / trailing_won_deals end
            as double
        ) as trailing_visits_per_won_deal
    from with_shares
)

select * from final
