"""The local Spark settings: one set, in ingestion/spark.py and in the dbt profile's spark target
(dbt-spark's session method starts its own SparkSession from the profile)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml

from ingestion.spark import export_raw, import_models, local_environment, session_conf
from orchestration import settings

ENV_DEFAULT = "{{ env_var('LEADLEDGER_SPARK_DIR', '../warehouse/spark') }}"


def test_profile_spark_target_matches_session_conf(tmp_path: Path) -> None:
    profiles = yaml.safe_load((settings.DBT_PROJECT_DIR / "profiles.yml").read_text())
    target = profiles["leadledger"]["outputs"]["spark"]
    assert target["type"] == "spark"
    assert target["method"] == "session"
    rendered = {
        key: str(value).replace(ENV_DEFAULT, str(tmp_path))
        for key, value in target["server_side_parameters"].items()
    }
    assert rendered == session_conf(tmp_path)


def test_session_state_lives_under_the_spark_dir(tmp_path: Path) -> None:
    conf = session_conf(tmp_path)
    assert conf["spark.sql.warehouse.dir"].startswith(str(tmp_path))
    assert (
        f"databaseName={tmp_path}/metastore_db;"
        in conf["spark.hadoop.javax.jdo.option.ConnectionURL"]
    )
    assert conf["spark.sql.session.timeZone"] == "UTC"
    env = local_environment(tmp_path)
    assert env["LEADLEDGER_SPARK_DIR"] == str(tmp_path)
    assert (Path(env["SPARK_CONF_DIR"]) / "log4j2.properties").is_file()


def test_warehouse_engine_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WAREHOUSE_ENGINE", raising=False)
    assert settings.warehouse_engine() == "duckdb"
    monkeypatch.setenv("WAREHOUSE_ENGINE", " Spark ")
    assert settings.warehouse_engine() == "spark"
    monkeypatch.setenv("WAREHOUSE_ENGINE", "snowflake")
    with pytest.raises(ValueError, match="duckdb, spark"):
        settings.warehouse_engine()


def test_export_raw_writes_every_raw_table_as_parquet(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.crm__leads (id varchar, created_at timestamp, amount decimal(18, 2))"
        )
        con.execute(
            "insert into raw.crm__leads values ('a', '2025-01-02 03:04:05', 1.50), ('b', null, null)"
        )
        con.execute("create table raw._quarantine (file varchar)")
        con.execute("create view raw.not_a_table as select 1 as x")
        con.execute("create table main.elsewhere (x int)")
    spark_dir = tmp_path / "spark"
    (spark_dir / "raw" / "crm__leads").mkdir(parents=True)
    (spark_dir / "raw" / "crm__leads" / "stale.parquet").write_text("from an earlier run")
    assert export_raw(warehouse, spark_dir) == {"_quarantine": 0, "crm__leads": 2}
    assert sorted(p.name for p in (spark_dir / "raw").iterdir()) == ["_quarantine", "crm__leads"]
    assert [p.name for p in (spark_dir / "raw" / "crm__leads").iterdir()] == ["part-0.parquet"]
    with duckdb.connect() as con:
        rows = con.execute(
            "select id, created_at, amount from read_parquet(?) order by id",
            [str(spark_dir / "raw" / "crm__leads" / "part-0.parquet")],
        ).fetchall()
    assert rows == [
        ("a", datetime(2025, 1, 2, 3, 4, 5), Decimal("1.50")),
        ("b", None, None),
    ]


def test_import_models_copies_table_folders_into_duckdb(tmp_path: Path) -> None:
    marts = tmp_path / "spark" / "warehouse" / "marts.db"
    (marts / "fct_x").mkdir(parents=True)
    (marts / "empty_view_dir").mkdir()
    with duckdb.connect() as con:
        for i, values in enumerate(["(1, 'a')", "(2, 'b'), (3, null)"]):
            con.execute(
                f"copy (select * from (values {values}) as t (id, name)) to ?",
                [str(marts / "fct_x" / f"part-{i}.parquet")],
            )
    warehouse = tmp_path / "w.duckdb"
    staging = tmp_path / "spark" / "warehouse" / "staging.db" / "stg_y"
    staging.mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute("copy (select 7 as id) to ?", [str(staging / "part-0.parquet")])
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.fct_x as select 99 as id, 'old' as name")
        con.execute("create schema staging")  # an earlier DuckDB build left a view
        con.execute("create view staging.stg_y as select 1 as id")
    assert import_models(tmp_path / "spark", warehouse) == {"marts.fct_x": 3, "staging.stg_y": 1}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select * from staging.stg_y").fetchall() == [(7,)]
        assert con.execute("select * from marts.fct_x order by id").fetchall() == [
            (1, "a"),
            (2, "b"),
            (3, None),
        ]
