"""Schedules, sensors and freshness policies: a new extract starts exactly one run, a loaded one
none; the daily schedule runs the whole graph."""

from __future__ import annotations

import os
import time
from pathlib import Path

import dagster as dg
import pytest

from ingestion.load import load_landing
from orchestration.defs.automation.freshness import SOURCE_FRESHNESS, with_source_freshness
from orchestration.defs.automation.schedules import daily_full_pipeline
from orchestration.defs.automation.sensors import (
    SETTLE_SECONDS,
    PendingFile,
    extract_sensors,
    run_key,
)
from tests.conftest import write_drop

FX = "Datum;Waehrung;Kurs\n01.02.2024;USD;1,0812\n"
FX_MARCH = "Datum;Waehrung;Kurs\n01.03.2024;USD;1,0799\n01.03.2024;CHF;0,9512\n"


def _sensor(system: str) -> dg.SensorDefinition:
    [sensor] = [s for s in extract_sensors if s.name == f"{system}_new_extracts"]
    return sensor


def _settled(path: Path) -> Path:
    """Pretend the file was written well before the sensor looks (no waiting in tests)."""
    old = time.time() - SETTLE_SECONDS - 5
    os.utime(path, (old, old))
    return path


def _tick(system: str) -> dg.SensorExecutionData:
    with dg.instance_for_test() as instance:
        return _sensor(system).evaluate_tick(dg.build_sensor_context(instance=instance))


@pytest.fixture
def paths(landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    warehouse = tmp_path / "warehouse" / "wh.duckdb"
    monkeypatch.setenv("LEADLEDGER_LANDING", str(landing))
    monkeypatch.setenv("LEADLEDGER_WAREHOUSE", str(warehouse))
    return {"landing": landing, "warehouse": warehouse}


def test_new_file_starts_a_run_and_a_loaded_one_does_not(paths: dict[str, Path]) -> None:
    _settled(write_drop(paths["landing"], "finance", "2024-02-01", "fx_rates.csv", FX, "cp1252"))

    first = _tick("finance")
    [request] = first.run_requests
    assert request.run_key.startswith("finance:1:")
    assert request.tags["leadledger/source_system"] == "finance"
    assert request.tags["leadledger/first_new_file"] == "finance/2024-02-01/fx_rates.csv"
    # A second tick before the run has loaded the file asks again with the same run key, which
    # Dagster deduplicates: the file is never processed twice.
    assert [r.run_key for r in _tick("finance").run_requests] == [request.run_key]

    load_landing(paths["warehouse"], paths["landing"])  # what the run does
    after = _tick("finance")
    assert after.run_requests == []
    assert "no new finance extracts" in after.skip_message


def test_only_the_files_not_loaded_yet_make_the_run_key(paths: dict[str, Path]) -> None:
    _settled(write_drop(paths["landing"], "finance", "2024-02-01", "fx_rates.csv", FX, "cp1252"))
    load_landing(paths["warehouse"], paths["landing"])
    march = _settled(
        write_drop(paths["landing"], "finance", "2024-03-01", "fx_rates.csv", FX_MARCH, "cp1252")
    )

    [request] = _tick("finance").run_requests
    assert request.run_key == run_key(
        "finance", [PendingFile("finance/2024-03-01/fx_rates.csv", march.stat().st_size)]
    )
    assert request.tags["leadledger/new_files"] == "1"


def test_run_key_depends_on_paths_and_sizes_not_on_order() -> None:
    a, b = PendingFile("crm/2025-01-01/Lead.csv", 100), PendingFile("crm/2025-01-01/User.csv", 7)
    assert run_key("crm", [a, b]) == run_key("crm", [b, a])
    assert run_key("crm", [a, b]) != run_key("crm", [a])
    assert run_key("crm", [a]) != run_key("crm", [PendingFile(a.relative, 101)])
    assert run_key("crm", [a]) != run_key("marketing", [a])


def test_a_file_still_being_written_waits_for_the_next_tick(paths: dict[str, Path]) -> None:
    path = write_drop(paths["landing"], "finance", "2024-02-01", "fx_rates.csv", FX, "cp1252")
    assert _tick("finance").run_requests == []  # written just now: maybe not finished
    _settled(path)
    assert len(_tick("finance").run_requests) == 1


def test_each_system_has_its_own_sensor(paths: dict[str, Path]) -> None:
    _settled(write_drop(paths["landing"], "finance", "2024-02-01", "fx_rates.csv", FX, "cp1252"))
    assert _tick("crm").run_requests == []
    assert _tick("marketing").run_requests == []
    assert len(_tick("finance").run_requests) == 1
    assert {s.name for s in extract_sensors} == {
        "crm_new_extracts",
        "marketing_new_extracts",
        "finance_new_extracts",
    }
    assert {s.job_name for s in extract_sensors} == {
        "crm_pipeline",
        "marketing_pipeline",
        "finance_pipeline",
    }


def test_a_stray_file_does_not_hold_back_the_valid_ones(paths: dict[str, Path]) -> None:
    _settled(write_drop(paths["landing"], "finance", "2024-02-01", "fx_rates.csv", FX, "cp1252"))
    _settled(write_drop(paths["landing"], "finance", "2024-02-01", "notes.txt", "hello"))
    [request] = _tick("finance").run_requests
    assert request.tags["leadledger/new_files"] == "1"


def test_no_landing_folder_yet_is_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADLEDGER_LANDING", str(tmp_path / "missing"))
    monkeypatch.setenv("LEADLEDGER_WAREHOUSE", str(tmp_path / "wh.duckdb"))
    tick = _tick("crm")
    assert tick.run_requests == [] and tick.skip_message


def test_daily_schedule_runs_the_full_pipeline() -> None:
    assert daily_full_pipeline.job_name == "full_pipeline"
    assert daily_full_pipeline.cron_schedule == "0 5 * * *"
    with dg.instance_for_test() as instance:
        data = daily_full_pipeline.evaluate_tick(dg.build_schedule_context(instance=instance))
    assert len(data.run_requests) == 1


def test_automation_is_wired_into_the_code_location() -> None:
    from orchestration.definitions import defs

    assert defs.resolve_job_def("full_pipeline") is not None
    assert defs.resolve_schedule_def("daily_full_pipeline").job_name == "full_pipeline"
    graph = defs.resolve_asset_graph()
    for system in SOURCE_FRESHNESS:
        job = defs.resolve_job_def(f"{system}_pipeline")
        keys = job.asset_layer.selected_asset_keys
        # the system's ingestion and everything downstream, up to the report; not the others'
        assert {dg.AssetKey(["published", "warehouse"]), dg.AssetKey(["report", "html"])} <= keys
        assert all(k.path[1] == system for k in keys if k.path[0] == "raw")
        assert any(k.path[0] == "raw" for k in keys)
        raw = [k for k in graph.get_all_asset_keys() if k.path[:2] == ["raw", system]]
        warn, fail = SOURCE_FRESHNESS[system]
        for key in raw:
            policy = graph.get(key).freshness_policy
            assert policy is not None, key
            assert policy.warn_window.to_timedelta() == warn, key
            assert policy.fail_window.to_timedelta() == fail, key
    report = graph.get(dg.AssetKey(["report", "html"]))
    assert dg.AssetKey(["published", "warehouse"]) in report.parent_keys


def test_freshness_leaves_other_assets_alone() -> None:
    @dg.asset(key=["marts", "something"])
    def other() -> None: ...

    [mapped] = with_source_freshness([other])
    assert mapped.specs_by_key[dg.AssetKey(["marts", "something"])].freshness_policy is None
