{#- Configure a model as incremental by delivery: on DuckDB each build recomputes only the keys
    delivered since the last build and replaces them (delete+insert on unique_key). Used by the
    staging models of the large extracts and of accounts, contacts and opportunities (as views
    they were deduplicated again by each of their many readers and data tests), with
    dedup_latest (macros/dedup.sql; unique_key is the model's name for the dedup key), and by
    the intermediate models downstream of them that recompute what a delivery affects:
    int_touchpoints_unified (touchpoint_id), int_activities_unioned (activity_id),
    int_lead_status_transitions, int_opportunity_stage_history and int_pipeline_ranges (lead_id,
    opportunity_id: all rows of a recomputed lead or opportunity are replaced), and by the
    account x month marts dim_account_segments_monthly and rpt_cost_to_serve, which compare what
    they would write with what they hold (fingerprints) and replace what differs. On Spark the model
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

{#- The watermark of an incremental build: the latest last_loaded_at of the rows the model
    holds (a delivery loaded after it is new to the model), or 1900 when it holds none. -#}
{% macro last_build_watermark() -%}
    select coalesce(max(last_loaded_at), cast('1900-01-01' as timestamp)) as last_loaded_at
    from {{ this }}
{%- endmacro %}

{#- In an incremental build: a delivery of the row of `relation` was loaded after the last
    build (the model's CTE last_build holds the watermark, macro last_build_watermark). -#}
{% macro loaded_since_last_build(relation) -%}
    {{ relation }}.last_loaded_at > (select last_loaded_at from last_build)
{%- endmacro %}

{#- In an incremental build, keep only the rows whose key the model's CTE to_rebuild lists
    (the keys it recomputes); in a full build, every row. -#}
{% macro where_to_rebuild(key) -%}
    {%- if is_incremental() -%}
        where {{ key }} in (select {{ key }} from to_rebuild)
    {%- endif -%}
{%- endmacro %}

{#- The same for the account x month marts, in the FROM clause after `relation` (an alias
    with account_id and month_start_date): in an incremental build, keep only the rows the
    model recomputes, every month of the accounts its CTE accounts_to_rebuild lists and the
    account-months its CTE months_to_rebuild lists (each without duplicates); in a full
    build, every row. -#}
{% macro where_account_months_to_rebuild(relation) -%}
    {%- if is_incremental() -%}
        left join accounts_to_rebuild
            on {{ relation }}.account_id = accounts_to_rebuild.account_id
        left join months_to_rebuild
            on
                {{ relation }}.account_id = months_to_rebuild.account_id
                and {{ relation }}.month_start_date = months_to_rebuild.month_start_date
        where accounts_to_rebuild.account_id is not null or months_to_rebuild.account_id is not null
    {%- endif -%}
{%- endmacro %}

{#- On-run-start: an incremental model's table that lacks a column its model documents was
    built by an older version of the model (a warehouse from before an upgrade): an incremental
    build could not read its watermark or insert the new rows. Drop it, so this build rebuilds
    it in full, and say so. Only for the models this run builds (dbt run / build), on DuckDB. -#}
{% macro drop_outdated_incremental_tables() -%}
    {%- if execute and target.type == 'duckdb' and flags.WHICH in ('run', 'build') -%}
        {%- for node in graph.nodes.values()
            if node.resource_type == 'model'
            and node.config.materialized == 'incremental'
            and node.unique_id in selected_resources -%}
            {%- set relation = adapter.get_relation(node.database, node.schema, node.alias) -%}
            {%- if relation is not none -%}
                {%- set existing = adapter.get_columns_in_relation(relation)
                    | map(attribute='name') | map('lower') | list -%}
                {%- set missing = [] -%}
                {%- for column in node.columns.values() if column.name | lower not in existing -%}
                    {%- do missing.append(column.name) -%}
                {%- endfor -%}
                {%- if missing -%}
                    {%- do log(
                        relation ~ ' lacks ' ~ missing | join(', ')
                        ~ ' (built by an older version of the model): rebuilt in full',
                        info=true,
                    ) -%}
                    {%- do adapter.drop_relation(relation) -%}
                    {%- do adapter.commit() -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{#- Post-hook of the models over the account x month spine (incremental, replacing the
    account-months they recompute): in an incremental build, delete the rows outside the
    account's months in `spine` (an account no longer there, a first month now later), which
    delete+insert leaves alone as no recomputed row replaces them. -#}
{% macro delete_months_not_in(spine) -%}
    {%- if is_incremental() -%}
        {#- By rowid: an anti-join on a range as a correlated not exists took 2.7 s at scale 100,
            this 0.2 s. -#}
        delete from {{ this }}
        where rowid in (
            select built.rowid
            from {{ this }} as built
            left join (
                select
                    account_id,
                    min(month_start_date) as first_month_date,
                    max(month_start_date) as last_month_date
                from {{ spine }}
                group by account_id
            ) as spine_months
                on built.account_id = spine_months.account_id
            where
                spine_months.account_id is null
                or built.month_start_date < spine_months.first_month_date
                or built.month_start_date > spine_months.last_month_date
        )
    {%- endif -%}
{%- endmacro %}

{#- In an incremental build that compares what it would write with what it holds: the
    values of `key` whose rows in `new_rows` differ from those in `stored_rows` in any of
    `columns`, or exist on one side only. Each side is summarised per key by a fingerprint, the
    sum of its rows' hashes, and the two are joined on the key: at scale 100, per account
    (291 k keys, 9.8 M rows), 0.2 s; a join of the rows themselves took 1-2 s. The columns
    must have the same types on both sides. -#}
{% macro keys_whose_rows_differ(key, new_rows, stored_rows, columns) -%}
    select coalesce(new_prints.{{ key }}, stored_prints.{{ key }}) as {{ key }}
    from (
        select
            {{ key }},
            sum(hash({{ columns | join(', ') }})) as fingerprint
        from {{ new_rows }}
        group by {{ key }}
    ) as new_prints
    full outer join (
        select
            {{ key }},
            sum(hash({{ columns | join(', ') }})) as fingerprint
        from {{ stored_rows }}
        group by {{ key }}
    ) as stored_prints
        on new_prints.{{ key }} = stored_prints.{{ key }}
    where new_prints.fingerprint is distinct from stored_prints.fingerprint
{%- endmacro %}

{#- The month rule of the incremental account x month marts, two halves.

    months_stored(rows): the rows of `rows` in the months the model's table holds (up to its
    last month): what the stored rows are compared with.

    rows_of_new_months(rows): account_id and month_start_date of the rows of `rows` (which
    carry is_current_month) that a new reporting month brings: the new month's rows, and the
    rows of the last stored month, which are no longer the current month's. Nothing else
    changes with the month by itself. -#}
{% macro months_stored(rows) -%}
    select *
    from {{ rows }}
    where month_start_date <= (select max(month_start_date) from {{ this }})
{%- endmacro %}

{% macro rows_of_new_months(rows) -%}
    select
        account_id,
        month_start_date
    from {{ rows }}
    where
        month_start_date > (select max(month_start_date) from {{ this }})
        or (month_start_date = (select max(month_start_date) from {{ this }}) and not is_current_month)
{%- endmacro %}
