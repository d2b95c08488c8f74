{#- The shared funnel by cohort: per month of entering the funnel x lead origin (marketing /
    sales generated) x channel x originating campaign, how many lead cycles entered and how
    many of them reached SAL, SQL, an opportunity and a won deal, were recycled or
    disqualified, with the stage-to-stage conversion rates and the median days per stage.

    The unit is the lead cycle: a recycled lead that comes back starts a new cycle in the month
    it re-enters (every cycle counts; new_leads counts first cycles only). Conversion is
    cohort-based: a cohort's counts only grow as its leads mature, so a month's rate keeps its
    meaning; cohort_age_months and is_mature say how far along each cohort is. Rates are not
    additive over rows: sum the counts and divide. -#}
with

cycles as (
    select * from {{ ref('int_lead_cycles') }}
),

leads as (
    select * from {{ ref('fct_leads') }}
),

campaigns as (
    select * from {{ ref('stg_marketing__campaigns') }}
),

segmented as (
    select
        cycles.*,
        leads.lead_origin,
        leads.channel,
        coalesce(case when leads.has_known_campaign then leads.campaign_id end, '(none)') as campaign_id
    from cycles
    inner join leads on cycles.lead_id = leads.lead_id
),

reporting as (
    select cast({{ reporting_date() }} as date) as reporting_date
),

cohorts as (
    select
        cohort_month,
        lead_origin,
        channel,
        campaign_id,
        count(*) as cycles_entered,
        sum(case when is_first_cycle then 1 else 0 end) as new_leads,
        sum(case when entry_status = 'MQL' then 1 else 0 end) as mql_entries,
        sum(case when entry_status = 'SGL' then 1 else 0 end) as sgl_entries,
        sum(case when has_reached_sal then 1 else 0 end) as reached_sal,
        sum(case when is_sal_skipped then 1 else 0 end) as sal_skipped,
        sum(case when has_reached_sql then 1 else 0 end) as reached_sql,
        sum(case when is_converted then 1 else 0 end) as converted,
        sum(case when cycle_outcome = 'won' then 1 else 0 end) as won,
        sum(case when cycle_outcome = 'lost' then 1 else 0 end) as lost,
        sum(case when is_recycled then 1 else 0 end) as recycled,
        sum(case when is_disqualified then 1 else 0 end) as disqualified,
        sum(case when is_open then 1 else 0 end) as still_open,
        sum(won_amount_reporting) as won_amount_reporting,
        percentile_cont(0.5) within group (order by days_in_entry_stage) as median_days_in_entry_stage,
        percentile_cont(0.5) within group (order by days_in_sal) as median_days_in_sal,
        percentile_cont(0.5) within group (order by days_in_sql) as median_days_in_sql
    from segmented
    group by cohort_month, lead_origin, channel, campaign_id
),

maturity as (
    select
        cohorts.*,
        campaigns.campaign_name,
        reporting.reporting_date,
        {{ dbt.datediff(
            'cohorts.cohort_month',
            'reporting.reporting_date',
            'month',
        ) }} as cohort_age_months
    from cohorts
    cross join reporting
    left join campaigns on cohorts.campaign_id = campaigns.campaign_id
),

final as (
    select
        cast(cohort_month as date) as cohort_month,
        cast(lead_origin as string) as lead_origin,
        cast(channel as string) as channel,
        cast(campaign_id as string) as campaign_id,
        cast(campaign_name as string) as campaign_name,
        cast(reporting_date as date) as reporting_date,
        cast(cohort_age_months as bigint) as cohort_age_months,
        cast(cohort_age_months >= {{ var('funnel_mature_cohort_months') }} as boolean) as is_mature,
        cast(cycles_entered as bigint) as cycles_entered,
        cast(new_leads as bigint) as new_leads,
        cast(mql_entries as bigint) as mql_entries,
        cast(sgl_entries as bigint) as sgl_entries,
        cast(reached_sal as bigint) as reached_sal,
        cast(sal_skipped as bigint) as sal_skipped,
        cast(reached_sql as bigint) as reached_sql,
        cast(converted as bigint) as converted,
        cast(won as bigint) as won,
        cast(lost as bigint) as lost,
        cast(recycled as bigint) as recycled,
        cast(disqualified as bigint) as disqualified,
        cast(still_open as bigint) as still_open,
        cast(reached_sal as double) / nullif(cycles_entered, 0) as entry_to_sal_rate,
        cast(reached_sql as double) / nullif(reached_sal, 0) as sal_to_sql_rate,
        cast(converted as double) / nullif(reached_sql, 0) as sql_to_opportunity_rate,
        cast(won as double) / nullif(converted, 0) as opportunity_to_won_rate,
        cast(won as double) / nullif(cycles_entered, 0) as lead_to_won_rate,
        cast(recycled as double) / nullif(cycles_entered, 0) as recycle_rate,
        cast(median_days_in_entry_stage as double) as median_days_in_entry_stage,
        cast(median_days_in_sal as double) as median_days_in_sal,
        cast(median_days_in_sql as double) as median_days_in_sql,
        cast('{{ var("reporting_currency") }}' as string) as reporting_currency,
        cast(won_amount_reporting as decimal(18, 2)) as won_amount_reporting
    from maturity
)

select * from final
