"""macros/orphan_rows.sql, the body of the data tests relationships_if_delivered and
relationships_if_fx_data: every row (all its columns) whose key is not null and missing from
the parent, while the test's condition holds.

The macro is plain Jinja apart from not_materialized(), given here as on DuckDB; it is
rendered and run on DuckDB, and the expected rows are computed in Python from the same data."""

from __future__ import annotations

from pathlib import Path

import duckdb
import jinja2
import pytest

MACRO = Path(__file__).resolve().parents[2] / "dbt_project" / "macros" / "orphan_rows.sql"

CHILD = [
    ("m1", "c1", 10),
    ("m2", "c2", 20),
    ("m3", "gone", 30),
    ("m4", "gone", 40),
    ("m5", None, 50),
    ("m6", "also_gone", 60),
    ("m7", "c1", 70),
]
PARENT = ["c1", "c2", None]


def _orphan_rows_sql(condition: str) -> str:
    env = jinja2.Environment()
    env.globals["not_materialized"] = lambda: "not materialized"
    module = env.from_string(MACRO.read_text()).module
    return str(module.orphan_rows("child_table", "campaign_id", "parent_table", "id", condition))


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create table child_table (member_id varchar, campaign_id varchar, amount int)")
    con.executemany("insert into child_table values (?, ?, ?)", CHILD)
    con.execute("create table parent_table (id varchar)")
    con.executemany("insert into parent_table values (?)", [(p,) for p in PARENT])
    return con


def test_every_column_of_every_orphan_row_and_nothing_else(con) -> None:
    rows = con.execute(_orphan_rows_sql("exists (select 1 from parent)")).fetchall()
    known = {p for p in PARENT if p is not None}
    expected = [r for r in CHILD if r[1] is not None and r[1] not in known]
    assert sorted(rows) == sorted(expected)
    assert len(expected) == 3  # m3 and m4 share a missing key; a null key is no orphan


def test_no_rows_while_the_condition_does_not_hold(con) -> None:
    assert con.execute(_orphan_rows_sql("false")).fetchall() == []


def test_an_empty_parent_with_the_delivered_condition_checks_nothing(con) -> None:
    con.execute("delete from parent_table")
    assert con.execute(_orphan_rows_sql("exists (select 1 from parent)")).fetchall() == []
    # without that condition every keyed row is an orphan
    rows = con.execute(_orphan_rows_sql("true")).fetchall()
    assert sorted(rows) == sorted(r for r in CHILD if r[1] is not None)
