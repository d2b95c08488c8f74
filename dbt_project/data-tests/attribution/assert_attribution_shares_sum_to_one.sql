{#- Invariant: for every attribution model and every won or open opportunity, the shares of
    its touches (or its single unattributed row) sum to 1 within 1e-9. Returns the violations. -#}
with

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
            sum(share_{{ model_name }}) as share_{{ model_name }}{{ "," if not loop.last }}
        {%- endfor %}
    from attribution
    group by opportunity_id
),

per_opportunity_and_model as (
    select
        per_opportunity.opportunity_id,
        attribution_models.attribution_model,
        {{ attribution_pick('share') }} as total_share
    from per_opportunity
    cross join attribution_models
)

select *
from per_opportunity_and_model
where total_share is null or abs(total_share - 1) > 1e-9
