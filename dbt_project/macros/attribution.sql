{#- Every attribution model the warehouse computes, in display order: the position models
    (var attribution_position_weights), time decay, and the data-driven ones. -#}
{% macro attribution_models() -%}
    {{ return(var('attribution_position_weights').keys() | list + ['time_decay'] + attribution_data_driven_models()) }}
{%- endmacro %}

{#- The data-driven models (int_attribution_data_driven: a share_<model> column each). -#}
{% macro attribution_data_driven_models() -%}
    {{ return(['markov', 'shapley']) }}
{%- endmacro %}

{#- The attribution models as rows of one column, attribution_model: what a model crosses
    with to turn fct_attribution's per-model columns into one row per model. -#}
{% macro attribution_model_rows() -%}
    {%- for model_name in attribution_models() %}
    select '{{ model_name }}' as attribution_model
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- The column <measure>_<model> of the row's attribution_model (after a cross join with
    attribution_model_rows()): fct_attribution's wide layout read one model per row. -#}
{% macro attribution_pick(measure) -%}
    case attribution_model
        {%- for model_name in attribution_models() %}
        when '{{ model_name }}' then {{ measure }}_{{ model_name }}
        {%- endfor %}
    end
{%- endmacro %}

{#- Cents of amount_cents (an integer) up to a cumulative share given in integer units of
    1e-12: the same integer gives the same cents on every row and engine, so the rounded
    differences of consecutive touches telescope to the amount exactly. -#}
{% macro cents_up_to(amount_cents, share_units) -%}
    cast(round(cast({{ amount_cents }} as double) * ({{ share_units }}) / 1e12) as bigint)
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
