{#- One row per journey of int_attribution_journey_touches with its player set: the distinct
    players, sorted, joined by ' + ' (the key of int_attribution_data_driven_weights). -#}
with

journey_touches as (
    select * from {{ ref('int_attribution_journey_touches') }}
),

journey_players as (
    select distinct
        journey_kind,
        journey_id,
        player
    from journey_touches
),

player_sets as (
    select
        journey_kind,
        journey_id,
        {{ listagg_ordered('player', "' + '", 'player') }} as player_set,
        count(*) as players
    from journey_players
    group by journey_kind, journey_id
),

outcomes as (
    {#- the outcome columns are the journey's, the same on each of its touches -#}
    select
        journey_kind,
        journey_id,
        count(*) as touches,
        max(case when is_converted then 1 else 0 end) = 1 as is_converted,
        max(case when is_known then 1 else 0 end) = 1 as is_known,
        max(case when is_target then 1 else 0 end) = 1 as is_target
    from journey_touches
    group by journey_kind, journey_id
),

final as (
    select
        outcomes.journey_kind,
        outcomes.journey_id,
        player_sets.player_set,
        player_sets.players,
        outcomes.touches,
        outcomes.is_converted,
        outcomes.is_known,
        outcomes.is_target
    from outcomes
    inner join player_sets
        on
            outcomes.journey_kind = player_sets.journey_kind
            and outcomes.journey_id = player_sets.journey_id
)

select * from final
