"""Killing the pipeline (SIGKILL) in the middle of ingestion or of the dbt build, then running
it again, publishes the same marts as a run that was never interrupted: no duplicates, no
half-loaded file."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from ingestion.sample.generator import generate
from tests.cli_runs import ROOT, leadledger_env, run_leadledger
from tests.e2e.checksums import relation_checksums

pytestmark = pytest.mark.e2e


def _env(root: Path, landing: Path) -> dict[str, str]:
    return leadledger_env(
        root,
        LEADLEDGER_LANDING=str(landing),
        LEADLEDGER_WAREHOUSE=str(root / "work.duckdb"),
        LEADLEDGER_PUBLISHED=str(root / "published.duckdb"),
        PYTHONUNBUFFERED="1",
    )


def _run_and_kill_when(env: dict[str, str], marker: str, delay: float) -> str:
    """Start a run, SIGKILL its whole process group `delay` s after `marker` appears on stdout."""
    process = subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", "run"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    seen = []
    deadline = time.monotonic() + 600
    assert process.stdout is not None
    for line in process.stdout:
        seen.append(line)
        if marker in line:
            time.sleep(delay)
            os.killpg(process.pid, signal.SIGKILL)
            break
        assert time.monotonic() < deadline, "marker never appeared"
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "".join(seen)[-3000:]
    return "".join(seen)


def test_killed_runs_recover_to_the_same_published_marts(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    generate(landing, scale=0.02, seed=5)

    reference = _env(tmp_path / "reference", landing)
    run_leadledger(["run"], reference)
    expected = relation_checksums(Path(reference["LEADLEDGER_PUBLISHED"]))

    crashed = _env(tmp_path / "crashed", landing)
    _run_and_kill_when(crashed, "ingest_crm: crm: 25/", 0.3)
    with duckdb.connect(crashed["LEADLEDGER_WAREHOUSE"], read_only=True) as con:
        manifest = dict(
            con.execute(
                "select raw_table, sum(rows_loaded) from raw._load_manifest group by 1"
            ).fetchall()
        )
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from duckdb_tables() "
                "where schema_name = 'raw' and not starts_with(table_name, '_')"
            ).fetchall()
        ]
        loaded = {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in tables}
    # Every row in a raw table belongs to a file recorded as completely loaded (small files
    # of an extract load together, so which tables have rows at the kill varies).
    assert loaded == {t: manifest.get(t, 0) for t in tables}
    assert sum(manifest.values()) > 0

    _run_and_kill_when(crashed, "START sql table model marts.", 1.0)
    run_leadledger(["run"], crashed)
    assert relation_checksums(Path(crashed["LEADLEDGER_PUBLISHED"])) == expected
    shutil.rmtree(tmp_path / "reference" / "dagster_home", ignore_errors=True)
