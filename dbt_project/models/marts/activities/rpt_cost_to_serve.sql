{{ incremental_by_delivery(['account_id', 'month_start_date']) }}
{{ config(post_hook="{{ delete_months_not_in(ref('dim_account_segments_monthly')) }}") }}

{#- Cost-to-serve per account and month (every month from the account's first month to the
    reporting month, also months without anything): booked revenue and gross margin (finance),
    the cost of the completed interactions with the account by channel (fct_activities),
    margin after cost-to-serve, won deals, and the same sums over the trailing
    abc_trailing_months months, on which the field-visit flag is based. The segment is the
    account's ABC segment in that month. Activities without an account (prospecting of leads)
    are not cost-to-serve of any account; they stay in fct_activities.

    The spine (account-months) and its revenue and margin come from
    dim_account_segments_monthly, so no join builds a hash table of the spine's rows: the model
    keeps its row order (account, month) and does not spill to disk when it shares DuckDB's
    memory limit with another model.

    Incremental on DuckDB (macros/incremental.sql): a row is a function of the account-month's
    spine row, the account's attributes and its activities and won deals, so a build compares
    those with what the stored rows hold and replaces what differs (delete+insert on
    account_id, month_start_date):
    - every month of an account whose spine rows (segment, revenue, margins, months) differ in
      the months the table holds, whose name, type, territory or country differ, or whose
      months with completed activities or won deals differ (fingerprints per account, the sums
      of its rows' hashes, new against stored; trailing sums follow from those months);
    - the rows of a new reporting month and the previous month's rows (no longer
      is_current_month): nothing else changes with the month.
    Rows outside an account's months in the spine are deleted (post-hook). A day's delivery
    thus rewrites the few accounts it touches instead of all rows. -#}
with

spine as (
    select * from {{ ref('dim_account_segments_monthly') }}
),

activities as (
    select * from {{ ref('fct_activities') }}
),

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

account_activities as (
    select
        account_id,
        cast({{ dbt.date_trunc('month', 'activity_date') }} as date) as month_start_date,
        case
            when activity_type in ('field_visit', 'phone_call', 'email', 'video_meeting') then activity_type
            else 'other'
        end as channel,
        cost_reporting as cost
    from activities
    where is_completed and account_id is not null
),

monthly_activities as (
    {#- Counts and cents in 64-bit types (a plain sum widens them to 128 bits), which keeps the
        join onto the spine's 9.8 M rows (scale 100) and the final casts cheap. -#}
    select
        account_id,
        month_start_date,
        cast(sum(case when channel = 'field_visit' then 1 else 0 end) as bigint) as field_visits,
        cast(sum(case when channel = 'phone_call' then 1 else 0 end) as bigint) as phone_calls,
        cast(sum(case when channel = 'email' then 1 else 0 end) as bigint) as emails,
        cast(sum(case when channel = 'video_meeting' then 1 else 0 end) as bigint) as video_meetings,
        cast(sum(case when channel = 'other' then 1 else 0 end) as bigint) as other_activities,
        cast(sum(case when channel = 'field_visit' then cost else 0 end) as decimal(18, 2)) as field_visit_cost,
        cast(sum(case when channel = 'phone_call' then cost else 0 end) as decimal(18, 2)) as phone_call_cost,
        cast(sum(case when channel = 'email' then cost else 0 end) as decimal(18, 2)) as email_cost,
        cast(sum(case when channel = 'video_meeting' then cost else 0 end) as decimal(18, 2)) as video_meeting_cost,
        cast(sum(case when channel = 'other' then cost else 0 end) as decimal(18, 2)) as other_activity_cost,
        cast(sum(cost) as decimal(18, 2)) as activity_cost
    from account_activities
    group by account_id, month_start_date
),

monthly_won_deals as (
    select
        account_id,
        cast({{ dbt.date_trunc('month', 'close_date') }} as date) as month_start_date,
        cast(count(*) as bigint) as won_deals
    from opportunities
    where is_won and account_id is not null
    group by account_id, cast({{ dbt.date_trunc('month', 'close_date') }} as date)
),

months as (
    select distinct month_start_date from spine
),

counted_months as (
    {#- Months with a completed activity or a won deal: the only ones adding to trailing sums
        (those of the account's months in the spine, below). -#}
    select
        account_id,
        month_start_date,
        sum(field_visits) as field_visits,
        sum(won_deals) as won_deals,
        sum(field_visit_cost) as field_visit_cost,
        sum(remote_activity_cost) as remote_activity_cost,
        sum(activity_cost) as activity_cost
    from (
        select
            account_id,
            month_start_date,
            field_visits,
            0 as won_deals,
            field_visit_cost,
            phone_call_cost + email_cost + video_meeting_cost + other_activity_cost as remote_activity_cost,
            activity_cost
        from monthly_activities
        union all
        select
            account_id,
            month_start_date,
            0 as field_visits,
            won_deals,
            0 as field_visit_cost,
            0 as remote_activity_cost,
            0 as activity_cost
        from monthly_won_deals
    ) as counted
    group by account_id, month_start_date
),

spine_months as (
    {#- Each account's months in the spine: from its first month to the reporting month, with
        none missing. -#}
    select
        account_id,
        min(month_start_date) as first_month_date,
        max(month_start_date) as last_month_date
    from spine
    group by account_id
),

{% if is_incremental() %}

{%- set spine_columns = [
    'month_start_date', 'abc_segment', 'revenue', 'cost_of_sales', 'gross_margin',
    'trailing_revenue', 'trailing_gross_margin'] %}

{%- set activity_columns = [
    'month_start_date', 'field_visits', 'phone_calls', 'emails', 'video_meetings',
    'other_activities', 'field_visit_cost', 'phone_call_cost', 'email_cost', 'video_meeting_cost',
    'other_activity_cost', 'activity_cost', 'won_deals'] %}

activity_months as (
    {#- The month's own counts and costs as the model stores them, in the account's months. -#}
    select
        counted.account_id,
        counted.month_start_date,
        cast(coalesce(monthly_activities.field_visits, 0) as bigint) as field_visits,
        cast(coalesce(monthly_activities.phone_calls, 0) as bigint) as phone_calls,
        cast(coalesce(monthly_activities.emails, 0) as bigint) as emails,
        cast(coalesce(monthly_activities.video_meetings, 0) as bigint) as video_meetings,
        cast(coalesce(monthly_activities.other_activities, 0) as bigint) as other_activities,
        cast(coalesce(monthly_activities.field_visit_cost, 0) as decimal(18, 2)) as field_visit_cost,
        cast(coalesce(monthly_activities.phone_call_cost, 0) as decimal(18, 2)) as phone_call_cost,
        cast(coalesce(monthly_activities.email_cost, 0) as decimal(18, 2)) as email_cost,
        cast(coalesce(monthly_activities.video_meeting_cost, 0) as decimal(18, 2)) as video_meeting_cost,
        cast(coalesce(monthly_activities.other_activity_cost, 0) as decimal(18, 2)) as other_activity_cost,
        cast(coalesce(monthly_activities.activity_cost, 0) as decimal(18, 2)) as activity_cost,
        cast(coalesce(monthly_won_deals.won_deals, 0) as bigint) as won_deals
    from counted_months as counted
    inner join spine_months
        on
            counted.account_id = spine_months.account_id
            and counted.month_start_date between spine_months.first_month_date and spine_months.last_month_date
    left join monthly_activities
        on
            counted.account_id = monthly_activities.account_id
            and counted.month_start_date = monthly_activities.month_start_date
    left join monthly_won_deals
        on
            counted.account_id = monthly_won_deals.account_id
            and counted.month_start_date = monthly_won_deals.month_start_date
),

built_activity_months as (
    select *
    from {{ this }}
    where field_visits + phone_calls + emails + video_meetings + other_activities + won_deals > 0
),

months_to_rebuild as (
    {{ rows_of_new_months('spine') }}
),

stored_spine_months as (
    {{ months_stored('spine') }}
),

accounts_to_rebuild as (
    select built.account_id
    from {{ this }} as built
    left join accounts
        on built.account_id = accounts.account_id
    where
        built.is_current_month
        and (
            built.account_name is distinct from accounts.account_name
            or built.account_type is distinct from accounts.account_type
            or built.territory is distinct from accounts.territory
            or built.country is distinct from accounts.country
        )
    union
    {{ keys_whose_rows_differ('account_id', 'activity_months', 'built_activity_months', activity_columns) }}
    union
    {# Spine rows new, gone or different in the months the table holds (is_current_month
        aside: see months_to_rebuild). #}
    {{ keys_whose_rows_differ('account_id', 'stored_spine_months', this, spine_columns) }}
),

{% endif %}

segments as (
    select spine.*
    from spine
    {{ where_account_months_to_rebuild('spine') }}
),

trailing_counts as (
    {#- Each counted month adds to itself and the abc_trailing_months - 1 months after it. -#}
    select
        counted_months.account_id,
        months.month_start_date,
        cast(sum(counted_months.field_visits) as bigint) as trailing_field_visits,
        cast(sum(counted_months.won_deals) as bigint) as trailing_won_deals,
        cast(sum(counted_months.field_visit_cost) as decimal(18, 2)) as trailing_field_visit_cost,
        cast(sum(counted_months.remote_activity_cost) as decimal(18, 2)) as trailing_remote_activity_cost,
        cast(sum(counted_months.activity_cost) as decimal(18, 2)) as trailing_activity_cost
    from (
        select * from counted_months
        {% if is_incremental() -%}
            where account_id in (select account_id from segments)
        {%- endif %}
    ) as counted_months
    inner join spine_months
        on
            counted_months.account_id = spine_months.account_id
            and counted_months.month_start_date
            between spine_months.first_month_date and spine_months.last_month_date
    inner join months
        on {{ in_trailing_window_of('months.month_start_date', 'counted_months.month_start_date') }}
    group by counted_months.account_id, months.month_start_date
),

joined as (
    select
        segments.account_id,
        segments.month_start_date,
        segments.is_current_month,
        segments.abc_segment,
        accounts.account_name,
        accounts.account_type,
        accounts.territory,
        accounts.country,
        segments.revenue,
        segments.cost_of_sales,
        segments.gross_margin,
        segments.trailing_revenue,
        segments.trailing_gross_margin,
        coalesce(monthly_activities.field_visits, 0) as field_visits,
        coalesce(monthly_activities.phone_calls, 0) as phone_calls,
        coalesce(monthly_activities.emails, 0) as emails,
        coalesce(monthly_activities.video_meetings, 0) as video_meetings,
        coalesce(monthly_activities.other_activities, 0) as other_activities,
        coalesce(monthly_activities.field_visit_cost, 0) as field_visit_cost,
        coalesce(monthly_activities.phone_call_cost, 0) as phone_call_cost,
        coalesce(monthly_activities.email_cost, 0) as email_cost,
        coalesce(monthly_activities.video_meeting_cost, 0) as video_meeting_cost,
        coalesce(monthly_activities.other_activity_cost, 0) as other_activity_cost,
        coalesce(monthly_activities.activity_cost, 0) as activity_cost,
        coalesce(monthly_won_deals.won_deals, 0) as won_deals,
        coalesce(trailing_counts.trailing_field_visits, 0) as trailing_field_visits,
        coalesce(trailing_counts.trailing_won_deals, 0) as trailing_won_deals,
        coalesce(trailing_counts.trailing_field_visit_cost, 0) as trailing_field_visit_cost,
        coalesce(trailing_counts.trailing_remote_activity_cost, 0) as trailing_remote_activity_cost,
        coalesce(trailing_counts.trailing_activity_cost, 0) as trailing_activity_cost
    from segments
    left join accounts on segments.account_id = accounts.account_id
    left join monthly_activities
        on
            segments.account_id = monthly_activities.account_id
            and segments.month_start_date = monthly_activities.month_start_date
    left join monthly_won_deals
        on
            segments.account_id = monthly_won_deals.account_id
            and segments.month_start_date = monthly_won_deals.month_start_date
    left join trailing_counts
        on
            segments.account_id = trailing_counts.account_id
            and segments.month_start_date = trailing_counts.month_start_date
),

final as (
    select
        cast(account_id as string) as account_id,
        cast(month_start_date as date) as month_start_date,
        cast(is_current_month as boolean) as is_current_month,
        cast(abc_segment as string) as abc_segment,
        cast(account_name as string) as account_name,
        cast(account_type as string) as account_type,
        cast(territory as string) as territory,
        cast(country as string) as country,
        cast('{{ var("reporting_currency") }}' as string) as reporting_currency,
        {{ to_cents('revenue') }} as revenue,
        {{ to_cents('cost_of_sales') }} as cost_of_sales,
        {{ to_cents('gross_margin') }} as gross_margin,
        cast(field_visits as bigint) as field_visits,
        cast(phone_calls as bigint) as phone_calls,
        cast(emails as bigint) as emails,
        cast(video_meetings as bigint) as video_meetings,
        cast(other_activities as bigint) as other_activities,
        cast(field_visit_cost as decimal(18, 2)) as field_visit_cost,
        cast(phone_call_cost as decimal(18, 2)) as phone_call_cost,
        cast(email_cost as decimal(18, 2)) as email_cost,
        cast(video_meeting_cost as decimal(18, 2)) as video_meeting_cost,
        cast(other_activity_cost as decimal(18, 2)) as other_activity_cost,
        cast(activity_cost as decimal(18, 2)) as activity_cost,
        {{ to_cents('gross_margin - activity_cost') }} as margin_after_cost_to_serve,
        cast(won_deals as bigint) as won_deals,
        {{ to_cents('trailing_revenue') }} as trailing_revenue,
        {{ to_cents('trailing_gross_margin') }} as trailing_gross_margin,
        cast(trailing_field_visits as bigint) as trailing_field_visits,
        cast(trailing_won_deals as bigint) as trailing_won_deals,
        cast(trailing_field_visit_cost as decimal(18, 2)) as trailing_field_visit_cost,
        cast(trailing_remote_activity_cost as decimal(18, 2)) as trailing_remote_activity_cost,
        cast(trailing_activity_cost as decimal(18, 2)) as trailing_activity_cost,
        {{ to_cents('trailing_gross_margin - trailing_activity_cost') }} as trailing_margin_after_cost_to_serve,
        cast(
            case
                when trailing_won_deals > 0 then cast(trailing_field_visits as double) / trailing_won_deals
            end as double
        ) as trailing_visits_per_won_deal,
        cast(
            trailing_field_visit_cost > 0 and trailing_field_visit_cost > trailing_gross_margin as boolean
        ) as is_field_visit_cost_above_margin
    from joined
)

select * from final
