{{ incremental_by_delivery('campaign_member_id') }}

with

source as {{ not_materialized() }} (
    select * from {{ source('marketing', 'campaign_members') }}
),

latest as (
    {{ dedup_latest('source', 'member_id', 'updated_at') }}
),

renamed as (
    select
        member_id as campaign_member_id,
        trim(campaign_id) as campaign_id,
        nullif(trim(lead_id), '') as lead_id,
        nullif(trim(contact_id), '') as contact_id,
        {{ normalize_email('email') }} as email,
        lower(trim(member_status)) as member_status,
        added_at,
        updated_at as modified_at,
        _last_loaded_at as last_loaded_at
    from latest
)

select * from renamed
