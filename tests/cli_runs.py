"""Running the `leadledger` command line as a user would, in a subprocess of a test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT = ROOT / "dbt_project"

# Settings a developer may have exported that would point a test's run elsewhere.
_DEVELOPER_SETTINGS = (
    "LEADLEDGER_WAREHOUSE",
    "LEADLEDGER_LANDING",
    "LEADLEDGER_PUBLISHED",
    "LEADLEDGER_DBT_UNIT_TESTS",
    "WAREHOUSE_ENGINE",
)


def leadledger_env(root: Path, **settings: str) -> dict[str, str]:
    """The environment of a run under ``root``: its own Dagster instance (root/dagster_home), a
    wide console, none of the developer's leadledger settings, then ``settings``."""
    env = {**os.environ, "DAGSTER_HOME": str(root / "dagster_home"), "COLUMNS": "200"}
    for name in _DEVELOPER_SETTINGS:
        env.pop(name, None)
    env.update(settings)
    return env


def run_leadledger(
    args: list[str],
    env: dict[str, str],
    *,
    log: Path | None = None,
    cwd: Path = ROOT,
    timeout: int = 1800,
    check: bool = True,
) -> subprocess.CompletedProcess:
    """`leadledger ARGS` (``python -m orchestration.cli``) in ``cwd`` (default: the repository
    root). Output is captured, or written to ``log``; with ``check`` a failure fails the test
    with the output's end."""
    command = [sys.executable, "-m", "orchestration.cli", *args]
    if log is None:
        result = subprocess.run(
            command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
        )
        output = (result.stdout or "")[-6000:] + (result.stderr or "")[-4000:]
    else:
        with log.open("w") as out:
            result = subprocess.run(
                command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, timeout=timeout
            )
        output = log.read_text()[-8000:]
    if check:
        assert result.returncode == 0, f"leadledger {' '.join(args)} failed:\n{output}"
    return result


def run_dbt(
    args: list[str], warehouse: Path, scratch: Path, *, timeout: int = 900
) -> subprocess.CompletedProcess:
    """`dbt ARGS` in the dbt project against ``warehouse``, with its target and logs under
    ``scratch`` (scratch/target, scratch/logs). A failure fails the test with the output's end."""
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            *args,
            "--target-path",
            str(scratch / "target"),
            "--log-path",
            str(scratch / "logs"),
            "--profiles-dir",
            str(DBT_PROJECT),
        ],
        cwd=DBT_PROJECT,
        env={**os.environ, "LEADLEDGER_WAREHOUSE": str(warehouse)},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, (
        f"dbt {' '.join(args)} failed:\n{result.stdout[-5000:]}{result.stderr[-3000:]}"
    )
    return result
