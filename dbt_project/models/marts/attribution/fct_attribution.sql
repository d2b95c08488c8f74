{#- One row per won or open opportunity x touch of its journey, with every attribution model
    side by side: per model (macro attribution_models) the touch's share and the attributed
    amount in original and reporting currency (columns share_<model>, attributed_amount_<model>,
    attributed_amount_reporting_<model>), the layout of Marketo Measure's touchpoint table. An
    opportunity without any touch gets one row with is_unattributed = true and share 1 under
    every model, so per model the attributed amounts add up to the total exactly. Amounts are
    allocated by cumulative rounding in cents: with the shares in integer units of 1e-12
    summed along the journey, each touch gets the cents up to its cumulative share minus the
    cents up to the previous touch's, the last touch the remainder; one window (one sort)
    serves all models. -#}
{%- set data_driven_models = attribution_data_driven_models() -%}
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

attributable_opportunities as (
    select
        *,
        cast(round(amount * 100) as bigint) as amount_cents,
        cast(round(amount_reporting * 100) as bigint) as amount_reporting_cents
    from opportunities
    where is_won or not is_closed
),

touch_rows as (
    select
        journeys.opportunity_id,
        journeys.touchpoint_id,
        journeys.touch_number,
        journeys.touches_in_journey,
        journeys.occurred_at as touched_at,
        journeys.campaign_id,
        journeys.channel,
        false as is_unattributed,
    {%- for model_name in attribution_models() %}
        {{ 'data_driven_shares' if model_name in data_driven_models else 'position_shares' }}.share_{{ model_name }}
        {{- "," if not loop.last }}
    {%- endfor %}
    from journeys
    inner join position_shares
        on
            journeys.opportunity_id = position_shares.opportunity_id
            and journeys.touchpoint_id = position_shares.touchpoint_id
    left join data_driven_shares
        on
            journeys.opportunity_id = data_driven_shares.opportunity_id
            and journeys.touchpoint_id = data_driven_shares.touchpoint_id
),

untouched_opportunities as (
    select attributable_opportunities.opportunity_id
    from attributable_opportunities
    left join journeys on attributable_opportunities.opportunity_id = journeys.opportunity_id
    where journeys.opportunity_id is null
),

unattributed_rows as (
    select
        opportunity_id,
        cast(null as {{ dbt.type_string() }}) as touchpoint_id,
        1 as touch_number,
        1 as touches_in_journey,
        cast(null as timestamp) as touched_at,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        cast(null as {{ dbt.type_string() }}) as channel,
        true as is_unattributed,
    {%- for model_name in attribution_models() %}
        cast(1 as double) as share_{{ model_name }}
        {{- "," if not loop.last }}
    {%- endfor %}
    from untouched_opportunities
),

all_rows as (
    select * from touch_rows
    union all
    select * from unattributed_rows
),

with_share_units as (
    select
        *,
    {%- for model_name in attribution_models() %}
        cast(round(share_{{ model_name }} * 1e12) as bigint) as units_{{ model_name }}
        {{- "," if not loop.last }}
    {%- endfor %}
    from all_rows
),

with_cumulative_units as (
    {#- one window for every model's running sum, over the touch rows alone (a window sorts
        every column it carries); the opportunity's columns join afterwards -#}
    select
        *,
    {%- for model_name in attribution_models() %}
        cast(sum(units_{{ model_name }}) over touch_order as bigint) as cumulative_units_{{ model_name }}
        {{- "," if not loop.last }}
    {%- endfor %}
    from with_share_units
    window touch_order as (
        partition by opportunity_id
        order by touch_number
        rows between unbounded preceding and current row
    )
),

with_opportunity as (
    select
        with_cumulative_units.*,
        attributable_opportunities.is_won,
        not attributable_opportunities.is_closed as is_open,
        attributable_opportunities.close_date,
        attributable_opportunities.currency_code,
        attributable_opportunities.reporting_currency,
        attributable_opportunities.amount_cents,
        attributable_opportunities.amount_reporting_cents
    from with_cumulative_units
    inner join attributable_opportunities
        on with_cumulative_units.opportunity_id = attributable_opportunities.opportunity_id
),

allocated as (
    select
        *,
    {%- for model_name in attribution_models() %}
        {%- set previous = 'cumulative_units_' ~ model_name ~ ' - units_' ~ model_name %}
        {%- set last_model = loop.last %}
    {%- for amount in ['amount', 'amount_reporting'] %}
        case
            when touch_number = touches_in_journey
                then {{ amount }}_cents - {{ cents_up_to(amount ~ '_cents', previous) }}
            else
                {{ cents_up_to(amount ~ '_cents', 'cumulative_units_' ~ model_name) }}
                - {{ cents_up_to(amount ~ '_cents', previous) }}
        end as {{ amount }}_cents_{{ model_name }}
        {{- "," if not (loop.last and last_model) }}
    {%- endfor %}
    {%- endfor %}
    from with_opportunity
),

final as (
    select
        cast({{ dbt.concat(["opportunity_id", "'|'", "coalesce(touchpoint_id, '-')"]) }} as string) as attribution_id,
        cast(opportunity_id as string) as opportunity_id,
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
        cast(currency_code as string) as currency_code,
        cast(reporting_currency as string) as reporting_currency,
    {%- for model_name in attribution_models() %}
        cast(share_{{ model_name }} as double) as share_{{ model_name }},
        cast(amount_cents_{{ model_name }} / 100.0 as decimal(18, 2)) as attributed_amount_{{ model_name }},
        cast(amount_reporting_cents_{{ model_name }} / 100.0 as decimal(18, 2))
            as attributed_amount_reporting_{{ model_name }}
        {{- "," if not loop.last }}
    {%- endfor %}
    from allocated
)

select * from final
