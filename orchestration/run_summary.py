"""What a terminal user needs to know after a run: the checks, what failed on which rows, and
what BI users see now."""

from pathlib import Path

import dagster as dg
import duckdb
from rich.console import Console

MAX_ROWS = 5


def _published_stamp(published: Path) -> str | None:
    if not published.exists():
        return None
    try:
        with duckdb.connect(str(published), read_only=True) as con:
            run_id, at = con.execute("select run_id, published_at from marts._published").fetchone()
    except duckdb.Error:
        return None
    return f"published {at:%Y-%m-%d %H:%M} UTC by run {run_id[:8]}"


def _failing_rows(warehouse: Path, check_name: str) -> list[str]:
    """Rows dbt stored for a failed test (store_failures, schema audit)."""
    if not warehouse.exists():
        return []
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            exists = con.execute(
                "select count(*) from information_schema.tables where table_schema = 'audit' and table_name = ?",
                [check_name],
            ).fetchall()[0][0]  # fetched to its end: DuckDB 2 refuses con.sql otherwise
            if not exists:
                return []
            relation = con.sql(f'select * from audit."{check_name}" limit {MAX_ROWS}')
            return [
                ", ".join(f"{c}={v}" for c, v in zip(relation.columns, row, strict=True))
                for row in relation.fetchall()
            ]
    except duckdb.Error:
        return []


def print_run_summary(
    console: Console, result: dg.ExecuteInProcessResult, warehouse: Path, published: Path
) -> None:
    evaluations = result.get_asset_check_evaluations()
    failed = [e for e in evaluations if not e.passed]
    console.print(
        f"Checks: [green]{len(evaluations) - len(failed)} passed[/], "
        + (f"[red]{len(failed)} failed[/]" if failed else "0 failed")
        + " (dbt tests, data-quality suites, reconciliations; details per asset in the Dagster UI)"
    )
    for evaluation in failed:
        severity = getattr(evaluation.severity, "value", str(evaluation.severity))
        console.print(
            f"  [red]x[/] {evaluation.asset_key.to_user_string()}: {evaluation.check_name} ({severity})"
        )
        for row in _failing_rows(warehouse, evaluation.check_name):
            console.print(f"      {row}")
        description = evaluation.metadata.get("failures") if evaluation.metadata else None
        if description is not None:
            console.print(f"      {getattr(description, 'value', description)}")
    stamp = _published_stamp(published)
    if result.success:
        console.print(f"BI users now read [bold]{published}[/] ({stamp}).")
    elif stamp:
        console.print(
            f"[yellow]Nothing was published:[/] BI users still read [bold]{published}[/] ({stamp})."
        )
    else:
        console.print("[yellow]Nothing was published[/] (there is no earlier published warehouse).")
