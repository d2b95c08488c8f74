{#- The position-based attribution models as rows (one per model) of role weights, rendered
    from var attribution_position_weights, so the weights are declared once. -#}
{% macro attribution_position_models() -%}
    {%- set models = var('attribution_position_weights') -%}
    {%- for name, weights in models.items() %}
    select
        '{{ name }}' as attribution_model,
        cast({{ weights.get('first_touch', 0) }} as double) as first_touch_weight,
        cast({{ weights.get('lead_creation', 0) }} as double) as lead_creation_weight,
        cast({{ weights.get('opportunity_creation', 0) }} as double) as opportunity_creation_weight,
        cast({{ weights.get('closed_won', 0) }} as double) as closed_won_weight,
        cast({{ weights.get('rest', 0) }} as double) as rest_weight
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- Every attribution model the warehouse computes, in display order. -#}
{% macro attribution_models() -%}
    {{ return(var('attribution_position_weights').keys() | list + ['time_decay', 'markov', 'shapley']) }}
{%- endmacro %}
