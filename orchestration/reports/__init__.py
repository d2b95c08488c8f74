"""Answers printed on the terminal after a run, read from the warehouse's marts.

Each module has one `print_*` function taking (console, warehouse path); SUMMARIES lists them
in the order `leadledger demo` / `run` prints them.
"""

from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from orchestration.reports.attribution import print_attribution_summary
from orchestration.reports.availability import print_data_availability
from orchestration.reports.campaigns import print_campaign_table
from orchestration.reports.cost_to_serve import print_cost_to_serve
from orchestration.reports.funnel import print_funnel_summary
from orchestration.reports.html_report import print_report_location
from orchestration.reports.sales import print_sales_kpis

Summary = Callable[[Console, Path], None]

SUMMARIES: list[Summary] = [
    print_campaign_table,
    print_funnel_summary,
    print_attribution_summary,
    print_cost_to_serve,
    print_sales_kpis,
    print_report_location,
    print_data_availability,
]
