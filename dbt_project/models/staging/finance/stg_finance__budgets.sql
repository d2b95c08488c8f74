with

source as (
    select * from {{ source('finance', 'budgets') }}
),

latest as (
    {{ dedup_latest('source', ['Kostenstelle', 'Monat']) }}
),

renamed as (
    select
        case
            when lower(trim(Kostenstelle)) in ('vertrieb', 'sales') then 'sales'
            when lower(trim(Kostenstelle)) = 'marketing' then 'marketing'
            else lower(trim(Kostenstelle))
        end as department,
        Monat as budget_month,
        Budget as budget_amount,
        Istkosten as actual_cost_amount,
        {{ clean_currency('Waehrung') }} as currency_code
    from latest
)

select * from renamed
