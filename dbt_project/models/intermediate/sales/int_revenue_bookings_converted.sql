{#- Finance's booked revenue per invoice in original and reporting currency (FX of the invoice
    date), with the opportunity's owner as the rep the revenue counts for (the account owner
    when the invoice names no known opportunity). Invoices dated after the reporting date are
    not booked yet. A missing FX rate leaves revenue_reporting null, which fails a test. -#}
with

bookings as (
    select * from {{ ref('stg_finance__revenue_bookings') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

fx_rates as (
    select * from {{ ref('int_fx_rates_daily') }}
),

booked_until_reporting_date as (
    select * from bookings
    where invoice_date <= {{ reporting_date() }}
),

with_rep as (
    select
        booked_until_reporting_date.*,
        coalesce(booked_until_reporting_date.account_id, opportunities.account_id) as booked_account_id,
        coalesce(opportunities.owner_id, accounts.owner_id) as rep_id
    from booked_until_reporting_date
    left join opportunities on booked_until_reporting_date.opportunity_id = opportunities.opportunity_id
    left join accounts
        on coalesce(booked_until_reporting_date.account_id, opportunities.account_id) = accounts.account_id
),

converted as (
    select
        with_rep.invoice_id,
        with_rep.invoice_date,
        cast({{ dbt.date_trunc('month', 'with_rep.invoice_date') }} as date) as invoice_month_date,
        with_rep.opportunity_id,
        with_rep.booked_account_id as account_id,
        with_rep.rep_id,
        with_rep.currency_code,
        with_rep.revenue_amount,
        coalesce(with_rep.cost_of_sales_amount, 0) as cost_of_sales_amount,
        fx_rates.to_reporting_rate,
        with_rep.revenue_amount * fx_rates.to_reporting_rate as revenue_reporting,
        coalesce(with_rep.cost_of_sales_amount, 0) * fx_rates.to_reporting_rate as cost_of_sales_reporting
    from with_rep
    left join fx_rates
        on
            with_rep.invoice_date = fx_rates.calendar_date
            and with_rep.currency_code = fx_rates.currency_code
)

select * from converted
