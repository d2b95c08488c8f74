{#- E-mail addresses match case- and whitespace-insensitively. -#}
{% macro normalize_email(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}

{#- Text categories: trimmed, empty as null. -#}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{#- ISO currency codes: trimmed, upper case. -#}
{% macro clean_currency(column) -%}
    nullif(upper(trim({{ column }})), '')
{%- endmacro %}
