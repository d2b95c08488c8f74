{#- One row per CRM account as of the reporting date: name, industry, country, segment
    (Enterprise / Mid-Market / SMB as the CRM keeps it), territory, owner, and when it became a
    customer and when it churned (from the account's type history). Deliberately plain: further
    classifications (e.g. an ABC segment by revenue) belong in their own columns or models. -#}
with

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

status_history as (
    select * from {{ ref('int_account_status_history') }}
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
        customer_dates.churned_at
    from accounts
    left join customer_dates on accounts.account_id = customer_dates.account_id
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
        cast(churned_at as date) as churned_date
    from joined
)

select * from final
