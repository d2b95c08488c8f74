{{ incremental_by_delivery('touchpoint_id') }}

with

source as {{ not_materialized() }} (
    select * from {{ source('marketing', 'touchpoints') }}
),

latest as (
    {{ dedup_latest('source', 'touchpoint_id', 'occurred_at') }}
),

renamed as (
    select
        touchpoint_id,
        lower(trim(touch_type)) as touch_type,
        occurred_at,
        {{ normalize_email('email') }} as email,
        nullif(trim(lead_id), '') as lead_id,
        nullif(trim(contact_id), '') as contact_id,
        nullif(trim(campaign_id), '') as campaign_id,
        _last_loaded_at as last_loaded_at
    from latest
)

select * from renamed
