{#- One row per handover of a lead to sales (one per cycle that reached SAL, or SQL when SAL
    was skipped) with the first sales activity on the lead after it and the lead response time.

    First response: the earliest completed task or event on the lead (WhoId), by anyone, at or
    after the handover and before the lead's next cycle starts. Response time in calendar hours
    and in business hours: only the working days and business hours of the vars
    sales_working_weekdays / sales_business_hours_* count (UTC), summed day by day over a
    calendar spine, so the same SQL runs on every adapter. Bucket: 'within_<N>h' for the bounds
    of var lead_response_bucket_hours (measured in the hours of var lead_response_bucket_basis),
    'later', or 'never' (no sales activity as of the reporting date). -#}
{%- set bucket_hours = var('lead_response_bucket_hours') -%}
{%- set basis_column = 'response_business_hours' if var('lead_response_bucket_basis') == 'business'
    else 'response_calendar_hours' %}
with

cycles as (
    select * from {{ ref('int_lead_cycles') }}
),

activities as (
    select * from {{ ref('int_sales_activities_timed') }}
),

calendar as (
    select * from {{ ref('int_sales_calendar_days') }}
),

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

handovers as (
    select
        cycles.lead_cycle_id,
        cycles.lead_id,
        cycles.cycle_number,
        leads.owner_id,
        cycles.handover_at,
        case
            when cycles.first_sal_at = cycles.handover_at then 'SAL'
            when cycles.first_sql_at = cycles.handover_at then 'SQL'
            else 'Converted'
        end as handover_status,
        cycles.next_cycle_started_at,
        cycles.cycle_ended_at,
        cycles.cycle_outcome,
        cycles.is_won
    from cycles
    inner join leads on cycles.lead_id = leads.lead_id
    where cycles.handover_at is not null
),

lead_activities as (
    select
        activity_id,
        lead_id,
        activity_at,
        activity_type,
        owner_id
    from activities
    where lead_id is not null and is_completed
),

responses_ranked as (
    select
        handovers.lead_cycle_id,
        lead_activities.activity_id,
        lead_activities.activity_at,
        lead_activities.activity_type,
        lead_activities.owner_id,
        row_number() over (
            partition by handovers.lead_cycle_id
            order by lead_activities.activity_at, lead_activities.activity_id
        ) as response_rank
    from handovers
    inner join lead_activities
        on
            handovers.lead_id = lead_activities.lead_id
            and handovers.handover_at <= lead_activities.activity_at
            and (
                handovers.next_cycle_started_at is null
                or handovers.next_cycle_started_at > lead_activities.activity_at
            )
),

first_responses as (
    select
        lead_cycle_id,
        activity_id as first_activity_id,
        activity_at as first_activity_at,
        activity_type as first_activity_type,
        owner_id as first_activity_owner_id
    from responses_ranked
    where response_rank = 1
),

responded as (
    select
        handovers.*,
        first_responses.first_activity_id,
        first_responses.first_activity_at,
        first_responses.first_activity_type,
        first_responses.first_activity_owner_id
    from handovers
    left join first_responses on handovers.lead_cycle_id = first_responses.lead_cycle_id
),

business_seconds as (
    select
        responded.lead_cycle_id,
        sum(
            greatest(
                {{ dbt.datediff(
                    'greatest(responded.handover_at, calendar.business_hours_start_at)',
                    'least(responded.first_activity_at, calendar.business_hours_end_at)',
                    'second',
                ) }},
                0
            )
        ) as response_business_seconds
    from responded
    inner join calendar
        on
            calendar.calendar_date >= cast(responded.handover_at as date)
            and calendar.calendar_date <= cast(responded.first_activity_at as date)
            and calendar.is_working_day
    group by responded.lead_cycle_id
),

response_times as (
    select
        responded.*,
        cast(
            {{ dbt.datediff('responded.handover_at', 'responded.first_activity_at', 'second') }}
            as double
        ) / 3600 as response_calendar_hours,
        case
            when responded.first_activity_at is not null
                then cast(coalesce(business_seconds.response_business_seconds, 0) as double) / 3600
        end as response_business_hours
    from responded
    left join business_seconds on responded.lead_cycle_id = business_seconds.lead_cycle_id
),

bucketed as (
    select
        *,
        case
            when first_activity_at is null then 'never'
            {%- for hours in bucket_hours %}
                when {{ basis_column }} <= {{ hours }} then 'within_{{ hours }}h'
            {%- endfor %}
            else 'later'
        end as response_bucket,
        case
            when first_activity_at is null then {{ bucket_hours | length + 2 }}
            {%- for hours in bucket_hours %}
                when {{ basis_column }} <= {{ hours }} then {{ loop.index }}
            {%- endfor %}
            else {{ bucket_hours | length + 1 }}
        end as response_bucket_order,
        first_activity_at is null and cycle_outcome = 'open' as is_awaiting_response
    from response_times
)

select * from bucketed
