with

cost_lines as (
    select * from {{ ref('stg_finance__campaign_costs') }}
),

campaigns as (
    select campaign_id from {{ ref('stg_marketing__campaigns') }}
),

fx_rates as (
    select * from {{ ref('int_fx_rates_daily') }}
),

matched as (
    {#- A cost line whose campaign reference is empty or unknown to marketing is kept, as
        unassigned cost: cost is never lost on the way to the campaign table. -#}
    select
        cost_lines.*,
        campaigns.campaign_id as matched_campaign_id
    from cost_lines
    left join campaigns
        on cost_lines.campaign_id = campaigns.campaign_id
),

converted as (
    select
        matched.*,
        fx_rates.reporting_currency,
        fx_rates.to_reporting_rate,
        matched.amount * fx_rates.to_reporting_rate as amount_reporting
    from matched
    left join fx_rates
        on
            matched.invoice_date = fx_rates.calendar_date
            and matched.currency_code = fx_rates.currency_code
),

final as (
    select
        cast(cost_line_id as string) as cost_line_id,
        cast(invoice_date as date) as invoice_date,
        cast(matched_campaign_id as string) as campaign_id,
        cast(campaign_id as string) as campaign_reference,
        cast(matched_campaign_id is not null as boolean) as is_assigned_to_campaign,
        cast(cost_type as string) as cost_type,
        cast(supplier as string) as supplier,
        cast(currency_code as string) as currency_code,
        cast(amount as decimal(18, 2)) as amount,
        cast(to_reporting_rate as decimal(24, 12)) as to_reporting_rate,
        cast(coalesce(reporting_currency, '{{ var("reporting_currency") }}') as string) as reporting_currency,
        cast(amount_reporting as decimal(18, 2)) as amount_reporting
    from converted
)

select * from final
