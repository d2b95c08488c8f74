{{ incremental_by_delivery(['account_id', 'month_start_date']) }}
{{ config(post_hook="{{ delete_months_not_in(ref('int_account_revenue_monthly')) }}") }}

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
    order) when it shared DuckDB's memory limit with another model.

    previous_abc_segment without a window over the spine: a month's segment is computed only
    where the account has positive trailing revenue (C everywhere else), so the month before's
    segment is a lookup in those few rows (the window sorted all 9.8 M rows at scale 100).

    Incremental on DuckDB (macros/incremental.sql): a build replaces only the account-months
    whose values differ from those stored (delete+insert on account_id, month_start_date):
    - every month of an account whose rows differ in the months the table holds (amounts,
      months, first month: a fingerprint per account, the sum of its rows' hashes, against the
      same over its stored rows);
    - the rows of a new reporting month and the previous month's rows (no longer
      is_current_month): nothing else changes with the month by itself;
    - the months with positive trailing revenue, new or stored, whose segment, rank or shares
      differ (a delivery that moves one account's revenue changes the shares of every account
      in that month, not its other months), and the month after each of them
      (previous_abc_segment).
    Rows outside an account's months in int_account_revenue_monthly are deleted (post-hook). -#}

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

earning_segments as (
    {#- The segment, rank and shares of the account-months with positive trailing revenue, in
        the types the model stores. -#}
    select
        earning_accounts.account_id,
        earning_accounts.month_start_date,
        cast(
            case
                when
                    ranked_levels.revenue_ranked_above
                    < {{ var('abc_segment_a_share') }} * month_totals.total_trailing_revenue
                    then 'A'
                when
                    ranked_levels.revenue_ranked_above
                    < {{ var('abc_segment_b_share') }} * month_totals.total_trailing_revenue
                    then 'B'
                else 'C'
            end as string
        ) as abc_segment,
        cast(ranked_levels.revenue_rank as bigint) as revenue_rank,
        cast(
            cast(earning_accounts.trailing_revenue_reporting as double) / month_totals.total_trailing_revenue
            as double
        ) as revenue_share,
        cast(
            cast(ranked_levels.revenue_ranked_above as double) / month_totals.total_trailing_revenue
            as double
        ) as revenue_share_ranked_above
    from earning_accounts
    inner join ranked_levels
        on
            earning_accounts.month_start_date = ranked_levels.month_start_date
            and earning_accounts.trailing_revenue_reporting = ranked_levels.trailing_revenue_reporting
    inner join month_totals
        on earning_accounts.month_start_date = month_totals.month_start_date
),

account_first_months as (
    select
        account_id,
        min(month_start_date) as first_month_date
    from account_revenue
    group by account_id
),

{% if is_incremental() %}

{%- set compared_columns = [
    'month_start_date', 'is_first_month', 'revenue', 'cost_of_sales', 'gross_margin',
    'trailing_revenue', 'trailing_gross_margin'] %}

new_rows as (
    {#- The columns copied from int_account_revenue_monthly, as the model stores them, and
        whether the month is the account's first (previous_abc_segment null). -#}
    select
        account_revenue.account_id,
        account_revenue.month_start_date,
        {{ is_current_month('account_revenue.month_start_date') }} as is_current_month,
        account_revenue.month_start_date = account_first_months.first_month_date as is_first_month,
        {{ to_cents('account_revenue.revenue_reporting') }} as revenue,
        {{ to_cents('account_revenue.cost_of_sales_reporting') }} as cost_of_sales,
        {{ to_cents('account_revenue.gross_margin_reporting') }} as gross_margin,
        {{ to_cents('account_revenue.trailing_revenue_reporting') }} as trailing_revenue,
        {{ to_cents('account_revenue.trailing_gross_margin_reporting') }} as trailing_gross_margin
    from account_revenue
    inner join account_first_months
        on account_revenue.account_id = account_first_months.account_id
),

built_rows as (
    select
        *,
        previous_abc_segment is null as is_first_month
    from {{ this }}
),

rows_of_new_months as (
    {{ rows_of_new_months('new_rows') }}
),

new_rows_of_stored_months as (
    {{ months_stored('new_rows') }}
),

accounts_to_rebuild as (
    {#- Rows new, gone or different in the months the table holds (is_current_month aside). -#}
    {{ keys_whose_rows_differ('account_id', 'new_rows_of_stored_months', 'built_rows', compared_columns) }}
),

changed_segments as (
    {#- Account-months with positive trailing revenue, new or stored, whose segment, rank or
        shares differ. -#}
    select coalesce(earning_segments.account_id, built.account_id) as account_id,
        coalesce(earning_segments.month_start_date, built.month_start_date) as month_start_date
    from earning_segments
    full outer join (
        select *
        from {{ this }}
        where revenue_rank is not null
    ) as built
        on
            earning_segments.account_id = built.account_id
            and earning_segments.month_start_date = built.month_start_date
    where
        earning_segments.abc_segment is distinct from built.abc_segment
        or earning_segments.revenue_rank is distinct from built.revenue_rank
        or earning_segments.revenue_share is distinct from built.revenue_share
        or earning_segments.revenue_share_ranked_above is distinct from built.revenue_share_ranked_above
),

months_to_rebuild as (
    select
        account_id,
        month_start_date
    from changed_segments
    union
    select
        account_id,
        cast({{ dbt.dateadd('month', 1, 'month_start_date') }} as date) as month_start_date
    from changed_segments
    union
    select
        account_id,
        month_start_date
    from rows_of_new_months
),

{% endif %}

segmented as (
    select
        account_revenue.account_id,
        account_revenue.month_start_date,
        account_revenue.revenue_reporting,
        account_revenue.cost_of_sales_reporting,
        account_revenue.gross_margin_reporting,
        account_revenue.trailing_revenue_reporting,
        account_revenue.trailing_gross_margin_reporting,
        coalesce(earning_segments.abc_segment, 'C') as abc_segment,
        case
            when account_revenue.month_start_date != account_first_months.first_month_date
                then coalesce(month_before.abc_segment, 'C')
        end as previous_abc_segment,
        earning_segments.revenue_rank,
        coalesce(earning_segments.revenue_share, 0) as revenue_share,
        earning_segments.revenue_share_ranked_above
    from account_revenue
    inner join account_first_months
        on account_revenue.account_id = account_first_months.account_id
    left join earning_segments
        on
            account_revenue.account_id = earning_segments.account_id
            and account_revenue.month_start_date = earning_segments.month_start_date
    left join earning_segments as month_before
        on
            account_revenue.account_id = month_before.account_id
            and account_revenue.month_start_date
            = cast({{ dbt.dateadd('month', 1, 'month_before.month_start_date') }} as date)
    {{ where_account_months_to_rebuild('account_revenue') }}
),

final as (
    select
        cast(account_id as string) as account_id,
        cast(month_start_date as date) as month_start_date,
        {{ is_current_month('month_start_date') }} as is_current_month,
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
        cast(revenue_share as double) as revenue_share,
        cast(revenue_share_ranked_above as double) as revenue_share_ranked_above
    from segmented
)

select * from final
