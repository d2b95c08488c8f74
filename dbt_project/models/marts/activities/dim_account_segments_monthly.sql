{#- ABC segment of every account in every month, by revenue over the trailing
    abc_trailing_months months (the month itself and the ones before it).

    Per month, accounts are ranked by trailing revenue, highest first. An account is A when the
    accounts ranked above it make less than abc_segment_a_share of the month's total revenue (it
    is needed to reach the first 80 %), B when they make less than abc_segment_b_share, C
    otherwise. Accounts without positive trailing revenue are always C and do not count towards
    the total. Ties: accounts with equal trailing revenue count as ranked above neither of each
    other, so they always get the same segment, the one the first of them would get; the result
    never depends on ids or row order. A single account with revenue is A.

    The month's revenue and gross margin and their trailing sums come along (the spine's
    amounts, int_account_revenue_monthly), so rpt_cost_to_serve reads them here instead of
    joining the spine's 9.8 M rows (scale 100) a second time: that join's hash table was
    rpt_cost_to_serve's largest memory need, which made it spill to disk (and lose its row
    order) when it shared DuckDB's memory limit with another model. -#}
with

account_revenue as (
    select * from {{ ref('int_account_revenue_monthly') }}
),

earning_accounts as (
    select
        account_id,
        month_start_date,
        trailing_revenue_reporting
    from account_revenue
    where trailing_revenue_reporting > 0
),

month_totals as (
    select
        month_start_date,
        sum(trailing_revenue_reporting) as total_trailing_revenue
    from earning_accounts
    group by month_start_date
),

revenue_levels as (
    {#- One row per distinct revenue value: tied accounts share one level. -#}
    select
        month_start_date,
        trailing_revenue_reporting,
        count(*) as accounts_at_level,
        sum(trailing_revenue_reporting) as level_revenue
    from earning_accounts
    group by month_start_date, trailing_revenue_reporting
),

ranked_levels as (
    select
        month_start_date,
        trailing_revenue_reporting,
        coalesce(
            sum(level_revenue) over (
                partition by month_start_date
                order by trailing_revenue_reporting desc
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as revenue_ranked_above,
        1 + coalesce(
            sum(accounts_at_level) over (
                partition by month_start_date
                order by trailing_revenue_reporting desc
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as revenue_rank
    from revenue_levels
),

segmented as (
    select
        account_revenue.account_id,
        account_revenue.month_start_date,
        account_revenue.revenue_reporting,
        account_revenue.cost_of_sales_reporting,
        account_revenue.gross_margin_reporting,
        account_revenue.trailing_revenue_reporting,
        account_revenue.trailing_gross_margin_reporting,
        month_totals.total_trailing_revenue,
        ranked_levels.revenue_rank,
        ranked_levels.revenue_ranked_above,
        case
            when
                ranked_levels.revenue_ranked_above is null
                then 'C'
            when
                ranked_levels.revenue_ranked_above
                < {{ var('abc_segment_a_share') }} * month_totals.total_trailing_revenue
                then 'A'
            when
                ranked_levels.revenue_ranked_above
                < {{ var('abc_segment_b_share') }} * month_totals.total_trailing_revenue
                then 'B'
            else 'C'
        end as abc_segment
    from account_revenue
    left join ranked_levels
        on
            account_revenue.month_start_date = ranked_levels.month_start_date
            and account_revenue.trailing_revenue_reporting = ranked_levels.trailing_revenue_reporting
    left join month_totals
        on account_revenue.month_start_date = month_totals.month_start_date
),

with_history as (
    select
        *,
        lag(abc_segment) over (partition by account_id order by month_start_date) as previous_abc_segment
    from segmented
),

final as (
    select
        cast(account_id as string) as account_id,
        cast(month_start_date as date) as month_start_date,
        cast(
            month_start_date = cast({{ dbt.date_trunc('month', reporting_date()) }} as date) as boolean
        ) as is_current_month,
        cast(abc_segment as string) as abc_segment,
        cast(previous_abc_segment as string) as previous_abc_segment,
        cast(
            previous_abc_segment is not null and previous_abc_segment != abc_segment as boolean
        ) as has_segment_changed,
        cast('{{ var("reporting_currency") }}' as string) as reporting_currency,
        {{ to_cents('revenue_reporting') }} as revenue,
        {{ to_cents('cost_of_sales_reporting') }} as cost_of_sales,
        {{ to_cents('gross_margin_reporting') }} as gross_margin,
        {{ to_cents('trailing_revenue_reporting') }} as trailing_revenue,
        {{ to_cents('trailing_gross_margin_reporting') }} as trailing_gross_margin,
        cast(revenue_rank as bigint) as revenue_rank,
        cast(
            case
                when total_trailing_revenue > 0 and trailing_revenue_reporting > 0
                    then cast(trailing_revenue_reporting as double) / total_trailing_revenue
                else 0
            end as double
        ) as revenue_share,
        cast(
            case
                when total_trailing_revenue > 0 and revenue_ranked_above is not null
                    then cast(revenue_ranked_above as double) / total_trailing_revenue
            end as double
        ) as revenue_share_ranked_above
    from with_history
)

select * from final
