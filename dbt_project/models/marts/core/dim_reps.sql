{#- One row per CRM user (reps and their managers) with team, territory and the ramp of reps
    hired within the data: a rep has ramped in the first month (from the hire month on) whose
    closed-won amount reaches var sales_rep_ramp_attainment x the rep's full monthly quota (the
    highest monthly quota the rep was given). Reps hired before the first quota month were
    already ramped when the data starts; their ramp is unknown (null). -#}
with

users as (
    select * from {{ ref('stg_crm__users') }}
),

quotas as (
    select * from {{ ref('int_quotas_converted') }}
),

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

quota_months as (
    select
        rep_id,
        month_date,
        sum(quota_reporting) as quota_reporting
    from quotas
    group by rep_id, month_date
),

data_start as (
    select min(month_date) as first_quota_month_date from quota_months
),

full_quotas as (
    select
        rep_id,
        max(quota_reporting) as full_monthly_quota_reporting
    from quota_months
    group by rep_id
),

won_months as (
    select
        owner_id as rep_id,
        cast({{ dbt.date_trunc('month', 'close_date') }} as date) as month_date,
        sum(amount_reporting) as won_amount_reporting
    from opportunities
    where is_won
    group by owner_id, cast({{ dbt.date_trunc('month', 'close_date') }} as date)
),

ramped_months as (
    select
        won_months.rep_id,
        min(won_months.month_date) as ramped_month_date
    from won_months
    inner join full_quotas on won_months.rep_id = full_quotas.rep_id
    inner join users on won_months.rep_id = users.user_id
    where
        won_months.won_amount_reporting
        >= {{ var('sales_rep_ramp_attainment') }} * full_quotas.full_monthly_quota_reporting
        and won_months.month_date >= {{ dbt.date_trunc('month', 'users.hire_date') }}
    group by won_months.rep_id
),

reps as (
    select
        users.user_id as rep_id,
        users.user_name as rep_name,
        users.sales_role,
        users.team,
        users.territory,
        users.manager_id,
        managers.user_name as manager_name,
        users.hire_date,
        users.is_active,
        users.monthly_capacity_hours,
        coalesce(users.hire_date >= data_start.first_quota_month_date, false) as is_hired_in_data,
        full_quotas.full_monthly_quota_reporting,
        ramped_months.ramped_month_date
    from users
    cross join data_start
    left join users as managers on users.manager_id = managers.user_id
    left join full_quotas on users.user_id = full_quotas.rep_id
    left join ramped_months on users.user_id = ramped_months.rep_id
),

final as (
    select
        cast(rep_id as string) as rep_id,
        cast(rep_name as string) as rep_name,
        cast(sales_role as string) as sales_role,
        cast(team as string) as team,
        cast(territory as string) as territory,
        cast(manager_id as string) as manager_id,
        cast(manager_name as string) as manager_name,
        cast(hire_date as date) as hire_date,
        cast(is_active as boolean) as is_active,
        cast(monthly_capacity_hours as decimal(18, 2)) as monthly_capacity_hours,
        cast(is_hired_in_data as boolean) as is_hired_in_data,
        cast(full_monthly_quota_reporting as decimal(18, 2)) as full_monthly_quota_reporting,
        cast(case when is_hired_in_data then ramped_month_date end as date) as ramped_month_date,
        cast(
            case
                when is_hired_in_data and ramped_month_date is not null
                    then {{ dbt.datediff(dbt.date_trunc('month', 'hire_date'), 'ramped_month_date', 'month') }}
            end as bigint
        ) as ramp_months
    from reps
)

select * from final
