{#- One row per day from start_date to end_date (inclusive), column calendar_date.
    Both arguments are SQL expressions (they may be scalar subqueries), unlike dbt.date_spine,
    which needs bounds it can evaluate at compile time. -#}
{% macro date_series(start_date, end_date) -%}
    {{ return(adapter.dispatch('date_series', 'leadledger')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__date_series(start_date, end_date) -%}
    select cast(calendar_day as date) as calendar_date
    from unnest(generate_series(cast({{ start_date }} as date), cast({{ end_date }} as date), interval 1 day))
        as days (calendar_day)
{%- endmacro %}

{% macro duckdb__date_series(start_date, end_date) -%}
    select cast(calendar_day as date) as calendar_date
    from (
        select unnest(generate_series(cast({{ start_date }} as date), cast({{ end_date }} as date), interval 1 day))
            as calendar_day
    ) as days
{%- endmacro %}

{% macro spark__date_series(start_date, end_date) -%}
    select explode(sequence(to_date({{ start_date }}), to_date({{ end_date }}), interval 1 day)) as calendar_date
{%- endmacro %}
