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
