{#- One rate per currency and calendar day, from the first to the last day the finance FX
    extract covers. Days without a published rate (weekends, holidays) take the last known
    rate if it is at most fx_max_gap_days old; beyond that the day has no row, so any amount
    on that day stays unconverted and the not_null tests on the marts fail loudly.

    Without any FX rate at all (no finance FX extract delivered: a partial source), amounts
    already in the reporting currency still convert, at 1, on every day from
    fx_without_rates_first_date to fx_without_rates_last_date; every other currency has no
    rate. has_fx_data tells the two cases apart. -#}
with

fx_rates as (
    select * from {{ ref('stg_finance__fx_rates') }}
),

availability as (
    select count(*) > 0 as has_fx_data
    from fx_rates
),

bounds as (
    select
        coalesce(
            min(rate_date), cast('{{ var("fx_without_rates_first_date") }}' as date)
        ) as first_date,
        coalesce(
            max(rate_date), cast('{{ var("fx_without_rates_last_date") }}' as date)
        ) as last_date
    from fx_rates
),

calendar as (
    {{ date_series('(select first_date from bounds)', '(select last_date from bounds)') }}
),

published_rates as (
    select
        rate_date,
        currency_code,
        units_per_base
    from fx_rates
    where currency_code != '{{ var("fx_base_currency") }}'
),

candidate_rates as (
    select
        calendar.calendar_date,
        published_rates.currency_code,
        published_rates.rate_date,
        published_rates.units_per_base,
        row_number() over (
            partition by calendar.calendar_date, published_rates.currency_code
            order by published_rates.rate_date desc
        ) as recency_rank
    from calendar
    inner join published_rates
        on
            calendar.calendar_date >= published_rates.rate_date
            and {{ dbt.dateadd('day', -1 * var('fx_max_gap_days'), 'calendar.calendar_date') }}
            <= published_rates.rate_date
),

foreign_rates as (
    select
        calendar_date,
        currency_code,
        rate_date,
        units_per_base
    from candidate_rates
    where recency_rank = 1
),

base_rates as (
    {#- Without rates, the reporting currency is the only one, and its own base. -#}
    select
        calendar.calendar_date,
        case
            when availability.has_fx_data then '{{ var("fx_base_currency") }}'
            else '{{ var("reporting_currency") }}'
        end as currency_code,
        calendar.calendar_date as rate_date,
        cast(1 as decimal(18, 6)) as units_per_base
    from calendar
    cross join availability
),

all_rates as (
    select * from foreign_rates
    union all
    select * from base_rates
),

with_reporting_rate as (
    select
        all_rates.calendar_date,
        all_rates.currency_code,
        all_rates.rate_date,
        {{ dbt.datediff(
            'all_rates.rate_date',
            'all_rates.calendar_date',
            'day',
        ) }} as rate_age_days,
        all_rates.units_per_base,
        '{{ var("reporting_currency") }}' as reporting_currency,
        cast(reporting.units_per_base / all_rates.units_per_base as decimal(24, 12)) as to_reporting_rate,
        availability.has_fx_data
    from all_rates
    inner join all_rates as reporting
        on
            all_rates.calendar_date = reporting.calendar_date
            and reporting.currency_code = '{{ var("reporting_currency") }}'
    cross join availability
)

select * from with_reporting_rate
