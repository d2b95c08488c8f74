{#- Customer economics per month: customer base and churn (CRM account type history), new
    customers and CAC (finance's actual sales and marketing cost), CLV over the trailing twelve
    months (finance's booked revenue and margin), NPS (CRM survey answers) and the ramp time of
    reps hired in the month. Every ratio is null when its denominator is zero or missing;
    trailing-twelve-month figures are null until the data covers twelve whole months. -#}
{%- set cac_departments = "'" ~ var('cac_cost_departments') | join("', '") ~ "'" %}

with

calendar as (
    select * from {{ ref('dim_date') }}
),

status_history as (
    select * from {{ ref('int_account_status_history') }}
),

bookings as (
    select * from {{ ref('int_revenue_bookings_converted') }}
),

budgets as (
    select * from {{ ref('stg_finance__budgets') }}
),

fx_rates as (
    select * from {{ ref('int_fx_rates_daily') }}
),

surveys as (
    select * from {{ ref('stg_crm__survey_responses') }}
),

reps as (
    select * from {{ ref('dim_reps') }}
),

data_start as (
    {#- The first month finance reports on: booked revenue or department cost. -#}
    select min(first_month_date) as first_month_date
    from (
        select min(invoice_month_date) as first_month_date from bookings
        union all
        select min(budget_month) as first_month_date from budgets
    ) as first_months
),

months as (
    select distinct
        calendar.month_start_date as month_date,
        calendar.is_complete_month,
        cast(calendar.month_start_date as timestamp) as month_start_at,
        cast({{ dbt.dateadd('month', -11, 'calendar.month_start_date') }} as date) as window_start_date,
        cast({{ dbt.dateadd('month', 1, 'calendar.month_start_date') }} as date) as next_month_date
    from calendar
    inner join data_start on calendar.month_start_date >= data_start.first_month_date
    where calendar.month_start_date <= {{ reporting_date() }}
),

customers_at_start as (
    select
        months.month_date,
        count(*) as customers_at_start
    from months
    inner join status_history
        on
            months.month_start_at > status_history.valid_from_at
            and months.month_start_at <= coalesce(status_history.valid_to_at, months.month_start_at)
            and status_history.is_customer
    group by months.month_date
),

customer_base as (
    select
        months.month_date,
        coalesce(customers_at_start.customers_at_start, 0) as customers_at_start
    from months
    left join customers_at_start on months.month_date = customers_at_start.month_date
),

trailing_customer_base as (
    {#- The average customer base of the twelve months (customers when each month began). -#}
    select
        months.month_date,
        avg(customer_base.customers_at_start) as average_customers_ttm
    from months
    inner join customer_base
        on
            months.window_start_date <= customer_base.month_date
            and months.month_date >= customer_base.month_date
    group by months.month_date
),

customer_changes as (
    select
        cast({{ dbt.date_trunc('month', 'valid_from_at') }} as date) as month_date,
        sum(case when is_customer then 1 else 0 end) as new_customers,
        sum(case when is_churn then 1 else 0 end) as churned_customers
    from status_history
    group by cast({{ dbt.date_trunc('month', 'valid_from_at') }} as date)
),

fx_coverage as (
    select
        min(calendar_date) as first_rate_date,
        max(calendar_date) as last_rate_date
    from fx_rates
),

cac_department_costs as (
    {#- The month's first day converts (the first or last rate of the FX extract for months
        before or beyond it). -#}
    select
        budgets.budget_month,
        budgets.department,
        budgets.currency_code,
        budgets.actual_cost_amount,
        greatest(least(budgets.budget_month, fx_coverage.last_rate_date), fx_coverage.first_rate_date) as fx_date
    from budgets
    cross join fx_coverage
    where budgets.department in ({{ cac_departments }})
),

department_costs as (
    {#- Actual cost of the CAC departments in the reporting currency. A month counts only when
        every department has booked its actuals. -#}
    select
        cac_department_costs.budget_month as month_date,
        sum(cac_department_costs.actual_cost_amount * fx_rates.to_reporting_rate) as cost_reporting,
        count(
            distinct case
                when cac_department_costs.actual_cost_amount is not null then cac_department_costs.department
            end
        ) as departments_with_actuals
    from cac_department_costs
    left join fx_rates
        on
            cac_department_costs.fx_date = fx_rates.calendar_date
            and cac_department_costs.currency_code = fx_rates.currency_code
    group by cac_department_costs.budget_month
),

trailing_bookings as (
    select
        months.month_date,
        sum(bookings.revenue_reporting) as revenue_ttm,
        sum(bookings.cost_of_sales_reporting) as cost_of_sales_ttm
    from months
    inner join bookings
        on
            months.window_start_date <= bookings.invoice_month_date
            and months.month_date >= bookings.invoice_month_date
    group by months.month_date
),

trailing_churn as (
    select
        months.month_date,
        sum(customer_changes.churned_customers) as churned_customers_ttm
    from months
    inner join customer_changes
        on
            months.window_start_date <= customer_changes.month_date
            and months.month_date >= customer_changes.month_date
    group by months.month_date
),

survey_answers as (
    select
        cast({{ dbt.date_trunc('month', 'response_date') }} as date) as month_date,
        count(*) as nps_responses,
        sum(case when score >= {{ var('nps_promoter_min_score') }} then 1 else 0 end) as promoters,
        sum(case when score <= {{ var('nps_detractor_max_score') }} then 1 else 0 end) as detractors
    from surveys
    group by cast({{ dbt.date_trunc('month', 'response_date') }} as date)
),

rep_hires as (
    select
        cast({{ dbt.date_trunc('month', 'hire_date') }} as date) as month_date,
        count(*) as reps_hired,
        sum(case when ramp_months is not null then 1 else 0 end) as reps_ramped,
        avg(ramp_months) as average_ramp_months
    from reps
    where is_hired_in_data
    group by cast({{ dbt.date_trunc('month', 'hire_date') }} as date)
),

joined as (
    select
        months.month_date,
        months.is_complete_month,
        months.window_start_date >= data_start.first_month_date as is_trailing_year_complete,
        customer_base.customers_at_start,
        coalesce(customer_changes.new_customers, 0) as new_customers,
        coalesce(customer_changes.churned_customers, 0) as churned_customers,
        window_start.customers_at_start as customers_at_window_start,
        trailing_customer_base.average_customers_ttm,
        coalesce(trailing_churn.churned_customers_ttm, 0) as churned_customers_ttm,
        case
            when department_costs.departments_with_actuals = {{ var('cac_cost_departments') | length }}
                then department_costs.cost_reporting
        end as sales_and_marketing_cost,
        coalesce(trailing_bookings.revenue_ttm, 0) as revenue_ttm,
        coalesce(trailing_bookings.cost_of_sales_ttm, 0) as cost_of_sales_ttm,
        coalesce(survey_answers.nps_responses, 0) as nps_responses,
        coalesce(survey_answers.promoters, 0) as promoters,
        coalesce(survey_answers.detractors, 0) as detractors,
        coalesce(rep_hires.reps_hired, 0) as reps_hired,
        coalesce(rep_hires.reps_ramped, 0) as reps_ramped,
        rep_hires.average_ramp_months
    from months
    cross join data_start
    left join customer_base on months.month_date = customer_base.month_date
    left join customer_base as window_start on months.window_start_date = window_start.month_date
    left join trailing_customer_base on months.month_date = trailing_customer_base.month_date
    left join customer_changes on months.month_date = customer_changes.month_date
    left join trailing_churn on months.month_date = trailing_churn.month_date
    left join department_costs on months.month_date = department_costs.month_date
    left join trailing_bookings on months.month_date = trailing_bookings.month_date
    left join survey_answers on months.month_date = survey_answers.month_date
    left join rep_hires on months.month_date = rep_hires.month_date
),

rates as (
    select
        *,
        case when customers_at_start > 0 then cast(churned_customers as double) / customers_at_start end as churn_rate,
        case when new_customers > 0 then cast(sales_and_marketing_cost as double) / new_customers end as cac,
        case
            when is_trailing_year_complete and customers_at_window_start > 0
                then cast(churned_customers_ttm as double) / customers_at_window_start
        end as churn_rate_ttm,
        case
            when is_trailing_year_complete and average_customers_ttm > 0
                then cast(revenue_ttm as double) / average_customers_ttm
        end as average_yearly_revenue_per_customer,
        case
            when is_trailing_year_complete and revenue_ttm != 0
                then cast(revenue_ttm - cost_of_sales_ttm as double) / revenue_ttm
        end as gross_margin_pct_ttm,
        case
            when nps_responses > 0 then 100 * cast(promoters - detractors as double) / nps_responses
        end as nps
    from joined
),

lifetimes as (
    select
        *,
        case
            when churn_rate_ttm = 0 then {{ var('clv_max_lifetime_years') }}
            when churn_rate_ttm > 0 then least(1.0 / churn_rate_ttm, {{ var('clv_max_lifetime_years') }})
        end as expected_lifetime_years
    from rates
),

final as (
    select
        cast(month_date as date) as month_date,
        cast(is_complete_month as boolean) as is_complete_month,
        cast(is_trailing_year_complete as boolean) as is_trailing_year_complete,
        cast('{{ var("reporting_currency") }}' as string) as reporting_currency,
        cast(customers_at_start as bigint) as customers_at_start,
        cast(new_customers as bigint) as new_customers,
        cast(churned_customers as bigint) as churned_customers,
        cast(churn_rate as double) as churn_rate,
        cast(sales_and_marketing_cost as decimal(18, 2)) as sales_and_marketing_cost,
        cast(cac as decimal(18, 2)) as cac,
        cast(revenue_ttm as decimal(18, 2)) as revenue_ttm,
        cast(revenue_ttm - cost_of_sales_ttm as decimal(18, 2)) as gross_margin_ttm,
        cast(average_customers_ttm as double) as average_customers_ttm,
        cast(average_yearly_revenue_per_customer as decimal(18, 2)) as average_yearly_revenue_per_customer,
        cast(gross_margin_pct_ttm as double) as gross_margin_pct_ttm,
        cast(churned_customers_ttm as bigint) as churned_customers_ttm,
        cast(churn_rate_ttm as double) as churn_rate_ttm,
        cast(expected_lifetime_years as double) as expected_lifetime_years,
        cast(
            average_yearly_revenue_per_customer * gross_margin_pct_ttm * expected_lifetime_years as decimal(18, 2)
        ) as clv,
        cast(nps_responses as bigint) as nps_responses,
        cast(promoters as bigint) as promoters,
        cast(detractors as bigint) as detractors,
        cast(nps as double) as nps,
        cast(reps_hired as bigint) as reps_hired,
        cast(reps_ramped as bigint) as reps_ramped,
        cast(average_ramp_months as double) as average_ramp_months
    from lifetimes
)

select * from final
