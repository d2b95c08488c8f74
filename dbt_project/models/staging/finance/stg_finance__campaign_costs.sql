with

source as (
    select * from {{ source('finance', 'campaign_costs') }}
),

latest as (
    {{ dedup_latest('source', 'Belegnummer') }}
),

renamed as (
    select
        trim(Belegnummer) as cost_line_id,
        Belegdatum as invoice_date,
        nullif(trim(Kampagne), '') as campaign_id,
        {{ clean_text('Kostenart') }} as cost_type,
        {{ clean_text('Lieferant') }} as supplier,
        Betrag as amount,
        {{ clean_currency('Waehrung') }} as currency_code,
        {{ clean_text('Buchungstext') }} as booking_text,
        _delivery_count as delivery_count
    from latest
)

select * from renamed
