{#- Values of a group joined into one string, in the order of order_by (an expression);
    nulls are skipped, a group without values gives null. dbt.listagg takes the order on
    DuckDB, but ignores it on Spark, so Spark sorts (key, value) pairs itself. -#}
{% macro listagg_ordered(measure, delimiter_text, order_by) -%}
    {{ return(adapter.dispatch('listagg_ordered', 'leadledger')(measure, delimiter_text, order_by)) }}
{%- endmacro %}

{% macro default__listagg_ordered(measure, delimiter_text, order_by) -%}
    {{ dbt.listagg(measure, delimiter_text, 'order by ' ~ order_by) }}
{%- endmacro %}

{% macro spark__listagg_ordered(measure, delimiter_text, order_by) -%}
    case
        when count({{ measure }}) > 0
            then array_join(
                transform(
                    array_sort(
                        collect_list(
                            case
                                when {{ measure }} is not null
                                    then struct({{ order_by }} as sort_key, {{ measure }} as sort_value)
                            end
                        )
                    ),
                    entry -> entry.sort_value
                ),
                {{ delimiter_text }}
            )
    end
{%- endmacro %}
