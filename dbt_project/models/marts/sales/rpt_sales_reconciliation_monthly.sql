{#- Reconciliation of the sales KPIs with finance, per month.
    1. Booked revenue: finance's invoices of the month, converted here independently of the
       KPI pipeline, against the KPI table's total row and against the sum of every breakdown
       (rep, team, territory, segment), so no invoice is lost or counted twice on the way.
       Rows of the KPI table are rounded to cents, so a breakdown may differ by half a cent
       per member.
    2. Won deals: per close month, the CRM amount of the won opportunities against the revenue
       finance booked for them (all their invoices up to the reporting date, converted at the
       FX rate of the close date like the CRM amount, so exchange rates cancel out). They may
       differ by var sales_won_vs_booked_tolerance (discounts, corrections); won deals without
       any invoice yet are counted separately, not as a difference. -#}
with

finance_bookings as (
    select * from {{ ref('stg_finance__revenue_bookings') }}
),

fx_rates as (
    select * from {{ ref('int_fx_rates_daily') }}
),

kpis as (
    select * from {{ ref('rpt_sales_kpis_monthly') }}
),

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

finance_revenue as (
    select
        cast({{ dbt.date_trunc('month', 'finance_bookings.invoice_date') }} as date) as month_date,
        sum(finance_bookings.revenue_amount * fx_rates.to_reporting_rate) as finance_booked_revenue
    from finance_bookings
    left join fx_rates
        on
            finance_bookings.invoice_date = fx_rates.calendar_date
            and finance_bookings.currency_code = fx_rates.currency_code
    where finance_bookings.invoice_date <= {{ reporting_date() }}
    group by cast({{ dbt.date_trunc('month', 'finance_bookings.invoice_date') }} as date)
),

kpi_totals as (
    select
        month_date,
        is_complete_month,
        booked_revenue as kpi_booked_revenue
    from kpis
    where breakdown = 'total'
),

breakdown_sums as (
    select
        month_date,
        breakdown,
        count(*) as members,
        sum(booked_revenue) as booked_revenue
    from kpis
    where breakdown != 'total'
    group by month_date, breakdown
),

breakdown_differences as (
    select
        breakdown_sums.month_date,
        max(abs(breakdown_sums.booked_revenue - coalesce(finance_revenue.finance_booked_revenue, 0)))
            as max_breakdown_difference,
        max(breakdown_sums.members) as max_breakdown_members
    from breakdown_sums
    left join finance_revenue on breakdown_sums.month_date = finance_revenue.month_date
    group by breakdown_sums.month_date
),

won_deals as (
    select * from opportunities
    where is_won
),

finance_revenue_of_won as (
    select
        won_deals.opportunity_id,
        sum(finance_bookings.revenue_amount * fx_rates.to_reporting_rate) as booked_revenue
    from won_deals
    inner join finance_bookings on won_deals.opportunity_id = finance_bookings.opportunity_id
    left join fx_rates
        on
            won_deals.close_date = fx_rates.calendar_date
            and finance_bookings.currency_code = fx_rates.currency_code
    where finance_bookings.invoice_date <= {{ reporting_date() }}
    group by won_deals.opportunity_id
),

won_per_month as (
    select
        cast({{ dbt.date_trunc('month', 'won_deals.close_date') }} as date) as month_date,
        sum(won_deals.amount_reporting) as crm_won_amount,
        sum(case when finance_revenue_of_won.opportunity_id is not null then won_deals.amount_reporting end)
            as crm_won_invoiced_amount,
        sum(finance_revenue_of_won.booked_revenue) as finance_revenue_of_won,
        sum(case when finance_revenue_of_won.opportunity_id is null then 1 else 0 end) as won_not_invoiced_deals,
        sum(case when finance_revenue_of_won.opportunity_id is null then won_deals.amount_reporting end)
            as won_not_invoiced_amount
    from won_deals
    left join finance_revenue_of_won on won_deals.opportunity_id = finance_revenue_of_won.opportunity_id
    group by cast({{ dbt.date_trunc('month', 'won_deals.close_date') }} as date)
),

compared as (
    select
        kpi_totals.month_date,
        kpi_totals.is_complete_month,
        coalesce(finance_revenue.finance_booked_revenue, 0) as finance_booked_revenue,
        kpi_totals.kpi_booked_revenue,
        breakdown_differences.max_breakdown_difference,
        breakdown_differences.max_breakdown_members,
        coalesce(won_per_month.crm_won_amount, 0) as crm_won_amount,
        coalesce(won_per_month.crm_won_invoiced_amount, 0) as crm_won_invoiced_amount,
        coalesce(won_per_month.finance_revenue_of_won, 0) as finance_revenue_of_won,
        coalesce(won_per_month.won_not_invoiced_deals, 0) as won_not_invoiced_deals,
        coalesce(won_per_month.won_not_invoiced_amount, 0) as won_not_invoiced_amount
    from kpi_totals
    left join finance_revenue on kpi_totals.month_date = finance_revenue.month_date
    left join breakdown_differences on kpi_totals.month_date = breakdown_differences.month_date
    left join won_per_month on kpi_totals.month_date = won_per_month.month_date
),

checked as (
    select
        *,
        kpi_booked_revenue - finance_booked_revenue as booked_revenue_difference,
        case
            when crm_won_invoiced_amount != 0
                then cast(finance_revenue_of_won - crm_won_invoiced_amount as double) / crm_won_invoiced_amount
        end as won_vs_booked_difference_pct
    from compared
),

final as (
    select
        cast(month_date as date) as month_date,
        cast(is_complete_month as boolean) as is_complete_month,
        cast('{{ var("reporting_currency") }}' as string) as reporting_currency,
        cast(finance_booked_revenue as decimal(18, 2)) as finance_booked_revenue,
        cast(kpi_booked_revenue as decimal(18, 2)) as kpi_booked_revenue,
        cast(booked_revenue_difference as decimal(18, 2)) as booked_revenue_difference,
        cast(max_breakdown_difference as decimal(18, 2)) as max_breakdown_difference,
        cast(
            abs(booked_revenue_difference) <= 0.01
            and coalesce(max_breakdown_difference, 0) <= 0.01 + 0.005 * coalesce(max_breakdown_members, 0)
            as boolean
        ) as is_booked_revenue_reconciled,
        cast(crm_won_amount as decimal(18, 2)) as crm_won_amount,
        cast(crm_won_invoiced_amount as decimal(18, 2)) as crm_won_invoiced_amount,
        cast(finance_revenue_of_won as decimal(18, 2)) as finance_revenue_of_won,
        cast(won_vs_booked_difference_pct as double) as won_vs_booked_difference_pct,
        cast(won_not_invoiced_deals as bigint) as won_not_invoiced_deals,
        cast(won_not_invoiced_amount as decimal(18, 2)) as won_not_invoiced_amount,
        cast(
            coalesce(abs(won_vs_booked_difference_pct) <= {{ var('sales_won_vs_booked_tolerance') }}, true)
            as boolean
        ) as is_won_within_tolerance
    from checked
)

select * from final
