{#- Quota per rep and month in the reporting currency, converted at the FX rate of the first
    day of the month (the day the target applies from; the first or last rate of the FX
    extract for months before or beyond it). -#}
with

quotas as (
    select * from {{ ref('stg_crm__quotas') }}
),

fx_rates as (
    select * from {{ ref('int_fx_rates_daily') }}
),

fx_coverage as (
    select
        min(calendar_date) as first_rate_date,
        max(calendar_date) as last_rate_date
    from fx_rates
),

with_fx_date as (
    select
        quotas.*,
        greatest(least(quotas.quota_month, fx_coverage.last_rate_date), fx_coverage.first_rate_date) as fx_date
    from quotas
    cross join fx_coverage
),

converted as (
    select
        with_fx_date.quota_id,
        with_fx_date.user_id as rep_id,
        with_fx_date.quota_month as month_date,
        with_fx_date.currency_code,
        with_fx_date.quota_amount,
        fx_rates.to_reporting_rate,
        with_fx_date.quota_amount * fx_rates.to_reporting_rate as quota_reporting
    from with_fx_date
    left join fx_rates
        on
            with_fx_date.fx_date = fx_rates.calendar_date
            and with_fx_date.currency_code = fx_rates.currency_code
)

select * from converted
