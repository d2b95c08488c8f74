"""Cost-to-serve by ABC segment: one screen, read from the activities marts."""

from __future__ import annotations

from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from orchestration.reports.formatting import count, money, share

_SEGMENT_SQL = """
    select abc_segment, month_start_date, trailing_months, reporting_currency, accounts,
           accounts_with_revenue, trailing_revenue, trailing_revenue_share, trailing_gross_margin,
           trailing_field_visits, trailing_field_visit_cost, trailing_remote_activity_cost,
           trailing_activity_cost, trailing_margin_after_cost_to_serve, trailing_won_deals,
           accounts_with_visit_cost_above_margin
    from marts.rpt_cost_to_serve_by_segment
    where is_current_month
    order by abc_segment
"""

_COVERAGE_SQL = """
    select abc_segment, max(coverage_window_days) as window_days, sum(covered_accounts) as covered,
           sum(open_accounts_without_interaction) as open_uncovered,
           sum(open_pipeline_without_interaction) as open_uncovered_pipeline
    from marts.rpt_activity_coverage
    group by abc_segment
"""

_SHIFT_SQL = """
    select coalesce(sum(field_visits), 0) as visits, coalesce(sum(field_visit_cost), 0) as cost,
           coalesce(sum(estimated_saving), 0) as saving,
           string_agg(distinct abc_segment, ', ' order by abc_segment) as segments
    from marts.rpt_channel_shift
    where month_start_date > ?::date - to_months(?::integer)
"""

_PROSPECTING_SQL = """
    select count(*) as activities, coalesce(sum(cost_reporting), 0) as cost
    from marts.fct_activities
    where is_completed and account_id is null
      and activity_date >= ?::date - to_months(?::integer - 1)
"""

_MEASURES = (
    "accounts",
    "accounts_with_revenue",
    "trailing_revenue",
    "trailing_gross_margin",
    "trailing_field_visits",
    "trailing_field_visit_cost",
    "trailing_remote_activity_cost",
    "trailing_activity_cost",
    "trailing_margin_after_cost_to_serve",
    "trailing_won_deals",
    "accounts_with_visit_cost_above_margin",
    "covered",
)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    return None if numerator is None or not denominator else float(numerator) / float(denominator)


def _cells(label: str, r: dict, revenue_share: float | None) -> list[str]:
    margin = r["trailing_gross_margin"]
    return [
        label,
        f"{count(r['accounts'])} ({count(r['accounts_with_revenue'])})",
        money(r["trailing_revenue"]),
        share(revenue_share),
        money(margin),
        count(r["trailing_field_visits"]),
        money(r["trailing_field_visit_cost"]),
        money(r["trailing_remote_activity_cost"]),
        share(_ratio(r["trailing_activity_cost"], margin) if margin and margin > 0 else None),
        money(r["trailing_margin_after_cost_to_serve"]),
        "-"
        if not r["trailing_won_deals"]
        else f"{r['trailing_field_visits'] / r['trailing_won_deals']:.1f}",
        count(r["accounts_with_visit_cost_above_margin"]),
        share(_ratio(r["covered"], r["accounts"])),
    ]


def print_cost_to_serve(console: Console, warehouse: Path) -> None:
    """Per ABC segment: revenue, margin, cost-to-serve by channel, margin after it, flags."""
    if not warehouse.exists():
        console.print(f"[red]No warehouse at {warehouse}: run `leadledger run` first.[/]")
        return
    with duckdb.connect(str(warehouse), read_only=True) as con:
        segments = _rows(con, _SEGMENT_SQL)
        if not segments:
            console.print("[yellow]No cost-to-serve figures yet (no revenue or activities).[/]")
            return
        first = segments[0]
        month, months, currency = (
            first["month_start_date"],
            first["trailing_months"],
            first["reporting_currency"],
        )
        coverage = {r["abc_segment"]: r for r in _rows(con, _COVERAGE_SQL)}
        shift = _rows(con, _SHIFT_SQL, [month, months])[0]
        prospecting = _rows(con, _PROSPECTING_SQL, [month, months])[0]

    table = Table(
        title=(
            f"Cost-to-serve by ABC segment (current segment; trailing {months} months "
            f"to {month:%b %Y}; {currency})"
        ),
        caption=(
            "Accts (rev.) = accounts (of which with revenue). Margin = gross margin. CTS = "
            "cost-to-serve: completed visits, calls, e-mails, video meetings at the configured "
            "rates (remote = all but visits). After CTS = margin - CTS. Flagged = accounts whose "
            "visits cost more than their margin. Covered = accounts with an interaction in the "
            "coverage window."
        ),
    )
    headers = (
        "Segment",
        "Accts (rev.)",
        "Revenue",
        "Share",
        "Margin",
        "Visits",
        "Visit cost",
        "Remote cost",
        "CTS/margin",
        "After CTS",
        "Visits/won",
        "Flagged",
        "Covered",
    )
    for header in headers:
        table.add_column(header, justify="left" if header == "Segment" else "right", no_wrap=True)

    totals = dict.fromkeys(_MEASURES, 0.0)
    for r in segments:
        r["covered"] = coverage.get(r["abc_segment"], {}).get("covered") or 0
        for key in _MEASURES:
            totals[key] += float(r[key] or 0)
        after = r["trailing_margin_after_cost_to_serve"]
        table.add_row(
            *_cells(r["abc_segment"], r, r["trailing_revenue_share"]),
            style="red" if after is not None and after < 0 else None,
        )
    table.add_section()
    table.add_row(
        *_cells("Total", totals, 1.0 if totals["trailing_revenue"] else None), style="bold"
    )
    console.print(table)

    if shift["visits"]:
        console.print(
            f"Channel shift: the {count(shift['visits'])} field visits to accounts in segment "
            f"{shift['segments']} at the time of the visit, in these {months} months, cost "
            f"{money(shift['cost'])} {currency}; "
            f"as inside-sales calls they would have cost {money(shift['cost'] - shift['saving'])}: "
            f"a saving of {money(shift['saving'])} {currency} "
            f"({share(_ratio(shift['saving'], shift['cost']))})."
        )
    window_days = max((c["window_days"] or 0 for c in coverage.values()), default=0)
    uncovered = sum(int(c["open_uncovered"] or 0) for c in coverage.values())
    pipeline = sum(float(c["open_uncovered_pipeline"] or 0) for c in coverage.values())
    console.print(
        f"Nobody knows their state: {uncovered:,} account{'' if uncovered == 1 else 's'} with "
        f"open opportunities ({money(pipeline)} {currency} pipeline) without any interaction "
        f"in the last {window_days} days (list: marts.rpt_account_coverage where "
        "is_open_without_interaction)."
    )
    console.print(
        f"Prospecting (activities on leads, no account yet): {count(prospecting['activities'])} "
        f"activities, {money(prospecting['cost'])} {currency}; not part of any account's "
        "cost-to-serve.",
        style="dim",
    )
