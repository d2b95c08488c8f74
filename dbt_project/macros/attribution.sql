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

{#- Return on a campaign's (or channel's) cost, from its columns actual_cost,
    attributed_won_revenue, attributed_won_deals, mqls and sqls: ROI, ROAS and cost per MQL,
    SQL and attributed won deal. Divisions in double precision (and cents by divide_to_cents),
    so every engine gives the same values. -#}
{% macro attribution_return_ratios() -%}
    case when actual_cost > 0 then cast(attributed_won_revenue - actual_cost as double) / actual_cost end
        as roi,
    case when actual_cost > 0 then cast(attributed_won_revenue as double) / actual_cost end as roas,
    case when mqls > 0 then {{ divide_to_cents('actual_cost', 'mqls') }} end as cost_per_mql,
    case when sqls > 0 then {{ divide_to_cents('actual_cost', 'sqls') }} end as cost_per_sql,
    cast(
        case when attributed_won_deals > 0 then cast(actual_cost as double) / attributed_won_deals end
        as decimal(18, 2)
    ) as cost_per_won_deal
{%- endmacro %}

{#- What the data-driven models treat as one player (Markov state, Shapley player) for a touch
    with columns channel and campaign_id: its channel or its campaign
    (var attribution_granularity). -#}
{% macro attribution_player(relation=none) -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {%- if var('attribution_granularity') == 'channel' -%}
        {{ prefix }}channel
    {%- else -%}
        coalesce({{ prefix }}campaign_id, '(no campaign)')
    {%- endif -%}
{%- endmacro %}
