"""End to end: the lead funnel marts against an independent pandas reading of the landing files.

The lifecycle is rebuilt here from LeadHistory.csv (status rows, re-deliveries and duplicate
changes collapsed, ordered by time), split into cycles (a lead that comes back after Recycled
or Disqualified, or re-enters as MQL / SGL from a later stage, starts a new cycle), and each
cycle is matched to the opportunities created in it (Opportunity.csv, Lead_Id__c)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.e2e.test_pipeline import _latest, _read_all, _sql

pytestmark = pytest.mark.e2e

SCALE = 0.05
STAGE_RANK = {"mql": 1, "sgl": 1, "sal": 2, "sql": 3, "converted": 4}
EXITS = {"recycled", "disqualified"}
COUNTS = [
    "cycles_entered",
    "new_leads",
    "reached_sal",
    "sal_skipped",
    "reached_sql",
    "converted",
    "won",
    "recycled",
    "disqualified",
]


# ------------------------------------------------------------------ independent computation


def _timestamps(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=True).dt.tz_convert(None)


def _status_entries(landing: Path) -> pd.DataFrame:
    """One row per lead and status stay, in order, with its cycle number."""
    history = _latest(_read_all(landing, "crm", "LeadHistory.csv"), "Id", "CreatedDate")
    history = history[history["Field"].str.strip().str.lower() == "status"].copy()
    history["status"] = history["NewValue"].str.strip().str.lower()
    history["at"] = _timestamps(history["CreatedDate"])
    history = history[history["status"] != ""]
    history = history.drop_duplicates(["LeadId", "status", "at"])
    history = history.sort_values(["LeadId", "at", "Id"])
    repeated = (history["LeadId"] == history["LeadId"].shift()) & (
        history["status"] == history["status"].shift()
    )
    entries = history[~repeated].reset_index(drop=True)
    unknown = set(entries["status"]) - set(STAGE_RANK) - EXITS
    assert not unknown, f"statuses this test does not know: {unknown}"

    cycles: list[int] = []
    previous_lead, previous_status, cycle = None, None, 0
    for lead, status in zip(entries["LeadId"], entries["status"], strict=True):
        if lead != previous_lead:
            cycle = 1
        elif (previous_status in EXITS and status not in EXITS) or (
            STAGE_RANK.get(status) == 1 and STAGE_RANK.get(previous_status, 0) > 1
        ):
            cycle += 1
        cycles.append(cycle)
        previous_lead, previous_status = lead, status
    entries["cycle"] = cycles
    entries["rank"] = entries["status"].map(STAGE_RANK)
    return entries


def _cycles(landing: Path) -> pd.DataFrame:
    """One row per lead cycle: cohort month, stages reached, outcome; with the lead's origin."""
    entries = _status_entries(landing)
    entries["previous"] = entries.groupby("LeadId")["status"].shift()
    entries["next"] = entries.groupby("LeadId")["status"].shift(-1)
    entries["next_cycle"] = entries.groupby("LeadId")["cycle"].shift(-1)
    left_to_marketing = (entries["next"] == "recycled") | (
        entries["next_cycle"].gt(entries["cycle"]) & ~entries["status"].isin(EXITS)
    )
    entries["left_to_marketing"] = left_to_marketing
    cycles = (
        entries.groupby(["LeadId", "cycle"])
        .agg(
            started=("at", "min"),
            max_rank=("rank", "max"),
            had_sal=("status", lambda s: (s == "sal").any()),
            recycled=("left_to_marketing", "any"),
            disqualified=("status", lambda s: (s == "disqualified").any()),
        )
        .reset_index()
    )
    cycles["next_start"] = cycles.groupby("LeadId")["started"].shift(-1)

    opportunities = _latest(_read_all(landing, "crm", "Opportunity.csv"), "Id", "SystemModstamp")
    opportunities = opportunities[opportunities["Lead_Id__c"].str.strip() != ""].copy()
    opportunities["created"] = _timestamps(opportunities["CreatedDate"])
    opportunities["won"] = opportunities["IsWon"] == "1"
    matched = cycles.merge(opportunities, left_on="LeadId", right_on="Lead_Id__c")
    matched = matched[
        ((matched["cycle"] == 1) | (matched["created"] >= matched["started"]))
        & (matched["next_start"].isna() | (matched["created"] < matched["next_start"]))
    ]
    per_cycle = matched.groupby(["LeadId", "cycle"]).agg(
        opportunities=("Id", "count"), won_deals=("won", "sum")
    )
    cycles = cycles.merge(per_cycle, on=["LeadId", "cycle"], how="left").fillna(
        {"opportunities": 0, "won_deals": 0}
    )
    has_opportunity = cycles["opportunities"] > 0
    cycles["reached_sal"] = (cycles["max_rank"] >= 2) | has_opportunity
    cycles["reached_sql"] = (cycles["max_rank"] >= 3) | has_opportunity
    cycles["converted"] = (cycles["max_rank"] >= 4) | has_opportunity
    cycles["sal_skipped"] = (cycles["max_rank"] >= 3) & ~cycles["had_sal"]
    cycles["won"] = cycles["won_deals"] > 0
    cycles["new_leads"] = cycles["cycle"] == 1
    cycles["cycles_entered"] = True
    cycles["cohort_month"] = cycles["started"].dt.to_period("M").dt.to_timestamp()

    leads = _latest(_read_all(landing, "crm", "Lead.csv"), "Id", "SystemModstamp")
    origin = leads["Lead_Origin__c"].str.strip().str.lower()
    leads["lead_origin"] = origin.map(
        lambda value: (
            "sales"
            if value.startswith("sales")
            else "marketing"
            if value.startswith("marketing")
            else "unknown"
        )
    )
    assert len(leads) == leads["Id"].nunique()
    return cycles.merge(leads[["Id", "lead_origin"]], left_on="LeadId", right_on="Id")


# ------------------------------------------------------------------ tests


def test_funnel_counts_match_an_independent_computation(pipeline: dict) -> None:
    cycles = _cycles(pipeline["landing"])
    expected = cycles.groupby(["cohort_month", "lead_origin"])[COUNTS].sum().astype(int)
    assert expected["cycles_entered"].sum() > expected["new_leads"].sum() > 100, (
        "the sample should hold enough leads, some of them recycled back into the funnel"
    )
    assert expected["sal_skipped"].sum() > 0, "the sample should contain skipped stages"
    assert expected["won"].sum() > 0

    sums = ", ".join(f"sum({column}) as {column}" for column in COUNTS)
    report = _sql(
        pipeline["warehouse"],
        f"select cohort_month, lead_origin, {sums} from marts.rpt_funnel_conversion "
        "group by cohort_month, lead_origin",
    )
    report["cohort_month"] = pd.to_datetime(report["cohort_month"])
    actual = report.set_index(["cohort_month", "lead_origin"])[COUNTS].astype(int)
    pd.testing.assert_frame_equal(
        actual.sort_index(), expected.sort_index(), check_names=False, check_dtype=False
    )


def test_every_lead_is_in_fct_leads_with_its_cycles(pipeline: dict) -> None:
    cycles = _cycles(pipeline["landing"])
    expected = cycles.groupby("LeadId")["cycle"].max()
    leads = _sql(pipeline["warehouse"], "select lead_id, cycles, recycles from marts.fct_leads")
    actual = leads.set_index("lead_id")["cycles"]
    assert actual.index.is_unique
    assert set(actual.index) == set(expected.index)
    pd.testing.assert_series_equal(
        actual.sort_index().astype(int), expected.sort_index().astype(int), check_names=False
    )
    assert leads["recycles"].sum() == cycles["recycled"].sum()


def test_response_shares_add_up_and_never_touched_handovers_exist(pipeline: dict) -> None:
    shares = _sql(
        pipeline["warehouse"],
        "select rep_id, handover_month, sum(share_of_handovers) as total, "
        "sum(handovers) as handovers, max(rep_month_handovers) as rep_month_handovers "
        "from marts.rpt_lead_response group by rep_id, handover_month",
    )
    assert (shares["total"] - 1).abs().max() < 1e-9
    assert (shares["handovers"] == shares["rep_month_handovers"]).all()
    cycles = _cycles(pipeline["landing"])
    handovers = cycles["max_rank"] >= 2
    assert shares["handovers"].sum() == handovers.sum()
    # A lead no task or event was ever logged on was never touched after any of its handovers:
    # those handovers are at least part of the 'never' bucket.
    touched = pd.concat(
        _read_all(pipeline["landing"], "crm", name)["WhoId"].str.strip()
        for name in ("Task.csv", "Event.csv")
    )
    untouched = (handovers & ~cycles["LeadId"].isin(set(touched))).sum()
    assert untouched > 0, "the sample should hand over leads nobody ever contacts"
    never = _sql(
        pipeline["warehouse"],
        "select sum(handovers) as n from marts.rpt_lead_response where response_bucket = 'never'",
    )["n"][0]
    assert untouched <= never < handovers.sum()


def test_the_funnel_summary_is_printed_after_the_campaign_table(pipeline: dict) -> None:
    out = pipeline["stdout"]
    reporting_date = max(
        pd.Timestamp(path.name) for path in (pipeline["landing"] / "crm").iterdir()
    )
    quarter = (reporting_date - pd.DateOffset(days=1)).to_period("Q")
    if reporting_date == quarter.end_time.normalize() + pd.Timedelta(days=1):
        last_complete = quarter
    else:
        last_complete = quarter - 1
    title = f"The funnel: leads that entered in Q{last_complete.quarter} {last_complete.year}"
    assert title in out
    assert out.index("What did the campaigns bring in?") < out.index(title)
    next_month = (reporting_date - pd.DateOffset(days=1)).to_period("M") + 1
    assert f"Sales capacity in {next_month.strftime('%B %Y')}" in out


def test_campaign_mqls_and_sqls_are_the_funnels(pipeline: dict) -> None:
    """Cost per MQL / SQL divides by the leads a campaign generated that ever became MQL / SQL,
    read as the funnel reads them: every status in the history (values compared ignoring case
    and spaces), and the status a lead was created in (the first change's old value, or the
    lead's status when it has no history)."""
    landing = pipeline["landing"]
    history = _latest(_read_all(landing, "crm", "LeadHistory.csv"), "Id", "CreatedDate")
    history = history[history["Field"].str.strip().str.lower() == "status"].copy()
    history["at"] = _timestamps(history["CreatedDate"])
    history = history.sort_values(["LeadId", "at", "Id"])
    leads = _latest(_read_all(landing, "crm", "Lead.csv"), "Id", "SystemModstamp").set_index("Id")
    leads["created"] = _timestamps(leads["CreatedDate"])

    statuses: dict[str, set[str]] = {
        lead: set(values.str.strip().str.lower())
        for lead, values in history.groupby("LeadId")["NewValue"]
    }
    first = history.groupby("LeadId").head(1).set_index("LeadId")
    for lead, row in leads.iterrows():
        if lead not in first.index:
            statuses.setdefault(lead, set()).add(row["Status"].strip().lower())
        elif first.loc[lead, "OldValue"].strip() and row["created"] <= first.loc[lead, "at"]:
            statuses[lead].add(first.loc[lead, "OldValue"].strip().lower())

    leads["campaign"] = leads["Primary_Campaign__c"].str.strip()
    leads = leads[leads["campaign"] != ""]
    reached = leads.index.map(lambda lead: statuses.get(lead, set()))
    expected = (
        pd.DataFrame(
            {
                "campaign_id": leads["campaign"],
                "mqls": [int("mql" in s) for s in reached],
                "sqls": [int("sql" in s) for s in reached],
            }
        )
        .groupby("campaign_id")[["mqls", "sqls"]]
        .sum()
    )
    assert expected["mqls"].sum() > 0 and expected["sqls"].sum() > 0

    actual = _sql(
        pipeline["warehouse"],
        "select campaign_id, max(mqls) as mqls, max(sqls) as sqls from marts.rpt_campaign_roi "
        "where mqls is not null group by campaign_id",
    ).set_index("campaign_id")
    pd.testing.assert_frame_equal(
        actual.loc[expected.index].astype(int), expected.astype(int), check_names=False
    )
