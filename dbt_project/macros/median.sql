{#- Median of an expression over a group (nulls ignored); engines spell it differently. -#}
{% macro median(expression) -%}
    {{ return(adapter.dispatch('median', 'leadledger')(expression)) }}
{%- endmacro %}

{% macro default__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__median(expression) -%}
    median({{ expression }})
{%- endmacro %}

{% macro spark__median(expression) -%}
    percentile({{ expression }}, 0.5)
{%- endmacro %}
