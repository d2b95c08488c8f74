{{ incremental_by_delivery('lead_id') }}

{#- One row per lead and status entry, in lifecycle order, with its cycle, the status before and
    after, when it was entered and left, how long the lead stayed and how it left.

    The status history is cleaned first: the same change delivered under two history ids (same
    lead, status and time) counts once; rows are ordered by when the change happened, not by
    when they arrived (ties: history id); a status repeated without a change in between is
    one stay. A lead whose history does not start with its creation (no row with an empty old
    status), or that has no history at all, gets an entry at its creation with the status it
    had before the first recorded change (or its current status).

    Cycles: a lead's first entry starts cycle 1. A new cycle starts when the lead comes back
    after Recycled or Disqualified, or re-enters as MQL / SGL from a later stage; recycling is
    a KPI, every cycle counts. Stages may be skipped (an SGL straight to SAL, an MQL straight to
    SQL): stages_skipped counts them. A status not yet left is open: exited_at and
    days_in_status are null (the stay is not over; nothing here depends on the reporting date).

    Incremental on DuckDB (macros/incremental.sql): a build recomputes every entry of the leads
    that need it and replaces them (delete+insert on lead_id), so it gives the same table as a
    full build. A lead needs it when a delivery of it or of one of its history rows was loaded
    after the last build (last_loaded_at: the latest of them), or when the seed lead_statuses
    now maps one of its CRM statuses otherwise. -#}
with

status_history as {{ not_materialized() }} (
    select * from {{ ref('stg_crm__lead_status_history') }}
),

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

lead_statuses as (
    select * from {{ ref('lead_statuses') }}
),

{% if is_incremental() %}

last_build as (
    {{ last_build_watermark() }}
),

to_rebuild as (
    select status_history.lead_id
    from status_history
    where {{ loaded_since_last_build('status_history') }}
    union
    select leads.lead_id
    from leads
    where {{ loaded_since_last_build('leads') }}
    union
    select built.lead_id
    from {{ this }} as built
    left join lead_statuses
        on lower(trim(built.crm_status)) = lower(trim(lead_statuses.crm_status))
    where
        coalesce(lead_statuses.lead_status, built.crm_status) is distinct from built.lead_status
        or coalesce(lead_statuses.status_kind, 'unknown') is distinct from built.status_kind
        or lead_statuses.stage_rank is distinct from built.stage_rank
),

{% endif %}

history_to_build as (
    select * from status_history
    {{ where_to_rebuild('lead_id') }}
),

leads_to_build as (
    select * from leads
    {{ where_to_rebuild('lead_id') }}
),

last_loads as (
    select
        lead_id,
        max(last_loaded_at) as last_loaded_at
    from (
        select
            lead_id,
            last_loaded_at
        from history_to_build
        union all
        select
            lead_id,
            last_loaded_at
        from leads_to_build
    ) as deliveries
    group by lead_id
),

status_changes as (
    select
        lead_history_id,
        lead_id,
        changed_at as entered_at,
        old_status,
        new_status,
        false as is_synthesised
    from history_to_build
    where new_status is not null
),

duplicates_ranked as (
    select
        *,
        row_number() over (
            partition by lead_id, lower(new_status), entered_at
            order by lead_history_id
        ) as duplicate_rank
    from status_changes
),

deduplicated as (
    select
        lead_history_id,
        lead_id,
        entered_at,
        old_status,
        new_status,
        is_synthesised
    from duplicates_ranked
    where duplicate_rank = 1
),

first_changes as (
    select
        lead_id,
        entered_at,
        old_status,
        row_number() over (partition by lead_id order by entered_at, lead_history_id) as change_rank
    from deduplicated
),

creation_entries as (
    select
        cast(null as {{ dbt.type_string() }}) as lead_history_id,
        leads.lead_id,
        leads.created_at as entered_at,
        cast(null as {{ dbt.type_string() }}) as old_status,
        coalesce(first_changes.old_status, leads.lead_status) as new_status,
        true as is_synthesised
    from leads_to_build as leads
    left join first_changes
        on
            leads.lead_id = first_changes.lead_id
            and first_changes.change_rank = 1
    where
        (first_changes.lead_id is null or first_changes.old_status is not null)
        and coalesce(first_changes.old_status, leads.lead_status) is not null
        and (first_changes.lead_id is null or leads.created_at <= first_changes.entered_at)
),

all_entries as (
    select * from deduplicated
    union all
    select * from creation_entries
),

labelled as (
    select
        all_entries.lead_history_id,
        all_entries.lead_id,
        all_entries.entered_at,
        all_entries.is_synthesised,
        all_entries.new_status as crm_status,
        coalesce(lead_statuses.lead_status, all_entries.new_status) as lead_status,
        coalesce(lead_statuses.status_kind, 'unknown') as status_kind,
        lead_statuses.stage_rank
    from all_entries
    left join lead_statuses
        on lower(trim(all_entries.new_status)) = lower(trim(lead_statuses.crm_status))
),

repeats_marked as (
    select
        *,
        lag(lead_status) over (
            partition by lead_id
            order by entered_at asc, is_synthesised desc, lead_history_id asc
        ) as status_before
    from labelled
),

collapsed as (
    select
        lead_history_id,
        lead_id,
        entered_at,
        is_synthesised,
        crm_status,
        lead_status,
        status_kind,
        stage_rank
    from repeats_marked
    where status_before is null or status_before != lead_status
),

sequenced as (
    select
        *,
        row_number() over (
            partition by lead_id
            order by entered_at asc, is_synthesised desc, lead_history_id asc
        ) as entry_number
    from collapsed
),

neighbours as (
    select
        *,
        lag(lead_status) over (partition by lead_id order by entry_number) as previous_status,
        lag(status_kind) over (partition by lead_id order by entry_number) as previous_status_kind,
        lag(stage_rank) over (partition by lead_id order by entry_number) as previous_stage_rank,
        lead(lead_status) over (partition by lead_id order by entry_number) as next_status,
        lead(status_kind) over (partition by lead_id order by entry_number) as next_status_kind,
        lead(stage_rank) over (partition by lead_id order by entry_number) as next_stage_rank,
        lead(entered_at) over (partition by lead_id order by entry_number) as exited_at
    from sequenced
),

cycle_starts as (
    select
        *,
        coalesce(
            previous_status is null
            or (
                previous_status_kind in ('recycled', 'disqualified')
                and status_kind not in ('recycled', 'disqualified')
            )
            or (status_kind = 'entry' and previous_stage_rank > 1),
            false
        ) as is_cycle_start
    from neighbours
),

cycles_numbered as (
    select
        *,
        sum(case when is_cycle_start then 1 else 0 end) over (
            partition by lead_id
            order by entry_number
            rows between unbounded preceding and current row
        ) as cycle_number,
        lead(is_cycle_start) over (partition by lead_id order by entry_number) as is_next_cycle_start
    from cycle_starts
),

exits_classified as (
    select
        *,
        case
            when next_status is null then 'open'
            when is_next_cycle_start and status_kind in ('recycled', 'disqualified') then 'reactivated'
            when next_status_kind = 'recycled' or is_next_cycle_start then 'recycled'
            when next_status_kind = 'disqualified' then 'disqualified'
            when next_status_kind = 'converted' then 'converted'
            when next_stage_rank > stage_rank then 'advanced'
            when next_stage_rank <= stage_rank then 'moved_back'
            else 'other'
        end as exit_type
    from cycles_numbered
),

timed as (
    select
        exits_classified.*,
        {{ dbt.datediff('exits_classified.entered_at', 'exits_classified.exited_at', 'second') }}
            as seconds_in_status,
        last_loads.last_loaded_at
    from exits_classified
    inner join last_loads on exits_classified.lead_id = last_loads.lead_id
),

final as (
    select
        {{ dbt.concat(['lead_id', "'-'", 'cast(entry_number as ' ~ dbt.type_string() ~ ')']) }}
            as lead_status_entry_id,
        lead_id,
        entry_number,
        cycle_number,
        is_cycle_start,
        lead_status,
        status_kind,
        stage_rank,
        previous_status,
        next_status,
        entered_at,
        exited_at,
        exited_at is null as is_open,
        case
            when exited_at is not null then cast(greatest(seconds_in_status, 0) as double) / 86400
        end as days_in_status,
        exit_type,
        case
            when exit_type in ('advanced', 'converted') then greatest(next_stage_rank - stage_rank - 1, 0)
            else 0
        end as stages_skipped,
        lead_history_id,
        is_synthesised,
        crm_status,
        last_loaded_at
    from timed
)

select * from final
