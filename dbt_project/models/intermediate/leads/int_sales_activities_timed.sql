{#- One row per sales activity (task: phone call, e-mail; event: field visit, video meeting)
    with the moment it happened, the lead it was about (if any) and the rep time it demands.

    activity_at: events start at started_at. Tasks carry a date (ActivityDate) and the moment
    they were logged (CreatedDate): a task logged on its activity date happened then; one
    logged on another day (scheduled ahead, or logged after the fact) happened at an unknown
    time of its activity date, taken as the start of that day.
    is_completed: a task whose status is Completed (or empty), an event that started before the
    reporting date; everything else is booked but not done yet.
    Time demand per activity type and step (scheduling, preparation, travel, presentation,
    follow-up) comes from var capacity_hours_per_activity; unknown types demand nothing. -#}
{%- set steps = ['scheduling', 'preparation', 'travel', 'presentation', 'follow_up'] -%}
{%- set hours = var('capacity_hours_per_activity') -%}
{%- for activity_type, type_hours in hours.items() -%}
    {%- for step in type_hours if step not in steps -%}
        {{ exceptions.raise_compiler_error(
            "var capacity_hours_per_activity: unknown step '" ~ step ~ "' for '" ~ activity_type
            ~ "'; the steps are " ~ steps | join(', ')
        ) }}
    {%- endfor -%}
{%- endfor %}
with

tasks as (
    select * from {{ ref('stg_crm__tasks') }}
),

events as (
    select * from {{ ref('stg_crm__events') }}
),

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

task_activities as (
    select
        task_id as activity_id,
        'task' as activity_source,
        activity_type,
        owner_id,
        who_id,
        what_id,
        case
            when activity_date is null or activity_date = cast(created_at as date) then created_at
            else cast(activity_date as timestamp)
        end as activity_at,
        coalesce(lower(task_status), 'completed') = 'completed' as is_done_in_crm
    from tasks
),

event_activities as (
    select
        event_id as activity_id,
        'event' as activity_source,
        activity_type,
        owner_id,
        who_id,
        what_id,
        coalesce(started_at, created_at) as activity_at,
        true as is_done_in_crm
    from events
),

activities as (
    select * from task_activities
    union all
    select * from event_activities
),

lead_sourced_opportunities as (
    select opportunity_id
    from opportunities
    where lead_id is not null
),

resolved as (
    select
        activities.activity_id,
        activities.activity_source,
        activities.activity_type,
        activities.owner_id,
        activities.who_id,
        activities.what_id,
        leads.lead_id,
        activities.activity_at,
        cast(activities.activity_at as date) as activity_date,
        cast({{ dbt.date_trunc('month', 'activities.activity_at') }} as date) as activity_month,
        activities.activity_source = 'event' as is_appointment,
        activities.is_done_in_crm
        and activities.activity_at < cast({{ reporting_date() }} as timestamp) as is_completed,
        leads.lead_id is not null or lead_sourced_opportunities.opportunity_id is not null as is_lead_related
    from activities
    left join leads on activities.who_id = leads.lead_id
    left join lead_sourced_opportunities on activities.what_id = lead_sourced_opportunities.opportunity_id
),

demand as (
    select
        *,
        {%- for step in steps %}
            cast(
                case activity_type
                    {%- for activity_type, type_hours in hours.items() %}
                        when '{{ activity_type }}' then {{ type_hours.get(step, 0) }}
                    {%- endfor %}
                    else 0
                end as double
            ) as {{ step }}_hours,
        {%- endfor %}
        cast(
            case activity_type
                {%- for activity_type, type_hours in hours.items() %}
                    when '{{ activity_type }}' then {{ type_hours.values() | sum }}
                {%- endfor %}
                else 0
            end as double
        ) as demand_hours
    from resolved
)

select * from demand
