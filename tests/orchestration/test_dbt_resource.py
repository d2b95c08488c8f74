"""The dbt resource's start-up shortcuts (orchestration/defs/dbt/assets.py) stay true to
dagster-dbt: same dbt version, overrides of methods that still exist."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource

from orchestration.defs.dbt.assets import LeadledgerDbtResource, dbt_resource


def test_the_overridden_internals_still_exist_in_dagster_dbt() -> None:
    # If an upgrade renames them, the overrides would silently stop saving anything.
    for name in ("_cli_version", "_initialize_dbt_core_adapter"):
        assert name in vars(DbtCliResource), f"dagster-dbt no longer has {name}"
        assert name in vars(LeadledgerDbtResource)


def test_the_dbt_version_is_what_dbt_itself_reports() -> None:
    dbt = Path(sys.executable).parent / "dbt"
    reported = subprocess.run(
        [str(dbt), "--version"], capture_output=True, text=True, check=True
    ).stdout
    core = re.search(r"installed:\s*(\d+\.\d+\.\d+)", reported) or re.search(
        r"(\d+\.\d+\.\d+)", reported
    )
    assert str(dbt_resource._cli_version) == core.group(1)
