{#- One row per stage entry of an opportunity: consecutive changes in the same stage (amount or
    close date edits) are one entry; leaving a stage and coming back later is a new entry
    (stage_visit_number 2, is_reentry). Days in a stage run from entering it to entering the
    next one; for the stage an open opportunity is still in, to the reporting date. Closed
    stages (won / lost) have no duration. -#}
with

changes as (
    select * from {{ ref('int_opportunity_changes_classified') }}
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
            when not is_closed
                then cast({{ dbt.datediff(
                    'entered_at',
                    'coalesce(exited_at, cast(' ~ reporting_date() ~ ' as timestamp))',
                    'second',
                ) }} as double) / 86400
        end as days_in_stage
    from sequenced
)

select * from with_duration
