{#- One row per journey of int_attribution_journey_touches with its player set (the distinct
    players, sorted, joined by ' + ': the key of int_attribution_data_driven_weights), its
    touches and its outcome, in one pass over the touches. -#}
with

journey_touches as (
    select * from {{ ref('int_attribution_journey_touches') }}
),

journey_players as (
    {#- one row per journey and player: its touches and the journey's outcome -#}
    select
        journey_kind,
        journey_id,
        player,
        count(*) as touches,
        max(case when is_converted then 1 else 0 end) as is_converted,
        max(case when is_known then 1 else 0 end) as is_known,
        max(case when is_target then 1 else 0 end) as is_target
    from journey_touches
    group by journey_kind, journey_id, player
),

final as (
    select
        journey_kind,
        journey_id,
        {{ listagg_ordered('player', "' + '", 'player') }} as player_set,
        count(*) as players,
        sum(touches) as touches,
        max(is_converted) = 1 as is_converted,
        max(is_known) = 1 as is_known,
        max(is_target) = 1 as is_target
    from journey_players
    group by journey_kind, journey_id
)

select * from final
