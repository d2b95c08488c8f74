"""`leadledger mapping check` and `leadledger run --mapping`: what the user sees."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from orchestration import cli_mapping
from orchestration.cli import app

runner = CliRunner()

MAPPING = """
version: 1
name: sheet
value_maps:
  status: {values: {New: MQL, Working: SAL}}
extracts:
  crm.leads:
    files: leads.csv
    columns:
      Id: Id
      Status: {column: Status, map: status}
      CreatedDate: Created
      SystemModstamp: {field: CreatedDate}
"""

LEADS = """\
Id,Status,Created
L1,New,2024-01-01T10:00:00Z
L2,Parked,2024-01-02T10:00:00Z
,Working,2024-01-03T10:00:00Z
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    mapping = tmp_path / "sheet.yml"
    mapping.write_text(MAPPING)
    export = tmp_path / "export"
    export.mkdir()
    (export / "leads.csv").write_text(LEADS)
    return mapping, export


def test_check_validates_and_names_every_mistake(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(textwrap.dedent(MAPPING).replace("files: leads.csv", "file: leads.csv"))
    result = runner.invoke(app, ["mapping", "check", str(bad)])
    assert result.exit_code == 1
    assert "line 8, at extracts.crm.leads.file: unknown key 'file' (did you mean 'files'?)" in (
        " ".join(result.output.split())
    )


def test_check_previews_rows_rejects_and_quarantine_with_the_exports_lines(files) -> None:
    mapping, export = files
    result = runner.invoke(
        app, ["mapping", "check", str(mapping), "--source", str(export)], env={"COLUMNS": "250"}
    )
    output = " ".join(result.output.split())
    assert result.exit_code == 0, result.output
    assert "is valid: mapping 'sheet', 1 extracts (crm.leads), 1 value maps." in output
    assert "crm.leads -> Lead.csv: first 2 of 2 rows" in output
    assert "leads.csv:2" in output and "2024-01-01 10:00:00" in output
    # The mapping rejects the unknown status (row 3), the loader quarantines the empty Id (row 4).
    assert "leads.csv, line 3 (crm.leads): Status: 'Parked' is not in value map 'status'" in output
    assert "<- leads.csv, line 4: Id: required value missing" in output


def test_schema_is_json() -> None:
    result = runner.invoke(app, ["mapping", "schema"])
    assert json.loads(result.output)["title"] == "leadledger mapping"


def test_run_with_a_mapping_needs_the_export_folder(files) -> None:
    mapping, _ = files
    result = runner.invoke(app, ["run", "--mapping", str(mapping)])
    assert result.exit_code != 0
    assert "--landing is the folder" in " ".join(result.output.split())


def test_run_maps_into_its_own_warehouse_folder_and_never_changes_a_loaded_file(
    files, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mapping, export = files
    monkeypatch.delenv("LEADLEDGER_WAREHOUSE", raising=False)
    monkeypatch.setattr(cli_mapping.settings, "PROJECT_ROOT", tmp_path)
    console = Console(width=200, record=True)
    landing, warehouse = cli_mapping.map_into_landing(console, mapping, export, None)
    assert warehouse == tmp_path / "warehouse" / "sheet" / "leadledger.duckdb"
    assert landing == tmp_path / "warehouse" / "sheet" / "mapped" / "sheet"
    assert (landing / "crm" / "2024-01-03" / "Lead.csv").exists()
    assert "Wrote 1 extract files (2 rows)" in console.export_text()

    from ingestion.load import load_landing

    load_landing(warehouse, landing)
    # The same export again: the same bytes, nothing to do (no file written again).
    lead_file = landing / "crm" / "2024-01-03" / "Lead.csv"
    before = {p: p.stat().st_mtime_ns for p in landing.rglob("*") if p.is_file()}
    os.utime(lead_file, ns=(0, 0))  # a rewrite would show as a new modification time
    before[lead_file] = 0
    assert cli_mapping.map_into_landing(console, mapping, export, None) == (landing, warehouse)
    assert {p: p.stat().st_mtime_ns for p in landing.rglob("*") if p.is_file()} == before
    # A changed export with the same newest date would change a loaded file: refused.
    (export / "leads.csv").write_text(LEADS.replace("L1,New", "L1,Working"))
    with pytest.raises(typer.Exit):
        cli_mapping.map_into_landing(console, mapping, export, None)
    assert "a loaded file is never loaded again" in console.export_text()
