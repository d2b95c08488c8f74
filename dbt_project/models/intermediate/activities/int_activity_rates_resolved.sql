{#- The activity rate for every combination of activity type, territory and sales role that can
    occur, so that facts look their rate up with one equality join. Seed activity_rates may
    use '*' for "any territory" / "any role"; the most specific matching row wins: a row naming
    the territory beats one naming only the role, which beats the default ('*', '*').
    Territory '*' and role '*' here stand for an unknown territory / role (defaults only). -#}
with

activity_rates as (
    select * from {{ ref('activity_rates') }}
),

users as (
    select * from {{ ref('stg_crm__users') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

activity_types as (
    select distinct activity_type from activity_rates
),

territories as (
    select territory
    from users
    where territory is not null
    union
    select territory
    from accounts
    where territory is not null
    union
    select territory from activity_rates
    union
    select '*' as territory
),

sales_roles as (
    select sales_role
    from users
    where sales_role is not null
    union
    select sales_role from activity_rates
    union
    select '*' as sales_role
),

combinations as (
    select
        activity_types.activity_type,
        territories.territory,
        sales_roles.sales_role
    from activity_types
    cross join territories
    cross join sales_roles
),

candidate_rates as (
    select
        combinations.activity_type,
        combinations.territory,
        combinations.sales_role,
        activity_rates.territory as rate_territory,
        activity_rates.sales_role as rate_sales_role,
        activity_rates.currency_code,
        activity_rates.rate_amount,
        row_number() over (
            partition by combinations.activity_type, combinations.territory, combinations.sales_role
            order by
                case when activity_rates.territory = '*' then 0 else 2 end
                + case when activity_rates.sales_role = '*' then 0 else 1 end desc
        ) as specificity_rank
    from combinations
    inner join activity_rates
        on
            combinations.activity_type = activity_rates.activity_type
            and activity_rates.territory in (combinations.territory, '*')
            and activity_rates.sales_role in (combinations.sales_role, '*')
),

resolved as (
    select
        activity_type,
        territory,
        sales_role,
        rate_territory,
        rate_sales_role,
        currency_code,
        rate_amount
    from candidate_rates
    where specificity_rank = 1
)

select * from resolved
