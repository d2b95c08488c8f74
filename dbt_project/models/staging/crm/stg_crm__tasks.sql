{{ incremental_by_delivery('task_id') }}

with

source as {{ not_materialized() }} (
    select * from {{ source('crm', 'tasks') }}
),

latest as (
    {{ dedup_latest('source', 'Id', 'SystemModstamp') }}
),

renamed as (
    select
        Id as task_id,
        WhoId as who_id,
        WhatId as what_id,
        AccountId as account_id,
        OwnerId as owner_id,
        {{ clean_text('Subject') }} as subject,
        case
            when lower(TaskSubtype) like '%call%' then 'phone_call'
            when lower(TaskSubtype) like '%email%' then 'email'
            else 'other_task'
        end as activity_type,
        ActivityDate as activity_date,
        CallDurationInSeconds as call_duration_seconds,
        {{ clean_text('Status') }} as task_status,
        Description as notes,
        CreatedDate as created_at,
        SystemModstamp as modified_at,
        _last_loaded_at as last_loaded_at
    from latest
)

select * from renamed
