{{ incremental_by_delivery('lead_id') }}

with

source as {{ not_materialized() }} (
    select * from {{ source('crm', 'leads') }}
),

latest as (
    {{ dedup_latest('source', 'Id', 'SystemModstamp') }}
),

renamed as (
    select
        Id as lead_id,
        {{ clean_text('FirstName') }} as first_name,
        {{ clean_text('LastName') }} as last_name,
        {{ normalize_email('Email') }} as email,
        {{ clean_text('Phone') }} as phone,
        {{ clean_text('Company') }} as company,
        {{ clean_text('Country') }} as country,
        {{ clean_text('LeadSource') }} as lead_source,
        case
            when lower(Lead_Origin__c) like 'sales%' then 'sales'
            when lower(Lead_Origin__c) like 'marketing%' then 'marketing'
            else 'unknown'
        end as lead_origin,
        {{ clean_text('Status') }} as lead_status,
        Primary_Campaign__c as campaign_id,
        OwnerId as owner_id,
        coalesce(Budget_Confirmed__c, false) as is_budget_confirmed,
        coalesce(Authority_Confirmed__c, false) as is_authority_confirmed,
        coalesce(Need_Confirmed__c, false) as is_need_confirmed,
        coalesce(Timeframe_Confirmed__c, false) as is_timeframe_confirmed,
        coalesce(IsConverted, false) as is_converted,
        ConvertedDate as converted_date,
        ConvertedAccountId as converted_account_id,
        ConvertedContactId as converted_contact_id,
        ConvertedOpportunityId as converted_opportunity_id,
        CreatedDate as created_at,
        SystemModstamp as modified_at,
        _delivery_count as delivery_count,
        _last_loaded_at as last_loaded_at
    from latest
)

select * from renamed
