with

source as (
    select * from {{ source('ingestion', 'load_manifest') }}
),

renamed as (
    select
        source_file,
        source_system,
        raw_table,
        extract_date,
        rows_read,
        rows_loaded,
        rows_quarantined,
        loaded_at
    from source
)

select * from renamed
