"""End to end: cost-to-serve, ABC segments and activity cost against an independent pandas
computation from the landing files (extracts) and the rate configuration (seed)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.e2e.test_pipeline import (
    _eur_rates,
    _german_number,
    _latest,
    _read_all,
    _sql,
    _to_eur,
)

pytestmark = pytest.mark.e2e

RATES_SEED = Path(__file__).parents[2] / "dbt_project" / "seeds" / "activity_rates.csv"
# The defaults of dbt_project.yml (issue 6 section).
A_SHARE, B_SHARE, TRAILING_MONTHS = 0.80, 0.95, 12


def _reporting_date(landing: Path) -> pd.Timestamp:
    """The as-of date: the latest extract (drop folder) loaded."""
    return max(pd.Timestamp(p.name) for p in landing.glob("*/*") if p.is_dir())


def _rate_for(rates: pd.DataFrame, activity_type: str, territory: str, role: str) -> pd.Series:
    """Most specific seed row: a named territory outranks a named role, '*' matches anything."""
    candidates = rates[
        (rates["activity_type"] == activity_type)
        & rates["territory"].isin([territory, "*"])
        & rates["sales_role"].isin([role, "*"])
    ]
    specificity = (candidates["territory"] != "*") * 2 + (candidates["sales_role"] != "*")
    return candidates.loc[specificity.idxmax()]


def _role(sales_role: str) -> str:
    lowered = sales_role.lower()
    return "field" if "field" in lowered else "inside" if "inside" in lowered else "other"


@pytest.fixture(scope="module")
def expected(pipeline: dict) -> dict:
    landing = pipeline["landing"]
    as_of = _reporting_date(landing)
    fx = _eur_rates(landing)

    users = _latest(_read_all(landing, "crm", "User.csv"), "Id", "SystemModstamp")
    rep_role = dict(zip(users["Id"], users["Sales_Role__c"].map(_role), strict=True))
    rep_territory = dict(zip(users["Id"], users["Territory__c"], strict=True))
    accounts = _latest(_read_all(landing, "crm", "Account.csv"), "Id", "SystemModstamp")
    account_territory = dict(zip(accounts["Id"], accounts["Territory__c"], strict=True))
    opps = _latest(_read_all(landing, "crm", "Opportunity.csv"), "Id", "SystemModstamp")
    opp_account = dict(zip(opps["Id"], opps["AccountId"], strict=True))

    # ---- activities: one row per task / event, latest delivery
    tasks = _latest(_read_all(landing, "crm", "Task.csv"), "Id", "SystemModstamp")
    events = _latest(_read_all(landing, "crm", "Event.csv"), "Id", "SystemModstamp")
    activities = pd.concat(
        [
            pd.DataFrame(
                {
                    "id": tasks["Id"],
                    "type": tasks["TaskSubtype"].map({"Call": "phone_call", "Email": "email"}),
                    "owner": tasks["OwnerId"],
                    "account": tasks["AccountId"],
                    "what": tasks["WhatId"],
                    "date": pd.to_datetime(
                        tasks["ActivityDate"].where(
                            tasks["ActivityDate"] != "", tasks["CreatedDate"].str[:10]
                        )
                    ),
                    "done": tasks["Status"].str.strip().str.lower().isin(["completed", ""]),
                }
            ),
            pd.DataFrame(
                {
                    "id": events["Id"],
                    "type": events["Type"].map(
                        {"Field Visit": "field_visit", "Video Meeting": "video_meeting"}
                    ),
                    "owner": events["OwnerId"],
                    "account": events["AccountId"],
                    "what": events["WhatId"],
                    "date": pd.to_datetime(events["StartDateTime"].str[:10]),
                    "done": True,
                }
            ),
        ],
        ignore_index=True,
    )
    assert activities["type"].notna().all(), "the sample has only the four activity types"
    activities["account"] = activities["account"].where(
        activities["account"] != "", activities["what"].map(opp_account).fillna("")
    )
    activities["completed"] = activities["done"] & (activities["date"] <= as_of)
    rep_terr = activities["owner"].map(rep_territory)
    acc_terr = activities["account"].map(account_territory)
    territory = rep_terr.where(rep_terr.fillna("") != "", acc_terr)
    territory = territory.where(territory.fillna("") != "", "*")
    role = activities["owner"].map(rep_role).fillna("*")
    rates = pd.read_csv(RATES_SEED, dtype=str, keep_default_na=False)
    rates["rate_amount"] = rates["rate_amount"].astype(float)
    picked = [
        _rate_for(rates, t, terr, r)
        for t, terr, r in zip(activities["type"], territory, role, strict=True)
    ]
    activities["rate"] = [p["rate_amount"] for p in picked]
    activities["rate_currency"] = [p["currency_code"] for p in picked]
    # rates are configuration: days outside the FX extract take its first / last rate
    activities["fx_date"] = activities["date"].clip(fx["rate_date"].min(), fx["rate_date"].max())
    activities["cost"] = _to_eur(activities, "fx_date", "rate", "rate_currency", fx).to_numpy()

    # ---- revenue: invoices up to the reporting date, EUR at the invoice date
    invoices = _latest(_read_all(landing, "finance", "revenue_bookings.csv"), "Rechnungsnummer")
    invoices = pd.DataFrame(
        {
            "account": invoices["Kunde"].str.strip(),
            "date": pd.to_datetime(invoices["Rechnungsdatum"], format="%d.%m.%Y"),
            "revenue": _german_number(invoices["Umsatz"]),
            "cost_of_sales": _german_number(invoices["Herstellkosten"].replace("", "0")),
            "currency": invoices["Waehrung"].str.strip(),
        }
    )
    invoices = invoices[invoices["date"] <= as_of].reset_index(drop=True)
    invoices["revenue_eur"] = _to_eur(invoices, "date", "revenue", "currency", fx).to_numpy()
    invoices["cos_eur"] = _to_eur(invoices, "date", "cost_of_sales", "currency", fx).to_numpy()

    # ---- current ABC segment: revenue of the trailing 12 months up to the reporting date
    window_start = as_of.to_period("M").to_timestamp() - pd.DateOffset(months=TRAILING_MONTHS - 1)
    in_window = invoices[invoices["date"] >= window_start]
    trailing = in_window.groupby("account")["revenue_eur"].sum()
    trailing = trailing[trailing > 0]
    total = trailing.sum()
    segment = {}
    for account, revenue in trailing.items():
        above = trailing[trailing > revenue].sum()  # equal revenue never ranks above
        segment[account] = (
            "A" if above < A_SHARE * total else "B" if above < B_SHARE * total else "C"
        )

    return {
        "as_of": as_of,
        "window_start": window_start,
        "activities": activities,
        "invoices": invoices,
        "segment": segment,
        "trailing_revenue": trailing,
    }


def test_activity_cost_per_type_matches_the_rates_and_fx(pipeline: dict, expected: dict) -> None:
    activities = expected["activities"]
    expected_cost = activities.groupby("type")["cost"].sum()
    actual = _sql(
        pipeline["warehouse"],
        "select activity_type, count(*) as n, sum(cost_reporting) as cost "
        "from marts.fct_activities group by 1",
    ).set_index("activity_type")
    assert set(actual.index) == set(expected_cost.index)
    assert actual["n"].to_dict() == activities.groupby("type").size().to_dict()
    for activity_type, cost in expected_cost.items():
        assert float(actual.loc[activity_type, "cost"]) == pytest.approx(
            cost, abs=0.01 * len(activities)
        ), activity_type
    visit = activities[activities["type"] == "field_visit"]
    assert 350 * 0.8 < visit["cost"].mean() < 800 * 1.2, "a field visit costs 350-800 CHF"


def test_cost_to_serve_totals_match_an_independent_computation(
    pipeline: dict,
    expected: dict,
) -> None:
    activities = expected["activities"]
    served = activities[activities["completed"] & (activities["account"] != "")]
    invoices = expected["invoices"]
    report = _sql(
        pipeline["warehouse"],
        """
        select sum(revenue) as revenue, sum(gross_margin) as gross_margin,
               sum(field_visits) as field_visits, sum(field_visit_cost) as field_visit_cost,
               sum(phone_call_cost) as phone_call_cost, sum(email_cost) as email_cost,
               sum(video_meeting_cost) as video_meeting_cost, sum(activity_cost) as activity_cost,
               sum(margin_after_cost_to_serve) as margin_after_cost_to_serve
        from marts.rpt_cost_to_serve
        """,
    ).iloc[0]
    tolerance = 0.01 * (len(served) + len(invoices))
    revenue = invoices["revenue_eur"].sum()
    margin = revenue - invoices["cos_eur"].sum()
    cost = served["cost"].sum()
    assert revenue > 0 and cost > 0
    assert float(report["revenue"]) == pytest.approx(revenue, abs=tolerance)
    assert float(report["gross_margin"]) == pytest.approx(margin, abs=tolerance)
    assert float(report["activity_cost"]) == pytest.approx(cost, abs=tolerance)
    assert float(report["margin_after_cost_to_serve"]) == pytest.approx(
        margin - cost, abs=tolerance
    )
    by_type = served.groupby("type")["cost"].sum()
    for activity_type in ("field_visit", "phone_call", "email", "video_meeting"):
        assert float(report[f"{activity_type}_cost"]) == pytest.approx(
            by_type.get(activity_type, 0.0), abs=tolerance
        ), activity_type
    assert report["field_visits"] == (served["type"] == "field_visit").sum()


def test_current_abc_segments_match_an_independent_ranking(
    pipeline: dict,
    expected: dict,
) -> None:
    current = _sql(
        pipeline["warehouse"],
        "select account_id, abc_segment, trailing_revenue from marts.dim_account_segments_monthly "
        "where is_current_month",
    ).set_index("account_id")
    assert current.index.is_unique
    segment = expected["segment"]
    assert {"A", "B", "C"} >= set(segment.values()) and "A" in segment.values()
    for account, expected_segment in segment.items():
        assert current.loc[account, "abc_segment"] == expected_segment, account
    others = current.drop(index=list(segment))
    assert (others["abc_segment"] == "C").all(), "accounts without revenue are C"
    trailing = current["trailing_revenue"].astype(float)
    for account, revenue in expected["trailing_revenue"].items():
        assert trailing[account] == pytest.approx(revenue, abs=0.01 * len(segment)), account
    shares = trailing.groupby(current["abc_segment"]).sum()
    shares = shares / shares.sum()
    # A is the accounts that make the first 80 %, B the next 15 %: A >= 80 %, A + B >= 95 %
    assert shares["A"] >= A_SHARE
    assert shares["A"] + shares.get("B", 0.0) >= B_SHARE


def test_dim_accounts_carries_the_current_abc_segment(pipeline: dict, expected: dict) -> None:
    accounts = _sql(
        pipeline["warehouse"], "select account_id, abc_segment from marts.dim_accounts"
    ).set_index("account_id")["abc_segment"]
    assert accounts.index.is_unique
    segment = expected["segment"]
    for account, expected_segment in segment.items():
        assert accounts[account] == expected_segment, account
    assert (accounts.drop(index=list(segment)) == "C").all(), "accounts without revenue are C"


def test_cost_to_serve_by_current_segment_over_the_trailing_window(
    pipeline: dict,
    expected: dict,
) -> None:
    activities = expected["activities"]
    window = activities[
        activities["completed"]
        & (activities["account"] != "")
        & (activities["date"] >= expected["window_start"])
    ]
    segment_of = window["account"].map(expected["segment"]).fillna("C")
    cost = window.groupby(segment_of)["cost"].sum()
    revenue = expected["trailing_revenue"].groupby(pd.Series(expected["segment"])).sum()
    report = _sql(
        pipeline["warehouse"],
        "select abc_segment, trailing_revenue, trailing_activity_cost, trailing_field_visits "
        "from marts.rpt_cost_to_serve_by_segment where is_current_month",
    ).set_index("abc_segment")
    assert sorted(report.index) == ["A", "B", "C"]
    tolerance = 0.01 * (len(window) + len(expected["invoices"]))
    for seg in ("A", "B", "C"):
        assert float(report.loc[seg, "trailing_revenue"]) == pytest.approx(
            revenue.get(seg, 0.0), abs=tolerance
        ), seg
        assert float(report.loc[seg, "trailing_activity_cost"]) == pytest.approx(
            cost.get(seg, 0.0), abs=tolerance
        ), seg
    visits = (window["type"] == "field_visit").groupby(segment_of).sum()
    assert report["trailing_field_visits"].to_dict() == {
        seg: visits.get(seg, 0) for seg in report.index
    }


def test_the_cost_to_serve_summary_is_printed_after_the_campaigns(pipeline: dict) -> None:
    out = pipeline["stdout"]
    assert "Cost-to-serve by ABC segment" in out
    assert out.index("What did the campaigns bring in?") < out.index("Cost-to-serve by ABC segment")
