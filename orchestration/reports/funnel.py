"""The funnel on one screen: stage counts and conversion of the last complete quarter's cohorts,
and the reps who will be over capacity next month."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from orchestration.reports.formatting import count

# Stage rows of the summary: (label, count column of rpt_funnel_conversion, the stage whose
# count the conversion rate divides by).
STAGES: list[tuple[str, str, str | None]] = [
    ("Entered the funnel (MQL / SGL)", "cycles_entered", None),
    ("Handed over to sales (SAL)", "reached_sal", "cycles_entered"),
    ("Sales qualified (SQL)", "reached_sql", "reached_sal"),
    ("Opportunity", "converted", "reached_sql"),
    ("Won", "won", "converted"),
]
OUTCOMES: list[tuple[str, str]] = [("Recycled", "recycled"), ("Disqualified", "disqualified")]
ORIGINS = ("marketing", "sales")


def last_complete_quarter(reporting_date: date) -> tuple[date, date]:
    """First days of the first and last month of the last quarter that ended before the date."""
    quarter_start_month = 3 * ((reporting_date.month - 1) // 3) + 1
    year, month = reporting_date.year, quarter_start_month - 3
    if month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1), date(year, month + 2, 1)


def quarter_label(first_month: date) -> str:
    return f"Q{(first_month.month - 1) // 3 + 1} {first_month.year}"


def _share(numerator: int | None, denominator: int | None) -> str:
    if not denominator or numerator is None:
        return ""
    return f"{numerator / denominator:.0%}"


def _table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'marts' and table_name = ?",
            [table],
        ).fetchone()[0]
    )


def _funnel_counts(
    con: duckdb.DuckDBPyConnection, first_month: date, last_month: date
) -> dict[str, dict[str, int]]:
    """Stage counts per lead origin (and 'total') of the cohorts between the two months."""
    columns = [column for _, column, _ in STAGES] + [column for _, column in OUTCOMES]
    sums = ", ".join(f"coalesce(sum({column}), 0)" for column in columns)
    rows = con.execute(
        f"select lead_origin, {sums}, coalesce(sum(new_leads), 0) from marts.rpt_funnel_conversion "
        "where cohort_month between ? and ? group by lead_origin",
        [first_month, last_month],
    ).fetchall()
    counts: dict[str, dict[str, int]] = {"total": dict.fromkeys([*columns, "new_leads"], 0)}
    for origin, *values in rows:
        per_origin = dict(zip([*columns, "new_leads"], (int(v) for v in values), strict=True))
        counts[origin] = per_origin
        for column, value in per_origin.items():
            counts["total"][column] += value
    return counts


def print_funnel_summary(console: Console, warehouse: Path) -> None:
    """Stage counts and conversion of the last complete quarter; reps over capacity next month."""
    if not warehouse.exists():
        console.print(f"[red]No warehouse at {warehouse}: run `leadledger run` first.[/]")
        return
    with duckdb.connect(str(warehouse), read_only=True) as con:
        if not all(_table_exists(con, t) for t in ("rpt_funnel_conversion", "rpt_rep_capacity")):
            console.print("[dim]The funnel marts are not built yet (rpt_funnel_conversion).[/]")
            return
        reporting_date = con.execute(
            "select max(reporting_date) from marts.rpt_funnel_conversion"
        ).fetchone()[0]
        if reporting_date is None:
            console.print("[dim]No leads in the warehouse yet: no funnel to show.[/]")
            return
        first_month, last_month = last_complete_quarter(reporting_date)
        counts = _funnel_counts(con, first_month, last_month)
        year_before = _funnel_counts(
            con,
            first_month.replace(year=first_month.year - 1),
            last_month.replace(year=last_month.year - 1),
        )["total"]
        capacity = con.execute(
            """
            select rep_name, team, selling_hours, demand_hours, utilisation, untouched_backlog,
                   is_over_capacity, is_team_total, additional_leads_capacity, capacity_month
            from marts.rpt_rep_capacity
            where month_status = 'planning'
            order by is_team_total, utilisation desc nulls last, rep_name
            """
        ).fetchall()

    label = quarter_label(first_month)
    table = Table(
        title=(
            f"The funnel: leads that entered in {label} "
            f"({first_month:%b}-{last_month:%b %Y}), as of {reporting_date:%Y-%m-%d}"
        ),
        caption=(
            "Cohort-based: every cycle counts (recycled leads that come back enter again); "
            "conversion = share of the stage before. Young cohorts are still maturing: "
            f"{quarter_label(first_month.replace(year=first_month.year - 1))} cohorts reached "
            f"{_share(year_before['won'], year_before['cycles_entered']) or '-'} lead-to-won."
        ),
    )
    table.add_column("Stage", justify="left", no_wrap=True)
    for origin in (*ORIGINS, "total"):
        table.add_column(origin.capitalize(), justify="right", no_wrap=True)
        table.add_column("conv.", justify="right", no_wrap=True, style="dim")
    empty: dict[str, int] = {}
    for stage, column, base in STAGES:
        cells: list[str] = []
        for origin in (*ORIGINS, "total"):
            per_origin = counts.get(origin, empty)
            cells.append(count(per_origin.get(column, 0)))
            cells.append(_share(per_origin.get(column, 0), per_origin.get(base, 0)) if base else "")
        table.add_row(stage, *cells, style="bold" if column == "won" else None)
    table.add_section()
    for stage, column in OUTCOMES:
        cells = []
        for origin in (*ORIGINS, "total"):
            per_origin = counts.get(origin, empty)
            cells.append(count(per_origin.get(column, 0)))
            cells.append(_share(per_origin.get(column, 0), per_origin.get("cycles_entered", 0)))
        table.add_row(stage, *cells, style="dim")
    console.print(table)

    reps = [row for row in capacity if not row[7]]
    totals = next((row for row in capacity if row[7]), None)
    if totals is None:
        console.print("[dim]No rep capacity for next month (no active reps).[/]")
        return
    month = totals[9]
    over = [row for row in reps if row[6]]
    shown = over or reps[:3]
    capacity_table = Table(
        title=(
            f"Sales capacity in {month:%B %Y}: "
            + (
                f"{len(over)} of {len(reps)} reps over capacity"
                if over
                else f"no rep over capacity (busiest {len(shown)} of {len(reps)})"
            )
        ),
        caption=(
            "Demand = booked appointments, calls and e-mails plus handed-over leads, at least the "
            "recent monthly average; selling hours = capacity x selling share."
        ),
    )
    for header, justify in [
        ("Rep", "left"),
        ("Team", "left"),
        ("Selling h", "right"),
        ("Demand h", "right"),
        ("Utilisation", "right"),
        ("Untouched leads", "right"),
    ]:
        capacity_table.add_column(header, justify=justify, no_wrap=True)
    for name, team, selling, demand, utilisation, backlog, is_over, *_ in shown:
        capacity_table.add_row(
            name,
            team or "",
            f"{selling:,.0f}",
            f"{demand:,.0f}",
            "-" if utilisation is None else f"{utilisation:.0%}",
            count(backlog),
            style="red" if is_over else None,
        )
    capacity_table.add_section()
    _, _, selling, demand, utilisation, backlog, _, _, more_leads, _ = totals
    capacity_table.add_row(
        f"All {len(reps)} reps",
        f"room for {count(more_leads)} more leads",
        f"{selling:,.0f}",
        f"{demand:,.0f}",
        "-" if utilisation is None else f"{utilisation:.0%}",
        count(backlog),
        style="bold",
    )
    console.print(capacity_table)
