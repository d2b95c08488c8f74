with

source as (
    select * from {{ source('marketing', 'campaigns') }}
),

latest as (
    {{ dedup_latest('source', 'campaign_id', 'updated_at') }}
),

renamed as (
    select
        trim(campaign_id) as campaign_id,
        {{ clean_text('name') }} as campaign_name,
        lower(trim(channel)) as channel,
        lower(trim(status)) as campaign_status,
        start_date,
        end_date,
        planned_budget,
        expected_revenue,
        {{ clean_currency('currency') }} as currency_code,
        updated_at as modified_at
    from latest
)

select * from renamed
