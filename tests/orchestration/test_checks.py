"""The checks guarding the KPI tables, on tiny DuckDB warehouses built here by SQL: for each
kind (grain, completeness, range, drift, freshness, reconciliation) a passing and a failing
case, and the failing rows must be named. One test runs checks through Dagster to prove that a
failed blocking check keeps downstream assets (publishing) from running."""

from __future__ import annotations

import fnmatch
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.checks import config
from orchestration.defs.checks.common import CheckOutcome, read_only
from orchestration.defs.checks.drift import build_drift_check, row_count_drift
from orchestration.defs.checks.expectations import build_suite_checks, validate_table
from orchestration.defs.checks.freshness import source_freshness
from orchestration.defs.checks.reconciliation import (
    attributed_revenue_reconciles,
    booked_revenue_reconciles,
    campaign_cost_reconciles,
)
from orchestration.defs.checks.suites import (
    NON_NEGATIVE,
    PERCENT,
    RANGES,
    RATE,
    TableSuite,
    combination_key,
    expand_ranges,
    suites_from_manifest,
)
from orchestration.defs.checks.summary import summarise_checks
from tests.cli_runs import ROOT


def build(path: Path, sql: str) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute(sql)
    return path


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return build(
        tmp_path / "warehouse.duckdb",
        "create schema marts; create schema staging; create schema intermediate; create schema raw;",
    )


@pytest.fixture
def con(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(str(warehouse)) as connection:
        yield connection


def failing(outcome: CheckOutcome, key: str) -> list:
    return [row.get(key) for row in outcome.failing_rows]


# --------------------------------------------------------------------------- suites from dbt


def _model(name: str, materialized: str = "table", columns: dict | None = None) -> dict:
    return {
        "resource_type": "model",
        "name": name,
        "unique_id": f"model.p.{name}",
        "config": {"schema": "marts", "materialized": materialized},
        "columns": columns or {},
    }


def _test(
    model: str, kind: str, column: str | None, where: str | None = None, **kwargs: object
) -> dict:
    return {
        "resource_type": "test",
        "unique_id": f"test.p.{kind}_{model}_{abs(hash((column, str(kwargs))))}",
        "attached_node": f"model.p.{model}",
        "column_name": None,
        "test_metadata": {"name": kind, "kwargs": {"column_name": column, **kwargs}},
        "config": {"where": where},
    }


def test_suites_come_from_the_dbt_tests_and_contracts() -> None:
    nodes = [
        _model(
            "fct_deals",
            columns={"deal_id": {"name": "deal_id", "constraints": [{"type": "not_null"}]}},
        ),
        _model("rpt_months"),
        _model("rpt_reps"),
        _model("dim_things"),  # dims have no suite (drift only)
        _model("fct_view", materialized="view"),  # views are not published
        _test("fct_deals", "unique", "deal_id"),
        _test("fct_deals", "not_null", "amount"),
        _test("fct_deals", "not_null", "rate", where="is_closed"),  # conditional: left to dbt
        _test("rpt_months", "unique", "cast(month_date as varchar) || '|' || rep_id"),
        _test("rpt_reps", "unique_combination", None, columns=["rep_id", "month_date"]),
        _test("fct_view", "unique", "x"),
    ]
    manifest = {"nodes": {n["unique_id"]: n for n in nodes}}
    suites = {s.table: s for s in suites_from_manifest(manifest, {"fct_deals": {"share": RATE}})}
    assert set(suites) == {"fct_deals", "rpt_months", "rpt_reps"}
    assert suites["fct_deals"].grain == "deal_id"
    assert suites["fct_deals"].not_null == ("deal_id", "amount")
    assert suites["fct_deals"].ranges == {"share": RATE}
    assert suites["rpt_months"].grain == "cast(month_date as varchar) || '|' || rep_id"
    assert not suites["rpt_months"].grain_is_column
    assert suites["rpt_reps"].grain == "cast(row(rep_id, month_date) as varchar)"
    assert suites["rpt_reps"].grain_columns == ("rep_id", "month_date")
    assert suites["rpt_months"].grain_columns == suites["fct_deals"].grain_columns == ()


def test_a_range_pattern_covers_every_matching_column_and_stays_when_none_matches() -> None:
    columns = ["deal_id", "share_linear", "share_markov", "amount_linear"]
    assert expand_ranges({"share_*": RATE, "amount_linear": NON_NEGATIVE}, columns) == {
        "share_linear": RATE,
        "share_markov": RATE,
        "amount_linear": NON_NEGATIVE,
    }
    # a pattern matching nothing is kept, so the suite fails on the missing column
    assert expand_ranges({"cost_*": NON_NEGATIVE}, columns) == {"cost_*": NON_NEGATIVE}


def test_every_declared_range_names_a_column_of_its_model() -> None:
    from dagster_dbt.asset_utils import get_manifest_and_translator_from_dbt_assets

    from orchestration.defs.dbt.assets import dbt_models

    manifest, _, _ = get_manifest_and_translator_from_dbt_assets([dbt_models])
    models = {
        n["name"]: set(n["columns"])
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model"
    }
    unknown = [
        f"{table}.{column}"
        for table, ranges in RANGES.items()
        for column in ranges
        if not fnmatch.filter(models.get(table, set()), column)
    ]
    assert not unknown, f"RANGES names columns the models do not declare: {unknown}"
    suites = {s.table: s for s in suites_from_manifest(manifest)}
    assert suites["fct_attribution"].grain == "attribution_id"
    # the per-model columns of the wide layout, each guarded
    assert suites["fct_attribution"].ranges["share_w_shaped"] == RATE
    assert suites["fct_attribution"].ranges["attributed_amount_reporting_shapley"] == NON_NEGATIVE
    assert suites["fct_opportunities"].ranges["probability"] == PERCENT


# --------------------------------------------------------------------------- Great Expectations

DEALS = """
create or replace table marts.fct_deals as select * from (values
    ('d1', 'first_touch', 0.25::double, 80.0::decimal(5,2), 100.00::decimal(18,2)),
    ('d2', 'first_touch', 1.00::double, 100.0::decimal(5,2), 0.00::decimal(18,2)),
    ('d3', 'linear', 0.00::double, 0.0::decimal(5,2), 12.50::decimal(18,2))
) as t(deal_id, attribution_model, share, probability, cost)
"""
DEALS_SUITE = TableSuite(
    table="fct_deals",
    grain="deal_id",
    not_null=("deal_id", "attribution_model"),
    ranges={"share": RATE, "probability": PERCENT, "cost": NON_NEGATIVE},
)


def test_suite_passes_on_good_rows_and_reports_what_it_evaluated(con) -> None:
    con.execute(DEALS)
    outcome = validate_table(con, DEALS_SUITE)
    assert outcome.passed, outcome.description
    assert (
        outcome.metadata["expectations_evaluated"] == 5 + 1 + 2 + 3
    )  # exist, unique, not null, ranges
    assert outcome.metadata["rows"] == 3
    assert "expect_column_values_to_be_between (0 to 1)" in outcome.metadata["expectations"].value


def test_duplicate_grain_fails_and_names_the_rows(con) -> None:
    con.execute(DEALS)
    con.execute("insert into marts.fct_deals values ('d2', 'linear', 0.5, 10, 1)")
    outcome = validate_table(con, DEALS_SUITE)
    assert not outcome.passed
    assert "expect_column_values_to_be_unique on deal_id: 2 rows" in outcome.description
    assert failing(outcome, "deal_id") == ["d2", "d2"]
    assert set(failing(outcome, "expectation")) == {"expect_column_values_to_be_unique"}


def test_duplicate_of_a_composite_grain_fails_and_names_the_key(con) -> None:
    con.execute(DEALS)
    con.execute("insert into marts.fct_deals values ('d1', 'linear', 0.5, 10, 1)")
    suite = TableSuite("fct_deals", grain="deal_id || '|' || attribution_model")
    assert validate_table(con, suite).passed  # d1|linear is new
    con.execute("insert into marts.fct_deals values ('d1', 'linear', 0.5, 10, 1)")
    outcome = validate_table(con, suite)
    assert not outcome.passed
    assert failing(outcome, "deal_id || '|' || attribution_model") == ["d1|linear", "d1|linear"]


@pytest.mark.parametrize("full_table_max_rows", [None, 2], ids=["whole table", "pre-filtered"])
def test_a_combination_grain_counts_a_null_as_a_value(con, full_table_max_rows) -> None:
    # unique_combination's key: two rows with the same deal and no model are one key twice
    # (pre-filtered, DuckDB compares the key's columns as a struct, then as text)
    con.execute(DEALS)
    columns = ("deal_id", "attribution_model")
    key = combination_key(list(columns))
    suite = TableSuite("fct_deals", grain=key, grain_columns=columns)
    con.execute(
        "insert into marts.fct_deals values ('d4', null, 0.5, 10, 1), ('d1', null, 0, 1, 1)"
    )
    assert validate_table(con, suite, full_table_max_rows).passed
    con.execute("insert into marts.fct_deals values ('d4', null, 0.5, 10, 1)")
    outcome = validate_table(con, suite, full_table_max_rows)
    assert not outcome.passed
    assert failing(outcome, key) == ["(d4, NULL)", "(d4, NULL)"]
    assert outcome.metadata["rows_validated"] == (2 if full_table_max_rows else 6)


def test_missing_value_in_a_complete_column_fails_and_names_the_row(con) -> None:
    con.execute(DEALS)
    con.execute("insert into marts.fct_deals values ('d4', null, 0.5, 10, 1)")
    outcome = validate_table(con, DEALS_SUITE)
    assert not outcome.passed
    assert "expect_column_values_to_not_be_null on attribution_model: 1 rows" in outcome.description
    assert failing(outcome, "deal_id") == ["d4"]


@pytest.mark.parametrize(
    ("values", "column"),
    [
        ("('d4', 'linear', 1.5, 10, 1)", "share"),  # a share above 100 %
        ("('d4', 'linear', 0.5, 120, 1)", "probability"),  # a CRM probability above 100
        ("('d4', 'linear', 0.5, 10, -0.01)", "cost"),  # a negative cost
    ],
)
def test_value_out_of_range_fails_and_names_the_row(con, values: str, column: str) -> None:
    con.execute(DEALS)
    con.execute(f"insert into marts.fct_deals values {values}")
    outcome = validate_table(con, DEALS_SUITE)
    assert not outcome.passed
    assert [(r["deal_id"], r["column"]) for r in outcome.failing_rows] == [("d4", column)]
    assert outcome.metadata["expectations_failed"] == 1


def test_a_column_the_suite_expects_but_the_table_lacks_fails(con) -> None:
    con.execute(DEALS)
    suite = TableSuite("fct_deals", grain="deal_id", ranges={"win_rate": RATE})
    outcome = validate_table(con, suite)
    assert not outcome.passed
    assert "expect_column_to_exist on win_rate" in outcome.description


def test_a_missing_table_fails(con) -> None:
    assert not validate_table(con, DEALS_SUITE).passed


def test_large_tables_prefiltered_in_sql_give_the_same_verdict_and_rows(con) -> None:
    con.execute(DEALS)
    con.execute(
        "insert into marts.fct_deals select 'x' || i, 'linear', 0.5, 50, 1 from range(200) t(i)"
    )
    whole = validate_table(con, DEALS_SUITE)
    filtered = validate_table(con, DEALS_SUITE, full_table_max_rows=10)
    assert whole.passed and filtered.passed
    assert filtered.metadata["rows_validated"] == 0 and filtered.metadata["rows"] == 203
    con.execute(
        "insert into marts.fct_deals values "
        "('d2', 'linear', 2, 10, 1), ('d9', null, 0.1, 10, 1), ('d8', 'linear', 0.5, 100.5, 1)"
    )
    whole = validate_table(con, DEALS_SUITE)
    filtered = validate_table(con, DEALS_SUITE, full_table_max_rows=10)
    assert not whole.passed and not filtered.passed
    assert whole.description == filtered.description
    assert sorted(map(str, whole.failing_rows)) == sorted(map(str, filtered.failing_rows))
    assert whole.metadata["expectations_failed"] == 4  # grain, null, share, probability
    # d2 twice (grain; one also out of range), d9 (null), d8 (probability above 100)
    assert filtered.metadata["rows_validated"] == 4
    assert "pre-filtered" in filtered.metadata["mode"]


# --------------------------------------------------------------------------- drift


def _marts(path: Path, rows: dict[str, int]) -> Path:
    return build(
        path,
        "create schema if not exists marts;"
        + "".join(
            f"create table marts.{t} as select range as id from range({n});"
            for t, n in rows.items()
        ),
    )


def test_drift_passes_with_a_note_without_a_published_build(tmp_path: Path) -> None:
    current = _marts(tmp_path / "wh.duckdb", {"fct_a": 10})
    outcome = row_count_drift(current, tmp_path / "published.duckdb", ["fct_a"])["fct_a"]
    assert outcome.passed
    assert "no published build yet" in outcome.description


def test_drift_within_the_threshold_passes_beyond_it_warns_and_to_zero_blocks(
    tmp_path: Path,
) -> None:
    published = _marts(tmp_path / "published.duckdb", {"fct_a": 100, "fct_b": 100, "fct_c": 100})
    current = _marts(tmp_path / "wh.duckdb", {"fct_a": 140, "fct_b": 151, "fct_c": 0, "fct_new": 5})
    outcomes = row_count_drift(
        current, published, ["fct_a", "fct_b", "fct_c", "fct_new"], threshold=0.5
    )
    assert outcomes["fct_a"].passed
    assert not outcomes["fct_b"].passed
    assert outcomes["fct_b"].severity == dg.AssetCheckSeverity.WARN
    assert "100 -> 151 rows (+51.0%" in outcomes["fct_b"].description
    assert not outcomes["fct_c"].passed
    assert outcomes["fct_c"].severity == dg.AssetCheckSeverity.ERROR
    assert "shrank to 0 rows" in outcomes["fct_c"].description
    assert outcomes["fct_new"].passed
    assert "new mart" in outcomes["fct_new"].description


def test_drift_threshold_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    published = _marts(tmp_path / "published.duckdb", {"fct_a": 100})
    current = _marts(tmp_path / "wh.duckdb", {"fct_a": 130})
    assert row_count_drift(current, published, ["fct_a"])["fct_a"].passed
    monkeypatch.setenv(config.DRIFT_THRESHOLD_ENV, "0.2")
    assert not row_count_drift(current, published, ["fct_a"])["fct_a"].passed
    monkeypatch.setenv(config.DRIFT_THRESHOLD_ENV, "lots")
    with pytest.raises(ValueError, match="LEADLEDGER_DRIFT_THRESHOLD"):
        config.drift_threshold()


# --------------------------------------------------------------------------- freshness

SYSTEMS = {
    "crm": ["crm__opportunities", "crm__leads"],
    "marketing": ["marketing__touchpoints"],
    "finance": ["finance__campaign_costs"],
}


def _manifest(con, files: list[tuple[str, str, str]]) -> None:
    con.execute(
        "create table raw._load_manifest (source_file varchar, source_system varchar, "
        "raw_table varchar, extract_date date)"
    )
    for i, (system, table, extract_date) in enumerate(files):
        con.execute(
            "insert into raw._load_manifest values (?, ?, ?, ?)",
            [f"{system}/{extract_date}/{i}", system, table, date.fromisoformat(extract_date)],
        )


def test_freshness_passes_when_every_system_is_within_its_lag(con) -> None:
    _manifest(
        con,
        [
            ("crm", "crm__opportunities", "2025-06-30"),
            ("crm", "crm__leads", "2025-06-01"),  # the system's latest counts, not the table's
            ("marketing", "marketing__touchpoints", "2025-06-23"),  # 7 days: allowed
            ("finance", "finance__campaign_costs", "2025-05-31"),  # 30 days, finance allows 35
        ],
    )
    outcomes = source_freshness(con, SYSTEMS)
    assert all(o.passed for tables in outcomes.values() for o in tables.values())
    leads = outcomes["crm"]["crm__leads"]
    assert leads.metadata["reporting_date"] == "2025-06-30"
    assert leads.metadata["table_latest_extract_date"] == "2025-06-01"
    assert outcomes["finance"]["finance__campaign_costs"].metadata["lag_days"] == 30


def test_a_stale_system_warns_on_each_of_its_tables_and_names_its_extracts(
    con, monkeypatch: pytest.MonkeyPatch
) -> None:
    _manifest(
        con,
        [
            ("crm", "crm__opportunities", "2025-06-30"),
            ("marketing", "marketing__touchpoints", "2025-06-20"),  # 10 days > 7
        ],
    )
    outcomes = source_freshness(con, SYSTEMS)
    stale = outcomes["marketing"]["marketing__touchpoints"]
    assert not stale.passed
    assert stale.severity == dg.AssetCheckSeverity.WARN
    assert "stale source: marketing: latest extract 2025-06-20, 10 days" in stale.description
    assert stale.failing_rows == [
        {
            "raw_table": "marketing__touchpoints",
            "latest_extract_date": date(2025, 6, 20),
            "files": 1,
        }
    ]
    assert not outcomes["finance"]["finance__campaign_costs"].passed  # nothing delivered
    assert "no extract loaded yet" in outcomes["finance"]["finance__campaign_costs"].description
    monkeypatch.setenv("LEADLEDGER_MAX_LAG_DAYS_MARKETING", "14")
    assert source_freshness(con, SYSTEMS)["marketing"]["marketing__touchpoints"].passed


# --------------------------------------------------------------------------- reconciliations

ATTRIBUTION = """
create or replace table marts.fct_opportunities as select * from (values
    ('o1', true, 100.00::decimal(18,2)),
    ('o2', true, 50.55::decimal(18,2)),
    ('o3', false, 70.00::decimal(18,2))
) as t(opportunity_id, is_won, amount_reporting);
create or replace table marts.fct_attribution as select * from (values
    ('o1', 't1', 100.00::decimal(18,2), 60.00::decimal(18,2)),
    ('o1', 't2', 0.00::decimal(18,2), 40.00::decimal(18,2)),
    ('o2', 't3', 50.55::decimal(18,2), 25.27::decimal(18,2)),
    ('o2', 't4', 0.00::decimal(18,2), 25.28::decimal(18,2)),
    ('o3', 't5', 70.00::decimal(18,2), 70.00::decimal(18,2))
) as t(opportunity_id, touchpoint_id, attributed_amount_reporting_first_touch,
       attributed_amount_reporting_linear);
"""


def test_attributed_revenue_reconciles_per_model(con) -> None:
    con.execute(ATTRIBUTION)
    outcome = attributed_revenue_reconciles(con)
    assert outcome.passed, outcome.description
    assert outcome.metadata["total_won_revenue"] == "150.55"
    assert outcome.metadata["models"] == 2


def test_a_cent_lost_in_attribution_fails_and_names_the_opportunity(con) -> None:
    con.execute(ATTRIBUTION)
    con.execute(
        "update marts.fct_attribution set attributed_amount_reporting_linear = 25.27 "
        "where touchpoint_id = 't4'"
    )
    outcome = attributed_revenue_reconciles(con)
    assert not outcome.passed
    assert "linear -0.01" in outcome.description
    assert [(r["attribution_model"], r["opportunity_id"]) for r in outcome.failing_rows] == [
        ("linear", "o2")
    ]
    assert outcome.failing_rows[0]["attributed_amount_reporting"] == Decimal("50.54")


def test_won_revenue_without_any_attribution_fails(con) -> None:
    con.execute(ATTRIBUTION)
    con.execute("delete from marts.fct_attribution")
    assert not attributed_revenue_reconciles(con).passed


def test_won_revenue_without_any_attribution_model_fails(con) -> None:
    con.execute(ATTRIBUTION)
    con.execute(
        "create or replace table marts.fct_attribution as "
        "select opportunity_id, touchpoint_id from marts.fct_attribution"
    )
    outcome = attributed_revenue_reconciles(con)
    assert not outcome.passed
    assert "no attribution model" in outcome.description


COSTS = """
create or replace table intermediate.int_fx_rates_daily as select * from (values
    (date '2025-01-10', 'EUR', 1.0::decimal(24,12)),
    (date '2025-01-10', 'CHF', 1.05::decimal(24,12))
) as t(calendar_date, currency_code, to_reporting_rate);
create or replace table staging.stg_finance__campaign_costs as select * from (values
    ('C1', date '2025-01-10', 'CMP1', 100.00::decimal(18,2), 'EUR'),
    ('C2', date '2025-01-10', 'CMP1', 33.33::decimal(18,2), 'CHF'),
    ('C3', date '2025-01-10', 'UNKNOWN', 10.00::decimal(18,2), 'EUR')
) as t(cost_line_id, invoice_date, campaign_id, amount, currency_code);
create or replace table marts.fct_campaign_costs as select * from (values
    ('C1', 'CMP1', true, 100.00::decimal(18,2)),
    ('C2', 'CMP1', true, 35.00::decimal(18,2)),
    ('C3', null, false, 10.00::decimal(18,2))
) as t(cost_line_id, campaign_id, is_assigned_to_campaign, amount_reporting);
create or replace table marts.rpt_campaign_performance as select * from (values
    ('CMP1', 135.00::decimal(18,2)),
    ('CMP2', null),
    ('(none)', 10.00::decimal(18,2))
) as t(campaign_id, actual_cost);
create or replace table marts.rpt_campaign_roi as
select campaign_id, attribution_model, actual_cost
from (values ('CMP1', 135.00::decimal(18,2)), ('(no campaign)', 10.00), ('(unattributed)', null))
    as c(campaign_id, actual_cost)
cross join (values ('first_touch'), ('linear')) as m(attribution_model);
"""


def test_campaign_cost_reconciles_across_finance_facts_and_reports(con) -> None:
    con.execute(COSTS)
    outcome = campaign_cost_reconciles(con)
    assert outcome.passed, outcome.description
    assert outcome.metadata["finance_cost_reporting"] == "145.00"
    assert outcome.metadata["unassigned_cost_reporting"] == "10.00"


def test_an_unassigned_cost_line_lost_on_the_way_fails_and_is_named(con) -> None:
    con.execute(COSTS)
    con.execute("delete from marts.fct_campaign_costs where cost_line_id = 'C3'")
    con.execute("delete from marts.rpt_campaign_performance where campaign_id = '(none)'")
    con.execute("delete from marts.rpt_campaign_roi where campaign_id = '(no campaign)'")
    outcome = campaign_cost_reconciles(con)
    assert not outcome.passed
    assert "fct_campaign_costs -10.00" in outcome.description
    assert ("finance cost line missing from fct_campaign_costs", "C3") in [
        (r["rule"], r["cost_line_id"]) for r in outcome.failing_rows
    ]


def test_cost_moved_between_campaigns_fails_even_when_the_total_matches(con) -> None:
    con.execute(COSTS)
    con.execute(
        "update marts.rpt_campaign_performance set actual_cost = actual_cost + "
        "(case when campaign_id = 'CMP1' then -5 else 5 end) where campaign_id in ('CMP1', '(none)')"
    )
    outcome = campaign_cost_reconciles(con)
    assert not outcome.passed
    assert [(r["campaign_id"], r["report_cost"]) for r in outcome.failing_rows] == [
        ("(none)", Decimal("15.00")),
        ("CMP1", Decimal("130.00")),
    ]


BOOKINGS = """
create or replace table raw._load_manifest as select date '2025-03-31' as extract_date;
create or replace table intermediate.int_fx_rates_daily as
select d::date as calendar_date, c as currency_code, r::decimal(24,12) as to_reporting_rate
from range(date '2025-01-01', date '2025-05-01', interval 1 day) t(d)
cross join (values ('EUR', 1.0), ('CHF', 1.05)) as x(c, r);
create or replace table staging.stg_finance__revenue_bookings as select * from (values
    ('I1', date '2025-01-15', 1000.00::decimal(18,2), 'EUR'),
    ('I2', date '2025-02-03', 200.00::decimal(18,2), 'CHF'),
    ('I3', date '2025-02-04', 0.33::decimal(18,2), 'CHF'),
    ('I4', date '2025-04-02', 999.00::decimal(18,2), 'EUR')
) as t(invoice_id, invoice_date, revenue_amount, currency_code);
create or replace table marts.rpt_sales_kpis_monthly as select * from (values
    (date '2025-01-01', 'total', '(all)', 1000.00::decimal(18,2)),
    (date '2025-01-01', 'rep', 'r1', 1000.00::decimal(18,2)),
    (date '2025-02-01', 'total', '(all)', 210.35::decimal(18,2)),
    (date '2025-02-01', 'rep', 'r1', 210.35::decimal(18,2)),
    (date '2025-03-01', 'total', '(all)', 0.00::decimal(18,2))
) as t(month_date, breakdown, breakdown_key, booked_revenue);
"""


def test_booked_revenue_check_skips_while_the_kpi_mart_does_not_exist(con) -> None:
    outcome = booked_revenue_reconciles(con)
    assert outcome.passed
    assert outcome.metadata == {"skipped": True}
    assert outcome.description.startswith(
        "skipped: marts.rpt_sales_kpis_monthly does not exist yet"
    )


def test_booked_revenue_reconciles_with_finance_up_to_the_reporting_date(con) -> None:
    con.execute(BOOKINGS)
    outcome = booked_revenue_reconciles(con)
    assert outcome.passed, (outcome.description, outcome.failing_rows)
    assert outcome.metadata["finance_booked_revenue"] == "1210.35"  # I4 is after 2025-03-31


def test_booked_revenue_off_by_a_cent_fails_and_names_the_month(con) -> None:
    con.execute(BOOKINGS)
    con.execute(
        "update marts.rpt_sales_kpis_monthly set booked_revenue = 210.34 "
        "where month_date = '2025-02-01' and breakdown = 'total'"
    )
    outcome = booked_revenue_reconciles(con)
    assert not outcome.passed
    assert [(r["month_date"], r["difference"]) for r in outcome.failing_rows] == [
        (date(2025, 2, 1), Decimal("-0.01"))
    ]


# --------------------------------------------------------------------------- through Dagster


@pytest.mark.parametrize("broken", [False, True])
def test_a_failed_blocking_check_stops_publishing_and_is_summarised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broken: bool
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("LEADLEDGER_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("LEADLEDGER_PUBLISHED", str(tmp_path / "published.duckdb"))

    @dg.asset(key=["marts", "fct_deals"])
    def fct_deals() -> None:
        build(warehouse, "create schema marts;" + DEALS)
        if broken:
            build(warehouse, "insert into marts.fct_deals values ('d3', 'linear', 1.5, 10, 1)")

    @dg.asset(key=["published", "warehouse"], deps=[fct_deals])
    def published() -> None:
        pass

    result = dg.materialize(
        [fct_deals, published, build_suite_checks([DEALS_SUITE]), build_drift_check(["fct_deals"])],
        raise_on_error=False,
    )
    summary = {
        (asset, check): (passed, text) for asset, check, passed, text in summarise_checks(result)
    }
    suite_passed, suite_text = summary[("marts/fct_deals", "great_expectations")]
    assert suite_passed is not broken
    assert summary[("marts/fct_deals", "row_count_drift")][0]  # no published build yet
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    published_ran = published.key in materialized
    assert published_ran is not broken
    if broken:
        assert "expect_column_values_to_be_unique on deal_id: 2 rows" in suite_text
        evaluation = next(
            e for e in result.get_asset_check_evaluations() if e.check_name == "great_expectations"
        )
        rows = evaluation.metadata["failing_rows"].value
        assert {(r["deal_id"], r["column"]) for r in rows} == {("d3", "deal_id"), ("d3", "share")}
        assert json.dumps(rows)  # JSON-safe for the UI


def test_one_step_validates_every_mart_and_each_outcome_is_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One step (one connection) for every mart: each table's outcome and failing rows are that
    # table's, a missing table among them included.
    warehouse = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("LEADLEDGER_WAREHOUSE", str(warehouse))
    build(
        warehouse,
        "create schema marts;"
        + DEALS
        + "; create table marts.fct_bad as select * from marts.fct_deals"
        + "; insert into marts.fct_bad values ('d9', 'linear', 0.5, 10, -1)"
        + "; create table marts.fct_good as select * from marts.fct_deals",
    )
    tables = ["fct_deals", "fct_bad", "fct_missing", "fct_good"]
    suites = [
        TableSuite(t, DEALS_SUITE.grain, not_null=DEALS_SUITE.not_null, ranges=DEALS_SUITE.ranges)
        for t in tables
    ]

    def mart(table: str) -> dg.AssetsDefinition:
        @dg.asset(key=["marts", table])
        def _mart() -> None:
            pass

        return _mart

    result = dg.materialize(
        [*(mart(t) for t in tables), build_suite_checks(suites)], raise_on_error=False
    )
    outcomes = {asset: (passed, text) for asset, _, passed, text in summarise_checks(result)}
    assert {a: passed for a, (passed, _) in outcomes.items()} == {
        "marts/fct_deals": True,
        "marts/fct_bad": False,
        "marts/fct_missing": False,
        "marts/fct_good": True,
    }
    assert "expect_column_values_to_be_between" in outcomes["marts/fct_bad"][1]
    assert "does not exist" in outcomes["marts/fct_missing"][1]
    evaluation = next(
        e
        for e in result.get_asset_check_evaluations()
        if e.asset_key == dg.AssetKey(["marts", "fct_bad"])
    )
    assert [r["deal_id"] for r in evaluation.metadata["failing_rows"].value] == ["d9"]


def test_great_expectations_imported_in_the_background_serves_a_validation() -> None:
    # The pipeline imports Great Expectations in a thread while dbt builds; a validation
    # started before that import ends must wait for it, not see a half-imported module.
    script = (
        "import sys, threading, duckdb\n"
        "errors = []\n"
        "threading.excepthook = lambda args: errors.append(repr(args.exc_value))\n"
        "from tests.orchestration.test_checks import DEALS, DEALS_SUITE\n"
        "from orchestration.defs.checks.expectations import import_in_background, validate_table\n"
        "assert 'great_expectations' not in sys.modules\n"
        "thread = import_in_background()\n"
        "con = duckdb.connect()\n"
        "con.execute('create schema marts')\n"
        "con.execute(DEALS)\n"
        "outcome = validate_table(con, DEALS_SUITE)\n"
        "thread.join()\n"
        "assert not errors, errors\n"
        "assert outcome.passed, outcome.description\n"
        "assert 'great_expectations.expectations' in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]


def test_read_only_refuses_a_missing_warehouse(tmp_path: Path) -> None:
    with (
        pytest.raises(FileNotFoundError, match="run the pipeline first"),
        read_only(tmp_path / "nope.duckdb"),
    ):
        pass


def test_summary_describes_dbt_tests_and_warnings() -> None:
    from orchestration.defs.checks.summary import describe_evaluation

    key = dg.AssetKey(["marts", "fct_deals"])
    dbt_test = dg.AssetCheckEvaluation(
        asset_key=key,
        check_name="not_null_fct_deals_cost",
        passed=False,
        metadata={"status": "fail", "dagster_dbt/failed_row_count": 3},
    )
    assert describe_evaluation(dbt_test) == "dbt test fail: 3 failing rows"
    warning = dg.AssetCheckEvaluation(
        asset_key=key,
        check_name="row_count_drift",
        passed=False,
        severity=dg.AssetCheckSeverity.WARN,
        description="row count drifted",
    )
    assert describe_evaluation(warning) == "warning: row count drifted"
