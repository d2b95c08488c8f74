{#- Activity coverage per current ABC segment and account owner (rep), as of the reporting date:
    the share of accounts with a completed interaction in the last activity_coverage_days days,
    and how many accounts with open opportunities had none (rpt_account_coverage lists them).
    Accounts without an owner are grouped under owner_id '(none)'. -#}
with

account_coverage as (
    select * from {{ ref('rpt_account_coverage') }}
),

aggregated as (
    select
        abc_segment,
        coalesce(owner_id, '(none)') as owner_id,
        max(owner_role) as owner_role,
        max(as_of_date) as as_of_date,
        count(*) as accounts,
        sum(case when is_covered then 1 else 0 end) as covered_accounts,
        sum(case when has_open_opportunity then 1 else 0 end) as accounts_with_open_opportunities,
        sum(case when is_open_without_interaction then 1 else 0 end) as open_accounts_without_interaction,
        sum(case when is_open_without_interaction then open_pipeline else 0 end) as open_pipeline_without_interaction
    from account_coverage
    group by abc_segment, coalesce(owner_id, '(none)')
),

final as (
    select
        cast(abc_segment as string) as abc_segment,
        cast(owner_id as string) as owner_id,
        cast(owner_role as string) as owner_role,
        cast(as_of_date as date) as as_of_date,
        cast({{ var('activity_coverage_days') }} as bigint) as coverage_window_days,
        cast(accounts as bigint) as accounts,
        cast(covered_accounts as bigint) as covered_accounts,
        cast(case when accounts > 0 then cast(covered_accounts as double) / accounts end as double) as coverage_share,
        cast(accounts_with_open_opportunities as bigint) as accounts_with_open_opportunities,
        cast(open_accounts_without_interaction as bigint) as open_accounts_without_interaction,
        cast('{{ var("reporting_currency") }}' as string) as reporting_currency,
        cast(open_pipeline_without_interaction as decimal(18, 2)) as open_pipeline_without_interaction
    from aggregated
)

select * from final
