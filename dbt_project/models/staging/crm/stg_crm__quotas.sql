with

source as (
    select * from {{ source('crm', 'quotas') }}
),

latest as (
    {{ dedup_latest('source', 'Id', 'SystemModstamp') }}
),

renamed as (
    select
        Id as quota_id,
        Rep__c as user_id,
        Month__c as quota_month,
        Quota_Amount__c as quota_amount,
        {{ clean_currency('CurrencyIsoCode') }} as currency_code,
        SystemModstamp as modified_at
    from latest
)

select * from renamed
