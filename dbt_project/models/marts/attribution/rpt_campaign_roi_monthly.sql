{#- Per campaign, attribution model and month: cost invoiced in the month and revenue won in
    the month (attributed), so controlling can follow a campaign's payback over time. -#}
with

attribution as (
    select * from {{ ref('fct_attribution') }}
),

cost_lines as (
    select * from {{ ref('fct_campaign_costs') }}
),

attribution_models as (
    {{ attribution_model_rows() }}
),

monthly_revenue_per_model as (
    select
        case
            when is_unattributed then '(unattributed)'
            else coalesce(campaign_id, '(no campaign)')
        end as campaign_id,
        cast({{ dbt.date_trunc('month', 'close_date') }} as date) as report_month,
    {%- for model_name in attribution_models() %}
        sum(attributed_amount_reporting_{{ model_name }}) as attributed_amount_reporting_{{ model_name }},
        sum(share_{{ model_name }}) as share_{{ model_name }}
        {{- "," if not loop.last }}
    {%- endfor %}
    from attribution
    where is_won
    group by
        case
            when is_unattributed then '(unattributed)'
            else coalesce(campaign_id, '(no campaign)')
        end,
        cast({{ dbt.date_trunc('month', 'close_date') }} as date)
),

monthly_revenue as (
    select
        monthly_revenue_per_model.campaign_id,
        attribution_models.attribution_model,
        monthly_revenue_per_model.report_month,
        0 as actual_cost,
        {{ attribution_pick('attributed_amount_reporting') }} as attributed_won_revenue,
        {{ attribution_pick('share') }} as attributed_won_deals
    from monthly_revenue_per_model
    cross join attribution_models
),

monthly_cost as (
    select
        coalesce(cost_lines.campaign_id, '(no campaign)') as campaign_id,
        attribution_models.attribution_model,
        cast({{ dbt.date_trunc('month', 'cost_lines.invoice_date') }} as date) as report_month,
        cost_lines.amount_reporting as actual_cost,
        0 as attributed_won_revenue,
        0 as attributed_won_deals
    from cost_lines
    cross join attribution_models
),

combined as (
    select
        campaign_id,
        attribution_model,
        report_month,
        sum(actual_cost) as actual_cost,
        sum(attributed_won_revenue) as attributed_won_revenue,
        sum(attributed_won_deals) as attributed_won_deals
    from (
        select * from monthly_revenue
        union all
        select * from monthly_cost
    ) as movements
    group by campaign_id, attribution_model, report_month
),

final as (
    select
        cast(
            {{ dbt.concat(["campaign_id", "'|'", "attribution_model", "'|'", "cast(report_month as string)"]) }}
            as string
        ) as campaign_model_month_id,
        cast(campaign_id as string) as campaign_id,
        cast(attribution_model as string) as attribution_model,
        cast(report_month as date) as report_month,
        cast('{{ var("reporting_currency") }}' as string) as reporting_currency,
        cast(actual_cost as decimal(18, 2)) as actual_cost,
        cast(attributed_won_revenue as decimal(18, 2)) as attributed_won_revenue,
        cast(attributed_won_deals as double) as attributed_won_deals,
        case when actual_cost > 0 then cast(attributed_won_revenue - actual_cost as double) / actual_cost end
            as roi
    from combined
)

select * from final
