{{ incremental_by_delivery('touchpoint_id') }}

{#- Every marketing touch resolved to lead, contact, account and campaign. Explicit ids win;
    otherwise the e-mail (already lower-cased and trimmed in staging) is matched to the
    earliest lead and the earliest contact with that address. A touch that matches nobody
    is kept (is_matched = false) and counted, never dropped.

    Incremental on DuckDB (macros/incremental.sql): a build re-resolves the touches that need
    it and replaces them (delete+insert on touchpoint_id), so it gives the same table as a full
    build. last_loaded_at is the touch's own load; a lead or contact loaded after the latest
    of them changed since the last build. A touch needs it when
    - a delivery of it was loaded after the last build;
    - it names a changed lead or contact by id, or carries the e-mail of one (the earliest lead
      or contact with that address may have changed);
    - it is resolved to a changed lead or contact (its e-mail or account may have changed);
    - its campaign reference now resolves to another campaign or channel. -#}
with

touchpoints as {{ not_materialized() }} (
    select * from {{ ref('stg_marketing__touchpoints') }}
),

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

campaigns as (
    select * from {{ ref('stg_marketing__campaigns') }}
),

{% if is_incremental() %}

last_build as (
    {{ last_build_watermark() }}
),

changed_leads as (
    select
        leads.lead_id,
        leads.email
    from leads
    where {{ loaded_since_last_build('leads') }}
),

changed_contacts as (
    select
        contacts.contact_id,
        contacts.email
    from contacts
    where {{ loaded_since_last_build('contacts') }}
),

changed_emails as (
    select email from changed_leads
    where email is not null
    union
    select email from changed_contacts
    where email is not null
),

to_rebuild as (
    select touchpoints.touchpoint_id
    from touchpoints
    where
        {{ loaded_since_last_build('touchpoints') }}
        or touchpoints.lead_id in (select lead_id from changed_leads)
        or touchpoints.contact_id in (select contact_id from changed_contacts)
        or touchpoints.email in (select email from changed_emails)
    union
    select built.touchpoint_id
    from {{ this }} as built
    left join campaigns on built.campaign_reference = campaigns.campaign_id
    where
        built.lead_id in (select lead_id from changed_leads)
        or built.contact_id in (select contact_id from changed_contacts)
        or built.campaign_id is distinct from campaigns.campaign_id
        or built.channel != coalesce(campaigns.channel, 'unknown')
),

{% endif %}

touchpoints_to_build as (
    select * from touchpoints
    {{ where_to_rebuild('touchpoint_id') }}
),

lead_emails as (
    select
        email,
        lead_id
    from (
        select
            email,
            lead_id,
            row_number() over (partition by email order by created_at, lead_id) as email_rank
        from leads
        where email is not null
    ) as ranked_leads
    where email_rank = 1
),

contact_emails as (
    select
        email,
        contact_id
    from (
        select
            email,
            contact_id,
            row_number() over (partition by email order by created_at, contact_id) as email_rank
        from contacts
        where email is not null
    ) as ranked_contacts
    where email_rank = 1
),

resolved_people as (
    select
        touchpoints.touchpoint_id,
        touchpoints.touch_type,
        touchpoints.occurred_at,
        touchpoints.campaign_id as campaign_reference,
        coalesce(leads_by_id.lead_id, lead_emails.lead_id) as lead_id,
        coalesce(contacts_by_id.contact_id, contact_emails.contact_id) as contact_id,
        case
            when leads_by_id.lead_id is not null or contacts_by_id.contact_id is not null then 'id'
            when lead_emails.lead_id is not null or contact_emails.contact_id is not null then 'email'
            else 'unmatched'
        end as match_method,
        touchpoints.last_loaded_at
    from touchpoints_to_build as touchpoints
    left join leads as leads_by_id on touchpoints.lead_id = leads_by_id.lead_id
    left join contacts as contacts_by_id on touchpoints.contact_id = contacts_by_id.contact_id
    left join lead_emails on touchpoints.email = lead_emails.email
    left join contact_emails on touchpoints.email = contact_emails.email
),

with_account_and_campaign as (
    select
        resolved_people.*,
        coalesce(contacts.account_id, leads.converted_account_id) as account_id,
        campaigns.campaign_id,
        coalesce(campaigns.channel, 'unknown') as channel
    from resolved_people
    left join contacts on resolved_people.contact_id = contacts.contact_id
    left join leads on resolved_people.lead_id = leads.lead_id
    left join campaigns on resolved_people.campaign_reference = campaigns.campaign_id
),

final as (
    select
        touchpoint_id,
        touch_type,
        occurred_at,
        campaign_reference,
        campaign_id,
        channel,
        lead_id,
        contact_id,
        account_id,
        match_method,
        match_method != 'unmatched' as is_matched,
        last_loaded_at
    from with_account_and_campaign
)

select * from final
