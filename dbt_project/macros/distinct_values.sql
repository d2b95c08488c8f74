{#- A group's distinct non-null values as a sorted list (an aggregate), with the two list
    functions its readers need: its length and its values joined into one string. One
    aggregate over the rows instead of a group by per value and an ordered string_agg. -#}
{% macro distinct_values(measure) -%}
    {{ return(adapter.dispatch('distinct_values', 'leadledger')(measure)) }}
{%- endmacro %}

{% macro default__distinct_values(measure) -%}
    list_sort(list_distinct(list({{ measure }})))
{%- endmacro %}

{% macro spark__distinct_values(measure) -%}
    array_sort(collect_set({{ measure }}))
{%- endmacro %}

{% macro list_size(list_expression) -%}
    {{ return(adapter.dispatch('list_size', 'leadledger')(list_expression)) }}
{%- endmacro %}

{% macro default__list_size(list_expression) -%}
    len({{ list_expression }})
{%- endmacro %}

{% macro spark__list_size(list_expression) -%}
    size({{ list_expression }})
{%- endmacro %}

{% macro list_join(list_expression, delimiter_text) -%}
    {{ return(adapter.dispatch('list_join', 'leadledger')(list_expression, delimiter_text)) }}
{%- endmacro %}

{% macro default__list_join(list_expression, delimiter_text) -%}
    array_to_string({{ list_expression }}, {{ delimiter_text }})
{%- endmacro %}

{% macro spark__list_join(list_expression, delimiter_text) -%}
    array_join({{ list_expression }}, {{ delimiter_text }})
{%- endmacro %}
