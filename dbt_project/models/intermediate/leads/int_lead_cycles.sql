{#- One row per lead and cycle (one pass through the funnel): when it started (its cohort month
    is the month of entering the funnel), the stages it reached and when, how long it stayed in
    each stage, how it ended, and the opportunity it produced.

    Reaching a stage counts the stages skipped on the way: an MQL that goes straight to SQL has
    reached SAL too (is_sal_skipped tells it apart). The handover to sales is the first entry
    into SAL, or into SQL / Converted when SAL was skipped. Days per stage sum the completed
    stays only (a lead still in a stage has no duration for it yet).

    Opportunities belong to the cycle in which they were created (their lead's Lead_Id__c):
    from the cycle's start until the next cycle starts (the first cycle also takes
    opportunities created before the first recorded status). Outcome, in order: 'won' (an
    opportunity of the cycle was won), 'opportunity_open', 'lost', 'converted' (status
    Converted without an opportunity in the extract), 'disqualified', 'recycled', 'open'
    (still in MQL / SGL / SAL / SQL). -#}
with

transitions as {{ not_materialized() }} (
    select * from {{ ref('int_lead_status_transitions') }}
),

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

cycle_stages as (
    select
        lead_id,
        cycle_number,
        min(entered_at) as cycle_started_at,
        max(case when is_cycle_start then lead_status end) as entry_status,
        max(entry_number) as last_entry_number,
        max(stage_rank) as max_stage_rank,
        min(case when lead_status = 'MQL' then entered_at end) as first_mql_at,
        min(case when lead_status = 'SGL' then entered_at end) as first_sgl_at,
        min(case when lead_status = 'SAL' then entered_at end) as first_sal_at,
        min(case when lead_status = 'SQL' then entered_at end) as first_sql_at,
        min(case when status_kind = 'converted' then entered_at end) as converted_at,
        min(case when stage_rank >= 2 then entered_at end) as handover_at,
        min(case when stage_rank >= 3 then entered_at end) as qualified_at,
        min(case when status_kind in ('recycled', 'disqualified') then entered_at end) as cycle_ended_at,
        max(case when exit_type = 'recycled' then 1 else 0 end) = 1 as is_recycled,
        max(case when status_kind = 'disqualified' then 1 else 0 end) = 1 as is_disqualified,
        sum(stages_skipped) as stages_skipped,
        sum(case when status_kind = 'entry' and not is_open then days_in_status end) as days_in_entry_stage,
        sum(case when lead_status = 'SAL' and not is_open then days_in_status end) as days_in_sal,
        sum(case when lead_status = 'SQL' and not is_open then days_in_status end) as days_in_sql
    from transitions
    group by lead_id, cycle_number
),

last_entries as (
    select
        lead_id,
        entry_number,
        lead_status as last_status
    from transitions
),

cycles as (
    select
        cycle_stages.*,
        last_entries.last_status,
        lead(cycle_stages.cycle_started_at) over (
            partition by cycle_stages.lead_id
            order by cycle_stages.cycle_number
        ) as next_cycle_started_at
    from cycle_stages
    inner join last_entries
        on
            cycle_stages.lead_id = last_entries.lead_id
            and cycle_stages.last_entry_number = last_entries.entry_number
),

cycle_opportunities as (
    select
        cycles.lead_id,
        cycles.cycle_number,
        opportunities.opportunity_id,
        opportunities.created_at,
        opportunities.is_closed,
        opportunities.is_won,
        opportunities.amount_reporting,
        row_number() over (
            partition by cycles.lead_id, cycles.cycle_number
            order by opportunities.created_at, opportunities.opportunity_id
        ) as opportunity_rank
    from cycles
    inner join opportunities
        on
            cycles.lead_id = opportunities.lead_id
            and (cycles.cycle_number = 1 or cycles.cycle_started_at <= opportunities.created_at)
            and (cycles.next_cycle_started_at is null or cycles.next_cycle_started_at > opportunities.created_at)
),

opportunity_results as (
    select
        lead_id,
        cycle_number,
        max(case when opportunity_rank = 1 then opportunity_id end) as opportunity_id,
        min(created_at) as opportunity_created_at,
        count(*) as opportunities,
        sum(case when is_won then 1 else 0 end) as won_opportunities,
        sum(case when not is_closed then 1 else 0 end) as open_opportunities,
        sum(case when is_won then amount_reporting else 0 end) as won_amount_reporting
    from cycle_opportunities
    group by lead_id, cycle_number
),

outcomes as (
    select
        cycles.*,
        opportunity_results.opportunity_id,
        opportunity_results.opportunity_created_at,
        coalesce(opportunity_results.opportunities, 0) as opportunities,
        coalesce(opportunity_results.won_opportunities, 0) > 0 as is_won,
        coalesce(opportunity_results.won_amount_reporting, 0) as won_amount_reporting,
        case
            when opportunity_results.won_opportunities > 0 then 'won'
            when opportunity_results.open_opportunities > 0 then 'opportunity_open'
            when opportunity_results.opportunities > 0 then 'lost'
            when cycles.converted_at is not null then 'converted'
            when cycles.is_disqualified then 'disqualified'
            when cycles.is_recycled then 'recycled'
            else 'open'
        end as cycle_outcome
    from cycles
    left join opportunity_results
        on
            cycles.lead_id = opportunity_results.lead_id
            and cycles.cycle_number = opportunity_results.cycle_number
),

final as (
    select
        {{ dbt.concat(['lead_id', "'-'", 'cast(cycle_number as ' ~ dbt.type_string() ~ ')']) }} as lead_cycle_id,
        lead_id,
        cycle_number,
        cycle_number = 1 as is_first_cycle,
        entry_status,
        cycle_started_at,
        cast({{ dbt.date_trunc('month', 'cycle_started_at') }} as date) as cohort_month,
        first_mql_at,
        first_sgl_at,
        first_sal_at,
        first_sql_at,
        handover_at,
        qualified_at,
        coalesce(converted_at, opportunity_created_at) as converted_at,
        cycle_ended_at,
        next_cycle_started_at,
        coalesce(max_stage_rank >= 2 or opportunity_id is not null, false) as has_reached_sal,
        coalesce(max_stage_rank >= 3 or opportunity_id is not null, false) as has_reached_sql,
        coalesce(max_stage_rank >= 4 or opportunity_id is not null, false) as is_converted,
        first_sal_at is null and coalesce(max_stage_rank >= 3, false) as is_sal_skipped,
        stages_skipped,
        is_recycled,
        is_disqualified,
        last_status,
        cycle_outcome in ('open', 'opportunity_open') as is_open,
        cycle_outcome,
        days_in_entry_stage,
        days_in_sal,
        days_in_sql,
        opportunity_id,
        opportunities,
        is_won,
        won_amount_reporting
    from outcomes
)

select * from final
