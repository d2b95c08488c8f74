{{ incremental_by_delivery('opportunity_id') }}

with

source as {{ not_materialized() }} (
    select * from {{ source('crm', 'opportunities') }}
),

latest as (
    {{ dedup_latest('source', 'Id', 'SystemModstamp') }}
),

renamed as (
    select
        Id as opportunity_id,
        AccountId as account_id,
        {{ clean_text('Name') }} as opportunity_name,
        {{ clean_text('Type') }} as opportunity_type,
        {{ clean_text('StageName') }} as stage_name,
        Amount as amount,
        {{ clean_currency('CurrencyIsoCode') }} as currency_code,
        Probability as probability,
        CloseDate as close_date,
        coalesce(IsClosed, false) as is_closed,
        coalesce(IsWon, false) as is_won,
        {{ clean_text('ForecastCategoryName') }} as forecast_category,
        nullif(trim(CampaignId), '') as campaign_id,
        nullif(trim(Lead_Id__c), '') as lead_id,
        OwnerId as owner_id,
        CreatedDate as created_at,
        SystemModstamp as modified_at,
        _delivery_count as delivery_count,
        _last_loaded_at as last_loaded_at
    from latest
)

select * from renamed
