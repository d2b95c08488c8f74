"""The Dagster instance of dagster.yaml: Dagster's SQLite files, written with one open
connection per file instead of one per event, and readable by Dagster's stock storage."""

from __future__ import annotations

import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from orchestration.cli import _prepare_dagster_home
from orchestration.sqlite_storage import (
    OPEN_FILES,
    LeadledgerSqliteStorage,
    OpenSqliteEventLogStorage,
)

ASSETS = 12


def _job() -> dg.JobDefinition:
    """A few assets, each with a check: materialisations and check results are the events
    Dagster copies to its cross-run index."""

    def make(i: int) -> tuple[dg.AssetsDefinition, dg.AssetChecksDefinition]:
        @dg.asset(name=f"asset_{i}")
        def _asset() -> dg.MaterializeResult:
            return dg.MaterializeResult(metadata={"i": i})

        @dg.asset_check(asset=_asset, name="positive")
        def _check() -> dg.AssetCheckResult:
            return dg.AssetCheckResult(passed=i >= 0)

        return _asset, _check

    pairs = [make(i) for i in range(ASSETS)]
    defs = dg.Definitions(
        assets=[a for a, _ in pairs],
        asset_checks=[c for _, c in pairs],
        jobs=[dg.define_asset_job("everything")],
    )
    return defs.resolve_job_def("everything")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Dagster home set up as the CLI does (dagster.yaml copied in, DAGSTER_HOME set)."""
    home = tmp_path / "dagster_home"
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    assert _prepare_dagster_home() == home
    return home


def _run_counting_opens(
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[str, int, Counter[str]]:
    """(run id, events stored, SQLite files opened by name) of the job run on the instance
    of DAGSTER_HOME."""
    opened: Counter[str] = Counter()
    real_connect = sqlite3.dbapi2.connect  # what SQLAlchemy calls

    def counting_connect(database: str, *args: object, **kwargs: object) -> sqlite3.Connection:
        opened[Path(database).name] += 1
        return real_connect(database, *args, **kwargs)

    with dg.DagsterInstance.get() as instance:
        monkeypatch.setattr(sqlite3.dbapi2, "connect", counting_connect)
        result = _job().execute_in_process(instance=instance)
        monkeypatch.setattr(sqlite3.dbapi2, "connect", real_connect)
        assert result.success
        return result.run_id, len(instance.all_logs(result.run_id)), opened


def test_events_reuse_one_connection_per_file_and_stock_dagster_reads_them(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with dg.DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        assert type(storage) is OpenSqliteEventLogStorage
        with storage.run_connection("probe") as conn:
            [(sync,)] = conn.exec_driver_sql("PRAGMA synchronous").fetchall()
        assert sync == 1  # NORMAL
    run_id, stored, opened = _run_counting_opens(monkeypatch)
    assert stored > 4 * ASSETS  # each asset: planned, materialised, check planned and result

    # Dagster's default storage, same job: it opens the run's file for every event
    stock_home = tmp_path / "stock_home"
    stock_home.mkdir()
    (stock_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(stock_home))
    stock_run_id, stock_stored, stock_opened = _run_counting_opens(monkeypatch)
    assert stock_stored == stored
    assert stock_opened[f"{stock_run_id}.db"] >= stored
    # here: a few opens to set each file up (Dagster's schema check), then one for all events
    assert opened[f"{run_id}.db"] <= 6
    assert opened["index.db"] <= 6
    assert stock_opened["index.db"] > 4 * ASSETS

    # the folder's own dagster.yaml names the folder: opened with DAGSTER_HOME unset or
    # pointing elsewhere (as when tests or tools open a run's home), it shows this run
    elsewhere = tmp_path / "elsewhere"
    for variable in (None, str(elsewhere)):
        if variable is None:
            monkeypatch.delenv("DAGSTER_HOME")
        else:
            monkeypatch.setenv("DAGSTER_HOME", variable)
        with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as reopened:
            assert reopened.get_run_by_id(run_id).is_success
            latest = reopened.get_latest_materialization_event(dg.AssetKey("asset_0"))
            assert latest is not None and latest.run_id == run_id
    assert not elsewhere.exists()

    # Dagster's default storage, on a copy of the folder, sees the run, events and checks
    copy = tmp_path / "copy_home"
    shutil.copytree(home, copy)
    shutil.copyfile(stock_home / "dagster.yaml", copy / "dagster.yaml")
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(copy))) as reader:
        assert type(reader.event_log_storage) is SqliteEventLogStorage
        assert reader.get_run_by_id(run_id).is_success
        assert len(reader.all_logs(run_id)) == stored
        for i in range(ASSETS):
            key = dg.AssetKey(f"asset_{i}")
            assert reader.get_latest_materialization_event(key).run_id == run_id
            check = dg.AssetCheckKey(key, "positive")
            [execution] = reader.event_log_storage.get_asset_check_execution_history(check, 5)
            assert execution.run_id == run_id


def test_storage_keeps_only_a_few_files_open(home: Path) -> None:
    storage = LeadledgerSqliteStorage.from_local(str(home))
    events = storage.event_log_storage
    for shard in [f"run_{n}" for n in range(OPEN_FILES + 3)]:
        with events.run_connection(shard) as conn:
            conn.exec_driver_sql("select 1")
    assert len(events._engines) == OPEN_FILES
    assert list(events._engines)[-1] == f"run_{OPEN_FILES + 2}"
    storage.dispose()
    assert not events._engines
