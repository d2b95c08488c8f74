{#- Configure a staging model with dedup_latest (macros/dedup.sql) as an incremental model:
    on DuckDB each build recomputes only the keys delivered since the last build and replaces
    them (delete+insert on unique_key, the model's name for the dedup key). On Spark the model
    stays a table (incremental models there need Delta or Iceberg files, not plain Parquet).
    With var reporting_date set (a build "as it stood then") the model is rebuilt in full:
    rows delivered after that date must go, which an incremental build would keep.
    `dbt build --full-refresh` (or `leadledger run --full-refresh`) rebuilds them all. -#}
{% macro incremental_by_delivery(unique_key) -%}
    {{ config(
        materialized=('incremental' if target.type == 'duckdb' else 'table'),
        incremental_strategy='delete+insert',
        unique_key=unique_key,
        on_schema_change='fail',
        full_refresh=(true if var('reporting_date', none) else none),
    ) }}
{%- endmacro %}
