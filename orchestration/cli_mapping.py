"""`leadledger mapping ...`: check a mapping of your own export, and map an export into a
landing folder for `leadledger run --mapping`.

The mapping only writes contract-shaped files into a landing folder; loading them is the
normal loader's job (`mapping check` loads them into a throw-away warehouse to show what the
loader would quarantine).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from orchestration import settings

app = typer.Typer(
    help="Bring your own extracts: check a mapping (YAML) of your system's export onto the "
    "source contract. Run the pipeline on an export with `leadledger run --mapping FILE "
    "--landing EXPORT`.",
    no_args_is_help=True,
)
MAX_PROBLEM_ROWS = 10


def _console() -> Console:
    from orchestration.cli import console

    return console


def _load(console: Console, mapping_file: Path):
    from ingestion.mapping import MappingError, load_mapping

    try:
        return load_mapping(mapping_file)
    except MappingError as exc:
        console.print(f"[red]{exc}[/]", markup=False, highlight=False)
        raise typer.Exit(1) from None


def _map(console: Console, mapping, source: Path):
    from ingestion.mapping import MappingError, map_export

    try:
        return map_export(mapping, source)
    except MappingError as exc:
        console.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(1) from None


def print_accounts(console: Console, result, loaded: dict[str, tuple[int, int]] | None) -> None:
    """Per export file and extract: rows read, written, rejected (and loaded, quarantined)."""
    table = Table(title=f"Mapped {result.source} (drop {result.drop_date})", title_justify="left")
    for column in ("export file", "extract", "read", "written", "rejected"):
        table.add_column(
            column, justify="right" if column in ("read", "written", "rejected") else "left"
        )
    if loaded is not None:
        table.add_column("loaded", justify="right")
        table.add_column("quarantined", justify="right")
    for account in result.accounts:
        row = [
            account.source_file,
            account.extract,
            f"{account.rows_read:,}",
            f"{account.rows_written:,}",
            f"{account.rows_rejected:,}" if account.rows_rejected else "",
        ]
        if loaded is not None:
            row += ["", ""]
        table.add_row(*row)
    for derived in result.derived:
        row = [
            f"(derived from {derived.derived_from})",
            derived.extract,
            "",
            f"{derived.rows_written:,}",
            f"{derived.rows_rejected:,}" if derived.rows_rejected else "",
        ]
        if loaded is not None:
            row += ["", ""]
        table.add_row(*row)
    if loaded is not None:
        table.add_section()
        for name, mapped in result.extracts.items():
            rows_loaded, quarantined = loaded.get(mapped.extract.table, (0, 0))
            table.add_row(
                f"-> {mapped.extract.system}/{result.drop_date}/{mapped.extract.file_name}",
                name,
                "",
                f"{len(mapped.frame):,}",
                "",
                f"{rows_loaded:,}",
                f"{quarantined:,}" if quarantined else "",
            )
    console.print(table)
    for account in result.accounts:
        for warning in account.warnings:
            console.print(f"  [yellow]note[/] {account.source_file} ({account.extract}): {warning}")
    if result.absent:
        console.print(
            "Extracts without any file in the export (partial source; the answers that need "
            f"them are unavailable): {', '.join(result.absent)}"
        )
    if result.unused_files:
        console.print(f"Export files no extract reads: {', '.join(result.unused_files)}")


def print_rejects(console: Console, result) -> None:
    if not result.rejects:
        console.print("[green]No row rejected by the mapping.[/]")
        return
    by_reason = Counter((r.extract, r.reason.split(": ", 1)[0]) for r in result.rejects)
    console.print(f"[yellow]{len(result.rejects):,} rows rejected by the mapping[/] (not written):")
    for (extract, column), count in by_reason.most_common(MAX_PROBLEM_ROWS):
        console.print(f"  {count:,} x {extract} {column}")
    for reject in result.rejects[:MAX_PROBLEM_ROWS]:
        console.print(
            f"  {reject.source_file}, line {reject.source_line} ({reject.extract}): {reject.reason}",
            markup=False,
            highlight=False,
        )
    if len(result.rejects) > MAX_PROBLEM_ROWS:
        console.print(f"  ... {len(result.rejects) - MAX_PROBLEM_ROWS:,} more")


def _shown(value: object, is_timestamp: bool) -> str:
    if value is None or value != value:  # None or NaN
        return ""
    # Canonical UTC timestamps, shortened: 2024-01-23 02:35:01
    return str(value)[:19].replace("T", " ") if is_timestamp else str(value)


def print_previews(console: Console, result, rows: int) -> None:
    for name, mapped in result.extracts.items():
        frame = mapped.frame.head(rows)
        columns = [c for c in mapped.extract.column_names if c in frame and frame[c].notna().any()]
        table = Table(
            title=f"{name} -> {mapped.extract.file_name}: first {len(frame)} of "
            f"{len(mapped.frame):,} rows" + (" (derived)" if mapped.derived else ""),
            title_justify="left",
        )
        table.add_column("from (file:line)", overflow="fold")
        for column in columns:
            table.add_column(column, overflow="fold", max_width=24)
        stamps = {c for c in columns if mapped.extract.column(c).type == "timestamp"}
        for _, row in frame.iterrows():
            table.add_row(
                f"{row['_source_file']}:{row['_source_line']}",
                *[_shown(row[c], c in stamps) for c in columns],
            )
        console.print(table)


@app.command()
def check(
    mapping_file: Annotated[
        Path, typer.Argument(help="The mapping (YAML), e.g. mappings/salesforce.yml.")
    ],
    source: Annotated[
        Path | None,
        typer.Option(help="Your export (folder or .zip): preview what the mapping makes of it."),
    ] = None,
    rows: Annotated[int, typer.Option(help="Rows to preview per extract.")] = 5,
) -> None:
    """Validate a mapping. With --source: preview the first mapped rows of each extract, and
    every row the mapping rejects or the loader would quarantine (nothing is kept)."""
    from ingestion.errors import IngestionError
    from ingestion.load import load_landing
    from ingestion.mapping import write_landing

    console = _console()
    mapping = _load(console, mapping_file)
    console.print(
        f"[green]{mapping_file} is valid:[/] mapping {mapping.name!r}, "
        f"{len(mapping.extracts)} extracts ({', '.join(mapping.extracts)}), "
        f"{len(mapping.value_maps)} value maps."
    )
    if source is None:
        return
    result = _map(console, mapping, source)
    with tempfile.TemporaryDirectory(prefix="leadledger-mapping-") as tmp:
        landing = Path(tmp) / "landing"
        warehouse = Path(tmp) / "check.duckdb"
        write_landing(result, landing)
        loaded: dict[str, tuple[int, int]] = {}
        load_problems: list[str] = []
        try:
            for r in load_landing(warehouse, landing):
                before = loaded.get(r.table, (0, 0))
                loaded[r.table] = (before[0] + r.rows_loaded, before[1] + r.rows_quarantined)
        except IngestionError as exc:  # names every unusable file; the others are loaded
            load_problems.append(str(exc))
        print_previews(console, result, rows)
        print_accounts(console, result, loaded)
        print_rejects(console, result)
        from ingestion.mapping.write import quarantine_origins

        quarantined = quarantine_origins(warehouse, landing, MAX_PROBLEM_ROWS)
        if quarantined:
            console.print("[yellow]Rows the loader would quarantine:[/]")
            for line in quarantined:
                console.print(f"  {line}", markup=False, highlight=False)
        else:
            console.print("[green]No row would be quarantined by the loader.[/]")
    for problem in [*(p.render() for p in result.problems), *load_problems]:
        console.print(f"[red]x[/] {problem}", highlight=False)
    if result.problems or load_problems:
        raise typer.Exit(1)


@app.command()
def schema() -> None:
    """Print the JSON Schema of mapping files (for editors with a YAML language server)."""
    from ingestion.mapping.schema import SCHEMA

    typer.echo(json.dumps(SCHEMA, indent=2))


def map_into_landing(
    console: Console, mapping_file: Path, export: Path | None, warehouse: Path | None
) -> tuple[Path, Path]:
    """For `leadledger run --mapping`: map the export into a landing folder next to the
    warehouse; returns (landing folder, warehouse). Without --warehouse (and without
    LEADLEDGER_WAREHOUSE) the warehouse is warehouse/<mapping name>/leadledger.duckdb, so
    your data never mixes with the demo's."""
    import duckdb

    from ingestion.mapping import MappingError, write_landing

    if export is None:
        raise typer.BadParameter(
            "with --mapping, --landing is the folder (or .zip) of your export",
            param_hint="--landing",
        )
    mapping = _load(console, mapping_file)
    if warehouse is None and not os.environ.get("LEADLEDGER_WAREHOUSE"):
        warehouse = settings.PROJECT_ROOT / "warehouse" / mapping.name / "leadledger.duckdb"
    warehouse = (warehouse or settings.warehouse_path()).resolve()
    landing = warehouse.parent / "mapped" / mapping.name
    result = _map(console, mapping, export)
    if result.problems:
        for problem in result.problems:
            console.print(f"[red]x[/] {problem.render()}", highlight=False)
        console.print(
            f"[red]The export cannot be mapped as it is[/]: see `leadledger mapping check "
            f"{mapping_file} --source {export}`."
        )
        raise typer.Exit(1)
    loaded: set[str] = set()
    if warehouse.exists():
        with duckdb.connect(str(warehouse), read_only=True) as con:
            if con.execute(
                "select count(*) from duckdb_tables() where schema_name = 'raw' "
                "and table_name = '_load_manifest'"
            ).fetchall()[0][0]:
                loaded = {
                    r[0]
                    for r in con.execute("select source_file from raw._load_manifest").fetchall()
                }
    try:
        written = write_landing(result, landing, loaded)
    except MappingError as exc:
        console.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(1) from None
    print_accounts(console, result, None)
    print_rejects(console, result)
    console.print(
        f"Wrote {len(written)} extract files ({result.rows_written:,} rows) to {landing} "
        f"(drop {result.drop_date}; report and lineage in {landing / '.mapping'})."
    )
    return landing, warehouse


def print_mapped_quarantine(console: Console, landing: Path, warehouse: Path) -> None:
    """After a run on a mapped landing folder: quarantined rows, by export file and line."""
    from ingestion.mapping.write import quarantine_origins

    lines = quarantine_origins(warehouse, landing, MAX_PROBLEM_ROWS)
    if lines:
        console.print("[yellow]Rows the loader quarantined[/] (landing file <- your export file):")
        for line in lines:
            console.print(f"  {line}", markup=False, highlight=False)
