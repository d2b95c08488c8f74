with

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

fx_rates as (
    select * from {{ ref('int_fx_rates_daily') }}
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
        cast(amount_reporting as decimal(18, 2)) as amount_reporting
    from converted
)

select * from final
