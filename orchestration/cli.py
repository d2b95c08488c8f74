"""The `leadledger` command line: generate sample extracts, run the pipeline, get answers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from orchestration import settings
from orchestration.cli_mapping import app as mapping_app

app = typer.Typer(
    help="Lead-to-revenue warehouse: CRM, marketing and finance extracts in, campaign ROI out.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
# Wide enough for the tables when output goes to a file or CI log rather than a terminal.
console = Console(width=None if sys.stdout.isatty() else 160)


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise typer.BadParameter(
            f"{value!r} is not a day (YYYY-MM-DD): {error}", param_hint=option
        ) from None


@app.command()
def generate(
    out: Annotated[
        Path, typer.Option(help="Landing folder to write the extracts to (must be empty).")
    ],
    scale: Annotated[
        float, typer.Option(help="Size factor: 1 = about 10,000 leads over three years.")
    ] = 1.0,
    seed: Annotated[
        int, typer.Option(help="Random seed; the same seed gives byte-identical files.")
    ] = 42,
    start: Annotated[
        str, typer.Option(help="First day of the generated history (YYYY-MM-DD).")
    ] = "2023-01-01",
    end: Annotated[
        str, typer.Option(help="Last day of the generated history (YYYY-MM-DD).")
    ] = "2025-12-31",
    cadence: Annotated[
        str, typer.Option(help="How often systems export: monthly, weekly or daily.")
    ] = "monthly",
    mess_rate: Annotated[
        float,
        typer.Option(
            help="Share of real-world mess (re-deliveries, messy e-mails, corrections); 0 disables."
        ),
    ] = 0.01,
    daily_tail_days: Annotated[
        int,
        typer.Option(
            help="Deliver the last N days one drop a day after the regular cadence (e.g. 1: "
            "the last drop holds one day, what a daily incremental run reads).",
            min=0,
        ),
    ] = 0,
) -> None:
    """Write realistic sample extracts (CRM, marketing, finance) into a landing folder."""
    from ingestion.sample.generator import generate as run_generator

    with _progress() as progress:
        task = progress.add_task("generating", total=None)

        def report(step: str, done: int, total: int) -> None:
            progress.update(task, description=f"generating: {step}", completed=done, total=total)

        try:
            summary = run_generator(
                out,
                scale=scale,
                seed=seed,
                start=_day(start, "--start"),
                end=_day(end, "--end"),
                cadence=cadence,
                mess_rate=mess_rate,
                progress=report,
                daily_tail_days=daily_tail_days,
            )
        except ValueError as error:  # bad parameters or a non-empty folder: say which
            progress.stop()
            console.print(f"[red]Nothing generated:[/red] {error}")
            raise typer.Exit(2) from None
    console.print(
        f"Wrote {summary.files} files in {len(summary.drops)} drops to {summary.out_dir} "
        f"in {summary.seconds:.1f}s: "
        + ", ".join(f"{table} {rows:,}" for table, rows in summary.rows.items())
    )


def _prepare_dagster_home() -> Path:
    home = settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    from orchestration.sqlite_storage import instance_yaml

    config = (settings.PROJECT_ROOT / "dagster.yaml").read_text(encoding="utf-8")
    (home / "dagster.yaml").write_text(instance_yaml(config, home), encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def _use_paths(landing: Path | None, warehouse: Path | None) -> None:
    if landing is not None:
        os.environ["LEADLEDGER_LANDING"] = str(landing.resolve())
    if warehouse is not None:
        os.environ["LEADLEDGER_WAREHOUSE"] = str(warehouse.resolve())
    settings.export_environment()


def run_pipeline(full_refresh: bool = False) -> bool:
    """Materialise the whole asset graph in-process; True if every step succeeded.
    ``full_refresh``: rebuild dbt's incremental models from all raw rows."""
    _prepare_dagster_home()
    import dagster as dg

    from orchestration.defs.dbt.project import prepare

    with console.status("parsing the dbt project"):
        prepare()
    from orchestration.definitions import defs

    job = defs.resolve_job_def("full_pipeline")
    console.print(
        f"Running the pipeline: landing [bold]{settings.landing_path()}[/] -> warehouse "
        f"[bold]{settings.warehouse_path()}[/]"
    )
    started = time.monotonic()
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={
                "loggers": {"progress": {}},
                "ops": {"dbt_models": {"config": {"full_refresh": full_refresh}}},
            },
        )
    elapsed = time.monotonic() - started
    if result.success:
        console.print(f"[green]Pipeline succeeded[/] in {elapsed:.0f}s (run {result.run_id}).")
    else:
        console.print(f"[red]Pipeline failed[/] after {elapsed:.0f}s (run {result.run_id}).")
        from orchestration.progress import root_cause

        for event in result.all_events:
            if event.is_step_failure:
                console.print(
                    f"[red]- {event.step_key}:[/] {root_cause(event.event_specific_data.error)}"
                )
    from orchestration.run_summary import print_run_summary

    print_run_summary(console, result, settings.warehouse_path(), settings.published_path())
    return result.success


@app.command()
def run(
    landing: Annotated[
        Path | None,
        typer.Option(help="Landing folder (default: LEADLEDGER_LANDING or data/landing)."),
    ] = None,
    warehouse: Annotated[
        Path | None,
        typer.Option(
            help="DuckDB warehouse file (default: LEADLEDGER_WAREHOUSE or warehouse/leadledger.duckdb)."
        ),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(
            help="A mapping of your own export (e.g. mappings/salesforce.yml): --landing is then "
            "the export folder (or .zip), mapped into a landing folder next to the warehouse "
            "(default warehouse: warehouse/<mapping name>/leadledger.duckdb)."
        ),
    ] = None,
    full_refresh: Annotated[
        bool,
        typer.Option(
            help="Rebuild dbt's incremental models (touchpoints, activities, history...) from "
            "all raw rows instead of only the records delivered since the last run."
        ),
    ] = False,
) -> None:
    """Run the whole pipeline: ingest new extracts, build and test every dbt model."""
    if mapping is not None:
        from orchestration.cli_mapping import map_into_landing, print_mapped_quarantine

        landing, warehouse = map_into_landing(console, mapping, landing, warehouse)
    _use_paths(landing, warehouse)
    succeeded = run_pipeline(full_refresh)
    if mapping is not None:
        print_mapped_quarantine(console, settings.landing_path(), settings.warehouse_path())
    if not succeeded:
        raise typer.Exit(1)
    _print_answers()


@app.command()
def demo(
    scale: Annotated[
        float,
        typer.Option(help="Size of the generated sample (when no landing folder is configured)."),
    ] = 1.0,
    fresh: Annotated[
        bool, typer.Option(help="Start from an empty warehouse (and new sample data if generated).")
    ] = False,
) -> None:
    """Generate sample extracts if none are configured, run everything, print the answer."""
    configured = settings.landing_is_configured()  # before _use_paths pins the defaults
    _use_paths(None, None)
    landing = settings.landing_path()
    if fresh:
        settings.warehouse_path().unlink(missing_ok=True)
        if not configured and landing.exists():
            shutil.rmtree(landing)
    if not configured and not (landing.exists() and any(landing.iterdir())):
        console.print(
            f"No landing folder configured: generating sample extracts (scale {scale}) into {landing}"
        )
        generate(out=landing, scale=scale)
    if not run_pipeline():
        raise typer.Exit(1)
    _print_answers()


@app.command()
def campaigns(
    top: Annotated[int, typer.Option(help="How many campaigns to show.")] = 15,
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB warehouse file.")] = None,
) -> None:
    """Print per campaign: cost, expected revenue (plan), won revenue, ROI."""
    _use_paths(None, None)
    warehouse = warehouse.resolve() if warehouse else _answers_warehouse()
    _print_answers(top, warehouse)
    if not warehouse.exists():  # the table said what to do; scripts see a failure
        raise typer.Exit(1)


def _model_help() -> str:
    from orchestration.reports.attribution import MODEL_HELP

    return "Attribution model (default: all side by side). " + "; ".join(
        f"{k}: {v}" for k, v in MODEL_HELP.items()
    )


@app.command()
def campaign(
    name: Annotated[str, typer.Argument(help="Campaign id, or part of its name.")],
    model: Annotated[str | None, typer.Option(help=_model_help())] = None,
    as_of: Annotated[
        str | None,
        typer.Option(help="Only cost invoiced and deals won up to this date (YYYY-MM-DD)."),
    ] = None,
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB warehouse file.")] = None,
) -> None:
    """What did one campaign cost, what did we expect, what did it bring in (every model)?"""
    from orchestration.reports.attribution import MODEL_HELP, print_campaign_answer

    if model is not None and model not in MODEL_HELP:
        raise typer.BadParameter(
            f"unknown model {model!r}; choose one of {', '.join(MODEL_HELP)}", param_hint="--model"
        )
    _use_paths(None, None)
    found = print_campaign_answer(
        console,
        warehouse.resolve() if warehouse else _answers_warehouse(),
        name,
        model=model,
        as_of=date.fromisoformat(as_of) if as_of else None,
    )
    if not found:
        raise typer.Exit(1)


def _answers_warehouse() -> Path:
    """What BI users see: the published warehouse if there is one, else the working one."""
    published = settings.published_path()
    return published if published.exists() else settings.warehouse_path()


def _print_answers(top: int | None = None, warehouse: Path | None = None) -> None:
    from orchestration.reports import SUMMARIES, print_campaign_table

    warehouse = warehouse or _answers_warehouse()
    if top is not None:
        print_campaign_table(console, warehouse, top=top)
        return
    for summary in SUMMARIES:
        summary(console, warehouse)


@app.command()
def ui(
    port: Annotated[int, typer.Option(help="Port of the Dagster UI.")] = 3000,
) -> None:
    """Start the Dagster UI (and daemon) on 127.0.0.1 with the full asset graph."""
    _use_paths(None, None)
    home = _prepare_dagster_home()
    console.print(f"Dagster UI on http://127.0.0.1:{port} (instance in {home}); Ctrl-C stops it.")
    cmd = [
        sys.executable,
        "-m",
        "dagster",
        "dev",
        "-m",
        "orchestration.definitions",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
    ]
    raise typer.Exit(subprocess.call(cmd, cwd=settings.PROJECT_ROOT))


app.add_typer(mapping_app, name="mapping")

if __name__ == "__main__":
    app()
