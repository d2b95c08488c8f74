{{ incremental_by_delivery('opportunity_id') }}

{#- One row per stage entry of an opportunity: consecutive changes in the same stage (amount or
    close date edits) are one entry; leaving a stage and coming back later is a new entry
    (stage_visit_number 2, is_reentry). Days in a stage run from entering it to entering the
    next one; the stage an open opportunity is still in has none yet (fct_opportunities counts
    it to the reporting date), so nothing here moves with the reporting date. Closed stages
    (won / lost) have no duration.

    Incremental on DuckDB (macros/incremental.sql): a build recomputes every entry of the
    opportunities with a delivery of it or of one of its history rows loaded after the last
    build (last_loaded_at), or with a stage now classified otherwise (closed / won follow the
    CRM's current opportunities in the stage), and replaces them (delete+insert on
    opportunity_id), so it gives the same table as a full build. -#}
with

all_changes as (
    select * from {{ ref('int_opportunity_changes_classified') }}
),

{% if is_incremental() %}

last_build as (
    {{ last_build_watermark() }}
),

stage_outcomes as (
    select distinct
        stage_name,
        is_closed,
        is_won
    from all_changes
),

to_rebuild as (
    select all_changes.opportunity_id
    from all_changes
    where {{ loaded_since_last_build('all_changes') }}
    union
    select built.opportunity_id
    from {{ this }} as built
    left join stage_outcomes
        on
            built.stage_name = stage_outcomes.stage_name
            and built.is_closed = stage_outcomes.is_closed
            and built.is_won = stage_outcomes.is_won
    where stage_outcomes.stage_name is null
),

{% endif %}

changes as (
    select * from all_changes
    {{ where_to_rebuild('opportunity_id') }}
),

last_loads as (
    select
        opportunity_id,
        max(last_loaded_at) as last_loaded_at
    from changes
    group by opportunity_id
),

with_previous_stage as (
    select
        *,
        lag(stage_name) over (partition by opportunity_id order by change_number) as previous_stage_name
    from changes
),

stage_entries as (
    select
        opportunity_id,
        change_number,
        stage_name,
        previous_stage_name,
        changed_at as entered_at,
        is_closed,
        is_won
    from with_previous_stage
    where previous_stage_name is null or previous_stage_name != stage_name
),

sequenced as (
    select
        opportunity_id,
        row_number() over (partition by opportunity_id order by change_number) as stage_entry_number,
        stage_name,
        row_number() over (partition by opportunity_id, stage_name order by change_number) as stage_visit_number,
        previous_stage_name,
        lead(stage_name) over (partition by opportunity_id order by change_number) as next_stage_name,
        entered_at,
        lead(entered_at) over (partition by opportunity_id order by change_number) as exited_at,
        is_closed,
        is_won
    from stage_entries
),

with_duration as (
    select
        opportunity_id,
        stage_entry_number,
        stage_name,
        stage_visit_number,
        stage_visit_number > 1 as is_reentry,
        previous_stage_name,
        next_stage_name,
        entered_at,
        exited_at,
        exited_at is null as is_current,
        is_closed,
        is_won,
        case
            when not is_closed and exited_at is not null
                then cast({{ dbt.datediff(
                    'entered_at',
                    'exited_at',
                    'second',
                ) }} as double) / 86400
        end as days_in_stage
    from sequenced
),

final as (
    select
        with_duration.*,
        last_loads.last_loaded_at
    from with_duration
    inner join last_loads on with_duration.opportunity_id = last_loads.opportunity_id
)

select * from final
