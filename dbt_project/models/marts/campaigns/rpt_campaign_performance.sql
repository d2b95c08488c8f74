{#- The controlling answer by primary campaign source: what each campaign cost, what it was
    expected to bring in, and the won revenue of the opportunities whose primary campaign it is.
    One extra row, campaign_id '(none)', carries cost without a (known) campaign and revenue of
    opportunities without one, so the columns add up to the finance and CRM totals. -#}
with

campaigns as (
    select * from {{ ref('dim_campaigns') }}
),

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

cost_lines as (
    select * from {{ ref('fct_campaign_costs') }}
),

cost_per_campaign as (
    select
        coalesce(campaign_id, '(none)') as campaign_id,
        count(*) as cost_lines,
        sum(amount_reporting) as actual_cost
    from cost_lines
    group by coalesce(campaign_id, '(none)')
),

revenue_per_campaign as (
    select
        coalesce(campaigns.campaign_id, '(none)') as campaign_id,
        count(*) as opportunities,
        sum(case when opportunities.is_won then 1 else 0 end) as won_deals,
        sum(case when opportunities.is_closed and not opportunities.is_won then 1 else 0 end) as lost_deals,
        sum(case when opportunities.is_won then opportunities.amount_reporting else 0 end) as won_revenue,
        sum(case when not opportunities.is_closed then opportunities.amount_reporting else 0 end) as open_pipeline
    from opportunities
    left join campaigns on opportunities.campaign_id = campaigns.campaign_id
    group by coalesce(campaigns.campaign_id, '(none)')
),

campaign_rows as (
    select
        campaign_id,
        campaign_name,
        channel,
        start_date,
        end_date,
        planned_budget_reporting as planned_budget,
        expected_revenue_reporting as expected_revenue,
        false as is_unassigned
    from campaigns
    union all
    select
        '(none)' as campaign_id,
        '(no campaign)' as campaign_name,
        null as channel,
        null as start_date,
        null as end_date,
        null as planned_budget,
        null as expected_revenue,
        true as is_unassigned
    from (select 1 as one) as unassigned_row
),

joined as (
    select
        campaign_rows.*,
        coalesce(cost_per_campaign.actual_cost, 0) as actual_cost,
        coalesce(cost_per_campaign.cost_lines, 0) as cost_lines,
        coalesce(revenue_per_campaign.opportunities, 0) as opportunities,
        coalesce(revenue_per_campaign.won_deals, 0) as won_deals,
        coalesce(revenue_per_campaign.lost_deals, 0) as lost_deals,
        coalesce(revenue_per_campaign.won_revenue, 0) as won_revenue,
        coalesce(revenue_per_campaign.open_pipeline, 0) as open_pipeline
    from campaign_rows
    left join cost_per_campaign on campaign_rows.campaign_id = cost_per_campaign.campaign_id
    left join revenue_per_campaign on campaign_rows.campaign_id = revenue_per_campaign.campaign_id
),

final as (
    select
        cast(campaign_id as string) as campaign_id,
        cast(campaign_name as string) as campaign_name,
        cast(channel as string) as channel,
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        cast(is_unassigned as boolean) as is_unassigned,
        cast('{{ var("reporting_currency") }}' as string) as reporting_currency,
        cast(planned_budget as decimal(18, 2)) as planned_budget,
        cast(expected_revenue as decimal(18, 2)) as expected_revenue,
        cast(cost_lines as bigint) as cost_lines,
        cast(actual_cost as decimal(18, 2)) as actual_cost,
        cast(opportunities as bigint) as opportunities,
        cast(won_deals as bigint) as won_deals,
        cast(lost_deals as bigint) as lost_deals,
        cast(won_revenue as decimal(18, 2)) as won_revenue,
        cast(open_pipeline as decimal(18, 2)) as open_pipeline,
        cast(won_revenue - expected_revenue as decimal(18, 2)) as revenue_vs_plan,
        cast(
            case when actual_cost > 0 then cast(won_revenue - actual_cost as double) / actual_cost end as double
        ) as roi,
        cast(case when actual_cost > 0 then cast(won_revenue as double) / actual_cost end as double) as roas
    from joined
)

select * from final
