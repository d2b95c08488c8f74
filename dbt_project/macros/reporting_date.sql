{#- The date every KPI is computed as of. Var reporting_date (YYYY-MM-DD) if set, else the
    latest extract date loaded. Nothing in the project reads the wall clock. When the var is
    set, staging also ignores drops delivered after it (see dedup_latest), so the whole
    warehouse can be rebuilt as it stood on a past date. -#}
{% macro reporting_date() -%}
    {%- if var('reporting_date', none) -%}
        cast('{{ var("reporting_date") }}' as date)
    {%- else -%}
        (select max(extract_date) from {{ ref('stg_ingestion__load_manifest') }})
    {%- endif -%}
{%- endmacro %}

{#- True for the month of the reporting date (`month_start_date`: a month's first day). -#}
{% macro is_current_month(month_start_date) -%}
    cast({{ month_start_date }} = cast({{ dbt.date_trunc('month', reporting_date()) }} as date) as boolean)
{%- endmacro %}
