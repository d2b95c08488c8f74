"""The dbt project, built once. Kept apart from the asset definitions so that the manifest can
be refreshed (``prepare``) before the assets are built from it."""

import json
import os
import re
import shutil
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration import settings

dbt_project = DbtProject(
    project_dir=settings.DBT_PROJECT_DIR, profiles_dir=settings.DBT_PROJECT_DIR
)
# Folders dbt writes to or installs into: their files do not change the project.
_GENERATED = {"target", "logs", "dbt_packages", ".user.yml"}


def _newest_project_file() -> float:
    newest = 0.0
    for folder, dirs, files in os.walk(settings.DBT_PROJECT_DIR):
        if Path(folder) == settings.DBT_PROJECT_DIR:
            dirs[:] = [d for d in dirs if d not in _GENERATED]
        for name in files:
            newest = max(newest, (Path(folder) / name).stat().st_mtime)
    return newest


def manifest_is_current() -> bool:
    """True when the manifest was written after every file of the dbt project changed."""
    manifest = dbt_project.manifest_path
    return manifest.exists() and manifest.stat().st_mtime >= _newest_project_file()


def prepare() -> None:
    """Parse the dbt project into a fresh manifest (run before loading the definitions), unless
    the manifest is already newer than every project file: a parse costs 10-30 s here, and
    `dbt build` parses again anyway (partial parsing), so only structure changes need it."""
    if not manifest_is_current():
        dbt_project.preparer.prepare(dbt_project)


def keep_parse_state(run_target: Path) -> None:
    """Make a build's parse state (run_target/partial_parse.msgpack) the one the next build
    starts from.

    dagster-dbt runs every build in a target folder of its own, seeded with the project's
    target/partial_parse.msgpack, and leaves the new state there. dbt parses everything again
    when the saved state comes from another profile (another warehouse path or memory cap: a
    `dbt build` by hand, `make lint`), which cost every later run 10-30 s until the project
    changed. Copied back (atomically), only the one run after such a command pays it."""
    produced = run_target / "partial_parse.msgpack"
    if not produced.exists():
        return
    shared = dbt_project.project_dir / dbt_project.target_path / "partial_parse.msgpack"
    staged = shared.with_name(f".{shared.name}.{os.getpid()}")
    shutil.copyfile(produced, staged)
    os.replace(staged, shared)


# Build folders to keep: dagster-dbt gives every build a target folder of its own
# (<step>-<run id>-<random>, ~30 MB at the demo's scale: manifest, compiled and run SQL,
# run_results.json) and never removes one, so a daily schedule filled gigabytes a year.
RUN_TARGETS_KEPT = 5
_RUN_TARGET = re.compile(r"^[A-Za-z0-9_]+-[0-9a-f]{7}-[0-9a-f]{7}$")


def prune_run_targets(run_target: Path, keep: int = RUN_TARGETS_KEPT) -> list[Path]:
    """Remove the build folders next to ``run_target`` (this build's) except the ``keep``
    newest, this build's always among them; returns what was removed. Other files and folders
    of the target folder (the manifest, the shared parse state) are not touched."""
    builds = [
        p
        for p in run_target.parent.iterdir()
        if p.is_dir() and _RUN_TARGET.match(p.name) and p != run_target
    ]
    builds.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    removed = builds[max(keep - 1, 0) :]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed


def _results_and_nodes(run_target: Path) -> tuple[list[dict], dict[str, dict]]:
    """A build's run_results.json results and manifest.json nodes in run_target (both empty
    when either is missing or unreadable)."""
    try:
        results = json.loads((run_target / "run_results.json").read_text())["results"]
        nodes = json.loads((run_target / "manifest.json").read_text())["nodes"]
    except (OSError, ValueError, KeyError):
        return [], {}
    return results, nodes


def failed_incremental_models(run_target: Path) -> list[str]:
    """Names of the incremental models whose build failed, read from a build's run_results.json
    and manifest.json in run_target (empty when either is missing).

    An incremental build reads the table it extends; when that table was built by an earlier
    version of the project (a column added or changed), the build fails until one full
    refresh, which is what a user needs to be told."""
    results, nodes = _results_and_nodes(run_target)
    return sorted(
        nodes[r["unique_id"]]["name"]
        for r in results
        if r.get("status") == "error"
        and r["unique_id"] in nodes
        and nodes[r["unique_id"]].get("config", {}).get("materialized") == "incremental"
    )


def failed_data_tests(run_target: Path) -> list[str]:
    """Names of the data tests that failed or warned in a build (run_target as above): the
    ones whose failing rows the pipeline stores in schema audit (`dbt test --store-failures`).
    Unit tests are left out: they test the project's logic on fixed rows, not the data."""
    results, nodes = _results_and_nodes(run_target)
    return sorted(
        nodes[r["unique_id"]]["name"]
        for r in results
        if r.get("status") in ("fail", "warn")
        and r["unique_id"] in nodes
        and nodes[r["unique_id"]].get("resource_type") == "test"
    )
