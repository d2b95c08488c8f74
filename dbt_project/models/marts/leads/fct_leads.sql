{#- One row per lead: where it came from (marketing or sales generated, lead source, channel,
    originating campaign), when it first reached each funnel stage (over all its cycles), how
    many cycles it went through and how often it was recycled, the BANT result, the converted
    opportunity and what the lead won, and the response time to its first handover to sales.

    Channel: the campaign's channel for marketing leads with a known campaign, else the lead
    source mapped by the seed lead_source_channels, else 'other'. -#}
{%- set bant = ['budget', 'authority', 'need', 'timeframe'] %}
with

leads as {{ not_materialized() }} (
    select * from {{ ref('stg_crm__leads') }}
),

campaigns as (
    select * from {{ ref('stg_marketing__campaigns') }}
),

source_channels as (
    select * from {{ ref('lead_source_channels') }}
),

cycles as (
    select * from {{ ref('int_lead_cycles') }}
),

responses as (
    select * from {{ ref('int_lead_first_responses') }}
),

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

channels as (
    select
        leads.lead_id,
        campaigns.campaign_id as known_campaign_id,
        coalesce(
            case when leads.lead_origin = 'marketing' then campaigns.channel end,
            source_channels.channel,
            'other'
        ) as channel,
        case
            when leads.lead_origin = 'marketing' and campaigns.channel is not null then 'campaign'
            when source_channels.channel is not null then 'lead_source'
            else 'unmapped'
        end as channel_basis
    from leads
    left join campaigns on leads.campaign_id = campaigns.campaign_id
    left join source_channels on lower(trim(leads.lead_source)) = lower(trim(source_channels.lead_source))
),

lifecycle as (
    select
        lead_id,
        count(*) as cycles,
        sum(case when is_recycled then 1 else 0 end) as recycles,
        min(cycle_started_at) as funnel_entered_at,
        min(first_mql_at) as first_mql_at,
        min(first_sgl_at) as first_sgl_at,
        min(first_sal_at) as first_sal_at,
        min(first_sql_at) as first_sql_at,
        min(converted_at) as first_converted_at,
        min(handover_at) as first_handover_at,
        max(case when is_open then 1 else 0 end) = 1 as is_in_funnel
    from cycles
    group by lead_id
),

first_handovers as (
    select
        responses.lead_id,
        responses.handover_at,
        responses.first_activity_at,
        responses.response_calendar_hours,
        responses.response_business_hours,
        responses.response_bucket,
        row_number() over (partition by responses.lead_id order by responses.cycle_number) as handover_rank
    from responses
),

lead_opportunities as (
    select
        lead_id,
        count(*) as opportunities,
        sum(case when is_won then 1 else 0 end) as won_deals,
        sum(case when is_won then amount_reporting else 0 end) as won_amount_reporting,
        min(case when is_won then close_date end) as first_won_date
    from opportunities
    where lead_id is not null
    group by lead_id
),

bant_results as (
    select
        lead_id,
        {%- for criterion in bant %}
            is_{{ criterion }}_confirmed,
        {%- endfor %}
        {% for criterion in bant -%}
            case when is_{{ criterion }}_confirmed then 1 else 0 end{{ ' + ' if not loop.last }}
        {%- endfor %} as bant_criteria_met,
        coalesce(
            nullif(
                concat_ws(
                    ', ',
                    {%- for criterion in bant %}
                        case when is_{{ criterion }}_confirmed then '{{ criterion | capitalize }}' end
                        {{- ',' if not loop.last }}
                    {%- endfor %}
                ),
                ''
            ),
            'none'
        ) as bant_criteria
    from leads
),

joined as (
    select
        leads.lead_id,
        leads.lead_origin,
        leads.lead_source,
        channels.channel,
        channels.channel_basis,
        leads.campaign_id,
        channels.known_campaign_id is not null as has_known_campaign,
        leads.owner_id,
        leads.lead_status,
        leads.company,
        leads.country,
        leads.created_at,
        lifecycle.funnel_entered_at,
        cast({{ dbt.date_trunc('month', 'lifecycle.funnel_entered_at') }} as date) as cohort_month,
        lifecycle.first_mql_at,
        lifecycle.first_sgl_at,
        lifecycle.first_sal_at,
        lifecycle.first_sql_at,
        lifecycle.first_converted_at,
        coalesce(lifecycle.cycles, 0) as cycles,
        coalesce(lifecycle.recycles, 0) as recycles,
        coalesce(lifecycle.is_in_funnel, false) as is_in_funnel,
        {%- for criterion in bant %}
            bant_results.is_{{ criterion }}_confirmed,
        {%- endfor %}
        bant_results.bant_criteria_met,
        bant_results.bant_criteria,
        case
            when lifecycle.first_handover_at is not null
                then bant_results.bant_criteria_met >= {{ var('lead_bant_min_criteria') }}
        end as is_bant_passed,
        leads.is_converted,
        leads.converted_date,
        leads.converted_opportunity_id,
        coalesce(lead_opportunities.opportunities, 0) as opportunities,
        coalesce(lead_opportunities.won_deals, 0) as won_deals,
        coalesce(lead_opportunities.won_deals, 0) > 0 as is_won,
        coalesce(lead_opportunities.won_amount_reporting, 0) as won_amount_reporting,
        lead_opportunities.first_won_date,
        case
            when lead_opportunities.first_won_date >= cast(leads.created_at as date)
                then {{ dbt.datediff('cast(leads.created_at as date)', 'lead_opportunities.first_won_date', 'day') }}
        end as days_to_first_win,
        first_handovers.handover_at as first_handover_at,
        first_handovers.first_activity_at as first_response_at,
        first_handovers.response_calendar_hours,
        first_handovers.response_business_hours,
        first_handovers.response_bucket
    from leads
    inner join channels on leads.lead_id = channels.lead_id
    inner join bant_results on leads.lead_id = bant_results.lead_id
    left join lifecycle on leads.lead_id = lifecycle.lead_id
    left join lead_opportunities on leads.lead_id = lead_opportunities.lead_id
    left join first_handovers
        on
            leads.lead_id = first_handovers.lead_id
            and first_handovers.handover_rank = 1
),

final as (
    select
        cast(lead_id as string) as lead_id,
        cast(lead_origin as string) as lead_origin,
        cast(lead_source as string) as lead_source,
        cast(channel as string) as channel,
        cast(channel_basis as string) as channel_basis,
        cast(campaign_id as string) as campaign_id,
        cast(has_known_campaign as boolean) as has_known_campaign,
        cast(owner_id as string) as owner_id,
        cast(lead_status as string) as lead_status,
        cast(company as string) as company,
        cast(country as string) as country,
        cast(created_at as timestamp) as created_at,
        cast(funnel_entered_at as timestamp) as funnel_entered_at,
        cast(cohort_month as date) as cohort_month,
        cast(first_mql_at as timestamp) as first_mql_at,
        cast(first_sgl_at as timestamp) as first_sgl_at,
        cast(first_sal_at as timestamp) as first_sal_at,
        cast(first_sql_at as timestamp) as first_sql_at,
        cast(first_converted_at as timestamp) as first_converted_at,
        cast(cycles as bigint) as cycles,
        cast(recycles as bigint) as recycles,
        cast(is_in_funnel as boolean) as is_in_funnel,
        {%- for criterion in bant %}
            cast(is_{{ criterion }}_confirmed as boolean) as is_{{ criterion }}_confirmed,
        {%- endfor %}
        cast(bant_criteria_met as bigint) as bant_criteria_met,
        cast(bant_criteria as string) as bant_criteria,
        cast(is_bant_passed as boolean) as is_bant_passed,
        cast(is_converted as boolean) as is_converted,
        cast(converted_date as date) as converted_date,
        cast(converted_opportunity_id as string) as converted_opportunity_id,
        cast(opportunities as bigint) as opportunities,
        cast(won_deals as bigint) as won_deals,
        cast(is_won as boolean) as is_won,
        cast('{{ var("reporting_currency") }}' as string) as reporting_currency,
        cast(won_amount_reporting as decimal(18, 2)) as won_amount_reporting,
        cast(first_won_date as date) as first_won_date,
        cast(days_to_first_win as bigint) as days_to_first_win,
        cast(first_handover_at as timestamp) as first_handover_at,
        cast(first_response_at as timestamp) as first_response_at,
        cast(response_calendar_hours as double) as response_calendar_hours,
        cast(response_business_hours as double) as response_business_hours,
        cast(response_bucket as string) as response_bucket
    from joined
)

select * from final
