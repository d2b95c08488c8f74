{#- One row per calendar day over the period the lead lifecycle and capacity models need: from
    the first lead, activity or quota to the end of the planning month (the month after the
    reporting date) or the last booked activity. Working days and business hours come from the
    vars sales_working_weekdays / sales_business_hours_start / _end (UTC; no public holidays).
    The weekday is computed from the day count since a known Monday (1900-01-01), so the same
    SQL runs on every adapter. -#}
with

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

tasks as (
    select * from {{ ref('stg_crm__tasks') }}
),

events as (
    select * from {{ ref('stg_crm__events') }}
),

quotas as (
    select * from {{ ref('stg_crm__quotas') }}
),

known_dates as (
    select cast(created_at as date) as known_date from leads
    union all
    select coalesce(activity_date, cast(created_at as date)) as known_date from tasks
    union all
    select cast(coalesce(started_at, created_at) as date) as known_date from events
    union all
    select quota_month as known_date from quotas
),

bounds as (
    select
        min(known_date) as first_date,
        greatest(
            max(known_date),
            cast(
                {{ dbt.dateadd(
                    'day',
                    -1,
                    dbt.dateadd(
                        'month',
                        2,
                        dbt.date_trunc('month', dbt.dateadd('day', -1, reporting_date())),
                    ),
                ) }} as date
            )
        ) as last_date
    from known_dates
),

calendar as (
    {{ date_series('(select first_date from bounds)', '(select last_date from bounds)') }}
),

day_numbers as (
    select
        calendar_date,
        cast({{ dbt.date_trunc('month', 'calendar_date') }} as date) as month_start_date,
        {{ dbt.datediff("cast('1900-01-01' as date)", 'calendar_date', 'day') }}
            as days_since_monday_1900
    from calendar
),

weekdays as (
    select
        calendar_date,
        month_start_date,
        days_since_monday_1900 % 7 + 1 as iso_weekday
    from day_numbers
),

business_hours as (
    select
        calendar_date,
        month_start_date,
        iso_weekday,
        iso_weekday in ({{ var('sales_working_weekdays') | join(', ') }}) as is_working_day,
        {{ dbt.dateadd(
            'minute',
            (var('sales_business_hours_start') * 60) | int,
            'cast(calendar_date as timestamp)',
        ) }} as business_hours_start_at,
        {{ dbt.dateadd(
            'minute',
            (var('sales_business_hours_end') * 60) | int,
            'cast(calendar_date as timestamp)',
        ) }} as business_hours_end_at
    from weekdays
)

select * from business_hours
