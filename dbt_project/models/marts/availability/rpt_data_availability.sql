{#- One row per extract of the source contract (every dbt source of the raw schema, so a new
    extract appears without a change here): whether any file of it was delivered, how many
    files and rows were loaded or quarantined, and the extract dates. A partial source (only
    a CRM, only leads and won deals) shows here which inputs exist; rpt_answer_availability
    says which answers that leaves. -#}
{%- set extracts = [] -%}
{%- if execute -%}
    {%- for node in graph.sources.values() | sort(attribute='unique_id') -%}
        {%- if node.source_name != 'ingestion' -%}
            {%- do extracts.append(node) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}
with

manifest as (
    select * from {{ ref('stg_ingestion__load_manifest') }}
),

contract as (
    {%- for node in extracts %}
        select
            '{{ node.source_name }}' as source_system,
            '{{ node.name }}' as extract_name,
            '{{ node.identifier }}' as raw_table,
            '{{ node.description.split("File: ")[1].split(",")[0] if "File: " in node.description else "" }}'
                as file_name
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- else %}
        select
            cast(null as {{ dbt.type_string() }}) as source_system,
            cast(null as {{ dbt.type_string() }}) as extract_name,
            cast(null as {{ dbt.type_string() }}) as raw_table,
            cast(null as {{ dbt.type_string() }}) as file_name
        where false
    {%- endfor %}
),

deliveries as (
    select
        raw_table,
        count(*) as files_loaded,
        sum(rows_read) as rows_read,
        sum(rows_loaded) as rows_loaded,
        sum(rows_quarantined) as rows_quarantined,
        min(extract_date) as first_extract_date,
        max(extract_date) as last_extract_date
    from manifest
    group by raw_table
),

joined as (
    select
        contract.raw_table,
        contract.source_system,
        contract.extract_name,
        contract.file_name,
        deliveries.raw_table is not null as is_delivered,
        coalesce(deliveries.rows_loaded, 0) > 0 as has_rows,
        coalesce(deliveries.files_loaded, 0) as files_loaded,
        coalesce(deliveries.rows_read, 0) as rows_read,
        coalesce(deliveries.rows_loaded, 0) as rows_loaded,
        coalesce(deliveries.rows_quarantined, 0) as rows_quarantined,
        deliveries.first_extract_date,
        deliveries.last_extract_date
    from contract
    left join deliveries on contract.raw_table = deliveries.raw_table
),

final as (
    select
        cast(raw_table as {{ dbt.type_string() }}) as raw_table,
        cast(source_system as {{ dbt.type_string() }}) as source_system,
        cast(extract_name as {{ dbt.type_string() }}) as extract_name,
        cast(file_name as {{ dbt.type_string() }}) as file_name,
        cast(is_delivered as boolean) as is_delivered,
        cast(has_rows as boolean) as has_rows,
        cast(files_loaded as bigint) as files_loaded,
        cast(rows_read as bigint) as rows_read,
        cast(rows_loaded as bigint) as rows_loaded,
        cast(rows_quarantined as bigint) as rows_quarantined,
        cast(first_extract_date as date) as first_extract_date,
        cast(last_extract_date as date) as last_extract_date
    from joined
)

select * from final
