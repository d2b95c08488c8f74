with

source as (
    select * from {{ source('finance', 'fx_rates') }}
),

latest as (
    {{ dedup_latest('source', ['Datum', 'Waehrung']) }}
),

renamed as (
    select
        Datum as rate_date,
        {{ clean_currency('Waehrung') }} as currency_code,
        Kurs as units_per_base
    from latest
)

select * from renamed
