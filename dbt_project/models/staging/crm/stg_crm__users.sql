with

source as (
    select * from {{ source('crm', 'users') }}
),

latest as (
    {{ dedup_latest('source', 'Id', 'SystemModstamp') }}
),

renamed as (
    select
        Id as user_id,
        {{ clean_text('Name') }} as user_name,
        {{ normalize_email('Email') }} as email,
        case
            when lower(Sales_Role__c) like '%field%' then 'field'
            when lower(Sales_Role__c) like '%inside%' then 'inside'
            else 'other'
        end as sales_role,
        {{ clean_text('Team__c') }} as team,
        {{ clean_text('Territory__c') }} as territory,
        ManagerId as manager_id,
        HireDate__c as hire_date,
        Monthly_Capacity_Hours__c as monthly_capacity_hours,
        coalesce(IsActive, false) as is_active,
        CreatedDate as created_at,
        SystemModstamp as modified_at
    from latest
)

select * from renamed
