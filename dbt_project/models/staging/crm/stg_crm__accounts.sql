{{ incremental_by_delivery('account_id') }}

with

source as {{ not_materialized() }} (
    select * from {{ source('crm', 'accounts') }}
),

latest as (
    {{ dedup_latest('source', 'Id', 'SystemModstamp') }}
),

renamed as (
    select
        Id as account_id,
        {{ clean_text('Name') }} as account_name,
        {{ clean_text('Type') }} as account_type,
        {{ clean_text('Industry') }} as industry,
        {{ clean_text('BillingCountry') }} as country,
        {{ clean_currency('CurrencyIsoCode') }} as currency_code,
        {{ clean_text('Segment__c') }} as segment,
        {{ clean_text('Territory__c') }} as territory,
        OwnerId as owner_id,
        CreatedDate as created_at,
        SystemModstamp as modified_at,
        _last_loaded_at as last_loaded_at
    from latest
)

select * from renamed
