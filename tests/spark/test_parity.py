"""The same dbt project on DuckDB and on Apache Spark gives the same marts (issue 10).

One sample (fixed seed, small scale) is ingested into DuckDB ``raw`` and dbt builds it there;
then, after the raw tables are exported to Spark (:func:`ingestion.spark.export_raw`), with the
``spark`` target (PySpark in local mode, dbt-spark's session method). Every table and view of
schema ``marts`` is then compared row for row: same names, same columns, same row count, rows
paired after sorting; floating-point values equal within 1e-9 relative, everything else
(decimals, dates, timestamps, strings, booleans, integers) exactly.

Both builds run through the same Dagster asset graph (`leadledger run`), once with
``WAREHOUSE_ENGINE=duckdb`` and once with ``WAREHOUSE_ENGINE=spark``; the Spark run's marts
are read from Spark itself, and its published warehouse (after the checks) is compared too.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ingestion.sample.generator import generate
from ingestion.spark import java_available, spark_session
from tests.cli_runs import leadledger_env, run_leadledger

pytestmark = [pytest.mark.spark, pytest.mark.e2e]

SCALE = 0.02
SEED = 11
REL_TOL = 1e-9
MAX_REPORTED = 20


# ----------------------------------------------------------------------------- comparison


def _normalise(value: object) -> object:
    """Python values of both engines on one footing (Spark returns numpy-free Python types,
    DuckDB too; only float-like integers and NaN need care)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _sort_key(row: tuple) -> tuple:
    """Rows pair up after sorting by every column; floats are rounded for sorting only (their
    last bits may differ between engines), nulls sort first."""
    key = []
    for value in row:
        if value is None:
            key.append((0, ""))
        elif isinstance(value, float):
            key.append((1, f"{value:.6e}"))
        elif isinstance(value, bool):
            key.append((1, str(value)))
        elif isinstance(value, int | Decimal):
            key.append(
                (1, f"{Decimal(value):040.12f}" if value >= 0 else f"-{-Decimal(value):039.12f}")
            )
        elif isinstance(value, datetime | date):
            key.append((1, value.isoformat()))
        else:
            key.append((1, str(value)))
    return tuple(key)


def _equal(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return (
            isinstance(a, int | float | Decimal)
            and isinstance(b, int | float | Decimal)
            and (math.isclose(float(a), float(b), rel_tol=REL_TOL, abs_tol=1e-12))
        )
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, datetime) or isinstance(b, datetime):
        return isinstance(a, datetime) and isinstance(b, datetime) and a == b
    return type(a) is type(b) and a == b if not isinstance(a, int | Decimal) else a == b


def compare_tables(
    name: str, columns_a: list[str], rows_a: list[tuple], columns_b: list[str], rows_b: list[tuple]
) -> list[str]:
    """Differences between two versions of one table, as readable lines (empty: equal)."""
    if columns_a != columns_b:
        return [f"{name}: columns differ\n  duckdb: {columns_a}\n  spark:  {columns_b}"]
    if len(rows_a) != len(rows_b):
        return [f"{name}: {len(rows_a)} rows on duckdb, {len(rows_b)} on spark"]
    problems: list[str] = []
    sorted_a = sorted((tuple(map(_normalise, r)) for r in rows_a), key=_sort_key)
    sorted_b = sorted((tuple(map(_normalise, r)) for r in rows_b), key=_sort_key)
    for row_a, row_b in zip(sorted_a, sorted_b, strict=True):
        for column, a, b in zip(columns_a, row_a, row_b, strict=True):
            if not _equal(a, b):
                key = ", ".join(
                    f"{c}={v!r}" for c, v in zip(columns_a[:2], row_a[:2], strict=False)
                )
                problems.append(
                    f"{name} [{key}] {column}: duckdb {a!r} ({type(a).__name__}),"
                    f" spark {b!r} ({type(b).__name__})"
                )
    return problems


def test_compare_tables_reports_differences() -> None:
    """The comparison itself: tolerances, types, row pairing and its messages."""
    columns = ["id", "amount", "share"]
    base = [("b", Decimal("2.50"), 0.1 + 0.2), ("a", Decimal("1.00"), 1 / 3)]
    same = [("a", Decimal("1.00"), 1 / 3 * (1 + 1e-12)), ("b", Decimal("2.50"), 0.3)]
    assert compare_tables("t", columns, base, columns, same) == []
    off = [("a", Decimal("1.00"), 1 / 3 * (1 + 1e-6)), ("b", Decimal("2.51"), 0.3)]
    problems = compare_tables("t", columns, base, columns, off)
    assert len(problems) == 2
    assert "t [id='a', amount=Decimal('1.00')] share" in problems[0]
    assert "amount: duckdb Decimal('2.50')" in problems[1]
    assert compare_tables("t", columns, base, columns, base[:1]) == [
        "t: 2 rows on duckdb, 1 on spark"
    ]
    assert compare_tables("t", columns, [("a", None, 1.0)], columns, [("a", Decimal(0), 1.0)])
    assert compare_tables("t", ["id"], [(True,)], ["id"], [(1,)])
    assert compare_tables("t", ["id"], [("1",)], ["id"], [(1,)])
    assert compare_tables("t", ["x"], [(date(2025, 1, 1),)], ["x"], [(date(2025, 1, 2),)])


# ----------------------------------------------------------------------------- the builds


def _leadledger_run(engine: str, landing: Path, root: Path, spark_dir: Path) -> Path:
    """`leadledger run` (ingestion, dbt build with every test, checks, publish) with
    WAREHOUSE_ENGINE=engine into its own warehouse; returns that DuckDB file."""
    warehouse = root / engine / "leadledger.duckdb"
    env = leadledger_env(
        root / engine,
        WAREHOUSE_ENGINE=engine,
        LEADLEDGER_SPARK_DIR=str(spark_dir),
        LEADLEDGER_DBT_UNIT_TESTS="1",  # the unit tests pass on both engines, too
    )
    args = ["run", "--landing", str(landing), "--warehouse", str(warehouse)]
    # In the test's folder: Spark may leave derby.log or spark-warehouse/ in the working folder.
    run_leadledger(args, env, log=root / f"run_{engine}.log", cwd=root, timeout=2400)
    return warehouse


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The same sample through the same Dagster asset graph twice: WAREHOUSE_ENGINE=duckdb and
    WAREHOUSE_ENGINE=spark."""
    if not java_available():
        pytest.fail(
            "no Java for PySpark: run scripts/ensure_debian_package.sh java"
            " openjdk-17-jre-headless (make test does)"
        )
    root = tmp_path_factory.mktemp("parity")
    landing = root / "landing"
    generate(landing, scale=SCALE, seed=SEED, mess_rate=0.02)
    spark_dir = root / "spark"
    duck_warehouse = _leadledger_run("duckdb", landing, root, spark_dir)
    spark_warehouse = _leadledger_run("spark", landing, root, spark_dir)
    return {"warehouse": duck_warehouse, "spark_warehouse": spark_warehouse, "spark_dir": spark_dir}


def _published_counts(warehouse: Path) -> dict[str, int]:
    """Row counts of the published tables. Views are left out: a Spark build copies its tables
    back into DuckDB and its views stay in Spark (README "Scaling out"), so only the DuckDB run
    publishes the marts' views (fct_pipeline_daily_expanded)."""
    published = warehouse.parent / "published" / "leadledger.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        names = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' and table_type = 'BASE TABLE'"
            ).fetchall()
        ]
        return {n: con.execute(f'select count(*) from marts."{n}"').fetchall()[0][0] for n in names}


def test_the_spark_run_checks_and_publishes_the_same_marts(builds: dict) -> None:
    """On Spark the marts come back into DuckDB, pass the same checks and are published: the
    published warehouse holds the same tables with the same row counts as the DuckDB run's."""
    duck = _published_counts(builds["warehouse"])
    spark = _published_counts(builds["spark_warehouse"])
    assert len(duck) > 20
    assert spark == duck


@pytest.fixture(scope="module")
def marts(
    builds: dict,
) -> dict[str, tuple[tuple[list[str], list[tuple]], tuple[list[str], list[tuple]]]]:
    """Every table and view of schema marts on both engines: name -> (duckdb, spark), each as
    (columns, rows). Spark is read last, after dbt has released the Derby metastore."""
    with duckdb.connect(str(builds["warehouse"]), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        duck_names = sorted(
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        )
        duck = {}
        for name in duck_names:
            relation = con.sql(f'select * from marts."{name}"')
            duck[name] = (relation.columns, relation.fetchall())
    assert len(duck_names) > 20, duck_names
    with spark_session(builds["spark_dir"]) as spark:
        spark_names = sorted(row.tableName for row in spark.sql("show tables in marts").collect())
        assert spark_names == duck_names
        result = {}
        for name in duck_names:
            frame = spark.table(f"marts.`{name}`")
            result[name] = (duck[name], (frame.columns, [tuple(r) for r in frame.collect()]))
    return result


def _is_numeric_column(rows: list[tuple], index: int) -> bool:
    return any(isinstance(row[index], float | Decimal) for row in rows)


def test_every_mart_has_the_same_shape_and_exact_columns(marts: dict) -> None:
    """Same columns and row counts everywhere, and every column that is not floating-point or
    decimal (keys, names, dates, timestamps, booleans, integers, strings) equal row for row."""
    problems: list[str] = []
    for name, ((columns_a, rows_a), (columns_b, rows_b)) in marts.items():
        if columns_a != columns_b or len(rows_a) != len(rows_b):
            problems += compare_tables(name, columns_a, rows_a, columns_b, rows_b)
            continue
        exact = [
            i
            for i in range(len(columns_a))
            if not _is_numeric_column(rows_a, i) and not _is_numeric_column(rows_b, i)
        ]
        problems += compare_tables(
            name,
            [columns_a[i] for i in exact],
            [tuple(row[i] for i in exact) for row in rows_a],
            [columns_b[i] for i in exact],
            [tuple(row[i] for i in exact) for row in rows_b],
        )
    assert not problems, (
        f"{len(problems)} differences between the marts on DuckDB and on Spark"
        f" (first {MAX_REPORTED}):\n" + "\n".join(problems[:MAX_REPORTED])
    )


def test_every_mart_value_is_the_same_within_tolerance(marts: dict) -> None:
    """Every value: floating-point within 1e-9 relative, decimals exactly."""
    problems: list[str] = []
    for name, (duck, spark) in marts.items():
        problems += compare_tables(name, *duck, *spark)
    assert not problems, (
        f"{len(problems)} differences between the marts on DuckDB and on Spark"
        f" (first {MAX_REPORTED}):\n" + "\n".join(problems[:MAX_REPORTED])
    )
