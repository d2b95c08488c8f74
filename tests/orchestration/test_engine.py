"""WAREHOUSE_ENGINE picks dbt's target and executable; the asset graph stays the same."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from orchestration import settings
from orchestration.defs.dbt.assets import _dbt_executable


def test_engine_selects_target_and_executable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # export_environment writes os.environ: let monkeypatch restore every key it sets.
    for key in (
        "LEADLEDGER_LANDING",
        "LEADLEDGER_PUBLISHED",
        "LEADLEDGER_DBT_TARGET",
        "SPARK_CONF_DIR",
        "SPARK_LOCAL_IP",
    ):
        monkeypatch.setenv(key, "")
        monkeypatch.delenv(key)
    monkeypatch.setenv("LEADLEDGER_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("LEADLEDGER_SPARK_DIR", "")
    monkeypatch.delenv("LEADLEDGER_SPARK_DIR")
    monkeypatch.setenv("WAREHOUSE_ENGINE", "duckdb")
    assert Path(_dbt_executable()).name == "dbt"
    settings.export_environment()
    assert os.environ["LEADLEDGER_DBT_TARGET"] == "duckdb"

    monkeypatch.setenv("WAREHOUSE_ENGINE", "spark")
    executable = Path(_dbt_executable())
    assert executable.name == "leadledger-dbt"
    assert executable.is_file()
    settings.export_environment()
    assert os.environ["LEADLEDGER_DBT_TARGET"] == "spark"
    assert os.environ["LEADLEDGER_SPARK_DIR"] == str(tmp_path / "spark")


def test_launcher_adds_the_session_submission_method() -> None:
    from dbt.adapters.spark.impl import SparkAdapter

    from orchestration.dbt_launcher import SessionPythonJobHelper, register_session_submission

    register_session_submission()
    register_session_submission()  # idempotent
    helpers = SparkAdapter.python_submission_helpers.fget(object.__new__(SparkAdapter))
    assert helpers["session"] is SessionPythonJobHelper
    assert {"all_purpose_cluster", "job_cluster"} <= set(helpers)
