"""The manifest is re-parsed only when a dbt project file changed after it was written, and a
build's parse state is what the next build starts from."""

import json
import os
import types
from pathlib import Path

import pytest

from orchestration.defs.dbt import project


@pytest.fixture
def fake_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "models").mkdir()
    (tmp_path / "target").mkdir()
    (tmp_path / "models" / "a.sql").write_text("select 1")
    manifest = tmp_path / "target" / "manifest.json"
    monkeypatch.setattr(project.settings, "DBT_PROJECT_DIR", tmp_path)
    monkeypatch.setattr(
        project,
        "dbt_project",
        types.SimpleNamespace(
            manifest_path=manifest, project_dir=tmp_path, target_path=Path("target")
        ),
    )
    return tmp_path


def _touch(path: Path, mtime: float) -> None:
    path.write_text(path.read_text() if path.exists() else "{}")
    os.utime(path, (mtime, mtime))


def test_no_manifest_is_not_current(fake_project: Path) -> None:
    assert not project.manifest_is_current()


def test_a_manifest_newer_than_every_file_is_current(fake_project: Path) -> None:
    _touch(fake_project / "models" / "a.sql", 1_000)
    _touch(fake_project / "target" / "manifest.json", 2_000)
    assert project.manifest_is_current()


def test_a_model_changed_after_the_manifest_makes_it_stale(fake_project: Path) -> None:
    _touch(fake_project / "target" / "manifest.json", 2_000)
    _touch(fake_project / "models" / "a.sql", 3_000)
    assert not project.manifest_is_current()


def test_files_dbt_writes_itself_do_not_count(fake_project: Path) -> None:
    _touch(fake_project / "models" / "a.sql", 1_000)
    _touch(fake_project / "target" / "manifest.json", 2_000)
    (fake_project / "logs").mkdir()
    _touch(fake_project / "logs" / "dbt.log", 3_000)
    _touch(fake_project / "target" / "run_results.json", 3_000)
    assert project.manifest_is_current()


def test_a_builds_parse_state_replaces_the_shared_one(fake_project: Path) -> None:
    shared = fake_project / "target" / "partial_parse.msgpack"
    shared.write_bytes(b"state of a parse with another profile")
    run_target = fake_project / "target" / "dbt_models-1234"
    run_target.mkdir()
    (run_target / "partial_parse.msgpack").write_bytes(b"state of this build")
    project.keep_parse_state(run_target)
    assert shared.read_bytes() == b"state of this build"
    assert sorted(p.name for p in shared.parent.iterdir()) == [
        "dbt_models-1234",
        "partial_parse.msgpack",
    ]  # no staging file left behind


def test_a_build_without_parse_state_leaves_the_shared_one(fake_project: Path) -> None:
    shared = fake_project / "target" / "partial_parse.msgpack"
    shared.write_bytes(b"earlier state")
    run_target = fake_project / "target" / "dbt_models-1234"
    run_target.mkdir()
    project.keep_parse_state(run_target)
    assert shared.read_bytes() == b"earlier state"


def test_only_the_newest_build_folders_are_kept(fake_project: Path) -> None:
    target = fake_project / "target"
    builds = [target / f"dbt_models-{run:07x}-abc{run:04x}" for run in range(8)]
    for age, build in enumerate(reversed(builds)):  # builds[-1] the newest
        build.mkdir()
        (build / "run_results.json").write_text("{}")
        os.utime(build, (1_000 - age, 1_000 - age))
    current = builds[2]  # this build's folder, even if its time were older
    _touch(target / "manifest.json", 1)
    (target / "notes-of-mine").mkdir()
    removed = project.prune_run_targets(current, keep=3)
    kept = {current, builds[-1], builds[-2]}
    assert set(removed) == set(builds) - kept
    assert {p for p in target.iterdir()} == kept | {
        target / "manifest.json",
        target / "notes-of-mine",
    }


def _node(name: str, materialized: str) -> dict:
    return {"name": name, "config": {"materialized": materialized}}


def test_failed_incremental_models_are_named(tmp_path: Path) -> None:
    nodes = {
        "model.p.fct_a": _node("fct_a", "incremental"),
        "model.p.fct_b": _node("fct_b", "incremental"),
        "model.p.dim_c": _node("dim_c", "table"),
        "test.p.not_null_a": _node("not_null_a", "test"),
    }
    statuses = {
        "model.p.fct_a": "error",
        "model.p.fct_b": "success",
        "model.p.dim_c": "error",
        "test.p.not_null_a": "error",
        "model.p.gone": "error",  # not in the manifest: ignored, not a crash
    }
    (tmp_path / "manifest.json").write_text(json.dumps({"nodes": nodes}))
    (tmp_path / "run_results.json").write_text(
        json.dumps({"results": [{"unique_id": u, "status": s} for u, s in statuses.items()]})
    )
    assert project.failed_incremental_models(tmp_path) == ["fct_a"]


def test_no_artifacts_no_failed_incremental_models(tmp_path: Path) -> None:
    assert project.failed_incremental_models(tmp_path) == []
    assert project.failed_data_tests(tmp_path) == []
    (tmp_path / "run_results.json").write_text("not json")
    (tmp_path / "manifest.json").write_text("{}")
    assert project.failed_incremental_models(tmp_path) == []
    assert project.failed_data_tests(tmp_path) == []


def test_failed_and_warned_data_tests_are_named(tmp_path: Path) -> None:
    """The tests whose failing rows the pipeline stores: data tests that failed or warned;
    not passing tests, not models that failed, not unit tests (manifest key unit_tests)."""
    nodes = {
        "test.p.not_null_a": {"name": "not_null_a", "resource_type": "test"},
        "test.p.unique_a": {"name": "unique_a", "resource_type": "test"},
        "test.p.drift_b": {"name": "drift_b", "resource_type": "test"},
        "test.p.accepted_c": {"name": "accepted_c", "resource_type": "test"},
        "model.p.fct_a": {"name": "fct_a", "resource_type": "model"},
    }
    statuses = {
        "test.p.not_null_a": "fail",
        "test.p.unique_a": "pass",
        "test.p.drift_b": "warn",
        "test.p.accepted_c": "skipped",
        "model.p.fct_a": "error",
        "unit_test.p.fct_a.test_x": "fail",
    }
    (tmp_path / "manifest.json").write_text(json.dumps({"nodes": nodes, "unit_tests": {}}))
    (tmp_path / "run_results.json").write_text(
        json.dumps({"results": [{"unique_id": u, "status": s} for u, s in statuses.items()]})
    )
    assert project.failed_data_tests(tmp_path) == ["drift_b", "not_null_a"]
