{#- The controlling answer per campaign and attribution model: what it cost (finance), what
    was planned (marketing), what it brought in (attributed pipeline, won revenue and gross
    margin), ROI, ROAS and cost per MQL / SQL / won deal, and the gap between estimate and
    actual. Two extra rows per model keep the totals whole: '(no campaign)' (cost without a
    known campaign, revenue attributed to touches without one) and '(unattributed)' (won and
    open deals without any touch). -#}
{%- set per_model_measures = [
    'attributed_pipeline', 'attributed_won_revenue', 'attributed_gross_margin',
    'attributed_won_deals', 'influenced_opportunities',
] -%}
with

campaigns as (
    select * from {{ ref('dim_campaigns') }}
),

attribution as (
    select * from {{ ref('fct_attribution') }}
),

cost_lines as (
    select * from {{ ref('fct_campaign_costs') }}
),

funnel_counts as (
    select * from {{ ref('int_campaign_funnel_counts') }}
),

margins as (
    select * from {{ ref('int_opportunity_margins') }}
),

attribution_models as (
    {{ attribution_model_rows() }}
),

report_rows as (
    select
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.channel,
        campaigns.planned_budget_reporting as planned_budget,
        campaigns.expected_revenue_reporting as expected_revenue,
        false as is_pseudo_campaign
    from campaigns
    union all
    select
        '(no campaign)' as campaign_id,
        '(no campaign)' as campaign_name,
        null as channel,
        null as planned_budget,
        null as expected_revenue,
        true as is_pseudo_campaign
    from (select 1 as one) as no_campaign_row
    union all
    select
        '(unattributed)' as campaign_id,
        '(unattributed)' as campaign_name,
        null as channel,
        null as planned_budget,
        null as expected_revenue,
        true as is_pseudo_campaign
    from (select 1 as one) as unattributed_row
),

attributed_per_model as (
    select
        case
            when attribution.is_unattributed then '(unattributed)'
            else coalesce(attribution.campaign_id, '(no campaign)')
        end as campaign_id,
    {%- for model_name in attribution_models() %}
        sum(case when attribution.is_open then attribution.attributed_amount_reporting_{{ model_name }} else 0 end)
            as attributed_pipeline_{{ model_name }},
        sum(case when attribution.is_won then attribution.attributed_amount_reporting_{{ model_name }} else 0 end)
            as attributed_won_revenue_{{ model_name }},
        sum(
            case
                when attribution.is_won
                    then attribution.attributed_amount_reporting_{{ model_name }} * margins.gross_margin_ratio
            end
        ) as attributed_gross_margin_{{ model_name }},
        sum(case when attribution.is_won then attribution.share_{{ model_name }} else 0 end)
            as attributed_won_deals_{{ model_name }},
        count(distinct case when attribution.share_{{ model_name }} > 0 then attribution.opportunity_id end)
            as influenced_opportunities_{{ model_name }}
        {{- "," if not loop.last }}
    {%- endfor %}
    from attribution
    left join margins on attribution.opportunity_id = margins.opportunity_id
    group by
        case
            when attribution.is_unattributed then '(unattributed)'
            else coalesce(attribution.campaign_id, '(no campaign)')
        end
),

attributed as (
    select
        attributed_per_model.campaign_id,
        attribution_models.attribution_model,
    {%- for measure in per_model_measures %}
        {{ attribution_pick(measure) }} as {{ measure }}
        {{- "," if not loop.last }}
    {%- endfor %}
    from attributed_per_model
    cross join attribution_models
),

cost as (
    select
        coalesce(campaign_id, '(no campaign)') as campaign_id,
        sum(amount_reporting) as actual_cost
    from cost_lines
    group by coalesce(campaign_id, '(no campaign)')
),

joined as (
    select
        report_rows.*,
        attribution_models.attribution_model,
        coalesce(cost.actual_cost, 0) as actual_cost,
        coalesce(attributed.attributed_pipeline, 0) as attributed_pipeline,
        coalesce(attributed.attributed_won_revenue, 0) as attributed_won_revenue,
        attributed.attributed_gross_margin,
        coalesce(attributed.attributed_won_deals, 0) as attributed_won_deals,
        coalesce(attributed.influenced_opportunities, 0) as influenced_opportunities,
        funnel_counts.mqls,
        funnel_counts.sqls
    from report_rows
    cross join attribution_models
    left join cost on report_rows.campaign_id = cost.campaign_id
    left join attributed
        on
            report_rows.campaign_id = attributed.campaign_id
            and attribution_models.attribution_model = attributed.attribution_model
    left join funnel_counts on report_rows.campaign_id = funnel_counts.campaign_id
),

final as (
    select
        cast({{ dbt.concat(["campaign_id", "'|'", "attribution_model"]) }} as string) as campaign_model_id,
        cast(campaign_id as string) as campaign_id,
        cast(campaign_name as string) as campaign_name,
        cast(channel as string) as channel,
        cast(attribution_model as string) as attribution_model,
        cast(is_pseudo_campaign as boolean) as is_pseudo_campaign,
        cast('{{ var("reporting_currency") }}' as string) as reporting_currency,
        cast(planned_budget as decimal(18, 2)) as planned_budget,
        cast(expected_revenue as decimal(18, 2)) as expected_revenue,
        cast(actual_cost as decimal(18, 2)) as actual_cost,
        cast(attributed_pipeline as decimal(18, 2)) as attributed_pipeline,
        cast(attributed_won_revenue as decimal(18, 2)) as attributed_won_revenue,
        cast(attributed_gross_margin as decimal(18, 2)) as attributed_gross_margin,
        cast(attributed_won_deals as double) as attributed_won_deals,
        cast(influenced_opportunities as bigint) as influenced_opportunities,
        cast(mqls as bigint) as mqls,
        cast(sqls as bigint) as sqls,
        {{ attribution_return_ratios() }},
        cast(attributed_won_revenue - expected_revenue as decimal(18, 2)) as revenue_vs_plan,
        case when expected_revenue > 0 then cast(attributed_won_revenue as double) / expected_revenue end
            as plan_attainment
    from joined
)

select * from final
