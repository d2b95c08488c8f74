{#- The distinct player sets of int_attribution_journeys with how many journeys have each:
    the Shapley game's input (at most 2^players rows: small at any scale). -#}
with

journeys as (
    select * from {{ ref('int_attribution_journeys') }}
),

final as (
    select
        player_set,
        max(players) as players,
        sum(case when is_known then 1 else 0 end) as known_journeys,
        sum(case when is_known and is_converted then 1 else 0 end) as converted_journeys,
        sum(case when is_target then 1 else 0 end) as target_journeys
    from journeys
    group by player_set
)

select * from final
