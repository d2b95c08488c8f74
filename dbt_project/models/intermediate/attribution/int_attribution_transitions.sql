{#- First-order Markov transition counts over every journey with a known outcome
    (int_attribution_journey_touches): '(start)' to the first touch's player, each touch's
    player to the next one's, the last touch's player to '(conversion)' (won) or '(null)'. The
    Markov model's whole input. One window over the journeys in their order (time, ties by
    touchpoint id) gives each touch its predecessor and marks the last. The three state names
    are also constants of int_attribution_data_driven_weights.py. -#}
with

known_touches as (
    select * from {{ ref('int_attribution_journey_touches') }}
    where is_known
),

ordered_touches as (
    select
        player,
        is_converted,
        lag(player) over journey_order as previous_player,
        lead(touchpoint_id) over journey_order is null as is_last_touch
    from known_touches
    window journey_order as (partition by journey_kind, journey_id order by occurred_at, touchpoint_id)
),

steps as (
    select
        coalesce(previous_player, '(start)') as from_state,
        player as to_state
    from ordered_touches
    union all
    select
        player as from_state,
        case when is_converted then '(conversion)' else '(null)' end as to_state
    from ordered_touches
    where is_last_touch
),

final as (
    select
        from_state,
        to_state,
        count(*) as transitions
    from steps
    group by from_state, to_state
)

select * from final
