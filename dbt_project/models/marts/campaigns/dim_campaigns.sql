with

campaigns as (
    select * from {{ ref('stg_marketing__campaigns') }}
),

fx_rates as (
    select * from {{ ref('int_fx_rates_daily') }}
),

fx_coverage as (
    select
        min(calendar_date) as first_rate_date,
        max(calendar_date) as last_rate_date
    from fx_rates
),

with_fx_date as (
    {#- Plan figures are estimates made before the campaign: they convert at the start date's
        rate, or at the nearest published rate when the start lies outside the FX extract. -#}
    select
        campaigns.*,
        greatest(least(campaigns.start_date, fx_coverage.last_rate_date), fx_coverage.first_rate_date) as fx_date
    from campaigns
    cross join fx_coverage
),

converted as (
    select
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.channel,
        campaigns.campaign_status,
        campaigns.start_date,
        campaigns.end_date,
        campaigns.currency_code,
        campaigns.planned_budget,
        campaigns.expected_revenue,
        fx_rates.reporting_currency,
        campaigns.planned_budget * fx_rates.to_reporting_rate as planned_budget_reporting,
        campaigns.expected_revenue * fx_rates.to_reporting_rate as expected_revenue_reporting
    from with_fx_date as campaigns
    left join fx_rates
        on
            campaigns.fx_date = fx_rates.calendar_date
            and campaigns.currency_code = fx_rates.currency_code
),

final as (
    select
        cast(campaign_id as string) as campaign_id,
        cast(campaign_name as string) as campaign_name,
        cast(channel as string) as channel,
        cast(campaign_status as string) as campaign_status,
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        cast(currency_code as string) as currency_code,
        cast(planned_budget as decimal(18, 2)) as planned_budget,
        cast(expected_revenue as decimal(18, 2)) as expected_revenue,
        cast(coalesce(reporting_currency, '{{ var("reporting_currency") }}') as string) as reporting_currency,
        cast(planned_budget_reporting as decimal(18, 2)) as planned_budget_reporting,
        cast(expected_revenue_reporting as decimal(18, 2)) as expected_revenue_reporting
    from converted
)

select * from final
