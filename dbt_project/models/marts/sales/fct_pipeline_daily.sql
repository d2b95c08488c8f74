{#- The pipeline as it stood on every day, stored as validity ranges: one row per opportunity
    and day on which its state changed, holding the state at the end of that day (stage,
    amount, probability, expected close date, forecast category), valid from valid_from_date
    through valid_to_date (null: still valid on the reporting date). The state of any
    opportunity on day d is the row with valid_from_date <= d <= coalesce(valid_to_date, d).

    Built incrementally as int_pipeline_ranges (where the logic and its reasons live); the mart
    is a copy without that model's load-time watermark, so two warehouses built from the same
    extracts publish the same table. The day grain is a view on top
    (fct_pipeline_daily_expanded), computed only when queried. -#}
select
    opportunity_id,
    valid_from_date,
    valid_to_date,
    is_current,
    account_id,
    owner_id,
    opportunity_type,
    stage_name,
    forecast_category,
    probability,
    is_open,
    is_won,
    is_closed,
    close_date,
    currency_code,
    amount,
    fx_date,
    to_reporting_rate,
    reporting_currency,
    amount_reporting,
    weighted_amount_reporting
from {{ ref('int_pipeline_ranges') }}
