{{ incremental_by_delivery('contact_id') }}

with

source as {{ not_materialized() }} (
    select * from {{ source('crm', 'contacts') }}
),

latest as (
    {{ dedup_latest('source', 'Id', 'SystemModstamp') }}
),

renamed as (
    select
        Id as contact_id,
        AccountId as account_id,
        {{ clean_text('FirstName') }} as first_name,
        {{ clean_text('LastName') }} as last_name,
        {{ normalize_email('Email') }} as email,
        {{ clean_text('Phone') }} as phone,
        {{ clean_text('Title') }} as title,
        OwnerId as owner_id,
        CreatedDate as created_at,
        SystemModstamp as modified_at,
        _last_loaded_at as last_loaded_at
    from latest
)

select * from renamed
