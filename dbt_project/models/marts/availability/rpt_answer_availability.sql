{#- One row per answer of the warehouse (seed answer_inputs): whether it is available with the
    extracts delivered, whether it is complete, which inputs are missing and what that means.
    An input counts as delivered when a file of it (or of its alternative) was loaded, even
    if every row of it was quarantined (rpt_data_availability.has_rows tells that apart). -#}
with

inputs as (
    select * from {{ ref('answer_inputs') }}
),

extracts as (
    select * from {{ ref('rpt_data_availability') }}
),

checked as (
    select
        inputs.answer_id,
        inputs.answer,
        inputs.marts,
        inputs.raw_table,
        inputs.is_required,
        inputs.without_it,
        coalesce(main_extract.is_delivered, false)
        or coalesce(alternative_extract.is_delivered, false) as is_delivered
    from inputs
    left join extracts as main_extract on inputs.raw_table = main_extract.raw_table
    left join extracts as alternative_extract
        on inputs.alternative_raw_table = alternative_extract.raw_table
),

missing as (
    select
        *,
        case when not is_delivered and is_required then raw_table end as missing_required_table,
        case when not is_delivered and not is_required then raw_table end as missing_optional_table,
        case when not is_delivered and is_required then without_it end as required_consequence,
        case when not is_delivered and not is_required then without_it end as optional_consequence
    from checked
),

answers as (
    select
        answer_id,
        max(answer) as answer,
        max(marts) as marts,
        sum(case when missing_required_table is not null then 1 else 0 end) = 0 as is_available,
        sum(case when not is_delivered then 1 else 0 end) = 0 as is_complete,
        {{ listagg_ordered('missing_required_table', "', '", 'missing_required_table') }}
            as missing_required,
        {{ listagg_ordered('missing_optional_table', "', '", 'missing_optional_table') }}
            as missing_optional,
        {{ listagg_ordered('required_consequence', "'; '", 'raw_table') }} as unavailable_because,
        {{ listagg_ordered('optional_consequence', "'; '", 'raw_table') }} as incomplete_because
    from missing
    group by answer_id
),

final as (
    select
        cast(answer_id as {{ dbt.type_string() }}) as answer_id,
        cast(answer as {{ dbt.type_string() }}) as answer,
        cast(marts as {{ dbt.type_string() }}) as marts,
        cast(is_available as boolean) as is_available,
        cast(is_complete as boolean) as is_complete,
        cast(missing_required as {{ dbt.type_string() }}) as missing_required,
        cast(missing_optional as {{ dbt.type_string() }}) as missing_optional,
        cast(unavailable_because as {{ dbt.type_string() }}) as unavailable_because,
        cast(incomplete_because as {{ dbt.type_string() }}) as incomplete_because
    from answers
)

select * from final
