"""Raw tables on Apache Spark: the DuckDB ``raw`` schema exported to Parquet and registered as
Spark tables (database ``raw``, same table names), so the dbt sources resolve on Spark too.

Ingestion itself (validation, quarantine, the load manifest) stays one mechanism, in DuckDB
(:mod:`ingestion.load`); this module only hands its result to Spark. PySpark runs in local mode
with an embedded Derby metastore and a warehouse folder under ``spark_dir``, both offline.
The settings below must match the ``spark`` target in ``dbt_project/profiles.yml``: dbt-spark's
``session`` method starts its own SparkSession from them (and Derby admits one JVM at a time, so
the export and dbt run one after the other).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from ingestion.load import RAW_SCHEMA

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


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
        "spark.sql.ansi.enabled": "false",
    }


@contextmanager
def spark_session(spark_dir: Path) -> Iterator[SparkSession]:
    """A local SparkSession with Hive support over the metastore in ``spark_dir``; stopped on
    exit so that dbt (another JVM) can open the Derby metastore afterwards."""
    from pyspark.sql import SparkSession

    Path(spark_dir).mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.appName("leadledger-ingestion").enableHiveSupport()
    for key, value in session_conf(spark_dir).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()


def export_raw(warehouse: Path, spark_dir: Path) -> dict[str, int]:
    """Write every table of the DuckDB ``raw`` schema to Parquet under ``spark_dir/raw`` and
    (re)register it as ``raw.<table>`` in Spark. Returns the row count per table."""
    spark_dir = Path(spark_dir).resolve()
    parquet_root = spark_dir / "raw"
    counts: dict[str, int] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
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
    with spark_session(spark_dir) as spark:
        spark.sql(f"create database if not exists {RAW_SCHEMA}")
        for table in tables:
            spark.sql(f"drop table if exists {RAW_SCHEMA}.`{table}`")
            spark.sql(
                f"create table {RAW_SCHEMA}.`{table}` using parquet"
                f" location '{parquet_root / table}'"
            )
    return counts


def java_available() -> bool:
    """Whether a Java runtime for PySpark is on the PATH (or JAVA_HOME)."""
    return bool(os.environ.get("JAVA_HOME")) or shutil.which("java") is not None
