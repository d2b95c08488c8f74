"""Campaign answers under every attribution model, read from the attribution marts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from orchestration.reports.formatting import change, count, money

# One line per model, for --help and the tables' captions. Weights: dbt_project.yml vars.
MODEL_HELP: dict[str, str] = {
    "first_touch": "100 % to the first touch of the journey",
    "lead_creation": "100 % to the touch that created the lead",
    "last_touch": "100 % to the last touch before the opportunity was created",
    "linear": "equal shares for every touch",
    "u_shaped": "40 % first touch, 40 % lead-creation touch, 20 % over the rest; two touches 50/50",
    "w_shaped": "30 % each to first, lead-creation and opportunity-creation touch, 10 % over the rest",
    "full_path": "22.5 % each to first, lead-creation, opportunity-creation and closed-won touch, 10 % over the rest",
    "time_decay": "weight halves every half-life (7 days) before the conversion",
    "markov": "data-driven: first-order Markov removal effect of each channel",
    "shapley": "data-driven: Shapley value of each channel in the journey's coalition",
}
DEFAULT_MODEL = "w_shaped"


def _connect(console: Console, warehouse: Path) -> duckdb.DuckDBPyConnection | None:
    if not warehouse.exists():
        console.print(f"[red]No warehouse at {warehouse}: run `leadledger run` first.[/]")
        return None
    return duckdb.connect(str(warehouse), read_only=True)


def print_attribution_summary(
    console: Console, warehouse: Path, model: str = DEFAULT_MODEL, top: int = 5
) -> None:
    """Top campaigns by attributed won revenue and by ROI, and the same campaigns under every model."""
    con = _connect(console, warehouse)
    if con is None:
        return
    with con:
        by_revenue = con.execute(
            """
            select campaign_id, campaign_name, channel, actual_cost, expected_revenue, attributed_won_revenue, roi
            from marts.rpt_campaign_roi
            where attribution_model = ? and not is_pseudo_campaign
            order by attributed_won_revenue desc, campaign_id limit ?
            """,
            [model, top],
        ).fetchall()
        by_roi = con.execute(
            """
            select campaign_id, campaign_name, channel, actual_cost, expected_revenue, attributed_won_revenue, roi
            from marts.rpt_campaign_roi
            where attribution_model = ? and not is_pseudo_campaign and roi is not null
            order by roi desc, campaign_id limit ?
            """,
            [model, top],
        ).fetchall()
        ids = [r[0] for r in by_revenue]
        side = (
            con.execute(
                f"""
            pivot (
                select campaign_id, attribution_model, attributed_won_revenue
                from marts.rpt_campaign_roi where campaign_id in ({",".join("?" * len(ids)) or "null"})
            ) on attribution_model in ({",".join(f"'{m}'" for m in MODEL_HELP)}) using sum(attributed_won_revenue)
            """,
                ids,
            ).fetchall()
            if ids
            else []
        )
        currency = con.execute(
            "select max(reporting_currency) from marts.rpt_campaign_roi"
        ).fetchone()[0]
    for title, rows in (("by attributed won revenue", by_revenue), ("by ROI", by_roi)):
        table = Table(title=f"Top campaigns {title} ({model}: {MODEL_HELP[model]}; {currency})")
        for header in ("Campaign", "Channel", "Cost", "Plan (expected)", "Attributed won", "ROI"):
            table.add_column(
                header,
                justify="left" if header in ("Campaign", "Channel") else "right",
                no_wrap=True,
                max_width=42,
            )
        for _, name, channel, cost, plan, won, roi in rows:
            table.add_row(name, channel or "", money(cost), money(plan), money(won), change(roi))
        console.print(table)
    names = {r[0]: r[1] for r in by_revenue}
    table = Table(
        title=f"The same campaigns under every attribution model (attributed won revenue, {currency})"
    )
    table.add_column("Campaign", no_wrap=True, max_width=34)
    for m in MODEL_HELP:
        table.add_column(m, justify="right")
    for row in sorted(side, key=lambda r: ids.index(r[0])):
        table.add_row(names[row[0]], *(money(v) for v in row[1:]))
    console.print(table)


def print_campaign_answer(
    console: Console,
    warehouse: Path,
    campaign: str,
    model: str | None = None,
    as_of: date | None = None,
    top: int = 5,
) -> bool:
    """Cost, plan and attributed revenue of one campaign under every model; False if not found."""
    con = _connect(console, warehouse)
    if con is None:
        return False
    with con:
        matches = con.execute(
            """
            select campaign_id, campaign_name, channel, start_date, end_date, planned_budget_reporting,
                   expected_revenue_reporting, reporting_currency
            from marts.dim_campaigns
            where campaign_id = ? or lower(campaign_name) like '%' || lower(?) || '%'
            order by campaign_id = ? desc, campaign_name
            """,
            [campaign, campaign, campaign],
        ).fetchall()
        if not matches:
            console.print(
                f"[red]No campaign matches {campaign!r}.[/] Try `leadledger campaigns` for the list."
            )
            return False
        if len(matches) > 1 and matches[0][0] != campaign:
            console.print(
                f"[yellow]{len(matches)} campaigns match {campaign!r}; give one of these ids:[/]"
            )
            for m in matches[:20]:
                console.print(f"  {m[0]}  {m[1]}")
            return False
        campaign_id, name, channel, start, end, budget, plan, currency = matches[0]
        limit = as_of or date.max
        cost = con.execute(
            "select coalesce(sum(amount_reporting), 0) from marts.fct_campaign_costs where campaign_id = ? and invoice_date <= ?",
            [campaign_id, limit],
        ).fetchone()[0]
        # fct_attribution has every model side by side: <measure>_<model> columns.
        per_model_sql = ",\n".join(
            f"""coalesce(sum(attributed_amount_reporting_{m}) filter (where is_won), 0),
                coalesce(sum(share_{m}) filter (where is_won), 0),
                count(distinct opportunity_id) filter (where share_{m} > 0),
                coalesce(sum(attributed_amount_reporting_{m}) filter (where is_open), 0)"""
            for m in MODEL_HELP
        )
        totals = con.execute(
            f"""
            select {per_model_sql}
            from marts.fct_attribution
            where campaign_id = ? and (not is_won or close_date <= ?)
            """,
            [campaign_id, limit],
        ).fetchone()
        by_model = {m: totals[4 * i : 4 * i + 4] for i, m in enumerate(MODEL_HELP)}
        models = [model] if model else list(MODEL_HELP)
        shown = model or DEFAULT_MODEL
        if shown not in MODEL_HELP:
            raise ValueError(f"unknown attribution model {shown!r}; one of {', '.join(MODEL_HELP)}")
        top_opps = con.execute(
            f"""
            select a.opportunity_id, o.opportunity_name, o.stage_name, o.close_date,
                   sum(a.share_{shown}) as share,
                   sum(a.attributed_amount_reporting_{shown}) as attributed, o.amount_reporting
            from marts.fct_attribution as a
            inner join marts.fct_opportunities as o using (opportunity_id)
            where a.campaign_id = ? and (not a.is_won or a.close_date <= ?)
            group by all
            order by attributed desc, a.opportunity_id
            limit ?
            """,
            [campaign_id, limit, top],
        ).fetchall()
    header = f"[bold]{name}[/] ({campaign_id}, {channel}, {start} to {end})"
    if as_of:
        header += f", as of {as_of}: cost invoiced and deals won up to that day"
    console.print(header)
    console.print(
        f"Cost {money(cost)} {currency} (finance) | planned budget {money(budget)} | expected revenue (plan) {money(plan)}"
    )
    table = Table(title=f"What did it bring in? ({currency})")
    for column in (
        "Model",
        "Attributed won",
        "vs plan",
        "ROI",
        "Won deals (credit)",
        "Influenced opps",
        "Open pipeline",
    ):
        table.add_column(column, justify="left" if column == "Model" else "right")
    for m in models:
        won, deals, influenced, pipeline = by_model.get(m, (0, 0, 0, 0))
        roi = (float(won) - float(cost)) / float(cost) if cost else None
        gap = float(won) - float(plan) if plan is not None else None
        table.add_row(
            m,
            money(won),
            money(gap),
            change(roi),
            f"{deals:.1f}",
            count(influenced),
            "-" if as_of else money(pipeline),
        )
    console.print(table)
    opp_table = Table(title=f"Top opportunities it influenced ({model or DEFAULT_MODEL})")
    for column in ("Opportunity", "Stage", "Close", "Share", "Attributed", "Amount"):
        opp_table.add_column(
            column,
            justify="left" if column in ("Opportunity", "Stage") else "right",
            max_width=40,
            no_wrap=True,
        )
    for _, opp_name, stage, close, share, attributed, amount in top_opps:
        opp_table.add_row(
            opp_name, stage, str(close), f"{share:.0%}", money(attributed), money(amount)
        )
    console.print(opp_table)
    return True
