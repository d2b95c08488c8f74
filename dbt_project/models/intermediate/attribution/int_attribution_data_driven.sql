{#- Markov and Shapley shares for every touch of every won or open opportunity, from the
    weights of int_attribution_data_driven_weights (one per model, player set and player): a
    journey's credit goes to its players in proportion to their weight and is split evenly
    over each player's touches; a journey whose players all weigh 0 falls back to even shares
    (linear). Aggregates per journey and player joined back, no window and no sort. -#}
with

journey_touches as (
    select * from {{ ref('int_attribution_journey_touches') }}
),

attribution_journeys as (
    select * from {{ ref('int_attribution_journeys') }}
),

weights as (
    select * from {{ ref('int_attribution_data_driven_weights') }}
),

target_touches as (
    select
        journey_touches.journey_id as opportunity_id,
        journey_touches.touchpoint_id,
        journey_touches.touches_in_journey,
        journey_touches.player,
        attribution_journeys.player_set
    from journey_touches
    inner join attribution_journeys
        on
            journey_touches.journey_kind = attribution_journeys.journey_kind
            and journey_touches.journey_id = attribution_journeys.journey_id
    where journey_touches.journey_kind = 'opportunity' and journey_touches.is_target
),

player_touches as (
    select
        opportunity_id,
        player_set,
        player,
        count(*) as touches_of_player
    from target_touches
    group by opportunity_id, player_set, player
),

player_weights as (
    select
        player_touches.opportunity_id,
        player_touches.player,
        player_touches.touches_of_player,
        weights.attribution_model,
        weights.weight
    from player_touches
    inner join weights
        on
            player_touches.player_set = weights.player_set
            and player_touches.player = weights.player
),

journey_weights as (
    select
        opportunity_id,
        attribution_model,
        sum(weight) as journey_weight
    from player_weights
    group by opportunity_id, attribution_model
),

final as (
    select
        target_touches.opportunity_id,
        target_touches.touchpoint_id,
        player_weights.attribution_model,
        case
            when journey_weights.journey_weight > 0
                then player_weights.weight / journey_weights.journey_weight / player_weights.touches_of_player
            else cast(1 as double) / target_touches.touches_in_journey
        end as share
    from target_touches
    inner join player_weights
        on
            target_touches.opportunity_id = player_weights.opportunity_id
            and target_touches.player = player_weights.player
    inner join journey_weights
        on
            player_weights.opportunity_id = journey_weights.opportunity_id
            and player_weights.attribution_model = journey_weights.attribution_model
)

select * from final
