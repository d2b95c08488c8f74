{#- One row per calendar day from the first of January of the year the data starts in (the
    earliest opportunity, quota, invoice or budget month) to the 31st of December of the year
    of the reporting date. Day of week is ISO (1 = Monday ... 7 = Sunday), computed from a known
    Monday so it means the same on every engine. -#}
with

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

quotas as (
    select * from {{ ref('stg_crm__quotas') }}
),

bookings as (
    select * from {{ ref('stg_finance__revenue_bookings') }}
),

budgets as (
    select * from {{ ref('stg_finance__budgets') }}
),

first_dates as (
    select min(cast(created_at as date)) as first_date from opportunities
    union all
    select min(quota_month) as first_date from quotas
    union all
    select min(invoice_date) as first_date from bookings
    union all
    select min(budget_month) as first_date from budgets
),

bounds as (
    select
        cast({{ dbt.date_trunc('year', 'coalesce(min(first_dates.first_date), ' ~ reporting_date() ~ ')') }} as date)
            as first_date,
        cast({{ dbt.dateadd(
            'day', -1, dbt.dateadd('year', 1, dbt.date_trunc('year', reporting_date()))
        ) }} as date) as last_date
    from first_dates
),

days as (
    {{ date_series('(select first_date from bounds)', '(select last_date from bounds)') }}
),

attributes as (
    select
        calendar_date,
        {#- 1 January 1900 was a Monday -#}
        mod({{ dbt.datediff("cast('1900-01-01' as date)", 'calendar_date', 'day') }}, 7) + 1
            as day_of_week,
        cast({{ dbt.date_trunc('week', 'calendar_date') }} as date) as week_start_date,
        cast({{ dbt.date_trunc('month', 'calendar_date') }} as date) as month_start_date,
        cast({{ dbt.last_day('calendar_date', 'month') }} as date) as month_end_date,
        cast({{ dbt.date_trunc('quarter', 'calendar_date') }} as date) as quarter_start_date,
        extract(year from calendar_date) as year_number,
        extract(quarter from calendar_date) as quarter_number,
        extract(month from calendar_date) as month_number,
        extract(day from calendar_date) as day_of_month,
        {{ reporting_date() }} as reporting_date
    from days
),

final as (
    select
        cast(calendar_date as date) as calendar_date,
        cast(day_of_week as bigint) as day_of_week,
        cast(day_of_week >= 6 as boolean) as is_weekend,
        cast(week_start_date as date) as week_start_date,
        cast(month_start_date as date) as month_start_date,
        cast(month_end_date as date) as month_end_date,
        cast(quarter_start_date as date) as quarter_start_date,
        cast(year_number as bigint) as year_number,
        cast(quarter_number as bigint) as quarter_number,
        cast(month_number as bigint) as month_number,
        cast(day_of_month as bigint) as day_of_month,
        cast(
            {{ dbt.concat([
                dbt.cast('year_number', dbt.type_string()),
                "'-'",
                "lpad(" ~ dbt.cast('month_number', dbt.type_string()) ~ ", 2, '0')",
            ]) }} as string
        ) as year_month,
        cast(calendar_date < reporting_date as boolean) as is_before_reporting_date,
        cast(month_end_date < reporting_date as boolean) as is_complete_month
    from attributes
)

select * from final
