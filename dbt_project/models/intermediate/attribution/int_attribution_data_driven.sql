{#- Markov and Shapley shares for every touch of every won or open opportunity, one row per
    touch with a column share_<model> per model, from the weights of
    int_attribution_data_driven_weights (one per model, player set and player): a journey's
    credit goes to its players in proportion to their weight and is split evenly over each
    player's touches; a journey whose players all weigh 0 falls back to even shares (linear).
    Aggregates per journey and player joined back, no window and no sort. -#}
{%- set models = attribution_data_driven_models() -%}
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
        attribution_journeys.touches as touches_in_journey,
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

weights_per_player as (
    select
        player_set,
        player,
    {%- for model_name in models %}
        max(case when attribution_model = '{{ model_name }}' then weight end) as weight_{{ model_name }}
        {{- "," if not loop.last }}
    {%- endfor %}
    from weights
    group by player_set, player
),

player_weights as (
    select
        player_touches.opportunity_id,
        player_touches.player,
        player_touches.touches_of_player,
    {%- for model_name in models %}
        weights_per_player.weight_{{ model_name }}
        {{- "," if not loop.last }}
    {%- endfor %}
    from player_touches
    inner join weights_per_player
        on
            player_touches.player_set = weights_per_player.player_set
            and player_touches.player = weights_per_player.player
),

journey_weights as (
    select
        opportunity_id,
    {%- for model_name in models %}
        sum(weight_{{ model_name }}) as journey_weight_{{ model_name }}
        {{- "," if not loop.last }}
    {%- endfor %}
    from player_weights
    group by opportunity_id
),

final as (
    select
        target_touches.opportunity_id,
        target_touches.touchpoint_id,
    {%- for model_name in models %}
        case
            when journey_weights.journey_weight_{{ model_name }} > 0
                then
                    player_weights.weight_{{ model_name }} / journey_weights.journey_weight_{{ model_name }}
                    / player_weights.touches_of_player
            else cast(1 as double) / target_touches.touches_in_journey
        end as share_{{ model_name }}
        {{- "," if not loop.last }}
    {%- endfor %}
    from target_touches
    inner join player_weights
        on
            target_touches.opportunity_id = player_weights.opportunity_id
            and target_touches.player = player_weights.player
    inner join journey_weights
        on target_touches.opportunity_id = journey_weights.opportunity_id
)

select * from final
