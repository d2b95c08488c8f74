{#- One row per opportunity and touch in its journey: the touches of its originating lead and
    of the contacts of its account, from the day var attribution_lookback_days calendar days
    before the journey's last day (the close date for closed deals, the reporting date for open
    ones) through the end of that day: with 365, a touch on 2023-03-10 counts for a deal closed
    on 2024-03-09, one on 2023-03-09 does not. Touches are ordered by time, ties by
    touchpoint id, and the key milestones are marked: first touch, lead-creation touch (the lead's last touch at or
    before the lead was created), opportunity-creation touch (last touch at or before the
    opportunity was created), closed-won touch (last touch before a won close).
    Lost deals keep their journey too (ending at their close): the data-driven models learn
    from converting and non-converting journeys alike; fct_attribution attributes won and open
    deals only. -#}
with

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

touchpoints as {{ not_materialized() }} (
    select * from {{ ref('int_touchpoints_unified') }}
),

journey_bounds as (
    select
        opportunities.opportunity_id,
        opportunities.lead_id,
        opportunities.account_id,
        opportunities.is_won,
        opportunities.is_closed,
        opportunities.created_at as opportunity_created_at,
        leads.created_at as lead_created_at,
        case
            when opportunities.is_closed
                then cast({{ dbt.dateadd('day', 1, 'opportunities.close_date') }} as timestamp)
            else cast({{ dbt.dateadd('day', 1, reporting_date()) }} as timestamp)
        end as journey_end_at
    from opportunities
    left join leads on opportunities.lead_id = leads.lead_id
),

journey_windows as (
    select
        *,
        {#- journey_end_at is midnight after the last day -#}
        {{ dbt.dateadd('day', -1 * (var('attribution_lookback_days') + 1), 'journey_end_at') }} as journey_start_at
    from journey_bounds
),

lead_touches as (
    {#- The touches of the originating lead, and (contact_touches) those of the account's
        contacts that are not the lead's too: two disjoint sets, one row per opportunity and
        touch each, joined to the touches once and cut to the window before anything is
        sorted. -#}
    select
        journey_windows.*,
        touchpoints.touchpoint_id,
        true as is_lead_touch,
        touchpoints.occurred_at,
        touchpoints.campaign_id,
        touchpoints.channel,
        touchpoints.touch_type
    from journey_windows
    inner join touchpoints on journey_windows.lead_id = touchpoints.lead_id
    where
        touchpoints.occurred_at < journey_windows.journey_end_at
        and touchpoints.occurred_at >= journey_windows.journey_start_at
),

contact_touches as (
    select
        journey_windows.*,
        touchpoints.touchpoint_id,
        false as is_lead_touch,
        touchpoints.occurred_at,
        touchpoints.campaign_id,
        touchpoints.channel,
        touchpoints.touch_type
    from journey_windows
    inner join contacts on journey_windows.account_id = contacts.account_id
    inner join touchpoints on contacts.contact_id = touchpoints.contact_id
    where
        touchpoints.occurred_at < journey_windows.journey_end_at
        and touchpoints.occurred_at >= journey_windows.journey_start_at
        and not coalesce(touchpoints.lead_id = journey_windows.lead_id, false)
),

in_window as (
    select * from lead_touches
    union all
    select * from contact_touches
),

numbered as (
    select
        *,
        row_number() over (partition by opportunity_id order by occurred_at, touchpoint_id) as touch_number,
        count(*) over (partition by opportunity_id) as touches_in_journey
    from in_window
),

milestones as (
    select
        opportunity_id,
        max(
            case when is_lead_touch and occurred_at <= lead_created_at then touch_number end
        ) as lead_creation_touch_number,
        max(
            case when occurred_at <= opportunity_created_at then touch_number end
        ) as opportunity_creation_touch_number
    from numbered
    group by opportunity_id
),

final as (
    select
        numbered.opportunity_id,
        numbered.touchpoint_id,
        numbered.touch_number,
        numbered.touches_in_journey,
        numbered.occurred_at,
        numbered.campaign_id,
        numbered.channel,
        numbered.touch_type,
        numbered.is_lead_touch,
        numbered.is_won,
        numbered.is_closed,
        numbered.touch_number = 1 as is_first_touch,
        coalesce(numbered.touch_number = milestones.lead_creation_touch_number, false) as is_lead_creation_touch,
        coalesce(
            numbered.touch_number = milestones.opportunity_creation_touch_number, false
        ) as is_opportunity_creation_touch,
        numbered.is_won and numbered.touch_number = numbered.touches_in_journey as is_closed_won_touch,
        numbered.journey_end_at,
        cast(
            {{ dbt.datediff('numbered.occurred_at', 'numbered.journey_end_at', 'second') }}
            as double
        ) / 86400 as days_before_conversion
    from numbered
    inner join milestones on numbered.opportunity_id = milestones.opportunity_id
)

select * from final
