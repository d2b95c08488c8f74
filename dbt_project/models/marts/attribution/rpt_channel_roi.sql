{#- rpt_campaign_roi rolled up by marketing channel (the channel of the campaign); the
    '(no campaign)' and '(unattributed)' rows are carried through as their own "channels". -#}
with

campaign_roi as (
    select * from {{ ref('rpt_campaign_roi') }}
),

per_channel as (
    select
        coalesce(channel, campaign_id) as channel,
        attribution_model,
        max(reporting_currency) as reporting_currency,
        count(case when not is_pseudo_campaign then 1 end) as campaigns,
        sum(planned_budget) as planned_budget,
        sum(expected_revenue) as expected_revenue,
        sum(actual_cost) as actual_cost,
        sum(attributed_pipeline) as attributed_pipeline,
        sum(attributed_won_revenue) as attributed_won_revenue,
        sum(attributed_gross_margin) as attributed_gross_margin,
        sum(attributed_won_deals) as attributed_won_deals,
        sum(mqls) as mqls,
        sum(sqls) as sqls
    from campaign_roi
    group by coalesce(channel, campaign_id), attribution_model
),

final as (
    select
        cast({{ dbt.concat(["channel", "'|'", "attribution_model"]) }} as string) as channel_model_id,
        cast(channel as string) as channel,
        cast(attribution_model as string) as attribution_model,
        cast(reporting_currency as string) as reporting_currency,
        cast(campaigns as bigint) as campaigns,
        cast(planned_budget as decimal(18, 2)) as planned_budget,
        cast(expected_revenue as decimal(18, 2)) as expected_revenue,
        cast(actual_cost as decimal(18, 2)) as actual_cost,
        cast(attributed_pipeline as decimal(18, 2)) as attributed_pipeline,
        cast(attributed_won_revenue as decimal(18, 2)) as attributed_won_revenue,
        cast(attributed_gross_margin as decimal(18, 2)) as attributed_gross_margin,
        cast(attributed_won_deals as double) as attributed_won_deals,
        cast(mqls as bigint) as mqls,
        cast(sqls as bigint) as sqls,
        {{ attribution_return_ratios() }},
        cast(attributed_won_revenue - expected_revenue as decimal(18, 2)) as revenue_vs_plan
    from per_channel
)

select * from final
