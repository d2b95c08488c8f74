"""One pipeline run for the whole test session (sample at scale 0.05, `leadledger run`), shared by
every end-to-end test that reads marts, the report or the semantic layer. Tests that need their
own runs (Write-Audit-Publish, crash safety) build their own."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ingestion.sample.generator import generate

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
    env = {
        **os.environ,
        "LEADLEDGER_LANDING": str(landing),
        "LEADLEDGER_WAREHOUSE": str(warehouse),
        "DAGSTER_HOME": str(root / "dagster_home"),
        "COLUMNS": "200",
        # dbt's unit tests run in this build (the pipeline's default skips them).
        "LEADLEDGER_DBT_UNIT_TESTS": "1",
    }
    env.pop("LEADLEDGER_PUBLISHED", None)
    run = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-5000:]
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
