{#- MetricFlow's time spine: one row per day over every date a metric can fall on, from the
    first day of dim_date (1 January of the year the data starts in) to 31 December of the
    year of the latest date any metric uses (the reporting year, or a later expected close
    date of an open opportunity or end of a planned campaign). -#}
with

calendar as (
    select * from {{ ref('dim_date') }}
),

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

campaigns as (
    select * from {{ ref('dim_campaigns') }}
),

first_dates as (
    select min(calendar_date) as first_date from calendar
    union all
    select min(start_date) as first_date from campaigns
),

last_dates as (
    select max(calendar_date) as last_date from calendar
    union all
    select max(close_date) as last_date from opportunities
    union all
    select max(end_date) as last_date from campaigns
),

bounds as (
    select
        cast({{ dbt.date_trunc('year', '(select min(first_date) from first_dates)') }} as date) as first_date,
        cast({{ dbt.dateadd(
            'day', -1, dbt.dateadd('year', 1, dbt.date_trunc('year', '(select max(last_date) from last_dates)'))
        ) }} as date) as last_date
),

days as (
    {{ date_series('(select first_date from bounds)', '(select last_date from bounds)') }}
),

final as (
    select cast(calendar_date as date) as date_day
    from days
)

select * from final
