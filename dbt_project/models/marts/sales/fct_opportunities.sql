with

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

fx_rates as (
    select * from {{ ref('int_fx_rates_daily') }}
),

stage_history as (
    select * from {{ ref('int_opportunity_stage_history') }}
),

fx_coverage as (
    select max(calendar_date) as last_rate_date from fx_rates
),

with_fx_date as (
    {#- Closed deals convert at the close date. Open deals are forecasts: an expected close
        date beyond the last published rate uses that last rate. -#}
    select
        opportunities.*,
        case
            when opportunities.is_closed then opportunities.close_date
            else least(
                coalesce(opportunities.close_date, cast(opportunities.created_at as date)),
                fx_coverage.last_rate_date
            )
        end as fx_date
    from opportunities
    cross join fx_coverage
),

stage_days as (
    {#- Days in each open stage entry; the stage an open opportunity is still in counts up to
        the reporting date. -#}
    select
        *,
        case
            when not is_closed
                then coalesce(
                    days_in_stage,
                    cast({{ dbt.datediff(
                        'entered_at',
                        'cast(' ~ reporting_date() ~ ' as timestamp)',
                        'second',
                    ) }} as double) / 86400
                )
        end as days_to_date
    from stage_history
),

stage_durations as (
    {#- Days per open stage (all entries of the stage added up; null = never in the stage),
        one column per stage of var sales_open_stages. -#}
    select
        opportunity_id,
        count(*) as stage_entries,
        sum(case when is_reentry then 1 else 0 end) as stage_reentries,
        {% for stage in var('sales_open_stages') -%}
            {%- set column = 'days_in_' ~ stage | lower | replace(' ', '_') %}
            sum(case when stage_name = '{{ stage }}' then days_to_date end) as {{ column }},
        {% endfor -%}
        max(case when is_current and not is_closed then days_to_date end) as days_in_current_stage,
        max(case when is_current then entered_at end) as current_stage_entered_at
    from stage_days
    group by opportunity_id
),

converted as (
    select
        with_fx_date.*,
        fx_rates.reporting_currency,
        fx_rates.to_reporting_rate,
        with_fx_date.amount * fx_rates.to_reporting_rate as amount_reporting
    from with_fx_date
    left join fx_rates
        on
            with_fx_date.fx_date = fx_rates.calendar_date
            and with_fx_date.currency_code = fx_rates.currency_code
),

with_stage_durations as (
    select
        converted.*,
        {% for stage in var('sales_open_stages') -%}
            stage_durations.days_in_{{ stage | lower | replace(' ', '_') }},
        {% endfor -%}
        stage_durations.stage_entries,
        stage_durations.stage_reentries,
        stage_durations.days_in_current_stage,
        stage_durations.current_stage_entered_at
    from converted
    left join stage_durations on converted.opportunity_id = stage_durations.opportunity_id
),

final as (
    select
        cast(opportunity_id as string) as opportunity_id,
        cast(account_id as string) as account_id,
        cast(owner_id as string) as owner_id,
        cast(lead_id as string) as lead_id,
        cast(campaign_id as string) as campaign_id,
        cast(opportunity_name as string) as opportunity_name,
        cast(opportunity_type as string) as opportunity_type,
        cast(stage_name as string) as stage_name,
        cast(forecast_category as string) as forecast_category,
        cast(probability as decimal(5, 2)) as probability,
        cast(is_closed as boolean) as is_closed,
        cast(is_won as boolean) as is_won,
        cast(created_at as timestamp) as created_at,
        cast(close_date as date) as close_date,
        cast(currency_code as string) as currency_code,
        cast(amount as decimal(18, 2)) as amount,
        cast(fx_date as date) as fx_date,
        cast(to_reporting_rate as decimal(24, 12)) as to_reporting_rate,
        cast(coalesce(reporting_currency, '{{ var("reporting_currency") }}') as string) as reporting_currency,
        cast(amount_reporting as decimal(18, 2)) as amount_reporting,
        cast(
            case when is_won then 'won' when is_closed then 'lost' else 'open' end as string
        ) as outcome,
        cast(
            case
                {#- A record created after its close date was migrated or back-filled: its
                    created date is the load date, so its cycle is unknown. #}
                when is_closed and close_date >= cast(created_at as date)
                    then {{ dbt.datediff('cast(created_at as date)', 'close_date', 'day') }}
            end as bigint
        ) as cycle_length_days,
        cast(current_stage_entered_at as timestamp) as current_stage_entered_at,
        cast(days_in_current_stage as double) as days_in_current_stage,
        {% for stage in var('sales_open_stages') -%}
            {%- set column = 'days_in_' ~ stage | lower | replace(' ', '_') %}
            cast({{ column }} as double) as {{ column }},
        {% endfor -%}
        cast(coalesce(stage_entries, 0) as bigint) as stage_entries,
        cast(coalesce(stage_reentries, 0) as bigint) as stage_reentries
    from with_stage_durations
)

select * from final
