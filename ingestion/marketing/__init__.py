"""Marketing-automation extracts (JSON Lines)."""

from ingestion.contract import MARKETING_JSONL, Extract
from ingestion.contract import _c as c

SYSTEM = "marketing"

CAMPAIGNS = Extract(
    SYSTEM,
    "campaigns",
    "campaigns.jsonl",
    MARKETING_JSONL,
    (
        c("campaign_id", required=True),
        c("name", required=True),
        c(
            "channel",
            required=True,
            desc="email, webinar, paid_search, social, trade_fair, content.",
        ),
        c("status"),
        c("start_date", "date"),
        c("end_date", "date"),
        c("planned_budget", "decimal", desc="Budget planned when the campaign was approved."),
        c(
            "expected_revenue",
            "decimal",
            desc="Revenue the campaign was expected to bring in (plan).",
        ),
        c("currency", desc="Currency of budget and expected revenue."),
        c("updated_at", "timestamp", required=True),
    ),
    ("campaign_id",),
    "Campaigns with their plan figures.",
    modified_column="updated_at",
)

CAMPAIGN_MEMBERS = Extract(
    SYSTEM,
    "campaign_members",
    "campaign_members.jsonl",
    MARKETING_JSONL,
    (
        c("member_id", required=True),
        c("campaign_id", required=True),
        c("lead_id"),
        c("contact_id"),
        c("email"),
        c("member_status", desc="sent, responded, registered, attended."),
        c("added_at", "timestamp"),
        c("updated_at", "timestamp", required=True),
    ),
    ("member_id",),
    "Leads and contacts targeted by a campaign.",
    modified_column="updated_at",
)

TOUCHPOINTS = Extract(
    SYSTEM,
    "touchpoints",
    "touchpoints.jsonl",
    MARKETING_JSONL,
    (
        c("touchpoint_id", required=True),
        c(
            "touch_type",
            required=True,
            desc="email_click, form_fill, webinar, ad_click, trade_fair, download.",
        ),
        c("occurred_at", "timestamp", required=True),
        c("email", desc="E-mail address as captured (any case, may carry spaces)."),
        c("lead_id"),
        c("contact_id"),
        c("campaign_id"),
    ),
    ("touchpoint_id",),
    "Marketing interactions of known people.",
    modified_column="occurred_at",
)

EXTRACTS = (CAMPAIGNS, CAMPAIGN_MEMBERS, TOUCHPOINTS)
