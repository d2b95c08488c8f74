{#- One row per rep (user) and month with what flowed through the rep's funnel and calendar
    that month: funnel entries (cycles started), handovers to sales and SQLs of the leads the
    rep owns (the lead's current owner), won deals of the opportunities the rep owns (by close
    date), and the rep's own activities with their time demand (by activity date, done or
    booked). The input of the trailing rates of the reverse funnel and of the capacity plan. -#}
{%- set steps = ['scheduling', 'preparation', 'travel', 'presentation', 'follow_up'] %}
with

cycles as (
    select * from {{ ref('int_lead_cycles') }}
),

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

activities as (
    select * from {{ ref('int_sales_activities_timed') }}
),

owned_cycles as (
    select
        leads.owner_id as rep_id,
        cycles.cohort_month,
        cast({{ dbt.date_trunc('month', 'cycles.handover_at') }} as date) as handover_month,
        cast({{ dbt.date_trunc('month', 'cycles.qualified_at') }} as date) as qualified_month
    from cycles
    inner join leads on cycles.lead_id = leads.lead_id
    where leads.owner_id is not null
),

lead_flows as (
    select
        rep_id,
        cohort_month as month_start_date,
        1 as funnel_entries,
        0 as handovers,
        0 as sql_entries
    from owned_cycles
    union all
    select
        rep_id,
        handover_month as month_start_date,
        0 as funnel_entries,
        1 as handovers,
        0 as sql_entries
    from owned_cycles
    where handover_month is not null
    union all
    select
        rep_id,
        qualified_month as month_start_date,
        0 as funnel_entries,
        0 as handovers,
        1 as sql_entries
    from owned_cycles
    where qualified_month is not null
),

lead_months as (
    select
        rep_id,
        month_start_date,
        sum(funnel_entries) as funnel_entries,
        sum(handovers) as handovers,
        sum(sql_entries) as sql_entries
    from lead_flows
    group by rep_id, month_start_date
),

won_months as (
    select
        owner_id as rep_id,
        cast({{ dbt.date_trunc('month', 'close_date') }} as date) as month_start_date,
        count(*) as won_deals,
        sum(case when lead_id is not null then 1 else 0 end) as lead_won_deals,
        sum(amount_reporting) as won_amount_reporting
    from opportunities
    where is_won and owner_id is not null and close_date is not null
    group by owner_id, cast({{ dbt.date_trunc('month', 'close_date') }} as date)
),

activity_months as (
    select
        owner_id as rep_id,
        activity_month as month_start_date,
        count(*) as activities,
        sum(case when is_appointment then 1 else 0 end) as appointments,
        {%- for step in steps %}
            sum({{ step }}_hours) as {{ step }}_hours,
        {%- endfor %}
        sum(demand_hours) as activity_hours,
        sum(case when is_lead_related then demand_hours else 0 end) as lead_activity_hours
    from activities
    where owner_id is not null
    group by owner_id, activity_month
),

rep_months as (
    select
        rep_id,
        month_start_date
    from lead_months
    union
    select
        rep_id,
        month_start_date
    from won_months
    union
    select
        rep_id,
        month_start_date
    from activity_months
),

joined as (
    select
        rep_months.rep_id,
        rep_months.month_start_date,
        coalesce(lead_months.funnel_entries, 0) as funnel_entries,
        coalesce(lead_months.handovers, 0) as handovers,
        coalesce(lead_months.sql_entries, 0) as sql_entries,
        coalesce(won_months.won_deals, 0) as won_deals,
        coalesce(won_months.lead_won_deals, 0) as lead_won_deals,
        coalesce(won_months.won_amount_reporting, 0) as won_amount_reporting,
        coalesce(activity_months.activities, 0) as activities,
        coalesce(activity_months.appointments, 0) as appointments,
        {%- for step in steps %}
            coalesce(activity_months.{{ step }}_hours, 0) as {{ step }}_hours,
        {%- endfor %}
        coalesce(activity_months.activity_hours, 0) as activity_hours,
        coalesce(activity_months.lead_activity_hours, 0) as lead_activity_hours
    from rep_months
    left join lead_months
        on
            rep_months.rep_id = lead_months.rep_id
            and rep_months.month_start_date = lead_months.month_start_date
    left join won_months
        on
            rep_months.rep_id = won_months.rep_id
            and rep_months.month_start_date = won_months.month_start_date
    left join activity_months
        on
            rep_months.rep_id = activity_months.rep_id
            and rep_months.month_start_date = activity_months.month_start_date
)

select * from joined
