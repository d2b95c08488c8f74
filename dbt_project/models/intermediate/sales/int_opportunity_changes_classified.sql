{#- Every recorded state of every opportunity, in order: the rows of the CRM's opportunity
    history (stage, amount, probability, expected close date, forecast category as of each
    change), classified as open / won / lost with the CRM's own stage semantics (a stage is
    closed or won when the opportunities currently in it are). An opportunity without any
    history row gets one state, its current one, from its creation. -#}
with

history as {{ not_materialized() }} (
    select * from {{ ref('stg_crm__opportunity_history') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

stage_outcomes as (
    select
        stage_name,
        max(case when is_closed then 1 else 0 end) = 1 as is_closed_stage,
        max(case when is_won then 1 else 0 end) = 1 as is_won_stage
    from opportunities
    group by stage_name
),

opportunities_with_history as (
    select distinct opportunity_id from history
),

recorded_changes as (
    select
        opportunity_id,
        opportunity_history_id as change_id,
        changed_at,
        stage_name,
        amount,
        probability,
        close_date,
        forecast_category,
        last_loaded_at
    from history
),

current_states_without_history as (
    select
        opportunities.opportunity_id,
        cast(null as {{ dbt.type_string() }}) as change_id,
        opportunities.created_at as changed_at,
        opportunities.stage_name,
        opportunities.amount,
        opportunities.probability,
        opportunities.close_date,
        opportunities.forecast_category,
        opportunities.last_loaded_at
    from opportunities
    left join opportunities_with_history
        on opportunities.opportunity_id = opportunities_with_history.opportunity_id
    where opportunities_with_history.opportunity_id is null
),

all_changes as (
    select * from recorded_changes
    union all
    select * from current_states_without_history
),

classified as (
    select
        all_changes.opportunity_id,
        all_changes.change_id,
        row_number() over (
            partition by all_changes.opportunity_id
            order by all_changes.changed_at, all_changes.change_id
        ) as change_number,
        all_changes.changed_at,
        all_changes.stage_name,
        all_changes.amount,
        all_changes.probability,
        all_changes.close_date,
        all_changes.forecast_category,
        coalesce(stage_outcomes.is_closed_stage, false) as is_closed,
        coalesce(stage_outcomes.is_won_stage, false) as is_won,
        all_changes.last_loaded_at
    from all_changes
    left join stage_outcomes on all_changes.stage_name = stage_outcomes.stage_name
)

select * from classified
