"""One pipeline build for the whole test session (sample at scale 0.05, `leadledger run`), shared
by every end-to-end test that reads marts, the report or the semantic layer. It is built as in
production, in two runs: the history without the latest drop, then the latest drop delivered
and built incrementally, so every test of the marts checks an incremental build (and
test_incremental compares it with a full refresh). Tests that need their own runs
(Write-Audit-Publish, crash safety) build their own."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from ingestion.sample.drops import deliver_held_back, hold_back_last_drop
from ingestion.sample.generator import generate
from tests.cli_runs import leadledger_env, run_leadledger

SCALE = 0.05


def run_id(stdout: str) -> str:
    """The Dagster run id `leadledger run` printed."""
    return re.search(r"\(run ([0-9a-f-]{36})\)", stdout).group(1)


def keep_run_results(run: str, folder: Path) -> Path:
    """A copy of the run_results.json of the Dagster run ``run``'s dbt build, taken while its
    build folder exists (the pipeline keeps only the newest few; later tests build more)."""
    target = Path(__file__).resolve().parents[2] / "dbt_project" / "target"
    [found] = target.glob(f"dbt_models-{run[:7]}-*/run_results.json")
    folder.mkdir(exist_ok=True)
    return Path(shutil.copy(found, folder / f"{run}.json"))


@pytest.fixture(scope="session")
def user_build(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Sample extracts -> `leadledger run` -> working and published warehouse and the report.
    The warehouse file is called leadledger.duckdb, as in the demo: MetricFlow addresses tables
    by the database name dbt derives from the file name."""
    root = tmp_path_factory.mktemp("user_build")
    landing = root / "landing"
    generate(landing, scale=SCALE, seed=7, mess_rate=0.02)
    warehouse = root / "warehouse" / "leadledger.duckdb"
    env = leadledger_env(root, LEADLEDGER_LANDING=str(landing), LEADLEDGER_WAREHOUSE=str(warehouse))
    hold_back_last_drop(landing, root / "held_back")
    first = run_leadledger(["run"], env, timeout=1200)
    deliver_held_back(landing, root / "held_back")
    # dbt's unit tests run in this build (the pipeline's default skips them).
    env = {**env, "LEADLEDGER_DBT_UNIT_TESTS": "1"}
    run = run_leadledger(["run"], env, timeout=1200)
    first_id, run_id_ = run_id(first.stdout), run_id(run.stdout)
    return {
        "root": root,
        "landing": landing,
        "warehouse": warehouse,
        "published": warehouse.parent / "published" / "leadledger.duckdb",
        "report": warehouse.parent / "report" / "leadledger_report.html",
        "env": env,
        "stdout": run.stdout,
        "first_run_id": first_id,
        "run_id": run_id_,
        "run_results": {r: keep_run_results(r, root / "run_results") for r in (first_id, run_id_)},
    }


@pytest.fixture(scope="session")
def pipeline(user_build: dict) -> dict:
    """The same build under the name the mart tests use: one pipeline run for the whole session."""
    return user_build
