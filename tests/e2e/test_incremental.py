"""Incremental builds (issue 11): the session's second run built the incremental models (the
staging models of the large extracts, the unified touchpoints, the pipeline history)
incrementally (only the records delivered or affected since the first run), a full refresh
of the same warehouse gives exactly the same models, the account x month marts rewrite what
changed upstream as a full build would, and a table built by an older version of its model is
rebuilt instead of failing the build."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.cli_runs import DBT_PROJECT, leadledger_env, run_dbt, run_leadledger
from tests.e2e.checksums import relation_checksums
from tests.e2e.conftest import keep_run_results, run_id

pytestmark = pytest.mark.e2e

MODELS = DBT_PROJECT / "models"


def _reads_itself(name: str, compiled_sql: str) -> bool:
    """Only an incremental build reads the model's own table (its watermark, `{{ this }}`)."""
    return f'"{name}"' in compiled_sql


def _incremental_models() -> set[str]:
    """The models configured with incremental_by_delivery (read from their SQL here)."""
    names = {
        path.stem
        for path in MODELS.rglob("*.sql")
        if re.search(r"\{\{\s*incremental_by_delivery\(", path.read_text())
    }
    assert len(names) >= 9, f"expected the large extracts' staging models and more, found {names}"
    return names


def _compiled(run_results: Path) -> dict[str, str]:
    """Model name -> the SQL dbt ran for it, from a build's run_results.json."""
    results = json.loads(run_results.read_text())["results"]
    return {
        r["unique_id"].split(".")[-1]: r["compiled_code"] or ""
        for r in results
        if r["unique_id"].startswith("model.") and r["status"] == "success"
    }


def test_the_latest_drop_was_built_incrementally(pipeline: dict) -> None:
    models = _incremental_models()
    first = _compiled(pipeline["run_results"][pipeline["first_run_id"]])
    second = _compiled(pipeline["run_results"][pipeline["run_id"]])
    for name in sorted(models):
        assert not _reads_itself(name, first[name]), f"{name}: the first build must be full"
        assert _reads_itself(name, second[name]), f"{name}: not built incrementally"


def test_incremental_build_equals_a_full_refresh(pipeline: dict, tmp_path: Path) -> None:
    # The same warehouse (raw rows included), rebuilt from scratch with --full-refresh.
    warehouse = tmp_path / "warehouse" / "leadledger.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(pipeline["warehouse"], warehouse)
    env = leadledger_env(
        tmp_path, LEADLEDGER_LANDING=str(pipeline["landing"]), LEADLEDGER_WAREHOUSE=str(warehouse)
    )
    full = run_leadledger(["run", "--full-refresh"], env, timeout=1200)
    compiled = _compiled(keep_run_results(run_id(full.stdout), tmp_path / "run_results"))
    for name in sorted(_incremental_models()):
        assert not _reads_itself(name, compiled[name]), f"{name}: not rebuilt in full"

    schemas = ("staging", "intermediate", "marts")
    incremental = relation_checksums(pipeline["warehouse"], schemas)
    refreshed = relation_checksums(warehouse, schemas)
    assert len(incremental) > 60
    assert incremental.keys() == refreshed.keys()
    differing = sorted(k for k in incremental if incremental[k] != refreshed[k])
    assert not differing, f"incremental and full-refresh builds differ in {differing}"


def test_a_table_built_before_a_column_was_added_is_rebuilt_in_full(
    pipeline: dict, tmp_path: Path
) -> None:
    # A warehouse from before an upgrade: the incremental table lacks its watermark column.
    # The next build drops and rebuilds it (the on-run-start hook) instead of failing on it.
    warehouse = tmp_path / "old.duckdb"
    shutil.copy(pipeline["warehouse"], warehouse)
    relation = "intermediate.int_touchpoints_unified"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"alter table {relation} drop column last_loaded_at")
    result = run_dbt(
        ["run", "--select", "int_touchpoints_unified", "--threads", "1"], warehouse, tmp_path
    )
    assert "lacks last_loaded_at" in result.stdout and "rebuilt in full" in result.stdout
    rebuilt = relation_checksums(warehouse, ("intermediate",))[relation]
    assert rebuilt == relation_checksums(pipeline["warehouse"], ("intermediate",))[relation]


ACCOUNT_MONTH_MARTS = ("dim_account_segments_monthly", "rpt_cost_to_serve")


def _change_account_month_inputs(warehouse: Path) -> None:
    """What a day's delivery can do to the inputs of the account x month marts, written into
    the built tables directly: a late invoice in an old month, an account gone, an account's
    first month now later, a new account, a renamed account, activities moved to another
    account or deleted, a deal no longer won."""
    spine = "intermediate.int_account_revenue_monthly"
    with duckdb.connect(str(warehouse)) as con:
        earning = [
            row[0]
            for row in con.execute(
                f"select account_id from {spine} group by account_id"
                " having count(*) >= 4 and max(trailing_revenue_reporting) > 0 order by account_id"
            ).fetchall()
        ]
        assert len(earning) >= 12, "the sample has too few accounts with revenue for this test"
        late, gone, later, renamed, moved_to, moved, deleted = earning[:7]
        unwon = earning[7:12]
        [(old_month,)] = con.execute(
            f"select min(month_start_date) + interval 1 month from {spine} where account_id = ?",
            [late],
        ).fetchall()
        con.execute(
            f"update {spine} set revenue_reporting = revenue_reporting + 1000,"
            " trailing_revenue_reporting = trailing_revenue_reporting + 1000"
            " where account_id = ? and month_start_date = ?",
            [late, old_month],
        )
        con.execute(f"delete from {spine} where account_id = ?", [gone])
        con.execute(
            f"delete from {spine} where account_id = ? and month_start_date"
            f" < (select min(month_start_date) + interval 2 month from {spine} where account_id = ?)",
            [later, later],
        )
        con.execute(
            f"insert into {spine} by name select 'ACC-NEW-TEST' as account_id, month_start_date,"
            " 1 as invoices, 0 as unconverted_invoices, 50 as revenue_reporting,"
            " 0 as cost_of_sales_reporting, 50 as gross_margin_reporting,"
            " 50 as trailing_revenue_reporting, 50 as trailing_gross_margin_reporting"
            f" from (select distinct month_start_date from {spine} order by 1 desc limit 2)"
        )
        con.execute(
            "update staging.stg_crm__accounts set account_name = account_name || ' (renamed)'"
            " where account_id = ?",
            [renamed],
        )
        con.execute(
            "update marts.fct_activities set account_id = ? where account_id = ?", [moved_to, moved]
        )
        con.execute("delete from marts.fct_activities where account_id = ?", [deleted])
        con.execute(
            "update marts.fct_opportunities set is_won = false where account_id in (select"
            " unnest(?::varchar[]))",
            [unwon],
        )


def test_account_month_marts_rewrite_what_changed_as_a_full_build_would(
    pipeline: dict, tmp_path: Path
) -> None:
    # Two copies of the warehouse with the same changes upstream of the two marts: one builds
    # them incrementally (comparing with what they hold), the other from scratch.
    built = {}
    for kind in ("incremental", "full"):
        warehouse = tmp_path / kind / "leadledger.duckdb"
        warehouse.parent.mkdir()
        shutil.copy(pipeline["warehouse"], warehouse)
        _change_account_month_inputs(warehouse)
        extra = ["--full-refresh"] if kind == "full" else []
        run_dbt(
            ["run", "--threads", "1", "--select", *ACCOUNT_MONTH_MARTS, *extra],
            warehouse,
            tmp_path / kind,
        )
        compiled = _compiled(tmp_path / kind / "target" / "run_results.json")
        for name in ACCOUNT_MONTH_MARTS:
            assert _reads_itself(name, compiled[name]) == (kind == "incremental"), name
        built[kind] = relation_checksums(warehouse)

    before = relation_checksums(pipeline["warehouse"])
    for name in (f"marts.{model}" for model in ACCOUNT_MONTH_MARTS):
        assert built["incremental"][name] != before[name], f"{name}: the changes changed nothing"
        assert built["incremental"][name] == built["full"][name], (
            f"{name}: differs from a full build"
        )
