with

source as (
    select * from {{ source('finance', 'revenue_bookings') }}
),

latest as (
    {{ dedup_latest('source', 'Rechnungsnummer') }}
),

renamed as (
    select
        trim(Rechnungsnummer) as invoice_id,
        Rechnungsdatum as invoice_date,
        nullif(trim(Opportunity), '') as opportunity_id,
        nullif(trim(Kunde), '') as account_id,
        Umsatz as revenue_amount,
        Herstellkosten as cost_of_sales_amount,
        {{ clean_currency('Waehrung') }} as currency_code,
        _delivery_count as delivery_count
    from latest
)

select * from renamed
