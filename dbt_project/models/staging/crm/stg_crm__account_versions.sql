{#- Every version of every account the CRM delivered (not only the latest): the account's type
    history (Prospect -> Customer -> Former Customer) lives only here. A version is one
    (account, SystemModstamp); a byte-identical re-delivery of it is kept once. -#}
with

source as (
    select * from {{ source('crm', 'accounts') }}
),

versions as (
    {{ dedup_latest('source', ['Id', 'SystemModstamp']) }}
),

renamed as (
    select
        Id as account_id,
        {{ clean_text('Type') }} as account_type,
        coalesce(lower(trim(Type)) = 'customer', false) as is_customer,
        OwnerId as owner_id,
        SystemModstamp as modified_at
    from versions
)

select * from renamed
