{#- One row per account and month, without gaps, from the account's first month to the month of
    the reporting date: booked revenue, cost of sales and gross margin of the month (finance,
    converted at the FX rate of the invoice date) and their sums over the trailing
    abc_trailing_months months. An account's first month is the earliest of its creation, its
    first invoice and its first activity, but never before the first month with any invoice or
    activity. Accounts that appear only in finance or on activities are kept, so no revenue is
    lost; invoices dated after the reporting date are not counted yet. -#}
with

bookings as (
    {#- invoices up to the reporting date with their account and reporting-currency amounts -#}
    select * from {{ ref('int_revenue_bookings_converted') }}
),

activities as (
    select * from {{ ref('int_activities_unioned') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

monthly_bookings as (
    select
        account_id,
        invoice_month_date as month_start_date,
        count(*) as invoices,
        sum(case when revenue_reporting is null then 1 else 0 end) as unconverted_invoices,
        sum(revenue_reporting) as revenue_reporting,
        sum(coalesce(cost_of_sales_reporting, 0)) as cost_of_sales_reporting,
        coalesce(sum(revenue_reporting), 0) - sum(coalesce(cost_of_sales_reporting, 0)) as gross_margin_reporting
    from bookings
    where account_id is not null
    group by account_id, invoice_month_date
),

account_dates as (
    select
        account_id,
        cast(created_at as date) as seen_date
    from accounts
    union all
    select
        account_id,
        invoice_date as seen_date
    from bookings
    where account_id is not null
    union all
    select
        account_id,
        activity_date as seen_date
    from activities
    where account_id is not null and activity_date <= {{ reporting_date() }}
),

data_start as (
    select min(seen_date) as first_date
    from (
        select invoice_date as seen_date from bookings
        union all
        select activity_date as seen_date
        from activities
        where activity_date <= {{ reporting_date() }}
    ) as dated_records
),

calendar as (
    {{ date_series('(select first_date from data_start)', reporting_date()) }}
),

months as (
    select distinct cast({{ dbt.date_trunc('month', 'calendar_date') }} as date) as month_start_date
    from calendar
),

account_first_seen as (
    select
        account_id,
        min(seen_date) as first_seen_date
    from account_dates
    group by account_id
),

account_starts as (
    {#- The first day seen, clipped to the data's first day and to the reporting date. -#}
    select
        account_first_seen.account_id,
        case
            when
                account_first_seen.first_seen_date is null
                or account_first_seen.first_seen_date < data_start.first_date
                then data_start.first_date
            when account_first_seen.first_seen_date > {{ reporting_date() }}
                then {{ reporting_date() }}
            else account_first_seen.first_seen_date
        end as start_date
    from account_first_seen
    cross join data_start
),

account_months as (
    select
        account_starts.account_id,
        months.month_start_date
    from account_starts
    inner join months
        on cast({{ dbt.date_trunc('month', 'account_starts.start_date') }} as date) <= months.month_start_date
),

trailing_bookings as (
    {#- Each month with bookings counts towards itself and the abc_trailing_months - 1 months
        after it: the trailing sums from the few months with bookings, without a window over
        the whole spine (mostly months without any). -#}
    select
        monthly_bookings.account_id,
        months.month_start_date,
        sum(monthly_bookings.revenue_reporting) as trailing_revenue_reporting,
        sum(monthly_bookings.gross_margin_reporting) as trailing_gross_margin_reporting
    from monthly_bookings
    inner join months
        on {{ in_trailing_window_of('months.month_start_date', 'monthly_bookings.month_start_date') }}
    group by monthly_bookings.account_id, months.month_start_date
),

final as (
    select
        account_months.account_id,
        account_months.month_start_date,
        coalesce(monthly_bookings.invoices, 0) as invoices,
        coalesce(monthly_bookings.unconverted_invoices, 0) as unconverted_invoices,
        coalesce(monthly_bookings.revenue_reporting, 0) as revenue_reporting,
        coalesce(monthly_bookings.cost_of_sales_reporting, 0) as cost_of_sales_reporting,
        coalesce(monthly_bookings.gross_margin_reporting, 0) as gross_margin_reporting,
        coalesce(trailing_bookings.trailing_revenue_reporting, 0) as trailing_revenue_reporting,
        coalesce(trailing_bookings.trailing_gross_margin_reporting, 0) as trailing_gross_margin_reporting
    from account_months
    left join monthly_bookings
        on
            account_months.account_id = monthly_bookings.account_id
            and account_months.month_start_date = monthly_bookings.month_start_date
    left join trailing_bookings
        on
            account_months.account_id = trailing_bookings.account_id
            and account_months.month_start_date = trailing_bookings.month_start_date
)

select * from final
