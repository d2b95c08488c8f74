{#- Per campaign: how many of the leads it generated (primary campaign) ever became MQL and
    ever became SQL, from the lead status history; the denominators of cost per MQL / SQL. -#}
with

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

status_history as (
    select * from {{ ref('stg_crm__lead_status_history') }}
),

lead_milestones as (
    select
        lead_id,
        max(case when upper(new_status) = 'MQL' then 1 else 0 end) as reached_mql,
        max(case when upper(new_status) = 'SQL' then 1 else 0 end) as reached_sql
    from status_history
    group by lead_id
),

per_campaign as (
    select
        leads.campaign_id,
        count(*) as leads,
        sum(coalesce(lead_milestones.reached_mql, 0)) as mqls,
        sum(coalesce(lead_milestones.reached_sql, 0)) as sqls
    from leads
    left join lead_milestones on leads.lead_id = lead_milestones.lead_id
    where leads.campaign_id is not null
    group by leads.campaign_id
)

select * from per_campaign
