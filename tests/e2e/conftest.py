"""A pipeline built once for the tests that read what users see after `leadledger run`: the
HTML report (test_html_report.py) and the semantic layer (test_semantic_layer.py)."""

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
    generate(landing, scale=SCALE, seed=11, mess_rate=0.02)
    warehouse = root / "warehouse" / "leadledger.duckdb"
    env = {
        **os.environ,
        "LEADLEDGER_LANDING": str(landing),
        "LEADLEDGER_WAREHOUSE": str(warehouse),
        "DAGSTER_HOME": str(root / "dagster_home"),
        "COLUMNS": "200",
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
        "warehouse": warehouse,
        "published": warehouse.parent / "published" / "leadledger.duckdb",
        "report": warehouse.parent / "report" / "leadledger_report.html",
        "env": env,
        "stdout": run.stdout,
    }
