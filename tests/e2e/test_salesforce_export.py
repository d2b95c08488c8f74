"""The Salesforce demo export end to end: `leadledger run --mapping mappings/salesforce.yml`
on the export folder as it is (read-only), one run shared by every test; the published marts
are checked against counts made here, independently, from the export's own CSV files."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.cli_runs import ROOT, leadledger_env, run_leadledger

pytestmark = pytest.mark.e2e

EXPORT = ROOT / "tests" / "fixtures" / "salesforce_demo_export"


def _raw(name: str) -> pd.DataFrame:
    return pd.read_csv(
        EXPORT / "data" / name, dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )


def _sql(warehouse: Path, query: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(query).df()


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    if not EXPORT.exists():
        pytest.skip(f"the Salesforce demo export is not at {EXPORT}")
    root = tmp_path_factory.mktemp("salesforce")
    warehouse = root / "warehouse" / "leadledger.duckdb"
    command = ["run", "--mapping", "mappings/salesforce.yml", "--landing", str(EXPORT)]
    result = run_leadledger([*command, "--warehouse", str(warehouse)], leadledger_env(root))
    return {
        "warehouse": warehouse,
        "published": warehouse.parent / "published" / "leadledger.duckdb",
        "landing": warehouse.parent / "mapped" / "salesforce",
        "stdout": result.stdout,
    }


def test_won_opportunities_and_their_amount(run):
    raw = _raw("Opportunity.csv")
    won = raw[raw["IsWon"] == "1"]
    expected_amount = sum(Decimal(a) for a in won["Amount"])
    marts = _sql(
        run["published"],
        "select count(*) as deals, sum(amount_reporting) as amount, count(*) filter (where is_closed)"
        " as closed from marts.fct_opportunities where is_won",
    ).iloc[0]
    assert int(marts["deals"]) == len(won) == 12
    # One currency (the mapping's default, the reporting currency): converted at 1, to the cent.
    assert Decimal(str(marts["amount"])).quantize(Decimal("0.01")) == expected_amount
    everything = _sql(
        run["published"], "select outcome, count(*) as n from marts.fct_opportunities group by 1"
    )
    outcomes = dict(zip(everything["outcome"], everything["n"], strict=True))
    closed_lost = ((raw["IsClosed"] == "1") & (raw["IsWon"] != "1")).sum()
    assert outcomes == {
        "won": len(won),
        "lost": closed_lost,
        "open": len(raw) - len(won) - closed_lost,
    }


def test_leads_per_status(run):
    raw = _raw("Lead.csv")
    statuses = raw["Status"].value_counts().to_dict()
    # New leads are MQLs, or SGLs when sales generated them (cold call, referral).
    new = raw[raw["Status"] == "New"]
    sales_generated = new["LeadSource"].isin(["Cold Call", "Referral"]).sum()
    leads = _sql(
        run["published"], "select lead_status, count(*) as n from marts.fct_leads group by 1"
    )
    actual = dict(zip(leads["lead_status"], leads["n"], strict=True))
    assert actual == {
        "SQL": statuses["Qualified"],
        "SAL": statuses["Working"],
        "SGL": sales_generated,
        "MQL": statuses["New"] - sales_generated,
    }


def test_the_funnel_is_rebuilt_from_the_leads_current_status(run):
    raw = _raw("Lead.csv")
    funnel = _sql(
        run["published"],
        "select sum(cycles_entered) as entered, sum(reached_sal) as sal, sum(reached_sql) as sql,"
        " sum(mql_entries) as mql, sum(sgl_entries) as sgl from marts.rpt_funnel_conversion",
    ).iloc[0]
    assert int(funnel["entered"]) == len(raw)
    assert int(funnel["sql"]) == (raw["Status"] == "Qualified").sum()
    assert int(funnel["sal"]) == raw["Status"].isin(["Working", "Qualified"]).sum()
    sales = raw["LeadSource"].isin(["Cold Call", "Referral"]).sum()
    assert (int(funnel["mql"]), int(funnel["sgl"])) == (len(raw) - sales, sales)


def test_campaign_membership_counts_as_touchpoints(run):
    members = _raw("CampaignMember.csv")
    touches = _sql(
        run["warehouse"],
        "select campaign_id, count(*) as n from intermediate.int_touchpoints_unified group by 1",
    )
    assert dict(zip(touches["campaign_id"], touches["n"], strict=True)) == (
        members["CampaignId"].value_counts().to_dict()
    )
    campaigns = _sql(run["published"], "select count(*) as n from marts.dim_campaigns").iloc[0]
    assert int(campaigns["n"]) == len(_raw("Campaign.csv"))


def test_nothing_lost_between_the_export_and_the_raw_tables(run):
    report = json.loads(next((run["landing"] / ".mapping").glob("*.report.json")).read_text())
    assert all(f["reconciles"] for f in report["files"])
    assert {f["source_file"]: f["rows_rejected"] for f in report["files"]}["data/Lead.csv"] == 0
    manifest = _sql(
        run["warehouse"],
        "select raw_table, rows_read, rows_loaded, rows_quarantined from raw._load_manifest",
    ).set_index("raw_table")
    assert (manifest["rows_read"] == manifest["rows_loaded"] + manifest["rows_quarantined"]).all()
    assert manifest.loc["crm__leads", "rows_loaded"] == len(_raw("Lead.csv"))
    assert manifest.loc["crm__opportunities", "rows_loaded"] == len(_raw("Opportunity.csv"))


def test_the_run_says_which_answers_the_export_cannot_give(run):
    answers = _sql(run["published"], "select * from marts.rpt_answer_availability").set_index(
        "answer_id"
    )
    assert answers.loc["lead_funnel", "is_available"]
    assert answers.loc["deals", "is_available"]
    assert not answers.loc["revenue", "is_available"]
    assert not answers.loc["campaign_roi", "is_available"]
    stdout = run["stdout"]
    extract_files = [
        p
        for p in run["landing"].rglob("*")
        if p.is_file()
        and not p.name.startswith(".")
        and ".mapping" not in p.relative_to(run["landing"]).parts
    ]
    assert f"Wrote {len(extract_files)} extract files" in stdout
    assert "Unavailable with the extracts delivered" in stdout
    assert "no cost lines: cost, ROI, ROAS and cost per lead unknown" in stdout
