{#- One row per CRM account as of the reporting date: name, industry, country, segment
    (Enterprise / Mid-Market / SMB as the CRM keeps it), territory, owner, and when it became a
    customer and when it churned (from the account's type history), and its current ABC segment
    by trailing revenue (the reporting month's row of dim_account_segments_monthly, where the
    segment history and the rule live; an account without a row there has no revenue: C). -#}
with

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

status_history as (
    select * from {{ ref('int_account_status_history') }}
),

current_segments as (
    select
        account_id,
        abc_segment,
        trailing_revenue,
        revenue_share
    from {{ ref('dim_account_segments_monthly') }}
    where is_current_month
),

customer_dates as (
    select
        account_id,
        min(case when is_customer then valid_from_at end) as first_customer_at,
        max(case when is_customer and valid_to_at is null then valid_from_at end) as customer_since_at,
        max(case when is_churn and valid_to_at is null then valid_from_at end) as churned_at
    from status_history
    group by account_id
),

joined as (
    select
        accounts.*,
        customer_dates.first_customer_at,
        customer_dates.customer_since_at,
        customer_dates.churned_at,
        current_segments.abc_segment,
        current_segments.trailing_revenue as abc_trailing_revenue,
        current_segments.revenue_share as abc_revenue_share
    from accounts
    left join customer_dates on accounts.account_id = customer_dates.account_id
    left join current_segments on accounts.account_id = current_segments.account_id
),

final as (
    select
        cast(account_id as string) as account_id,
        cast(account_name as string) as account_name,
        cast(account_type as string) as account_type,
        cast(industry as string) as industry,
        cast(country as string) as country,
        cast(currency_code as string) as currency_code,
        cast(coalesce(segment, '(unknown)') as string) as segment,
        cast(coalesce(territory, '(unknown)') as string) as territory,
        cast(owner_id as string) as owner_id,
        cast(created_at as timestamp) as created_at,
        cast(customer_since_at is not null as boolean) as is_customer,
        cast(first_customer_at as date) as first_customer_date,
        cast(customer_since_at as date) as customer_since_date,
        cast(churned_at as date) as churned_date,
        cast(coalesce(abc_segment, 'C') as string) as abc_segment,
        cast(coalesce(abc_trailing_revenue, 0) as decimal(18, 2)) as abc_trailing_revenue,
        cast(coalesce(abc_revenue_share, 0) as double) as abc_revenue_share
    from joined
)

select * from final
