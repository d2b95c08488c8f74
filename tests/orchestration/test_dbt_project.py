"""The manifest is re-parsed only when a dbt project file changed after it was written."""

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
    monkeypatch.setattr(project, "dbt_project", types.SimpleNamespace(manifest_path=manifest))
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
