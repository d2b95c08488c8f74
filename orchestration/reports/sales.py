"""The sales KPI line: the last complete month before the reporting date, company total."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
from rich.console import Console

from orchestration.reports.formatting import count, money, share

_KPI_SQL = """
    select month_date, reporting_currency, booked_revenue, gross_margin, gross_margin_pct,
           won_deals, lost_deals, win_rate_count, median_cycle_days, pipeline_coverage,
           forecast_accuracy
    from marts.rpt_sales_kpis_monthly
    where breakdown = 'total' and is_complete_month
    order by month_date desc
    limit 1
"""


def format_kpi_line(kpis: dict[str, Any]) -> str:
    """One line with the month's revenue, margin, win rate, cycle, coverage, forecast accuracy."""
    month: date = kpis["month_date"]
    closed = int(kpis["won_deals"] or 0) + int(kpis["lost_deals"] or 0)
    cycle = kpis["median_cycle_days"]
    coverage = kpis["pipeline_coverage"]
    return (
        f"Sales {month:%B %Y} ({kpis['reporting_currency']}): "
        f"revenue {money(kpis['booked_revenue'])}, "
        f"margin {money(kpis['gross_margin'])} ({share(kpis['gross_margin_pct'])}), "
        f"win rate {share(kpis['win_rate_count'])} of {count(closed)} closed, "
        f"cycle {'-' if cycle is None else f'{float(cycle):.0f} days'} (median), "
        f"pipeline coverage {'-' if coverage is None else f'{float(coverage):.1f}x'}, "
        f"forecast accuracy {share(kpis['forecast_accuracy'])}"
    )


def read_last_complete_month(warehouse: Path) -> dict[str, Any] | None:
    """The company-total KPIs of the last complete month, or None if there are none yet."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(_KPI_SQL)
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cursor.description], row, strict=True))


def print_sales_kpis(console: Console, warehouse: Path) -> None:
    """Print the sales KPI line of the last complete month before the reporting date."""
    if not warehouse.exists():
        console.print(f"[red]No warehouse at {warehouse}: run `leadledger run` first.[/]")
        return
    try:
        kpis = read_last_complete_month(warehouse)
    except duckdb.CatalogException:
        console.print("[dim]No sales KPIs yet (marts.rpt_sales_kpis_monthly is missing).[/]")
        return
    if kpis is None:
        console.print("[dim]No complete month of sales data yet.[/]")
        return
    console.print(format_kpi_line(kpis), highlight=False)
