"""Publishing copies the marts (and nothing else) atomically and refuses personal data."""

from pathlib import Path

import duckdb
import pytest

from ingestion.publish import PublishError, publish


def _build(path: Path, email: str = "") -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts; create schema raw")
        con.execute(
            "create table marts.rpt_a as select range as id, 'x' || range as label from range(5)"
        )
        con.execute("create table raw.people as select 'a@example.com' as email")
        if email:
            con.execute("create table marts.leak as select ? as contact", [email])


def test_publish_copies_marts_only(tmp_path: Path) -> None:
    build, target = tmp_path / "build.duckdb", tmp_path / "pub" / "bi.duckdb"
    _build(build)
    result = publish(build, target, run_id="r1")
    assert result.tables == {"marts.rpt_a": 5}
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("select count(*) from marts.rpt_a").fetchone()[0] == 5
        schemas = {r[0] for r in con.execute("select schema_name from duckdb_tables()").fetchall()}
        assert schemas == {"marts"}
        assert con.execute("select run_id from marts._published").fetchone()[0] == "r1"
    assert sorted(p.name for p in target.parent.iterdir()) == ["bi.duckdb"]


def test_personal_data_is_not_published_and_the_old_file_stays(tmp_path: Path) -> None:
    good, bad, target = tmp_path / "good.duckdb", tmp_path / "bad.duckdb", tmp_path / "bi.duckdb"
    _build(good)
    publish(good, target)
    before = target.read_bytes()
    _build(bad, email="Jane.Doe@Example.com")
    with pytest.raises(PublishError, match="personal data"):
        publish(bad, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.duckdb", "bi.duckdb", "good.duckdb"]


def test_published_tables_and_columns_keep_their_comments(tmp_path: Path) -> None:
    """dbt writes the models' docs as comments (persist_docs); BI tools read them from the
    published file, so they are copied with the tables, quotes and all."""
    build, target = tmp_path / "build.duckdb", tmp_path / "bi.duckdb"
    _build(build)
    table_doc, column_doc = "A report's 'docs'", 'The "id"'
    with duckdb.connect(str(build)) as con:
        con.execute(f"comment on table marts.rpt_a is '{table_doc.replace(chr(39), chr(39) * 2)}'")
        con.execute(f"comment on column marts.rpt_a.id is '{column_doc}'")
    publish(build, target)
    with duckdb.connect(str(target), read_only=True) as con:
        tables = dict(
            con.execute(
                "select table_name, comment from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        )
        columns = {
            (table, column): comment
            for table, column, comment in con.execute(
                "select table_name, column_name, comment from duckdb_columns() "
                "where schema_name = 'marts'"
            ).fetchall()
        }
    assert tables["rpt_a"] == table_doc
    assert columns[("rpt_a", "id")] == column_doc
    assert columns[("rpt_a", "label")] is None  # no comment in the build: none published
    assert tables["_published"]
    assert all(comment for (table, _), comment in columns.items() if table == "_published")


def test_views_on_the_marts_are_published_and_work(tmp_path: Path) -> None:
    build, target = tmp_path / "build.duckdb", tmp_path / "bi.duckdb"
    _build(build)
    with duckdb.connect(str(build)) as con:
        con.execute("create view marts.v_even as select id from marts.rpt_a where id % 2 = 0")
        con.execute("comment on view marts.v_even is 'Even ids'")
        con.execute("comment on column marts.v_even.id is 'An even id'")
    result = publish(build, target)
    assert result.views == ["marts.v_even"]
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("select id from marts.v_even order by id").fetchall() == [
            (i,) for i in range(5) if i % 2 == 0
        ]
        assert (
            con.execute("select comment from duckdb_views() where view_name = 'v_even'").fetchone()[
                0
            ]
            == "Even ids"
        )
        assert con.execute(
            "select comment from duckdb_columns() where table_name = 'v_even'"
        ).fetchall() == [("An even id",)]


def test_a_view_reading_unpublished_tables_is_refused(tmp_path: Path) -> None:
    good, bad, target = tmp_path / "good.duckdb", tmp_path / "bad.duckdb", tmp_path / "bi.duckdb"
    _build(good)
    publish(good, target)
    before = target.read_bytes()
    _build(bad)
    with duckdb.connect(str(bad)) as con:
        con.execute("create view marts.people as select * from raw.people")
    with pytest.raises(
        PublishError, match=r"marts\.people: the view reads more than the published tables"
    ):
        publish(bad, target)
    assert target.read_bytes() == before
