{{ incremental_by_delivery('opportunity_history_id') }}

with

source as {{ not_materialized() }} (
    select * from {{ source('crm', 'opportunity_history') }}
),

latest as (
    {{ dedup_latest('source', 'Id', 'CreatedDate') }}
),

renamed as (
    select
        Id as opportunity_history_id,
        OpportunityId as opportunity_id,
        {{ clean_text('StageName') }} as stage_name,
        Amount as amount,
        Probability as probability,
        CloseDate as close_date,
        {{ clean_text('ForecastCategory') }} as forecast_category,
        CreatedById as changed_by_user_id,
        CreatedDate as changed_at,
        _last_loaded_at as last_loaded_at
    from latest
)

select * from renamed
