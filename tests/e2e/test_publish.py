"""Write-Audit-Publish as BI users experience it: a failed check leaves the published warehouse
byte-identical; a correction drop fixes it; a reader querying the published marts in a loop
in another process never sees an error or a partial table; nothing personal is published."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from ingestion.crm import OPPORTUNITIES
from ingestion.sample.generator import generate
from tests.cli_runs import leadledger_env, run_leadledger
from tests.conftest import write_drop

pytestmark = pytest.mark.e2e

READER = r"""
import sys, time, duckdb
path, stop_file, log = sys.argv[1], sys.argv[2], sys.argv[3]
ok = errors = 0
with open(log, "w") as out:
    while True:
        try:
            with duckdb.connect(path, read_only=True) as con:
                n = con.execute("select count(*) from marts.rpt_campaign_roi").fetchone()[0]
                m = con.execute("select count(*) from marts.fct_opportunities").fetchone()[0]
                if n == 0 or m == 0:
                    raise RuntimeError(f"empty table: {n} {m}")
            ok += 1
        except Exception as exc:
            errors += 1
            out.write(f"{type(exc).__name__}: {exc}\n")
        import os
        if os.path.exists(stop_file):
            break
        time.sleep(0.02)
    out.write(f"OK {ok} ERRORS {errors}\n")
"""


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _opportunity_row(**values: str) -> str:
    return ",".join(values.get(c, "") for c in OPPORTUNITIES.column_names)


def _audit_tables(warehouse: Path) -> dict[str, list[tuple]]:
    """The rows of every table in schema audit of the working warehouse."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'audit'"
            ).fetchall()
        ]
        return {name: con.execute(f'select * from audit."{name}"').fetchall() for name in names}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("wap")
    generate(root / "landing", scale=0.03, seed=11)
    return leadledger_env(
        root,
        LEADLEDGER_LANDING=str(root / "landing"),
        LEADLEDGER_WAREHOUSE=str(root / "warehouse" / "work.duckdb"),
        LEADLEDGER_PUBLISHED=str(root / "published" / "bi.duckdb"),
    )


def test_write_audit_publish(env: dict[str, str]) -> None:
    landing, published = Path(env["LEADLEDGER_LANDING"]), Path(env["LEADLEDGER_PUBLISHED"])
    run_leadledger(["run"], env)
    assert published.exists()
    before = _sha(published)

    # A won deal in a currency nobody has a rate for: its reporting amount cannot be computed,
    # a blocking check fails, nothing is published.
    header = ",".join(OPPORTUNITIES.column_names)
    bad = dict(
        Id="006BADCURRENCY0001",
        StageName="Closed Won",
        Amount="1000",
        CurrencyIsoCode="XYZ",
        Probability="100",
        CloseDate="2025-12-15",
        IsClosed="1",
        IsWon="1",
        CreatedDate="2025-11-01T10:00:00.000+0000",
        SystemModstamp="2025-12-15T10:00:00.000+0000",
    )
    write_drop(
        landing,
        "crm",
        "2026-01-02",
        "Opportunity.csv",
        f"\ufeff{header}\n{_opportunity_row(**bad)}\n",
    )
    second = run_leadledger(["run"], env, check=False)
    assert second.returncode != 0
    assert _sha(published) == before, (
        "a failed run must leave the published warehouse byte-identical"
    )
    assert "amount_reporting" in second.stdout and "006BADCURRENCY0001" in second.stdout, (
        second.stdout[-4000:]
    )
    assert "Nothing was published" in second.stdout
    # The failing rows are kept in schema audit, one table per failed test, and nothing else.
    failed_tables = _audit_tables(Path(env["LEADLEDGER_WAREHOUSE"]))
    assert failed_tables and all(
        "006BADCURRENCY0001" in str(rows) for rows in failed_tables.values()
    ), failed_tables

    # A correction in a later drop supersedes the bad row; meanwhile a BI user queries in a loop.
    fixed = {**bad, "CurrencyIsoCode": "EUR", "SystemModstamp": "2025-12-16T10:00:00.000+0000"}
    write_drop(
        landing,
        "crm",
        "2026-01-03",
        "Opportunity.csv",
        f"\ufeff{header}\n{_opportunity_row(**fixed)}\n",
    )
    stop, log = published.parent / "stop", published.parent / "reader.log"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(published), str(stop), str(log)])
    try:
        time.sleep(1)
        run_leadledger(["run"], env)
    finally:
        stop.touch()
        reader.wait(timeout=60)
    assert _sha(published) != before
    assert _audit_tables(Path(env["LEADLEDGER_WAREHOUSE"])) == {}, "stale failing rows remain"
    report = log.read_text().strip().splitlines()
    assert report[-1].startswith("OK ") and report[-1].endswith(" ERRORS 0"), report[-5:]
    assert int(report[-1].split()[1]) > 10
    with duckdb.connect(str(published), read_only=True) as con:
        assert (
            con.execute(
                "select amount_reporting from marts.fct_opportunities where opportunity_id = '006BADCURRENCY0001'"
            ).fetchone()[0]
            == 1000
        )


def test_published_warehouse_has_marts_only_and_no_personal_data(env: dict[str, str]) -> None:
    published = Path(env["LEADLEDGER_PUBLISHED"])
    with duckdb.connect(str(published), read_only=True) as con:
        schemas = {
            r[0]
            for r in con.execute(
                "select distinct table_schema from information_schema.tables"
            ).fetchall()
        }
        assert schemas == {"marts"}
        # The day grain of the pipeline (a view on the published ranges) is published too.
        days = con.execute("select count(*) from marts.fct_pipeline_daily_expanded").fetchone()[0]
        with duckdb.connect(env["LEADLEDGER_WAREHOUSE"], read_only=True) as working:
            expected = working.execute(
                "select count(*) from marts.fct_pipeline_daily_expanded"
            ).fetchone()[0]
        assert days == expected > 0
        # Every published table and column carries its documentation (dbt's descriptions).
        undocumented = con.execute(
            """
            select table_name, column_name from duckdb_columns()
            where schema_name = 'marts' and (comment is null or trim(comment) = '')
            union all
            select table_name, null from duckdb_tables()
            where schema_name = 'marts' and (comment is null or trim(comment) = '')
            """
        ).fetchall()
        assert undocumented == [], undocumented
        columns = con.execute(
            "select table_name, column_name from information_schema.columns where data_type = 'VARCHAR'"
        ).fetchall()
        for table, column in columns:
            hits = con.execute(
                f"""select count(*) from marts."{table}" where regexp_matches("{column}", '[^@\\s]+@[^@\\s]+\\.[a-z]{{2,}}')"""
            ).fetchone()[0]
            assert hits == 0, f"e-mail addresses in marts.{table}.{column}"
