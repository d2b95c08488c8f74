{#- First-order Markov transition counts over every journey with a known outcome
    (int_attribution_journey_touches): '(start)' to the first touch's player, each touch's
    player to the next one's, the last touch's player to '(conversion)' (won) or '(null)'. The
    Markov model's whole input. Consecutive touches are found by an equi-join on the touch
    order (no window, no sort). The three state names are also constants of
    int_attribution_data_driven_weights.py. -#}
with

known_touches as (
    select * from {{ ref('int_attribution_journey_touches') }}
    where is_known
),

steps as (
    select
        '(start)' as from_state,
        player as to_state
    from known_touches
    where touch_order = 1
    union all
    select
        current_touch.player as from_state,
        next_touch.player as to_state
    from known_touches as current_touch
    inner join known_touches as next_touch
        on
            current_touch.journey_kind = next_touch.journey_kind
            and current_touch.journey_id = next_touch.journey_id
            and current_touch.touch_order + 1 = next_touch.touch_order
    union all
    select
        player as from_state,
        case when is_converted then '(conversion)' else '(null)' end as to_state
    from known_touches
    where touch_order = touches_in_journey
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
