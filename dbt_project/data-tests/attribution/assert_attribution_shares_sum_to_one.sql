{#- Invariant: for every attribution model and every won or open opportunity, the shares of
    its touches (or its single unattributed row) sum to 1 within 1e-9. Returns the violations. -#}
select
    opportunity_id,
    attribution_model,
    sum(share) as total_share
from {{ ref('fct_attribution') }}
group by opportunity_id, attribution_model
having abs(sum(share) - 1) > 1e-9
