{#- Customer episodes per account from the CRM's account versions: one row per stretch of time
    in which the account was (or was not) a customer. A customer episode starts when an
    account is won (Prospect -> Customer, or a former customer won back); a non-customer
    episode that follows a customer episode is a churn (Customer -> Former Customer). The
    episode is valid from valid_from_at until the next episode starts (null: still valid). -#}
with

versions as (
    select * from {{ ref('stg_crm__account_versions') }}
),

with_previous as (
    select
        account_id,
        account_type,
        is_customer,
        modified_at,
        lag(is_customer) over (partition by account_id order by modified_at) as was_customer
    from versions
),

status_changes as (
    select
        account_id,
        account_type,
        is_customer,
        was_customer,
        modified_at as valid_from_at
    from with_previous
    where was_customer is null or was_customer != is_customer
),

episodes as (
    select
        account_id,
        row_number() over (partition by account_id order by valid_from_at) as episode_number,
        account_type,
        is_customer,
        coalesce(was_customer, false) and not is_customer as is_churn,
        is_customer
        and coalesce(sum(case when is_customer then 1 else 0 end) over (
            partition by account_id order by valid_from_at rows between unbounded preceding and 1 preceding
        ), 0) > 0 as is_win_back,
        valid_from_at,
        lead(valid_from_at) over (partition by account_id order by valid_from_at) as valid_to_at
    from status_changes
)

select * from episodes
