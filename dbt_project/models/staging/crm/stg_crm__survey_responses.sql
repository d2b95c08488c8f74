with

source as (
    select * from {{ source('crm', 'surveys') }}
),

latest as (
    {{ dedup_latest('source', 'Id', 'SystemModstamp') }}
),

renamed as (
    select
        Id as survey_response_id,
        AccountId as account_id,
        nullif(trim(ContactId), '') as contact_id,
        Score__c as score,
        Response_Date__c as response_date,
        SystemModstamp as modified_at
    from latest
)

select * from renamed
