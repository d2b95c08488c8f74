{#- Shares of the rule-based models for every touch of every won or open opportunity's
    journey. Position models (var attribution_position_weights): a touch's raw weight is the
    sum of the weights of the key roles it holds (first touch, lead creation, opportunity
    creation, closed won) or, if it holds none, the model's rest weight split evenly over such
    touches. Time decay: 0.5 ^ (days before conversion / half-life). Raw weights are then
    normalised per journey, so coinciding key touches add up, the share of a missing key
    touch goes to the touches that exist, and every journey sums to 1; a journey whose raw
    weights are all zero (e.g. no lead-creation touch under the lead-creation model) falls
    back to even shares. Shares are rounded to 12 decimals (beyond that they are float noise);
    they still sum to 1 within 1e-9. -#}
with

journeys as (
    select * from {{ ref('int_opportunity_journeys') }}
),

position_models as (
    {{ attribution_position_models() }}
),

attributable as (
    select *
    from journeys
    where is_won or not is_closed
),

role_weights as (
    select
        attributable.opportunity_id,
        attributable.touchpoint_id,
        attributable.touch_number,
        attributable.touches_in_journey,
        position_models.attribution_model,
        position_models.rest_weight,
        case when attributable.is_first_touch then position_models.first_touch_weight else 0 end
        + case when attributable.is_lead_creation_touch then position_models.lead_creation_weight else 0 end
        + case
            when attributable.is_opportunity_creation_touch then position_models.opportunity_creation_weight else 0
        end
        + case when attributable.is_closed_won_touch then position_models.closed_won_weight else 0 end
            as role_weight
    from attributable
    cross join position_models
),

rest_touches as (
    select
        opportunity_id,
        attribution_model,
        sum(case when role_weight = 0 then 1 else 0 end) as rest_touches
    from role_weights
    group by opportunity_id, attribution_model
),

position_raw as (
    select
        role_weights.opportunity_id,
        role_weights.touchpoint_id,
        role_weights.touch_number,
        role_weights.touches_in_journey,
        role_weights.attribution_model,
        case
            when role_weights.role_weight > 0 then role_weights.role_weight
            else role_weights.rest_weight / rest_touches.rest_touches
        end as raw_weight
    from role_weights
    inner join rest_touches
        on
            role_weights.opportunity_id = rest_touches.opportunity_id
            and role_weights.attribution_model = rest_touches.attribution_model
),

time_decay_raw as (
    select
        opportunity_id,
        touchpoint_id,
        touch_number,
        touches_in_journey,
        'time_decay' as attribution_model,
        power(0.5, days_before_conversion / {{ var('attribution_half_life_days') }}) as raw_weight
    from attributable
),

all_raw as (
    select * from position_raw
    union all
    select * from time_decay_raw
),

journey_totals as (
    select
        opportunity_id,
        attribution_model,
        sum(raw_weight) as total_weight
    from all_raw
    group by opportunity_id, attribution_model
),

normalised as (
    select
        all_raw.opportunity_id,
        all_raw.touchpoint_id,
        all_raw.attribution_model,
        round(
            case
                when journey_totals.total_weight > 0 then all_raw.raw_weight / journey_totals.total_weight
                else cast(1 as double) / all_raw.touches_in_journey
            end,
            12
        ) as share
    from all_raw
    inner join journey_totals
        on
            all_raw.opportunity_id = journey_totals.opportunity_id
            and all_raw.attribution_model = journey_totals.attribution_model
)

select * from normalised
