{#- Invariant: per attribution model, attributed won revenue (touches + unattributed rows)
    equals total won revenue exactly, in original currency per opportunity and in reporting
    currency in total; and every won or open opportunity is present in fct_attribution. -#}
with

opportunities as (
    select * from {{ ref('fct_opportunities') }}
    where is_won or not is_closed
),

attribution as (
    select * from {{ ref('fct_attribution') }}
),

attribution_models as (
    {{ attribution_model_rows() }}
),

per_opportunity as (
    select
        opportunity_id,
        {%- for model_name in attribution_models() %}
            sum(attributed_amount_{{ model_name }}) as attributed_amount_{{ model_name }},
            sum(attributed_amount_reporting_{{ model_name }}) as attributed_amount_reporting_{{ model_name }}
            {{- "," if not loop.last }}
        {%- endfor %}
    from attribution
    group by opportunity_id
),

per_opportunity_and_model as (
    select
        per_opportunity.opportunity_id,
        attribution_models.attribution_model,
        {{ attribution_pick('attributed_amount') }} as attributed_amount,
        {{ attribution_pick('attributed_amount_reporting') }} as attributed_amount_reporting
    from per_opportunity
    cross join attribution_models
),

expected as (
    select
        opportunities.opportunity_id,
        attribution_models.attribution_model,
        opportunities.amount,
        opportunities.amount_reporting
    from opportunities
    cross join attribution_models
)

select
    expected.opportunity_id,
    expected.attribution_model,
    expected.amount,
    per_opportunity_and_model.attributed_amount,
    expected.amount_reporting,
    per_opportunity_and_model.attributed_amount_reporting
from expected
left join per_opportunity_and_model
    on
        expected.opportunity_id = per_opportunity_and_model.opportunity_id
        and expected.attribution_model = per_opportunity_and_model.attribution_model
where
    per_opportunity_and_model.opportunity_id is null
    or coalesce(per_opportunity_and_model.attributed_amount, 0) != coalesce(expected.amount, 0)
    or coalesce(per_opportunity_and_model.attributed_amount_reporting, 0)
    != coalesce(expected.amount_reporting, 0)
