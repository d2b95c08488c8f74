{#- What if the field visits of the accounts in the segments of var channel_shift_segments
    (default C, by the account's segment in the month of the visit) had been inside-sales phone
    calls? Each completed field visit is replaced by channel_shift_calls_per_visit phone calls at
    the inside-sales rate (seed activity_rates, role 'inside') of the account's territory,
    converted at the visit's FX date like the visit itself. Saving = actual field visit cost -
    cost of the replacing calls. One row per month, territory and segment with visits. -#}
{%- set shift_segments = "'" ~ var('channel_shift_segments') | join("', '") ~ "'" %}
with

activities as (
    select * from {{ ref('fct_activities') }}
),

segments as (
    select * from {{ ref('dim_account_segments_monthly') }}
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

field_visits as (
    select
        activities.activity_id,
        activities.account_id,
        cast({{ dbt.date_trunc('month', 'activities.activity_date') }} as date) as month_start_date,
        coalesce(accounts.territory, activities.rep_territory, '*') as territory,
        activities.fx_date,
        activities.cost_reporting
    from activities
    left join accounts on activities.account_id = accounts.account_id
    where
        activities.is_completed
        and activities.activity_type = 'field_visit'
        and activities.account_id is not null
),

shift_candidates as (
    select
        field_visits.*,
        segments.abc_segment
    from field_visits
    inner join segments
        on
            field_visits.account_id = segments.account_id
            and field_visits.month_start_date = segments.month_start_date
    where segments.abc_segment in ({{ shift_segments }})
),

inside_call_rates as (
    select
        territory,
        currency_code,
        rate_amount
    from activity_rates
    where activity_type = 'phone_call' and sales_role = 'inside'
),

priced as (
    select
        shift_candidates.*,
        {{ var('channel_shift_calls_per_visit') }}
        * inside_call_rates.rate_amount
        * fx_rates.to_reporting_rate as replacement_cost
    from shift_candidates
    left join inside_call_rates on shift_candidates.territory = inside_call_rates.territory
    left join fx_rates
        on
            shift_candidates.fx_date = fx_rates.calendar_date
            and inside_call_rates.currency_code = fx_rates.currency_code
),

aggregated as (
    select
        month_start_date,
        territory,
        abc_segment,
        count(distinct account_id) as accounts_visited,
        count(*) as field_visits,
        sum(cost_reporting) as field_visit_cost,
        {#- null (and a failing test) rather than a partial sum when a rate or FX rate is missing -#}
        case when count(replacement_cost) = count(*) then sum(replacement_cost) end as replacement_call_cost
    from priced
    group by month_start_date, territory, abc_segment
),

final as (
    select
        cast(month_start_date as date) as month_start_date,
        cast(territory as string) as territory,
        cast(abc_segment as string) as abc_segment,
        cast('{{ var("reporting_currency") }}' as string) as reporting_currency,
        cast(accounts_visited as bigint) as accounts_visited,
        cast(field_visits as bigint) as field_visits,
        cast(field_visit_cost as decimal(18, 2)) as field_visit_cost,
        cast({{ var('channel_shift_calls_per_visit') }} as double) as calls_per_replaced_visit,
        cast(field_visits * {{ var('channel_shift_calls_per_visit') }} as double) as replacement_calls,
        cast(replacement_call_cost as decimal(18, 2)) as replacement_call_cost,
        cast(field_visit_cost - replacement_call_cost as decimal(18, 2)) as estimated_saving,
        cast(
            case
                when field_visit_cost > 0
                    then cast(field_visit_cost - replacement_call_cost as double) / field_visit_cost
            end
            as double
        ) as estimated_saving_share
    from aggregated
)

select * from final
