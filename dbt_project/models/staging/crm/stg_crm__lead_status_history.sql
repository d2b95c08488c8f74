{{ incremental_by_delivery('lead_history_id') }}

with

source as {{ not_materialized() }} (
    select * from {{ source('crm', 'lead_history') }}
),

latest as (
    {{ dedup_latest('source', 'Id', 'CreatedDate') }}
),

status_changes as (
    select
        Id as lead_history_id,
        LeadId as lead_id,
        {{ clean_text('OldValue') }} as old_status,
        {{ clean_text('NewValue') }} as new_status,
        CreatedById as changed_by_user_id,
        CreatedDate as changed_at,
        _last_loaded_at as last_loaded_at
    from latest
    where lower(trim(Field)) = 'status'
)

select * from status_changes
