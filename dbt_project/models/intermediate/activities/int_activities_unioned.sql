{{ incremental_by_delivery('activity_id') }}

{#- Every customer interaction in one shape: tasks (phone calls, e-mails) and events (field
    visits, video meetings). WhoId / WhatId are resolved to the contact or lead and the
    opportunity or account they point to; the account is the one on the activity, else the
    opportunity's, else the account named in WhatId, else the contact's. Activities on leads
    (prospecting before an account exists) keep account_id null. Free text (subject, notes) is
    left out: it may name people, and the marts carry pseudonymous keys only.

    Incremental on DuckDB (macros/incremental.sql): a build re-resolves the activities delivered
    after the last build (last_loaded_at, the activity's own load) and those whose WhoId or
    WhatId names a contact, lead, opportunity or account delivered since, and replaces them
    (delete+insert on activity_id: task and event ids never coincide, Salesforce ids carry
    their object's prefix), so it gives the same table as a full build. -#}
with

tasks as (
    select * from {{ ref('stg_crm__tasks') }}
),

events as (
    select * from {{ ref('stg_crm__events') }}
),

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

task_activities as (
    select
        task_id as activity_id,
        'task' as activity_source,
        activity_type,
        owner_id as rep_id,
        who_id,
        what_id,
        account_id,
        coalesce(activity_date, cast(created_at as date)) as activity_date,
        cast(null as timestamp) as started_at,
        cast(call_duration_seconds as double) / 60 as duration_minutes,
        task_status,
        last_loaded_at
    from tasks
),

event_activities as (
    select
        event_id as activity_id,
        'event' as activity_source,
        activity_type,
        owner_id as rep_id,
        who_id,
        what_id,
        account_id,
        cast(coalesce(started_at, created_at) as date) as activity_date,
        started_at,
        cast(duration_minutes as double) as duration_minutes,
        cast(null as {{ dbt.type_string() }}) as task_status,
        last_loaded_at
    from events
),

all_activities as (
    select * from task_activities
    union all
    select * from event_activities
),

{% if is_incremental() %}

last_build as (
    {{ last_build_watermark() }}
),

changed_records as (
    select contacts.contact_id as record_id
    from contacts
    where {{ loaded_since_last_build('contacts') }}
    union
    select leads.lead_id as record_id
    from leads
    where {{ loaded_since_last_build('leads') }}
    union
    select opportunities.opportunity_id as record_id
    from opportunities
    where {{ loaded_since_last_build('opportunities') }}
    union
    select accounts.account_id as record_id
    from accounts
    where {{ loaded_since_last_build('accounts') }}
),

to_rebuild as (
    select all_activities.activity_id
    from all_activities
    where
        {{ loaded_since_last_build('all_activities') }}
        or all_activities.who_id in (select record_id from changed_records)
        or all_activities.what_id in (select record_id from changed_records)
),

{% endif %}

unioned as (
    select * from all_activities
    {{ where_to_rebuild('activity_id') }}
),

resolved as (
    select
        unioned.activity_id,
        unioned.activity_source,
        unioned.activity_type,
        unioned.rep_id,
        coalesce(
            unioned.account_id,
            opportunities.account_id,
            what_accounts.account_id,
            contacts.account_id
        ) as account_id,
        contacts.contact_id,
        leads.lead_id,
        opportunities.opportunity_id,
        unioned.activity_date,
        unioned.started_at,
        unioned.duration_minutes,
        unioned.task_status,
        unioned.last_loaded_at
    from unioned
    left join contacts on unioned.who_id = contacts.contact_id
    left join leads on unioned.who_id = leads.lead_id
    left join opportunities on unioned.what_id = opportunities.opportunity_id
    left join accounts as what_accounts on unioned.what_id = what_accounts.account_id
)

select * from resolved
