{{ config(materialized='view') }}
{#- The day grain on top of fct_pipeline_daily, for BI tools that want one row per day and
    opportunity: every day an opportunity was open (from its first state to the day before the
    reporting date, or to the day it closed), with the state it had at the end of that day.
    A view by exception to the marts' table default: it holds roughly opportunities x days open
    rows (closed opportunities and days outside the pipeline are left out), cheap to compute
    on demand from the ranges and not worth storing. Published with the tables it reads (a
    view costs nothing to publish). -#}
with

pipeline_ranges as (
    select * from {{ ref('fct_pipeline_daily') }}
),

calendar as (
    select * from {{ ref('dim_date') }}
),

open_ranges as (
    select * from pipeline_ranges
    where is_open
),

days as (
    select
        calendar.calendar_date,
        open_ranges.*
    from open_ranges
    inner join calendar
        on
            open_ranges.valid_from_date <= calendar.calendar_date
            and coalesce(open_ranges.valid_to_date, calendar.calendar_date) >= calendar.calendar_date
            and calendar.is_before_reporting_date
),

final as (
    select
        cast(calendar_date as date) as calendar_date,
        cast(opportunity_id as string) as opportunity_id,
        cast(account_id as string) as account_id,
        cast(owner_id as string) as owner_id,
        cast(stage_name as string) as stage_name,
        cast(forecast_category as string) as forecast_category,
        cast(probability as decimal(5, 2)) as probability,
        cast(close_date as date) as close_date,
        cast(currency_code as string) as currency_code,
        cast(amount as decimal(18, 2)) as amount,
        cast(reporting_currency as string) as reporting_currency,
        cast(amount_reporting as decimal(18, 2)) as amount_reporting,
        cast(weighted_amount_reporting as decimal(18, 2)) as weighted_amount_reporting
    from days
)

select * from final
