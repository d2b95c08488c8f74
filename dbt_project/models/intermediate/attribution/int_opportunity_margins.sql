{#- Gross margin ratio per opportunity from finance's bookings: (revenue - cost of sales) /
    revenue over all invoices of the opportunity (one currency per opportunity). Used to turn
    attributed revenue into attributed gross margin. -#}
with

bookings as (
    select * from {{ ref('stg_finance__revenue_bookings') }}
),

per_opportunity as (
    select
        opportunity_id,
        sum(revenue_amount) as revenue_amount,
        sum(cost_of_sales_amount) as cost_of_sales_amount
    from bookings
    where opportunity_id is not null
    group by opportunity_id
),

ratios as (
    select
        opportunity_id,
        case
            when revenue_amount != 0 then (revenue_amount - coalesce(cost_of_sales_amount, 0)) / revenue_amount
        end as gross_margin_ratio
    from per_opportunity
)

select * from ratios
