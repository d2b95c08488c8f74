"""Incremental builds (issue 11): the session's second run built the incremental models (the
staging models of the large extracts, the unified touchpoints, the pipeline history)
incrementally (only the records delivered or affected since the first run), a full refresh
of the same warehouse gives exactly the same models, and a table built by an older version of
its model is rebuilt instead of failing the build."""

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
