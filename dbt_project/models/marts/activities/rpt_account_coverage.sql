{#- The current state of every account as of the reporting date: its current ABC segment, owner,
    the last completed interaction (by anyone, any channel) and whether there was one in the last
    activity_coverage_days days (the reporting date and the days before it), plus its open
    opportunities. is_open_without_interaction marks the accounts with open opportunities nobody
    has talked to within the window: the "nobody knows the customer's state" list. -#}
with

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

users as (
    select * from {{ ref('stg_crm__users') }}
),

segments as (
    select * from {{ ref('dim_account_segments_monthly') }}
),

activities as (
    select * from {{ ref('fct_activities') }}
),

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

as_of as (
    select
        {{ reporting_date() }} as as_of_date,
        cast({{ dbt.dateadd('day', 1 - var('activity_coverage_days'), reporting_date()) }} as date) as window_start_date
),

account_interactions as (
    select
        account_id,
        activity_id,
        activity_type,
        activity_date,
        rep_id,
        row_number() over (
            partition by account_id
            order by activity_date desc, activity_id desc
        ) as recency_rank
    from activities
    where is_completed and account_id is not null
),

interaction_summary as (
    select
        account_interactions.account_id,
        max(account_interactions.activity_date) as last_interaction_date,
        max(
            case when account_interactions.activity_type = 'field_visit' then account_interactions.activity_date end
        ) as last_field_visit_date,
        sum(
            case when account_interactions.activity_date >= as_of.window_start_date then 1 else 0 end
        ) as interactions_in_window
    from account_interactions
    cross join as_of
    group by account_interactions.account_id
),

last_interactions as (
    select
        account_id,
        activity_type as last_interaction_type,
        rep_id as last_interaction_rep_id
    from account_interactions
    where recency_rank = 1
),

open_opportunities as (
    select
        account_id,
        count(*) as open_opportunities,
        sum(amount_reporting) as open_pipeline
    from opportunities
    where not is_closed and account_id is not null
    group by account_id
),

current_segments as (
    select
        account_id,
        abc_segment
    from segments
    where is_current_month
),

joined as (
    select
        accounts.account_id,
        accounts.account_name,
        accounts.account_type,
        accounts.territory,
        accounts.owner_id,
        users.sales_role as owner_role,
        coalesce(current_segments.abc_segment, 'C') as abc_segment,
        as_of.as_of_date,
        interaction_summary.last_interaction_date,
        last_interactions.last_interaction_type,
        last_interactions.last_interaction_rep_id,
        {{ dbt.datediff(
            'interaction_summary.last_interaction_date',
            'as_of.as_of_date',
            'day',
        ) }} as days_since_last_interaction,
        interaction_summary.last_field_visit_date,
        coalesce(interaction_summary.interactions_in_window, 0) as interactions_in_window,
        coalesce(open_opportunities.open_opportunities, 0) as open_opportunities,
        coalesce(open_opportunities.open_pipeline, 0) as open_pipeline
    from accounts
    cross join as_of
    left join users on accounts.owner_id = users.user_id
    left join current_segments on accounts.account_id = current_segments.account_id
    left join interaction_summary on accounts.account_id = interaction_summary.account_id
    left join last_interactions on accounts.account_id = last_interactions.account_id
    left join open_opportunities on accounts.account_id = open_opportunities.account_id
),

final as (
    select
        cast(account_id as string) as account_id,
        cast(account_name as string) as account_name,
        cast(account_type as string) as account_type,
        cast(territory as string) as territory,
        cast(owner_id as string) as owner_id,
        cast(owner_role as string) as owner_role,
        cast(abc_segment as string) as abc_segment,
        cast(as_of_date as date) as as_of_date,
        cast(last_interaction_date as date) as last_interaction_date,
        cast(last_interaction_type as string) as last_interaction_type,
        cast(last_interaction_rep_id as string) as last_interaction_rep_id,
        cast(days_since_last_interaction as bigint) as days_since_last_interaction,
        cast(last_field_visit_date as date) as last_field_visit_date,
        cast(interactions_in_window as bigint) as interactions_in_window,
        cast(interactions_in_window > 0 as boolean) as is_covered,
        cast(open_opportunities as bigint) as open_opportunities,
        cast('{{ var("reporting_currency") }}' as string) as reporting_currency,
        cast(open_pipeline as decimal(18, 2)) as open_pipeline,
        cast(open_opportunities > 0 as boolean) as has_open_opportunity,
        cast(open_opportunities > 0 and interactions_in_window = 0 as boolean) as is_open_without_interaction
    from joined
)

select * from final
