{{ incremental_by_delivery('opportunity_id') }}

{#- The pipeline history behind fct_pipeline_daily, built incrementally, with the watermark of
    its incremental builds (last_loaded_at), which the mart leaves out: a load time differs
    between two warehouses loaded from the same extracts, the marts must not.

    The pipeline as it stood on every day, stored as validity ranges: one row per opportunity
    and day on which its state changed, holding the state at the end of that day (stage,
    amount, probability, expected close date, forecast category), valid from valid_from_date
    through valid_to_date (null: still valid on the reporting date). The state of any
    opportunity on day d is the row with valid_from_date <= d <= coalesce(valid_to_date, d).

    Why ranges and not one row per day and opportunity: the table grows with changes (about
    two to six per opportunity), not with days x opportunities, and it exists for the past on
    the very first load. The day grain is a view on top (fct_pipeline_daily_expanded),
    computed only when queried.

    Incremental on DuckDB (macros/incremental.sql): a build recomputes every row of the
    opportunities that need it and replaces them (delete+insert on opportunity_id), so it gives
    the same table as a full build. An opportunity needs it when
    - a delivery of it or of one of its history rows was loaded after the last build
      (last_loaded_at: late-arriving and corrected rows count by when they were loaded);
    - one of its rows would now convert at another date or rate (a new FX drop extends the
      FX extract's coverage, which moves clamped rows to a new fx_date, or corrects a rate);
    - one of its stages is now classified otherwise (closed / won follow the CRM's current
      opportunities in the stage).

    Amounts convert at the FX rate of valid_from_date (the day the amount was recorded; the
    first or last rate of the FX extract when that day lies before or beyond it: opportunities
    open since before the first rate was published). Account, owner and type are the
    opportunity's current ones. -#}
with

changes as (
    select * from {{ ref('int_opportunity_changes_classified') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
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

{% if is_incremental() %}

last_build as (
    {{ last_build_watermark() }}
),

new_deliveries as (
    select changes.opportunity_id
    from changes
    where {{ loaded_since_last_build('changes') }}
    union
    select opportunities.opportunity_id
    from opportunities
    where {{ loaded_since_last_build('opportunities') }}
),

fx_restated as (
    select built.opportunity_id
    from {{ this }} as built
    cross join fx_coverage
    left join fx_rates
        on
            greatest(least(built.valid_from_date, fx_coverage.last_rate_date), fx_coverage.first_rate_date)
            = fx_rates.calendar_date
            and built.currency_code = fx_rates.currency_code
    where
        built.fx_date
        != greatest(least(built.valid_from_date, fx_coverage.last_rate_date), fx_coverage.first_rate_date)
        or cast(fx_rates.to_reporting_rate as decimal(24, 12)) is distinct from built.to_reporting_rate
),

stage_outcomes as (
    select distinct
        stage_name,
        is_closed,
        is_won
    from changes
    where stage_name is not null
),

reclassified as (
    select built.opportunity_id
    from {{ this }} as built
    left join stage_outcomes on built.stage_name = stage_outcomes.stage_name
    where
        built.stage_name is not null
        and (
            stage_outcomes.stage_name is null
            or built.is_closed != stage_outcomes.is_closed
            or built.is_won != stage_outcomes.is_won
        )
),

to_rebuild as (
    select opportunity_id from new_deliveries
    union
    select opportunity_id from fx_restated
    union
    select opportunity_id from reclassified
),

{% endif %}

changes_to_build as (
    select * from changes
    {{ where_to_rebuild('opportunity_id') }}
),

last_loads as (
    select
        opportunity_id,
        max(last_loaded_at) as last_loaded_at
    from changes_to_build
    group by opportunity_id
),

ranked_within_day as (
    select
        *,
        cast(changed_at as date) as change_date,
        row_number() over (
            partition by opportunity_id, cast(changed_at as date)
            order by change_number desc
        ) as rank_within_day
    from changes_to_build
),

end_of_day_states as (
    select * from ranked_within_day
    where rank_within_day = 1
),

ranged as (
    select
        *,
        lead(change_date) over (partition by opportunity_id order by change_date) as next_change_date
    from end_of_day_states
),

with_opportunity as (
    select
        ranged.opportunity_id,
        ranged.change_date as valid_from_date,
        {{ dbt.dateadd('day', -1, 'ranged.next_change_date') }} as valid_to_date,
        ranged.next_change_date is null as is_current,
        ranged.stage_name,
        ranged.forecast_category,
        ranged.probability,
        not ranged.is_closed as is_open,
        ranged.is_won,
        ranged.is_closed,
        ranged.close_date,
        ranged.amount,
        opportunities.currency_code,
        opportunities.account_id,
        opportunities.owner_id,
        opportunities.opportunity_type,
        greatest(least(ranged.change_date, fx_coverage.last_rate_date), fx_coverage.first_rate_date) as fx_date,
        greatest(last_loads.last_loaded_at, opportunities.last_loaded_at) as last_loaded_at
    from ranged
    inner join opportunities on ranged.opportunity_id = opportunities.opportunity_id
    inner join last_loads on ranged.opportunity_id = last_loads.opportunity_id
    cross join fx_coverage
),

converted as (
    select
        with_opportunity.*,
        fx_rates.reporting_currency,
        fx_rates.to_reporting_rate,
        with_opportunity.amount * fx_rates.to_reporting_rate as amount_reporting
    from with_opportunity
    left join fx_rates
        on
            with_opportunity.fx_date = fx_rates.calendar_date
            and with_opportunity.currency_code = fx_rates.currency_code
),

final as (
    select
        cast(opportunity_id as string) as opportunity_id,
        cast(valid_from_date as date) as valid_from_date,
        cast(valid_to_date as date) as valid_to_date,
        cast(is_current as boolean) as is_current,
        cast(account_id as string) as account_id,
        cast(owner_id as string) as owner_id,
        cast(opportunity_type as string) as opportunity_type,
        cast(stage_name as string) as stage_name,
        cast(forecast_category as string) as forecast_category,
        cast(probability as decimal(5, 2)) as probability,
        cast(is_open as boolean) as is_open,
        cast(is_won as boolean) as is_won,
        cast(is_closed as boolean) as is_closed,
        cast(close_date as date) as close_date,
        cast(currency_code as string) as currency_code,
        cast(amount as decimal(18, 2)) as amount,
        cast(fx_date as date) as fx_date,
        cast(to_reporting_rate as decimal(24, 12)) as to_reporting_rate,
        cast(coalesce(reporting_currency, '{{ var("reporting_currency") }}') as string) as reporting_currency,
        cast(amount_reporting as decimal(18, 2)) as amount_reporting,
        cast(amount_reporting * probability / 100 as decimal(18, 2)) as weighted_amount_reporting,
        cast(last_loaded_at as timestamp) as last_loaded_at
    from converted
)

select * from final
