{#- Invariant: per attribution model, attributed won revenue (touches + unattributed rows)
    equals total won revenue exactly, in original currency per opportunity and in reporting
    currency in total; and every won or open opportunity is present under every model. -#}
with

opportunities as (
    select * from {{ ref('fct_opportunities') }}
    where is_won or not is_closed
),

attribution as (
    select * from {{ ref('fct_attribution') }}
),

per_opportunity as (
    select
        opportunity_id,
        attribution_model,
        sum(attributed_amount) as attributed_amount,
        sum(attributed_amount_reporting) as attributed_amount_reporting
    from attribution
    group by opportunity_id, attribution_model
),

expected as (
    select
        opportunities.opportunity_id,
        models.attribution_model,
        opportunities.amount,
        opportunities.amount_reporting
    from opportunities
    cross join (select distinct attribution_model from attribution) as models
)

select
    expected.opportunity_id,
    expected.attribution_model,
    expected.amount,
    per_opportunity.attributed_amount,
    expected.amount_reporting,
    per_opportunity.attributed_amount_reporting
from expected
left join per_opportunity
    on
        expected.opportunity_id = per_opportunity.opportunity_id
        and expected.attribution_model = per_opportunity.attribution_model
where
    per_opportunity.opportunity_id is null
    or coalesce(per_opportunity.attributed_amount, 0) != coalesce(expected.amount, 0)
    or coalesce(per_opportunity.attributed_amount_reporting, 0) != coalesce(expected.amount_reporting, 0)
