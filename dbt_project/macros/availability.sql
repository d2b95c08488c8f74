{#- True when the finance FX extract delivered any rate (int_fx_rates_daily.has_fx_data); false
    for a partial source without FX data, where only the reporting currency converts. -#}
{% macro fx_data_delivered() -%}
    exists (select 1 from {{ ref('int_fx_rates_daily') }} where has_fx_data)
{%- endmacro %}
