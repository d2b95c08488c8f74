{#- One row per opportunity x touch x attribution model, for won and open opportunities:
    the touch's share and the attributed amount in original and reporting currency. An
    opportunity without any touch in its journey gets one row per model with
    is_unattributed = true and share 1, so per model the attributed amounts add up to the
    total exactly. Amounts are allocated by cumulative rounding (each touch gets
    round(amount x cumulative share) - round(amount x previous cumulative share), the last
    touch the remainder), so the cents add up too. -#}
with

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

journeys as (
    select * from {{ ref('int_opportunity_journeys') }}
),

position_shares as (
    select * from {{ ref('int_attribution_position_shares') }}
),

data_driven_shares as (
    select * from {{ ref('int_attribution_data_driven') }}
),

attribution_models as (
    {%- for model_name in attribution_models() %}
        select '{{ model_name }}' as attribution_model
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

attributable_opportunities as (
    select *
    from opportunities
    where is_won or not is_closed
),

all_shares as (
    select
        opportunity_id,
        touchpoint_id,
        attribution_model,
        share
    from position_shares
    union all
    select
        opportunity_id,
        touchpoint_id,
        attribution_model,
        share
    from data_driven_shares
),

touch_rows as (
    select
        all_shares.opportunity_id,
        all_shares.attribution_model,
        all_shares.touchpoint_id,
        journeys.touch_number,
        journeys.touches_in_journey,
        journeys.occurred_at as touched_at,
        journeys.campaign_id,
        journeys.channel,
        false as is_unattributed,
        all_shares.share
    from all_shares
    inner join journeys
        on
            all_shares.opportunity_id = journeys.opportunity_id
            and all_shares.touchpoint_id = journeys.touchpoint_id
),

untouched_opportunities as (
    select attributable_opportunities.opportunity_id
    from attributable_opportunities
    left join journeys on attributable_opportunities.opportunity_id = journeys.opportunity_id
    where journeys.opportunity_id is null
),

unattributed_rows as (
    select
        untouched_opportunities.opportunity_id,
        attribution_models.attribution_model,
        cast(null as {{ dbt.type_string() }}) as touchpoint_id,
        1 as touch_number,
        1 as touches_in_journey,
        cast(null as timestamp) as touched_at,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        cast(null as {{ dbt.type_string() }}) as channel,
        true as is_unattributed,
        1.0 as share
    from untouched_opportunities
    cross join attribution_models
),

all_rows as (
    select * from touch_rows
    union all
    select * from unattributed_rows
),

with_amounts as (
    select
        all_rows.*,
        attributable_opportunities.is_won,
        not attributable_opportunities.is_closed as is_open,
        attributable_opportunities.close_date,
        attributable_opportunities.currency_code,
        attributable_opportunities.amount,
        attributable_opportunities.reporting_currency,
        attributable_opportunities.amount_reporting,
        sum(all_rows.share) over (
            partition by all_rows.opportunity_id, all_rows.attribution_model
            order by all_rows.touch_number
            rows between unbounded preceding and current row
        ) as cumulative_share
    from all_rows
    inner join attributable_opportunities on all_rows.opportunity_id = attributable_opportunities.opportunity_id
),

with_previous as (
    {#- the previous row's own cumulative share (not cumulative_share - share, which differs
        in the last bits), so the rounded differences telescope to the amount exactly -#}
    select
        *,
        coalesce(
            lag(cumulative_share) over (partition by opportunity_id, attribution_model order by touch_number), 0
        ) as previous_cumulative_share
    from with_amounts
),

allocated as (
    select
        *,
        case
            when touch_number = touches_in_journey
                then amount - round(amount * previous_cumulative_share, 2)
            else round(amount * cumulative_share, 2) - round(amount * previous_cumulative_share, 2)
        end as attributed_amount,
        case
            when touch_number = touches_in_journey
                then amount_reporting - round(amount_reporting * previous_cumulative_share, 2)
            else round(amount_reporting * cumulative_share, 2) - round(amount_reporting * previous_cumulative_share, 2)
        end as attributed_amount_reporting
    from with_previous
),

final as (
    select
        cast(
            {{ dbt.concat(["opportunity_id", "'|'", "attribution_model", "'|'", "coalesce(touchpoint_id, '-')"]) }}
            as string
        ) as attribution_id,
        cast(opportunity_id as string) as opportunity_id,
        cast(attribution_model as string) as attribution_model,
        cast(touchpoint_id as string) as touchpoint_id,
        cast(touch_number as bigint) as touch_number,
        cast(touches_in_journey as bigint) as touches_in_journey,
        cast(touched_at as timestamp) as touched_at,
        cast(campaign_id as string) as campaign_id,
        cast(channel as string) as channel,
        cast(is_unattributed as boolean) as is_unattributed,
        cast(is_won as boolean) as is_won,
        cast(is_open as boolean) as is_open,
        cast(close_date as date) as close_date,
        cast(share as double) as share,
        cast(currency_code as string) as currency_code,
        cast(attributed_amount as decimal(18, 2)) as attributed_amount,
        cast(reporting_currency as string) as reporting_currency,
        cast(attributed_amount_reporting as decimal(18, 2)) as attributed_amount_reporting
    from allocated
)

select * from final
