{#- On Spark, the raw tables are Parquet files the ingestion library wrote (ingestion/spark.py:
    export_raw, one folder per table under LEADLEDGER_SPARK_DIR/raw); this hook registers every
    source table of schema raw over its folder before the build, in dbt's own Spark session.
    On other engines the sources are tables already, and it does nothing. -#}
{% macro register_raw_tables() -%}
    {%- if target.type == 'spark' and execute -%}
        {%- set root = env_var('LEADLEDGER_SPARK_DIR', '../warehouse/spark') ~ '/raw' -%}
        {%- set tables = [] -%}
        {%- for source in graph.sources.values() if source.schema == 'raw' -%}
            {%- do tables.append(source.identifier) -%}
        {%- endfor -%}
        {%- do run_query('create database if not exists raw') -%}
        {%- for table in tables | unique | sort -%}
            {%- do run_query('drop table if exists raw.`' ~ table ~ '`') -%}
            {%- do run_query(
                'create table raw.`' ~ table ~ "` using parquet location '" ~ root ~ '/' ~ table ~ "'"
            ) -%}
        {%- endfor -%}
        {%- do log('registered ' ~ (tables | unique | list | length) ~ ' raw tables from ' ~ root, info=true) -%}
    {%- endif -%}
{%- endmacro %}
