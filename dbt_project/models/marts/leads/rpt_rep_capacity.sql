{#- The funnel as a factory: per rep and month, the plannable selling hours against the time the
    rep's appointments, calls, e-mails and newly handed-over leads demand, the utilisation, the
    backlog of handed-over leads nobody has touched yet, and how many more leads the rep could
    take. One row per rep (field and inside sales) and month the rep was employed, from the
    first month of data to the planning month (the first month after the reporting date), plus
    one '(all reps)' row per month with the team total (is_team_total: leave it out when
    summing reps).

    Capacity: monthly_capacity_hours x working days the rep was employed that month / var
    capacity_reference_working_days; selling hours: x var capacity_selling_share. Employed: from
    the hire date; a deactivated user left on the day the user record was last modified (the CRM
    export has no leaving date).
    Demand: every activity of the month (done or booked) x its hours per step (var
    capacity_hours_per_activity), plus var capacity_hours_per_handover per lead handed over.
    For the planning month: the larger of what is already booked and the average of the last
    var capacity_forecast_trailing_months complete months. An additional lead costs
    capacity_hours_per_handover plus the activity hours a handed-over lead brought all reps in
    the trailing var funnel_trailing_months complete months (unknown without handovers there). -#}
{%- set steps = ['scheduling', 'preparation', 'travel', 'presentation', 'follow_up'] %}
{%- set forecast_months = var('capacity_forecast_trailing_months') %}
{%- set trailing_months = var('funnel_trailing_months') %}
with

users as (
    select * from {{ ref('stg_crm__users') }}
),

calendar as (
    select * from {{ ref('int_sales_calendar_days') }}
),

flows as (
    select * from {{ ref('int_rep_monthly_flows') }}
),

responses as (
    select * from {{ ref('int_lead_first_responses') }}
),

reporting as (
    select
        cast({{ reporting_date() }} as timestamp) as reporting_at,
        cast({{ dbt.dateadd('month', -1, dbt.date_trunc('month', reporting_date())) }} as date)
            as last_complete_month,
        cast(
            {{ dbt.dateadd('month', 1, dbt.date_trunc('month', dbt.dateadd('day', -1, reporting_date()))) }} as date
        ) as planning_month
),

reps as (
    select
        user_id as rep_id,
        user_name as rep_name,
        team,
        territory,
        sales_role,
        coalesce(monthly_capacity_hours, 0) as monthly_capacity_hours,
        hire_date,
        case when not is_active then cast(modified_at as date) end as left_date
    from users
    where sales_role in ('field', 'inside')
),

months as (
    select
        calendar.month_start_date,
        sum(case when calendar.is_working_day then 1 else 0 end) as working_days
    from calendar
    cross join reporting
    where calendar.month_start_date <= reporting.planning_month
    group by calendar.month_start_date
),

rep_months as (
    select
        reps.rep_id,
        calendar.month_start_date,
        count(*) as active_working_days
    from reps
    inner join calendar
        on
            calendar.is_working_day
            and (reps.hire_date is null or reps.hire_date <= calendar.calendar_date)
            and (reps.left_date is null or reps.left_date > calendar.calendar_date)
    cross join reporting
    where calendar.month_start_date <= reporting.planning_month
    group by reps.rep_id, calendar.month_start_date
),

booked as (
    select
        rep_months.rep_id,
        rep_months.month_start_date,
        rep_months.active_working_days,
        coalesce(flows.handovers, 0) as handovers,
        coalesce(flows.appointments, 0) as appointments,
        coalesce(flows.activities, 0) as activities,
        {%- for step in steps %}
            coalesce(flows.{{ step }}_hours, 0) as {{ step }}_hours,
        {%- endfor %}
        coalesce(flows.handovers, 0) * {{ var('capacity_hours_per_handover') }} as handover_hours,
        coalesce(flows.activity_hours, 0)
        + coalesce(flows.handovers, 0) * {{ var('capacity_hours_per_handover') }} as booked_demand_hours
    from rep_months
    left join flows
        on
            rep_months.rep_id = flows.rep_id
            and rep_months.month_start_date = flows.month_start_date
),

recent_demand as (
    select
        booked.rep_id,
        avg(booked.booked_demand_hours) as trailing_demand_hours
    from booked
    cross join reporting
    where
        booked.month_start_date <= reporting.last_complete_month
        and booked.month_start_date
        > cast({{ dbt.dateadd('month', -forecast_months, 'reporting.last_complete_month') }} as date)
    group by booked.rep_id
),

backlog as (
    select
        booked.rep_id,
        booked.month_start_date,
        count(responses.lead_cycle_id) as untouched_backlog
    from booked
    cross join reporting
    inner join responses
        on
            booked.rep_id = responses.owner_id
            and responses.handover_at < least(
                cast({{ dbt.dateadd('month', 1, 'booked.month_start_date') }} as timestamp),
                reporting.reporting_at
            )
            and (
                responses.first_activity_at is null
                or responses.first_activity_at >= least(
                    cast({{ dbt.dateadd('month', 1, 'booked.month_start_date') }} as timestamp),
                    reporting.reporting_at
                )
            )
            and (
                coalesce(responses.cycle_ended_at, responses.next_cycle_started_at) is null
                or coalesce(responses.cycle_ended_at, responses.next_cycle_started_at) >= least(
                    cast({{ dbt.dateadd('month', 1, 'booked.month_start_date') }} as timestamp),
                    reporting.reporting_at
                )
            )
    group by booked.rep_id, booked.month_start_date
),

lead_cost_windows as (
    select
        months.month_start_date,
        sum(flows.lead_activity_hours) as lead_activity_hours,
        sum(flows.handovers) as handovers
    from months
    cross join reporting
    inner join flows
        on
            months.month_start_date > flows.month_start_date
            and reporting.last_complete_month >= flows.month_start_date
            and flows.month_start_date >= cast(
                {{ dbt.dateadd(
                    'month',
                    -trailing_months,
                    'least(months.month_start_date, ' ~ dbt.dateadd('month', 1, 'reporting.last_complete_month') ~ ')',
                ) }} as date
            )
    group by months.month_start_date
),

lead_costs as (
    select
        month_start_date,
        {{ var('capacity_hours_per_handover') }}
        + cast(lead_activity_hours as double) / nullif(handovers, 0) as hours_per_additional_lead
    from lead_cost_windows
),

rep_rows as (
    select
        booked.rep_id,
        reps.rep_name,
        reps.team,
        reps.territory,
        reps.sales_role,
        false as is_team_total,
        booked.month_start_date,
        case
            when booked.month_start_date = reporting.planning_month then 'planning'
            when booked.month_start_date <= reporting.last_complete_month then 'complete'
            else 'in_progress'
        end as month_status,
        months.working_days,
        booked.active_working_days,
        reps.monthly_capacity_hours,
        cast(reps.monthly_capacity_hours as double) * booked.active_working_days
        / {{ var('capacity_reference_working_days') }} as capacity_hours,
        booked.handovers,
        booked.appointments,
        booked.activities,
        {%- for step in steps %}
            booked.{{ step }}_hours,
        {%- endfor %}
        booked.handover_hours,
        booked.booked_demand_hours,
        case
            when booked.month_start_date = reporting.planning_month
                then greatest(booked.booked_demand_hours, coalesce(recent_demand.trailing_demand_hours, 0))
            else booked.booked_demand_hours
        end as demand_hours,
        coalesce(backlog.untouched_backlog, 0) as untouched_backlog
    from booked
    cross join reporting
    inner join reps on booked.rep_id = reps.rep_id
    inner join months on booked.month_start_date = months.month_start_date
    left join recent_demand on booked.rep_id = recent_demand.rep_id
    left join backlog
        on
            booked.rep_id = backlog.rep_id
            and booked.month_start_date = backlog.month_start_date
),

team_rows as (
    select
        '(all reps)' as rep_id,
        'All reps' as rep_name,
        cast(null as {{ dbt.type_string() }}) as team,
        cast(null as {{ dbt.type_string() }}) as territory,
        cast(null as {{ dbt.type_string() }}) as sales_role,
        true as is_team_total,
        month_start_date,
        max(month_status) as month_status,
        max(working_days) as working_days,
        sum(active_working_days) as active_working_days,
        sum(monthly_capacity_hours) as monthly_capacity_hours,
        sum(capacity_hours) as capacity_hours,
        sum(handovers) as handovers,
        sum(appointments) as appointments,
        sum(activities) as activities,
        {%- for step in steps %}
            sum({{ step }}_hours) as {{ step }}_hours,
        {%- endfor %}
        sum(handover_hours) as handover_hours,
        sum(booked_demand_hours) as booked_demand_hours,
        sum(demand_hours) as demand_hours,
        sum(untouched_backlog) as untouched_backlog
    from rep_rows
    group by month_start_date
),

all_rows as (
    select * from rep_rows
    union all
    select * from team_rows
),

loads as (
    select
        all_rows.*,
        all_rows.capacity_hours * {{ var('capacity_selling_share') }} as selling_hours,
        all_rows.demand_hours / nullif(all_rows.capacity_hours * {{ var('capacity_selling_share') }}, 0)
            as utilisation,
        all_rows.capacity_hours * {{ var('capacity_selling_share') }} - all_rows.demand_hours as spare_hours,
        lead_costs.hours_per_additional_lead
    from all_rows
    left join lead_costs on all_rows.month_start_date = lead_costs.month_start_date
),

final as (
    select
        cast(rep_id as string) as rep_id,
        cast(rep_name as string) as rep_name,
        cast(team as string) as team,
        cast(territory as string) as territory,
        cast(sales_role as string) as sales_role,
        cast(is_team_total as boolean) as is_team_total,
        cast(month_start_date as date) as capacity_month,
        cast(month_status as string) as month_status,
        cast(working_days as bigint) as working_days,
        cast(active_working_days as bigint) as active_working_days,
        cast(monthly_capacity_hours as double) as monthly_capacity_hours,
        cast(capacity_hours as double) as capacity_hours,
        cast(selling_hours as double) as selling_hours,
        cast(handovers as bigint) as handovers,
        cast(appointments as bigint) as appointments,
        cast(activities as bigint) as activities,
        {%- for step in steps %}
            cast({{ step }}_hours as double) as {{ step }}_hours,
        {%- endfor %}
        cast(handover_hours as double) as handover_hours,
        cast(booked_demand_hours as double) as booked_demand_hours,
        cast(demand_hours as double) as demand_hours,
        cast(utilisation as double) as utilisation,
        cast(
            case
                when utilisation > {{ var('capacity_overload_utilisation') }} then 'over'
                when utilisation < {{ var('capacity_underload_utilisation') }} then 'under'
                when utilisation is not null then 'balanced'
            end as string
        ) as load_status,
        cast(coalesce(utilisation > {{ var('capacity_overload_utilisation') }}, false) as boolean)
            as is_over_capacity,
        cast(spare_hours as double) as spare_hours,
        cast(untouched_backlog as bigint) as untouched_backlog,
        cast(hours_per_additional_lead as double) as hours_per_additional_lead,
        cast(
            floor(greatest(spare_hours, 0) / nullif(hours_per_additional_lead, 0)) as bigint
        ) as additional_leads_capacity
    from loads
)

select * from final
