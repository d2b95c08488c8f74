{{ incremental_by_delivery('event_id') }}

with

source as {{ not_materialized() }} (
    select * from {{ source('crm', 'events') }}
),

latest as (
    {{ dedup_latest('source', 'Id', 'SystemModstamp') }}
),

renamed as (
    select
        Id as event_id,
        WhoId as who_id,
        WhatId as what_id,
        AccountId as account_id,
        OwnerId as owner_id,
        {{ clean_text('Subject') }} as subject,
        case
            when lower(Type) like '%visit%' then 'field_visit'
            when lower(Type) like '%video%' then 'video_meeting'
            else 'other_meeting'
        end as activity_type,
        StartDateTime as started_at,
        DurationInMinutes as duration_minutes,
        {{ clean_text('Location') }} as location,
        Description as notes,
        CreatedDate as created_at,
        SystemModstamp as modified_at,
        _last_loaded_at as last_loaded_at
    from latest
)

select * from renamed
