{#- Every customer interaction with its rep, rep role, account, contact or lead, opportunity,
    duration and cost. The cost is the rate of seed activity_rates for the activity type, the
    rep's territory (the account's when the rep is unknown) and the rep's sales role, converted
    from the rate's currency at the FX rate of the activity date. Rates are configuration, not
    transactions: an activity dated before or after the FX extract takes its first or last rate.
    Planned activities (dated after the reporting date, or tasks not completed) are kept with
    is_completed = false; the reports count completed ones only. -#}
with

activities as (
    select * from {{ ref('int_activities_unioned') }}
),

users as (
    select * from {{ ref('stg_crm__users') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

activity_rates as (
    select * from {{ ref('int_activity_rates_resolved') }}
),

fx_rates as (
    select * from {{ ref('int_fx_rates_daily') }}
),

fx_coverage as (
    select
        min(calendar_date) as first_rate_date,
        max(calendar_date) as last_rate_date
    from fx_rates
),

with_rep as (
    select
        activities.*,
        users.sales_role as rep_role,
        users.territory as rep_territory,
        coalesce(users.territory, accounts.territory, '*') as rate_lookup_territory,
        coalesce(users.sales_role, '*') as rate_lookup_sales_role,
        activities.activity_date <= {{ reporting_date() }}
        and (activities.task_status is null or lower(activities.task_status) = 'completed') as is_completed
    from activities
    left join users on activities.rep_id = users.user_id
    left join accounts on activities.account_id = accounts.account_id
),

with_rate as (
    select
        with_rep.*,
        activity_rates.rate_territory,
        activity_rates.rate_sales_role,
        activity_rates.currency_code as rate_currency_code,
        activity_rates.rate_amount,
        case
            when with_rep.activity_date < fx_coverage.first_rate_date then fx_coverage.first_rate_date
            when with_rep.activity_date > fx_coverage.last_rate_date then fx_coverage.last_rate_date
            else with_rep.activity_date
        end as fx_date
    from with_rep
    left join activity_rates
        on
            with_rep.activity_type = activity_rates.activity_type
            and with_rep.rate_lookup_territory = activity_rates.territory
            and with_rep.rate_lookup_sales_role = activity_rates.sales_role
    cross join fx_coverage
),

converted as (
    select
        with_rate.*,
        fx_rates.reporting_currency,
        fx_rates.to_reporting_rate,
        with_rate.rate_amount * fx_rates.to_reporting_rate as cost_reporting
    from with_rate
    left join fx_rates
        on
            with_rate.fx_date = fx_rates.calendar_date
            and with_rate.rate_currency_code = fx_rates.currency_code
),

final as (
    select
        cast(activity_id as string) as activity_id,
        cast(activity_source as string) as activity_source,
        cast(activity_type as string) as activity_type,
        cast(activity_type = 'field_visit' as boolean) as is_field_visit,
        cast(activity_date as date) as activity_date,
        cast(started_at as timestamp) as started_at,
        cast(is_completed as boolean) as is_completed,
        cast(rep_id as string) as rep_id,
        cast(rep_role as string) as rep_role,
        cast(rep_territory as string) as rep_territory,
        cast(account_id as string) as account_id,
        cast(contact_id as string) as contact_id,
        cast(lead_id as string) as lead_id,
        cast(opportunity_id as string) as opportunity_id,
        cast(duration_minutes as double) as duration_minutes,
        cast(rate_territory as string) as rate_territory,
        cast(rate_sales_role as string) as rate_sales_role,
        cast(rate_currency_code as string) as rate_currency_code,
        cast(rate_amount as decimal(18, 2)) as rate_amount,
        cast(fx_date as date) as fx_date,
        cast(to_reporting_rate as decimal(24, 12)) as to_reporting_rate,
        cast(coalesce(reporting_currency, '{{ var("reporting_currency") }}') as string) as reporting_currency,
        cast(cost_reporting as decimal(18, 2)) as cost_reporting
    from converted
)

select * from final
