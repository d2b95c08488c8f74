{#- One row per touch of every journey the data-driven models (Markov, Shapley) learn from or
    attribute: every opportunity's journey (int_opportunity_journeys) and the touches of every
    lead that never became an opportunity. The touch as its player (channel or campaign, macro
    attribution_player) with the journey's outcome: closed opportunities and unconverted leads
    are known (won = converted); won and open opportunities are the targets whose touches get
    shares. A journey's order is by time, ties by touchpoint id (int_opportunity_journeys
    numbers its touches the same way).

    A view: each reader aggregates it once (player sets, transitions, target touches), which
    costs less than writing its rows (9.9 M at scale 100) to a table first. -#}
{{ config(materialized='view') }}
with

journeys as (
    select * from {{ ref('int_opportunity_journeys') }}
),

touchpoints as (
    select * from {{ ref('int_touchpoints_unified') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

converted_leads as (
    select distinct lead_id
    from opportunities
    where lead_id is not null
),

opportunity_touches as (
    select
        'opportunity' as journey_kind,
        opportunity_id as journey_id,
        touchpoint_id,
        occurred_at,
        {{ attribution_player() }} as player,
        is_won as is_converted,
        is_closed as is_known,
        is_won or not is_closed as is_target
    from journeys
),

unconverted_lead_touches as (
    select
        'lead' as journey_kind,
        touchpoints.lead_id as journey_id,
        touchpoints.touchpoint_id,
        touchpoints.occurred_at,
        {{ attribution_player('touchpoints') }} as player,
        false as is_converted,
        true as is_known,
        false as is_target
    from touchpoints
    left join converted_leads on touchpoints.lead_id = converted_leads.lead_id
    where touchpoints.lead_id is not null and converted_leads.lead_id is null
),

final as (
    select * from opportunity_touches
    union all
    select * from unconverted_lead_touches
)

select * from final
