"""Where things live. Every path can be overridden with an environment variable."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ingestion.load import DUCKDB_MEMORY_LIMIT_ENV, duckdb_memory_limit

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def _path(env: str, default: Path) -> Path:
    value = os.environ.get(env)
    return Path(value).expanduser().resolve() if value else default


def warehouse_path() -> Path:
    """The DuckDB warehouse file (LEADLEDGER_WAREHOUSE, default warehouse/leadledger.duckdb)."""
    return _path("LEADLEDGER_WAREHOUSE", PROJECT_ROOT / "warehouse" / "leadledger.duckdb")


def published_path() -> Path:
    """The published warehouse BI users read (LEADLEDGER_PUBLISHED, default
    warehouse/published/leadledger.duckdb): marts only, replaced atomically after every run
    whose checks all passed."""
    return _path(
        "LEADLEDGER_PUBLISHED", warehouse_path().parent / "published" / "leadledger.duckdb"
    )


def landing_path() -> Path:
    """The landing folder of extracts (LEADLEDGER_LANDING, default data/landing)."""
    return _path("LEADLEDGER_LANDING", PROJECT_ROOT / "data" / "landing")


def landing_is_configured() -> bool:
    return bool(os.environ.get("LEADLEDGER_LANDING"))


ENGINES = ("duckdb", "spark")


def warehouse_engine() -> str:
    """Where dbt builds the models (WAREHOUSE_ENGINE, default duckdb): ``duckdb`` (the DuckDB
    warehouse file) or ``spark`` (Apache Spark: the raw tables are exported there first, and
    dbt runs with its ``spark`` target). Ingestion lands in DuckDB ``raw`` either way."""
    engine = os.environ.get("WAREHOUSE_ENGINE", "duckdb").strip().lower()
    if engine not in ENGINES:
        raise ValueError(f"WAREHOUSE_ENGINE={engine!r}: use one of {', '.join(ENGINES)}")
    return engine


def dbt_unit_tests() -> bool:
    """Whether the pipeline's `dbt build` runs dbt's unit tests too (LEADLEDGER_DBT_UNIT_TESTS,
    default off). Unit tests check the models' logic on fixed inputs, not the data: they belong
    to development and CI (`make test` runs them, so does `dbt build` in dbt_project/), not to
    every production run, where they cost ~0.5 s each."""
    value = os.environ.get("LEADLEDGER_DBT_UNIT_TESTS", "0").strip().lower()
    return value in {"1", "true", "yes", "on"}


def spark_path() -> Path:
    """State of local Spark (LEADLEDGER_SPARK_DIR, default warehouse/spark next to the DuckDB
    file): Parquet of the raw tables, Spark's warehouse folder, the Derby metastore."""
    return _path("LEADLEDGER_SPARK_DIR", warehouse_path().parent / "spark")


def dagster_home() -> Path:
    """The local Dagster instance (DAGSTER_HOME, default .dagster_home)."""
    return _path("DAGSTER_HOME", PROJECT_ROOT / ".dagster_home")


def export_environment() -> None:
    """Pin resolved paths in the environment so dbt subprocesses see the same warehouse, and
    put this Python's bin folder (the venv's, with dbt) first on PATH: dagster-dbt looks dbt up
    there, and `.venv/bin/python -m orchestration.cli` does not activate the venv."""
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join(filter(None, [bin_dir, os.environ.get("PATH")]))
    os.environ["LEADLEDGER_WAREHOUSE"] = str(warehouse_path())
    os.environ["LEADLEDGER_LANDING"] = str(landing_path())
    os.environ["LEADLEDGER_PUBLISHED"] = str(published_path())
    os.environ["LEADLEDGER_DBT_TARGET"] = warehouse_engine()
    os.environ[DUCKDB_MEMORY_LIMIT_ENV] = duckdb_memory_limit()
    if warehouse_engine() == "spark":
        from ingestion.spark import local_environment

        os.environ.update(local_environment(spark_path()))
