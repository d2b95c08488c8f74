"""Partial sources end to end: the pipeline builds, checks and publishes with only some
extracts, and says which answers are unavailable and why.

Two sources, one pipeline run each (shared by the tests of each):
- only a CRM (the sample's crm/ folder: no marketing automation, no finance);
- only two spreadsheets, leads and won deals, mapped with mappings/leads_and_won_deals.yml:
  the lead-only funnel (conversion by origin and channel, time to win, wins per rep).
Numbers are recomputed here from the files the pipeline was given.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ingestion.sample.generator import generate
from tests.cli_runs import ROOT, leadledger_env, run_leadledger

pytestmark = pytest.mark.e2e

SCALE = 0.02


def _run(args: list[str], root: Path) -> subprocess.CompletedProcess:
    return run_leadledger(args, leadledger_env(root))


def _sql(warehouse: Path, query: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(query).df()


def _latest(landing: Path, file_name: str) -> pd.DataFrame:
    """Every record of a CRM extract over all drops, in its latest version."""
    frames = [
        pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig").assign(
            _drop=path.parent.name
        )
        for path in sorted((landing / "crm").glob(f"*/{file_name}"))
    ]
    data = pd.concat(frames, ignore_index=True)
    return data.sort_values(["SystemModstamp", "_drop"]).drop_duplicates("Id", keep="last")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    landing = tmp_path_factory.mktemp("sample") / "landing"
    generate(landing, scale=SCALE, seed=11, mess_rate=0.0)
    return landing


# --------------------------------------------------------------------------- only a CRM


@pytest.fixture(scope="module")
def crm_only(sample: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("crm_only")
    landing = root / "landing"
    shutil.copytree(sample / "crm", landing / "crm")
    warehouse = root / "warehouse" / "crm.duckdb"
    run = _run(["run", "--landing", str(landing), "--warehouse", str(warehouse)], root)
    return {
        "landing": landing,
        "published": warehouse.parent / "published" / "leadledger.duckdb",
        "warehouse": warehouse,
        "stdout": run.stdout,
    }


def test_crm_only_builds_publishes_and_names_the_unavailable_answers(crm_only):
    published = crm_only["published"]
    assert published.exists()
    answers = _sql(published, "select * from marts.rpt_answer_availability").set_index("answer_id")
    assert not answers.loc["campaign_roi", "is_available"]
    assert "finance__campaign_costs" in answers.loc["campaign_roi", "missing_required"]
    assert not answers.loc["attribution", "is_available"]
    assert not answers.loc["reporting_currency", "is_available"]
    assert answers.loc["lead_funnel", "is_available"]
    assert answers.loc["deals", "is_available"] and answers.loc["deals", "is_complete"]
    extracts = _sql(published, "select * from marts.rpt_data_availability").set_index("raw_table")
    assert extracts.loc[extracts["source_system"] == "crm", "is_delivered"].all()
    assert not extracts.loc[extracts["source_system"] != "crm", "is_delivered"].any()
    stdout = crm_only["stdout"]
    assert "Unavailable with the extracts delivered" in stdout
    assert "Campaign cost, plan and ROI" in stdout
    # A production run (LEADLEDGER_DBT_UNIT_TESTS unset) builds and tests the data but skips
    # dbt's unit tests.
    finished = [line for line in stdout.splitlines() if "Finished running" in line]
    assert finished and all("data tests" in f and "unit test" not in f for f in finished)


def test_crm_only_without_fx_rates_converts_only_the_reporting_currency(crm_only):
    opportunities = _latest(crm_only["landing"], "Opportunity.csv")
    deals = _sql(
        crm_only["published"],
        "select opportunity_id, currency_code, amount, amount_reporting from marts.fct_opportunities",
    ).set_index("opportunity_id")
    assert set(deals.index) == set(opportunities["Id"])
    in_eur = deals["currency_code"] == "EUR"
    assert in_eur.any() and (~in_eur).any()
    converted = deals[in_eur & deals["amount"].notna()]
    assert (converted["amount_reporting"] == converted["amount"]).all()
    assert deals.loc[~in_eur, "amount_reporting"].isna().all()


# --------------------------------------------------------------------------- leads + won deals


@pytest.fixture(scope="module")
def sheets(sample: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The sample's leads and won deals as two spreadsheets (CSV), run through the mapping."""
    root = tmp_path_factory.mktemp("sheets")
    folder = root / "sheets"
    folder.mkdir()
    leads = _latest(sample, "Lead.csv")
    lead_sheet = pd.DataFrame(
        {
            "Lead ID": leads["Id"],
            "Source": leads["LeadSource"],
            "Origin": leads["Lead_Origin__c"],
            "First Contact": pd.to_datetime(leads["CreatedDate"], format="ISO8601").dt.strftime(
                "%d.%m.%Y"
            ),
            "Owner": leads["OwnerId"],
        }
    )
    lead_sheet.to_csv(folder / "leads.csv", sep=";", index=False)
    deals = _latest(sample, "Opportunity.csv")
    won = deals[deals["IsWon"].isin(["1", "true"])]
    deal_sheet = pd.DataFrame(
        {
            "Deal ID": won["Id"],
            "Lead ID": won["Lead_Id__c"],
            "Won On": pd.to_datetime(won["CloseDate"]).dt.strftime("%d.%m.%Y"),
            "Rep": won["OwnerId"],
            "Amount": won["Amount"],
            "Currency": won["CurrencyIsoCode"],
        }
    )
    deal_sheet.to_csv(folder / "won_deals.csv", sep=";", index=False)
    warehouse = root / "warehouse" / "leadledger.duckdb"
    run = _run(
        [
            "run",
            "--mapping",
            "mappings/leads_and_won_deals.yml",
            "--landing",
            str(folder),
            "--warehouse",
            str(warehouse),
        ],
        root,
    )
    return {
        "leads": lead_sheet,
        "deals": deal_sheet,
        "published": warehouse.parent / "published" / "leadledger.duckdb",
        "stdout": run.stdout,
    }


def test_conversion_by_origin_and_channel(sheets):
    seed = pd.read_csv(ROOT / "dbt_project" / "seeds" / "lead_source_channels.csv")
    channel_of = dict(zip(seed["lead_source"].str.lower(), seed["channel"], strict=True))
    leads = sheets["leads"].assign(
        lead_origin=sheets["leads"]["Origin"].str.lower(),
        channel=sheets["leads"]["Source"].str.lower().map(channel_of).fillna("other"),
    )
    won_leads = set(sheets["deals"]["Lead ID"].dropna()) - {""}
    leads["won"] = leads["Lead ID"].isin(won_leads).astype(int)
    expected = leads.groupby(["lead_origin", "channel"]).agg(
        entered=("Lead ID", "size"), won=("won", "sum")
    )
    funnel = _sql(
        sheets["published"],
        """
        select lead_origin, channel, sum(cycles_entered) as entered, sum(won) as won
        from marts.rpt_funnel_conversion group by lead_origin, channel
        """,
    ).set_index(["lead_origin", "channel"])
    assert funnel.astype(int).sort_index().equals(expected.astype(int).sort_index())
    assert expected["won"].sum() > 5


def test_time_to_win(sheets):
    deals = sheets["deals"].dropna(subset=["Lead ID"])
    deals = deals.assign(won_on=pd.to_datetime(deals["Won On"], format="%d.%m.%Y"))
    first_win = deals.groupby("Lead ID")["won_on"].min()
    contact = pd.to_datetime(
        sheets["leads"].set_index("Lead ID")["First Contact"], format="%d.%m.%Y"
    )
    expected = (first_win - contact.reindex(first_win.index)).dt.days
    expected = expected[expected >= 0].sort_index()
    actual = _sql(
        sheets["published"],
        "select lead_id, days_to_first_win from marts.fct_leads where days_to_first_win is not null",
    ).set_index("lead_id")["days_to_first_win"]
    assert actual.sort_index().astype(int).to_dict() == expected.astype(int).to_dict()


def test_wins_per_rep(sheets):
    expected = sheets["deals"].groupby("Rep").size()
    actual = _sql(
        sheets["published"],
        """
        select breakdown_key as rep, sum(won_deals) as won
        from marts.rpt_sales_kpis_monthly where breakdown = 'rep'
        group by breakdown_key having sum(won_deals) > 0
        """,
    ).set_index("rep")["won"]
    assert actual.astype(int).sort_index().to_dict() == expected.sort_index().to_dict()


def test_the_lead_only_source_reports_what_it_cannot_answer(sheets):
    answers = _sql(sheets["published"], "select * from marts.rpt_answer_availability").set_index(
        "answer_id"
    )
    assert answers.loc["lead_funnel", "is_available"]
    assert answers.loc["deals", "is_available"]
    for unavailable in ("campaign_roi", "attribution", "revenue", "rep_capacity", "lead_response"):
        assert not answers.loc[unavailable, "is_available"], unavailable
    assert "Unavailable with the extracts delivered" in sheets["stdout"]
    assert "Lead response time" in sheets["stdout"]
