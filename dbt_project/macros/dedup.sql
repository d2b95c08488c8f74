{#- Keep the latest delivery of every key.

    Extracts are delta exports: the same record arrives again in a later drop when it changed,
    and sometimes unchanged (a re-delivery). The latest version wins: ordered by the source's
    own modification timestamp (if it has one), then the extract date of the drop, then the
    line in the file. Adapter-neutral (no QUALIFY). Adds a column _delivery_count.
    With var reporting_date set, drops delivered after that date are ignored. -#}
{% macro dedup_latest(relation, key_columns, modified_column=none) -%}
    {%- set keys = key_columns if key_columns is not string else [key_columns] -%}
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ keys | join(', ') }}
                order by
                    {% if modified_column %}{{ modified_column }} desc, {% endif -%}
                    _extract_date desc,
                    _line_number desc
            ) as _delivery_rank,
            count(*) over (partition by {{ keys | join(', ') }}) as _delivery_count
        from {{ relation }}
        {%- if var('reporting_date', none) %}
        where _extract_date <= cast('{{ var("reporting_date") }}' as date)
        {%- endif %}
    ) as ranked_deliveries
    where _delivery_rank = 1
{%- endmacro %}
