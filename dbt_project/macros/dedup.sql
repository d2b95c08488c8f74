{#- Keep the latest delivery of every key.

    Extracts are delta exports: the same record arrives again in a later drop when it changed,
    and sometimes unchanged (a re-delivery). The latest version wins: ordered by the source's
    own modification timestamp (if it has one), then the extract date of the drop, then the
    line in the file. Adapter-neutral (no QUALIFY). Adds the columns _delivery_count and
    _last_loaded_at (when a delivery of the key was last loaded).
    With var reporting_date set, drops delivered after that date are ignored, and
    _last_loaded_at is null: the next incremental build then recomputes every key, bringing
    back what the build "as of" a date left out.

    In an incremental build (the large staging models on DuckDB, macros/incremental.sql) only the
    keys with a delivery loaded after the model's last build are recomputed, each from all its
    deliveries, so the result is the same as a full build's: a late-arriving or corrected row
    is picked up by when it was loaded, whatever its business date, and an older re-delivery
    does not displace a newer version. The model's unique_key must be the key here (renamed is
    fine: the incremental strategy deletes and inserts the recomputed keys). -#}
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
            count(*) over (partition by {{ keys | join(', ') }}) as _delivery_count,
            {% if var('reporting_date', none) -%}
            cast(null as timestamp) as _last_loaded_at
            {%- else -%}
            max(_loaded_at) over (partition by {{ keys | join(', ') }}) as _last_loaded_at
            {%- endif %}
        from {{ relation }} as deliveries
        where
            true
            {%- if var('reporting_date', none) %}
            and _extract_date <= cast('{{ var("reporting_date") }}' as date)
            {%- endif %}
            {#- is_incremental() needs `this`, which unit tests of other models lack. #}
            {%- if this is not none and is_incremental() %}
            and exists (
                select 1
                from {{ relation }} as new_deliveries
                where
                    new_deliveries._loaded_at > ({{ last_build_watermark() }})
                    {%- for key in keys %}
                    and new_deliveries.{{ key }} = deliveries.{{ key }}
                    {%- endfor %}
            )
            {%- endif %}
    ) as ranked_deliveries
    where _delivery_rank = 1
{%- endmacro %}
