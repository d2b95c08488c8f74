"""Answers printed on the terminal, read from the warehouse's marts."""

from __future__ import annotations

from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from orchestration.reports.formatting import change, count, money


def print_campaign_table(console: Console, warehouse: Path, top: int = 15) -> None:
    """What did each campaign cost, what did we expect, what did it bring in?"""
    if not warehouse.exists():
        console.print(f"[red]No warehouse at {warehouse}: run `leadledger run` first.[/]")
        return
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            """
            select campaign_name, channel, actual_cost, expected_revenue, won_revenue,
                   revenue_vs_plan, roi, won_deals, reporting_currency, is_unassigned
            from marts.rpt_campaign_performance
            order by is_unassigned, won_revenue desc, campaign_id
            """
        ).fetchall()
        totals = con.execute(
            """
            select count(*) filter (where not is_unassigned), sum(actual_cost), sum(expected_revenue),
                   sum(won_revenue), sum(won_deals),
            from marts.rpt_campaign_performance
            """
        ).fetchone()
    currency = rows[0][8] if rows else "EUR"
    table = Table(
        title=f"What did the campaigns bring in? (primary campaign source, {currency})",
        caption="ROI = (won revenue - cost) / cost. Cost from finance, plan from marketing, revenue from CRM won deals.",
    )
    for header, justify in [
        ("Campaign", "left"),
        ("Channel", "left"),
        ("Cost", "right"),
        ("Plan (expected)", "right"),
        ("Won revenue", "right"),
        ("vs plan", "right"),
        ("ROI", "right"),
        ("Won deals", "right"),
    ]:
        table.add_column(header, justify=justify, no_wrap=True, overflow="ellipsis", max_width=42)
    campaign_rows = [r for r in rows if not r[9]]
    for name, channel, cost, plan, won, gap, roi, deals, _, _ in campaign_rows[:top]:
        style = "red" if roi is not None and roi < 0 else None
        table.add_row(
            name,
            channel or "",
            money(cost),
            money(plan),
            money(won),
            money(gap),
            change(roi),
            count(deals),
            style=style,
        )
    if len(campaign_rows) > top:
        table.add_row(f"... {len(campaign_rows) - top} more campaigns", "", "", "", "", "", "", "")
    n, cost, plan, won, deals = totals
    for _, _, cost_u, _, won_u, _, _, deals_u, _, _ in (r for r in rows if r[9]):
        table.add_row(
            "(no campaign)",
            "",
            money(cost_u),
            "",
            money(won_u),
            "",
            "",
            count(deals_u),
            style="dim",
        )
    table.add_section()
    roi_total = (won - cost) / cost if cost else None
    table.add_row(
        f"Total ({n} campaigns)",
        "",
        money(cost),
        money(plan),
        money(won),
        "",
        change(roi_total),
        count(deals),
        style="bold",
    )
    console.print(table)
