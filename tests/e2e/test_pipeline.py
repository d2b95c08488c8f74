"""End to end: generate a small sample, run the whole pipeline as a user would (the CLI), and
check the marts against numbers recomputed here, independently, from the landing files."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ingestion.registry import ALL_EXTRACTS
from tests.cli_runs import ROOT, run_leadledger
from tests.e2e.checksums import relation_checksums

pytestmark = pytest.mark.e2e

SCALE = 0.05


def _sql(warehouse: Path, query: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(query).df()


# ------------------------------------------------------------------ independent reading


def _read_all(landing: Path, system: str, file_name: str) -> pd.DataFrame:
    frames = []
    for path in sorted((landing / system).glob(f"*/{file_name}")):
        if system == "finance":
            df = pd.read_csv(path, sep=";", encoding="cp1252", dtype=str, keep_default_na=False)
        elif system == "crm":
            df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        else:
            df = (
                pd.read_json(path, lines=True, dtype=False)
                if path.stat().st_size
                else pd.DataFrame()
            )
        df["drop"] = path.parent.name
        df["line"] = range(len(df))
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def _german_number(values: pd.Series) -> pd.Series:
    return values.str.replace(".", "", regex=False).str.replace(",", ".", regex=False).astype(float)


def _latest(df: pd.DataFrame, key: str, modified: str | None = None) -> pd.DataFrame:
    order = [c for c in (modified, "drop", "line") if c]
    return df.sort_values(order).groupby(key, as_index=False).tail(1)


def _eur_rates(landing: Path) -> pd.DataFrame:
    fx = _read_all(landing, "finance", "fx_rates.csv")
    fx = _latest(fx.assign(key=fx["Datum"] + fx["Waehrung"]), "key")
    fx = pd.DataFrame(
        {
            "rate_date": pd.to_datetime(fx["Datum"], format="%d.%m.%Y"),
            "currency": fx["Waehrung"].str.strip(),
            "per_eur": _german_number(fx["Kurs"]),
        }
    )
    return fx.sort_values("rate_date")


def _to_eur(
    frame: pd.DataFrame, date_col: str, amount_col: str, currency_col: str, rates: pd.DataFrame
) -> pd.Series:
    frame = frame.assign(_d=pd.to_datetime(frame[date_col]), _pos=range(len(frame))).sort_values(
        "_d"
    )
    foreign = frame[frame[currency_col] != "EUR"]
    merged = pd.merge_asof(
        foreign,
        rates.rename(columns={"currency": currency_col}),
        left_on="_d",
        right_on="rate_date",
        by=currency_col,
        direction="backward",
        tolerance=pd.Timedelta(days=7),
    )
    assert merged["per_eur"].notna().all(), "the sample must have FX rates for every booking date"
    eur = pd.Series(frame[amount_col].to_numpy(), index=frame["_pos"].to_numpy(), dtype=float)
    eur.loc[merged["_pos"].to_numpy()] = (
        merged[amount_col].to_numpy() / merged["per_eur"].to_numpy()
    )
    return eur.sort_index()


# ------------------------------------------------------------------ tests


def test_every_row_is_loaded_or_quarantined(pipeline: dict) -> None:
    manifest = _sql(pipeline["warehouse"], "select * from raw._load_manifest")
    assert (manifest.rows_read == manifest.rows_loaded + manifest.rows_quarantined).all()
    files = {
        p.relative_to(pipeline["landing"]).as_posix() for p in pipeline["landing"].glob("*/*/*")
    }
    assert set(manifest.source_file) == files
    for extract in ALL_EXTRACTS:
        counted = len(_read_all(pipeline["landing"], extract.system, extract.file_name))
        loaded = _sql(pipeline["warehouse"], f"select count(*) as n from raw.{extract.table}").n[0]
        quarantined = _sql(
            pipeline["warehouse"],
            f"select count(*) as n from raw._quarantine where raw_table = '{extract.table}'",
        ).n[0]
        assert counted == loaded + quarantined, extract.table


def test_won_revenue_per_campaign_matches_an_independent_computation(pipeline: dict) -> None:
    landing = pipeline["landing"]
    opps = _latest(_read_all(landing, "crm", "Opportunity.csv"), "Id", "SystemModstamp")
    won = opps[opps["IsWon"] == "1"].copy()
    won["Amount"] = won["Amount"].astype(float)
    won["eur"] = _to_eur(
        won, "CloseDate", "Amount", "CurrencyIsoCode", _eur_rates(landing)
    ).to_numpy()
    campaigns = set(_read_all(landing, "marketing", "campaigns.jsonl")["campaign_id"])
    won["campaign"] = won["CampaignId"].where(won["CampaignId"].isin(campaigns), "(none)")
    expected = won.groupby("campaign")["eur"].sum()

    report = _sql(
        pipeline["warehouse"],
        "select campaign_id, won_revenue, won_deals from marts.rpt_campaign_performance",
    )
    actual = report.set_index("campaign_id")["won_revenue"].astype(float)
    assert expected.sum() > 0
    assert actual.sum() == pytest.approx(expected.sum(), abs=0.01 * len(won))
    for campaign, value in expected.items():
        assert actual[campaign] == pytest.approx(value, abs=0.01 * len(won)), campaign
    assert (actual.drop(expected.index) == 0).all()
    deals = won.groupby("campaign").size()
    assert report.set_index("campaign_id")["won_deals"].loc[deals.index].tolist() == deals.tolist()


def test_campaign_cost_matches_finance_and_nothing_is_lost(pipeline: dict) -> None:
    landing = pipeline["landing"]
    costs = _latest(_read_all(landing, "finance", "campaign_costs.csv"), "Belegnummer")
    costs["amount"] = _german_number(costs["Betrag"])
    costs["Waehrung"] = costs["Waehrung"].str.strip()
    costs["date"] = pd.to_datetime(costs["Belegdatum"], format="%d.%m.%Y")
    costs["eur"] = _to_eur(costs, "date", "amount", "Waehrung", _eur_rates(landing)).to_numpy()
    campaigns = set(_read_all(landing, "marketing", "campaigns.jsonl")["campaign_id"])
    costs["campaign"] = costs["Kampagne"].where(costs["Kampagne"].isin(campaigns), "(none)")
    expected = costs.groupby("campaign")["eur"].sum()

    report = _sql(
        pipeline["warehouse"], "select campaign_id, actual_cost from marts.rpt_campaign_performance"
    )
    actual = report.set_index("campaign_id")["actual_cost"].astype(float)
    assert "(none)" in expected.index, "the sample should contain unassigned cost lines"
    assert actual.sum() == pytest.approx(costs["eur"].sum(), abs=0.01 * len(costs))
    for campaign, value in expected.items():
        assert actual[campaign] == pytest.approx(value, abs=0.01 * len(costs)), campaign


def test_the_answer_is_printed(pipeline: dict) -> None:
    out = pipeline["stdout"]
    assert "What did the campaigns bring in?" in out
    top = _sql(
        pipeline["warehouse"],
        "select campaign_name from marts.rpt_campaign_performance where not is_unassigned order by won_revenue desc limit 1",
    ).campaign_name[0]
    assert top in out


def _declared_unit_tests() -> int:
    """dbt unit tests declared in the project's YAML files, counted here from the files."""
    import yaml

    models = ROOT / "dbt_project" / "models"
    return sum(
        len((yaml.safe_load(path.read_text()) or {}).get("unit_tests") or [])
        for path in models.rglob("*.yml")
    )


def test_the_build_ran_every_dbt_unit_test(pipeline: dict) -> None:
    # The session build sets LEADLEDGER_DBT_UNIT_TESTS=1 (production runs skip them).
    finished = re.search(r"Finished running .*", pipeline["stdout"])
    assert finished, pipeline["stdout"][-3000:]
    ran = re.search(r"(\d+) unit tests?", finished.group(0))
    assert ran and int(ran.group(1)) == _declared_unit_tests() > 0, finished.group(0)


def test_running_again_changes_nothing(pipeline: dict) -> None:
    before_raw = _sql(pipeline["warehouse"], "select count(*) as n from raw.crm__opportunities").n[
        0
    ]
    before = relation_checksums(pipeline["warehouse"])
    run_leadledger(["run"], pipeline["env"])
    assert (
        _sql(pipeline["warehouse"], "select count(*) as n from raw.crm__opportunities").n[0]
        == before_raw
    )
    assert relation_checksums(pipeline["warehouse"]) == before


def test_first_touch_attribution_matches_an_independent_computation(pipeline: dict) -> None:
    landing = pipeline["landing"]
    leads = _latest(_read_all(landing, "crm", "Lead.csv"), "Id", "SystemModstamp")
    contacts = _latest(_read_all(landing, "crm", "Contact.csv"), "Id", "SystemModstamp")
    touches = _latest(_read_all(landing, "marketing", "touchpoints.jsonl"), "touchpoint_id")
    campaigns = set(_read_all(landing, "marketing", "campaigns.jsonl")["campaign_id"])
    opps = _latest(_read_all(landing, "crm", "Opportunity.csv"), "Id", "SystemModstamp")

    def first_by_email(frame: pd.DataFrame) -> dict[str, str]:
        frame = frame.assign(email=frame["Email"].str.strip().str.lower()).query("email != ''")
        return (
            frame.sort_values(["CreatedDate", "Id"])
            .drop_duplicates("email")
            .set_index("email")["Id"]
            .to_dict()
        )

    lead_ids, contact_ids = set(leads["Id"]), set(contacts["Id"])
    touches["email_norm"] = touches["email"].fillna("").str.strip().str.lower()
    touches["lead"] = touches["lead_id"].where(
        touches["lead_id"].isin(lead_ids), touches["email_norm"].map(first_by_email(leads))
    )
    touches["contact"] = touches["contact_id"].where(
        touches["contact_id"].isin(contact_ids), touches["email_norm"].map(first_by_email(contacts))
    )
    touches["at"] = pd.to_datetime(touches["occurred_at"], utc=True).dt.tz_localize(None)
    account_of_contact = contacts.set_index("Id")["AccountId"]

    won = opps[opps["IsWon"] == "1"].copy()
    won["Amount"] = won["Amount"].astype(float)
    won["eur"] = _to_eur(
        won, "CloseDate", "Amount", "CurrencyIsoCode", _eur_rates(landing)
    ).to_numpy()
    expected: dict[str, float] = {}
    for opp in won.itertuples():
        close = pd.Timestamp(opp.CloseDate)  # touches on that day and the 365 days before it
        end, start = close + pd.Timedelta(days=1), close - pd.Timedelta(days=365)
        mine = touches[
            ((touches["lead"] == opp.Lead_Id__c) & (opp.Lead_Id__c != ""))
            | (touches["contact"].map(account_of_contact) == opp.AccountId)
        ]
        mine = mine[(mine["at"] < end) & (mine["at"] >= start)]
        if mine.empty:
            key = "(unattributed)"
        else:
            first = mine.sort_values(["at", "touchpoint_id"]).iloc[0]
            key = first["campaign_id"] if first["campaign_id"] in campaigns else "(no campaign)"
        expected[key] = expected.get(key, 0.0) + opp.eur

    report = (
        _sql(
            pipeline["warehouse"],
            "select campaign_id, attributed_won_revenue from marts.rpt_campaign_roi where attribution_model = 'first_touch'",
        )
        .set_index("campaign_id")["attributed_won_revenue"]
        .astype(float)
    )
    assert report.sum() == pytest.approx(won["eur"].sum(), abs=0.01 * len(won))
    for key, value in expected.items():
        assert report[key] == pytest.approx(value, abs=0.01 * len(won)), key
    assert report.drop(list(expected)).abs().sum() == pytest.approx(0.0, abs=0.01)


def test_campaign_command_answers_under_every_model(pipeline: dict) -> None:
    top = _sql(
        pipeline["warehouse"],
        "select campaign_id from marts.rpt_campaign_roi where attribution_model = 'linear' and not is_pseudo_campaign "
        "order by attributed_won_revenue desc limit 1",
    ).campaign_id[0]
    result = run_leadledger(["campaign", top], pipeline["env"])
    for model in (
        "first_touch",
        "lead_creation",
        "last_touch",
        "linear",
        "u_shaped",
        "w_shaped",
        "full_path",
        "time_decay",
        "markov",
        "shapley",
    ):
        assert model in result.stdout
    missing = run_leadledger(
        ["campaign", "no such campaign anywhere"], pipeline["env"], check=False
    )
    assert missing.returncode == 1 and "No campaign matches" in missing.stdout
