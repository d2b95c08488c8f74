"""One pipeline run for the whole test session (sample at scale 0.05, `leadledger run`), shared by
every end-to-end test that reads marts, the report or the semantic layer. Tests that need their
own runs (Write-Audit-Publish, crash safety) build their own."""

from __future__ import annotations

import pytest

from ingestion.sample.generator import generate
from tests.cli_runs import leadledger_env, run_leadledger

SCALE = 0.05


@pytest.fixture(scope="session")
def user_build(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Sample extracts -> `leadledger run` -> working and published warehouse and the report.
    The warehouse file is called leadledger.duckdb, as in the demo: MetricFlow addresses tables
    by the database name dbt derives from the file name."""
    root = tmp_path_factory.mktemp("user_build")
    landing = root / "landing"
    generate(landing, scale=SCALE, seed=7, mess_rate=0.02)
    warehouse = root / "warehouse" / "leadledger.duckdb"
    env = leadledger_env(
        root,
        LEADLEDGER_LANDING=str(landing),
        LEADLEDGER_WAREHOUSE=str(warehouse),
        # dbt's unit tests run in this build (the pipeline's default skips them).
        LEADLEDGER_DBT_UNIT_TESTS="1",
    )
    run = run_leadledger(["run"], env, timeout=1200)
    return {
        "root": root,
        "landing": landing,
        "warehouse": warehouse,
        "published": warehouse.parent / "published" / "leadledger.duckdb",
        "report": warehouse.parent / "report" / "leadledger_report.html",
        "env": env,
        "stdout": run.stdout,
    }


@pytest.fixture(scope="session")
def pipeline(user_build: dict) -> dict:
    """The same build under the name the mart tests use: one pipeline run for the whole session."""
    return user_build
