{#- True when month (a month's first day) lies in the trailing window that the figures of
    counted_month add to: counted_month itself and the abc_trailing_months - 1 months after it.
    Joining a model's few counted months to its months on this gives trailing sums without a
    window over a dense account x month spine. -#}
{% macro in_trailing_window_of(month, counted_month) -%}
    {{ counted_month }} <= {{ month }}
    and {{ month }} < cast({{ dbt.dateadd('month', var('abc_trailing_months'), counted_month) }} as date)
{%- endmacro %}
