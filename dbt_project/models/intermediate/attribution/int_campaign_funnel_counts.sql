{#- Per campaign: how many of the leads it generated (primary campaign) ever became MQL and
    ever became SQL; the denominators of cost per MQL / SQL. The statuses come from
    int_lead_status_transitions, the funnel's own reading of the status history (the CRM's
    values mapped by the seed lead_statuses, and the status a lead was created in when its
    history does not record it), so these counts agree with the funnel marts. -#}
with

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

transitions as (
    select * from {{ ref('int_lead_status_transitions') }}
),

lead_milestones as (
    select
        lead_id,
        max(case when lead_status = 'MQL' then 1 else 0 end) as reached_mql,
        max(case when lead_status = 'SQL' then 1 else 0 end) as reached_sql
    from transitions
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
