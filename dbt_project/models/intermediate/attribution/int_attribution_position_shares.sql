{#- Shares of the rule-based models for every touch of every won or open opportunity's
    journey, one row per touch with a column share_<model> per model. Position models (var
    attribution_position_weights): a touch's raw weight is the sum of the weights of the key
    roles it holds (first touch, lead creation, opportunity creation, closed won) or, if it
    holds none, the model's rest weight split evenly over such touches. Time decay:
    0.5 ^ (days before conversion / half-life). Raw weights are then normalised per journey,
    so coinciding key touches add up, the share of a missing key touch goes to the touches
    that exist, and every journey sums to 1; a journey whose raw weights are all zero (e.g. no
    lead-creation touch under the lead-creation model) falls back to even shares. A model with
    `two_touches: even` in its weights (U-shaped by default) splits a journey of exactly two
    touches 50/50, whatever roles they hold. Shares are rounded to 12 decimals (beyond that
    they are float noise); they still sum to 1 within 1e-9. Every model is a column of the same rows, and one aggregate per journey serves them
    all: a journey's total raw weight is its key roles' weights plus the rest weight if any
    touch holds no key role (the rest is split over exactly those touches). -#}
{%- set position_models = var('attribution_position_weights') -%}
{%- set roles = {
    'first_touch': 'is_first_touch',
    'lead_creation': 'is_lead_creation_touch',
    'opportunity_creation': 'is_opportunity_creation_touch',
    'closed_won': 'is_closed_won_touch',
} -%}
{%- set all_models = position_models.keys() | list + ['time_decay'] -%}
with

journeys as (
    select * from {{ ref('int_opportunity_journeys') }}
),

role_weights as (
    select
        opportunity_id,
        touchpoint_id,
        touches_in_journey,
        {%- for model_name, weights in position_models.items() %}
            cast(0 as double)
            {%- for role, flag in roles.items() if weights.get(role, 0) %}
                + case when {{ flag }} then cast({{ weights[role] }} as double) else 0 end
            {%- endfor %} as role_weight_{{ model_name }},
        {%- endfor %}
        power(0.5, days_before_conversion / {{ var('attribution_half_life_days') }}) as raw_weight_time_decay
    from journeys
    where is_won or not is_closed
),

journey_totals as (
    select
        opportunity_id,
        {%- for model_name in position_models %}
            sum(case when role_weight_{{ model_name }} = 0 then 1 else 0 end) as rest_touches_{{ model_name }},
            sum(role_weight_{{ model_name }}) as key_roles_weight_{{ model_name }},
        {%- endfor %}
        sum(raw_weight_time_decay) as total_weight_time_decay
    from role_weights
    group by opportunity_id
),

raw_weights as (
    select
        role_weights.opportunity_id,
        role_weights.touchpoint_id,
        role_weights.touches_in_journey,
        {%- for model_name, weights in position_models.items() %}
            {%- set rest_weight = 'cast(' ~ weights.get('rest', 0) ~ ' as double)' %}
            case
                when role_weights.role_weight_{{ model_name }} > 0 then role_weights.role_weight_{{ model_name }}
                else {{ rest_weight }} / journey_totals.rest_touches_{{ model_name }}
            end as raw_weight_{{ model_name }},
            journey_totals.key_roles_weight_{{ model_name }}
            + case
                when journey_totals.rest_touches_{{ model_name }} > 0 then {{ rest_weight }}
                else 0
            end as total_weight_{{ model_name }},
        {%- endfor %}
        role_weights.raw_weight_time_decay,
        journey_totals.total_weight_time_decay
    from role_weights
    inner join journey_totals on role_weights.opportunity_id = journey_totals.opportunity_id
),

normalised as (
    select
        opportunity_id,
        touchpoint_id,
    {%- for model_name in all_models %}
        round(
            case
                {%- if position_models.get(model_name, {}).get('two_touches') == 'even' %}
                    when touches_in_journey = 2 then cast(0.5 as double)
                {%- endif %}
                when total_weight_{{ model_name }} > 0 then raw_weight_{{ model_name }} / total_weight_{{ model_name }}
                else cast(1 as double) / touches_in_journey
            end,
            12
        ) as share_{{ model_name }}
        {{- "," if not loop.last }}
    {%- endfor %}
    from raw_weights
)

select * from normalised
