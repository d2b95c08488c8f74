{#- Configure a model as incremental by delivery: on DuckDB each build recomputes only the keys
    delivered since the last build and replaces them (delete+insert on unique_key). Used by the
    staging models of the large extracts, with dedup_latest (macros/dedup.sql; unique_key is
    the model's name for the dedup key), and by int_pipeline_ranges (unique_key opportunity_id:
    all rows of a recomputed opportunity are replaced). On Spark the model
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
