"""Raw tables for Apache Spark, and the models Spark built back from it.

Ingestion itself (validation, quarantine, the load manifest) stays one mechanism, in DuckDB
(:mod:`ingestion.load`). :func:`export_raw` hands its result to Spark as Parquet, one folder per
raw table under ``spark_dir/raw``; dbt registers them as tables ``raw.<table>`` at the start of
every run on the ``spark`` target (``dbt_project/macros/spark_raw_tables.sql``), so the dbt
sources resolve there too. :func:`import_models` reads the tables Spark built (staging,
intermediate, marts) back into DuckDB. Neither starts a JVM: only dbt (dbt-spark's ``session``
method) does, with the settings of :func:`session_conf`, which must match the ``spark`` target
in ``dbt_project/profiles.yml``. PySpark runs in local mode with an embedded Derby metastore and
a warehouse folder under ``spark_dir``, offline. Derby admits one JVM at a time:
:func:`spark_session` (for reading results, e.g. in tests) keeps it until its process ends, so
call it after dbt has finished.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from ingestion.load import RAW_SCHEMA, connect

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


SPARK_CONF_DIR = Path(__file__).resolve().parent / "spark_conf"


def local_environment(spark_dir: Path) -> dict[str, str]:
    """Environment for a process that starts local Spark (this one, or dbt with the ``spark``
    target): quiet logs (SPARK_CONF_DIR), the loopback interface, the state folder."""
    return {
        "SPARK_CONF_DIR": str(SPARK_CONF_DIR),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "LEADLEDGER_SPARK_DIR": str(Path(spark_dir).resolve()),
    }


def session_conf(spark_dir: Path) -> dict[str, str]:
    """Spark settings for a local, offline session whose state lives under ``spark_dir``."""
    spark_dir = Path(spark_dir).resolve()
    return {
        "spark.master": "local[2]",
        "spark.sql.warehouse.dir": str(spark_dir / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={spark_dir / 'metastore_db'};create=true"
        ),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={spark_dir}",
        "spark.sql.shuffle.partitions": "2",
        "spark.sql.session.timeZone": "UTC",
        # DuckDB's TIMESTAMP columns arrive as Spark TIMESTAMP (UTC), not TIMESTAMP_NTZ.
        "spark.sql.parquet.inferTimestampNTZ.enabled": "false",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        # Parquet timestamps as DuckDB reads them (not Spark's legacy INT96).
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.sql.ansi.enabled": "false",
    }


@contextmanager
def spark_session(spark_dir: Path) -> Iterator[SparkSession]:
    """A local SparkSession with Hive support over the metastore in ``spark_dir``; stopped on
    exit so that dbt (another JVM) can open the Derby metastore afterwards."""
    from pyspark.sql import SparkSession

    Path(spark_dir).mkdir(parents=True, exist_ok=True)
    for key, value in local_environment(spark_dir).items():
        os.environ.setdefault(key, value)
    builder = SparkSession.builder.appName("leadledger-ingestion").enableHiveSupport()
    for key, value in session_conf(spark_dir).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    try:
        yield session
    finally:
        session.stop()


def export_raw(warehouse: Path, spark_dir: Path) -> dict[str, int]:
    """Write every table of the DuckDB ``raw`` schema to Parquet, one folder per table under
    ``spark_dir/raw`` (replaced whole). Returns the row count per table."""
    parquet_root = Path(spark_dir).resolve() / "raw"
    counts: dict[str, int] = {}
    with connect(warehouse, read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables"
                " where table_schema = ? and table_type = 'BASE TABLE' order by table_name",
                [RAW_SCHEMA],
            ).fetchall()
        ]
        for table in tables:
            target = parquet_root / table
            if target.exists():
                shutil.rmtree(target)
            target.mkdir(parents=True)
            con.execute(
                f'copy (select * from {RAW_SCHEMA}."{table}") to ?'
                " (format parquet, compression zstd)",
                [str(target / "part-0.parquet")],
            )
            counts[table] = con.execute(f'select count(*) from {RAW_SCHEMA}."{table}"').fetchall()[
                0
            ][0]
    return counts


def java_available() -> bool:
    """Whether a Java runtime for PySpark is on the PATH (or JAVA_HOME)."""
    return bool(os.environ.get("JAVA_HOME")) or shutil.which("java") is not None


MODEL_SCHEMAS = ("staging", "intermediate", "marts")


def import_models(
    spark_dir: Path, warehouse: Path, schemas: tuple[str, ...] = MODEL_SCHEMAS
) -> dict[str, int]:
    """Copy the tables Spark built in each of ``schemas`` (Parquet folders under Spark's
    warehouse folder) into the same schema of the DuckDB ``warehouse``, replacing what was
    there (a view of an earlier DuckDB build too), so everything that reads the models from
    DuckDB (checks and reconciliations, which also read staging and intermediate, publishing,
    the report) works after a Spark build as after a DuckDB one. Views have no files and stay in
    Spark. Returns the row count per ``schema.table``."""
    counts: dict[str, int] = {}
    with connect(warehouse) as con:
        for schema in schemas:
            folder = Path(spark_dir).resolve() / "warehouse" / f"{schema}.db"
            if not folder.is_dir():
                continue
            con.execute(f"create schema if not exists {schema}")
            for table_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
                files = sorted(table_dir.glob("*.parquet"))
                if not files:
                    continue
                name = f'{schema}."{table_dir.name}"'
                is_view = con.execute(
                    "select count(*) from information_schema.tables where table_schema = ?"
                    " and table_name = ? and table_type = 'VIEW'",
                    [schema, table_dir.name],
                ).fetchall()[0][0]
                if is_view:
                    con.execute(f"drop view {name}")
                con.execute(
                    f"create or replace table {name} as select * from read_parquet(?)",
                    [[str(f) for f in files]],
                )
                counts[f"{schema}.{table_dir.name}"] = con.execute(
                    f"select count(*) from {name}"
                ).fetchall()[0][0]
    return counts
