"""The report people would rather look at than read: one self-contained HTML file.

Read from the published warehouse (read-only), one section per question, each a chart with
its table beneath:

1. campaign ROI by attribution model, the estimate (plan) next to the actuals;
2. the funnel with its conversion rates;
3. pipeline and forecast against quota;
4. cost-to-serve by ABC segment.

plotly.js is embedded inline, so the file opens from disk without a server or network. A
section whose mart is missing (or lacks a column) renders a short "not available: <why>" note
instead of failing the whole report.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs
from rich.console import Console

from orchestration import settings
from orchestration.reports.attribution import DEFAULT_MODEL, MODEL_HELP

REPORT_FILE_NAME = "leadledger_report.html"
TOP_CAMPAIGNS_CHART = 15
TOP_CAMPAIGNS_TABLE = 25
PIPELINE_TABLE_MONTHS = 12

COLORS = {
    "plan": "#9aa5b1",
    "actual": "#1f6feb",
    "cost": "#d1495b",
    "quota": "#6e7781",
    "forecast": "#e08e0b",
    "pipeline": "#8250df",
    "margin": "#2da44e",
    "marketing": "#1f6feb",
    "sales": "#2da44e",
    "unknown": "#9aa5b1",
}
MODEL_LABELS = {
    "first_touch": "First touch",
    "lead_creation": "Lead creation",
    "last_touch": "Last touch",
    "linear": "Linear",
    "u_shaped": "U-shaped",
    "w_shaped": "W-shaped",
    "full_path": "Full path",
    "time_decay": "Time decay",
    "markov": "Markov",
    "shapley": "Shapley",
}


def report_path(warehouse: Path | None = None) -> Path:
    """Where the pipeline writes the report: ``<warehouse dir>/report/leadledger_report.html``."""
    return (warehouse or settings.warehouse_path()).parent / "report" / REPORT_FILE_NAME


class NotAvailable(Exception):
    """A section cannot be drawn from this warehouse; the message says why."""


@dataclass
class Column:
    """A table column: header, the frame column it shows and how to format it."""

    header: str
    name: str
    fmt: Callable[[object], str] = str
    numeric: bool = True


@dataclass
class Section:
    key: str
    title: str
    question: str
    figures: list[go.Figure] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unavailable: str | None = None


@dataclass
class RenderedReport:
    path: Path
    sections: list[Section]

    @property
    def drawn(self) -> list[str]:
        return [s.key for s in self.sections if s.unavailable is None]

    @property
    def not_available(self) -> dict[str, str]:
        return {s.key: s.unavailable for s in self.sections if s.unavailable is not None}


# --- formatting -------------------------------------------------------------------------------


EMPTY = "\u2013"  # en dash for a missing value


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def money(value: object) -> str:
    return EMPTY if _missing(value) else f"{float(value):,.0f}"


def count(value: object) -> str:
    return EMPTY if _missing(value) else f"{float(value):,.0f}"


def percent(value: object) -> str:
    return EMPTY if _missing(value) else f"{float(value):.1%}"


def signed_percent(value: object) -> str:
    return EMPTY if _missing(value) else f"{float(value):+,.0%}"


def month(value: object) -> str:
    return EMPTY if _missing(value) else pd.Timestamp(value).strftime("%b %Y")


def text(value: object) -> str:
    return "" if _missing(value) else str(value)


def _ratio(numerator: float, denominator: float) -> float | None:
    return None if not denominator else numerator / denominator


def table_html(frame: pd.DataFrame, columns: Sequence[Column], caption: str = "") -> str:
    head = "".join(
        f'<th class="{"num" if c.numeric else ""}">{html.escape(c.header)}</th>' for c in columns
    )
    rows = []
    for record in frame.to_dict("records"):
        cells = "".join(
            f'<td class="{"num" if c.numeric else ""}">{html.escape(c.fmt(record.get(c.name)))}</td>'
            for c in columns
        )
        rows.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (
        f'<div class="table-wrap"><table>{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


# --- reading ----------------------------------------------------------------------------------


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables"
    ).fetchall()
    return {r[0] for r in rows}


def _query(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> pd.DataFrame:
    try:
        return con.execute(sql, list(params)).df()
    except duckdb.Error as exc:
        first_line = str(exc).strip().splitlines()[0]
        raise NotAvailable(f"the published marts do not fit this report ({first_line})") from exc


def _require(available: set[str], *tables: str) -> None:
    missing = [t for t in tables if t not in available]
    if missing:
        raise NotAvailable(
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not in the published "
            "warehouse (built and published by `leadledger run` once its models exist)"
        )


def _layout(fig: go.Figure, title: str, height: int = 460, **kwargs: object) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        template="plotly_white",
        height=height,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
        font={"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
        **kwargs,
    )
    return fig


# --- sections ---------------------------------------------------------------------------------


def campaign_roi_section(
    con: duckdb.DuckDBPyConnection, available: set[str], section: Section
) -> None:
    _require(available, "marts.rpt_campaign_roi")
    roi = _query(
        con,
        """
        select campaign_id, campaign_name, channel, attribution_model, reporting_currency,
            planned_budget, expected_revenue, actual_cost, attributed_won_revenue, roi
        from marts.rpt_campaign_roi
        where not is_pseudo_campaign
        """,
    )
    if roi.empty:
        raise NotAvailable("marts.rpt_campaign_roi has no campaigns yet")
    currency = (
        roi["reporting_currency"].dropna().iloc[0]
        if roi["reporting_currency"].notna().any()
        else ""
    )
    models = [m for m in MODEL_LABELS if m in set(roi["attribution_model"])]
    default = DEFAULT_MODEL if DEFAULT_MODEL in models else models[0]
    # one row per campaign and model (campaign_model_id is unique): pivot, never aggregate,
    # so a ROI that is null (no cost) stays empty instead of becoming 0
    won = roi.pivot(
        index="campaign_id", columns="attribution_model", values="attributed_won_revenue"
    )
    roi_by_model = roi.pivot(index="campaign_id", columns="attribution_model", values="roi")
    campaigns = (
        roi[roi["attribution_model"] == default]
        .set_index("campaign_id")[
            ["campaign_name", "channel", "planned_budget", "expected_revenue", "actual_cost"]
        ]
        .copy()
    )
    campaigns["actual"] = won[default]
    campaigns["actual_min"] = won[models].min(axis=1)
    campaigns["actual_max"] = won[models].max(axis=1)
    campaigns["roi_actual"] = roi_by_model[default]
    campaigns["roi_min"] = roi_by_model[models].min(axis=1)
    campaigns["roi_max"] = roi_by_model[models].max(axis=1)
    campaigns["roi_plan"] = [
        _ratio(e - b, b) if not (_missing(e) or _missing(b)) else None
        for e, b in zip(campaigns["expected_revenue"], campaigns["planned_budget"], strict=True)
    ]
    campaigns["vs_plan"] = campaigns["actual"] - campaigns["expected_revenue"]
    campaigns["size"] = (
        campaigns[["actual_cost", "expected_revenue", "actual"]].fillna(0).max(axis=1)
    )
    campaigns = campaigns.sort_values(["size", "campaign_name"], ascending=[False, True])
    top = campaigns.head(TOP_CAMPAIGNS_CHART).iloc[::-1]  # largest at the top of a bar chart
    names = [text(n) for n in top["campaign_name"]]

    # Horizontal grouped bars draw the first trace at the bottom of each group: add cost,
    # actual, plan, and reverse the legend, so plan reads first in both.
    bars = go.Figure()
    bars.add_bar(
        y=names,
        x=top["actual_cost"],
        orientation="h",
        name="Cost (finance)",
        marker_color=COLORS["cost"],
    )
    bars.add_bar(
        y=names,
        x=top["actual"],
        orientation="h",
        name=f"Won revenue, {MODEL_LABELS[default]} (whiskers: range over {len(models)} models)",
        marker_color=COLORS["actual"],
        error_x={
            "type": "data",
            "symmetric": False,
            "color": "#0b3d91",
            "thickness": 1.2,
            "array": (top["actual_max"] - top["actual"]).fillna(0),
            "arrayminus": (top["actual"] - top["actual_min"]).fillna(0),
        },
    )
    bars.add_bar(
        y=names,
        x=top["expected_revenue"],
        orientation="h",
        name="Expected revenue (plan)",
        marker_color=COLORS["plan"],
    )
    shown = (
        f"the {len(top)} largest of {len(campaigns)}"
        if len(campaigns) > len(top)
        else f"all {len(top)} campaigns"
    )
    _layout(
        bars,
        f"Estimate vs actual per campaign ({currency}), {shown}",
        height=max(420, 40 * len(top) + 120),
        barmode="group",
        xaxis={"title": currency, "tickformat": ",.0f"},
        yaxis={"automargin": True},
    )
    bars.update_layout(legend={"traceorder": "reversed"})
    section.figures.append(bars)

    z = [
        [row["roi_plan"], *[roi_by_model.at[cid, m] for m in models]] for cid, row in top.iterrows()
    ]
    z = [[None if _missing(v) else float(v) for v in r] for r in z]
    heat = go.Figure(
        go.Heatmap(
            z=z,
            x=["Plan<br>(estimate)", *[MODEL_LABELS[m].replace(" ", "<br>") for m in models]],
            y=names,
            zmid=0,
            zmin=-1,
            zmax=5,
            colorscale="RdYlGn",
            colorbar={"title": "ROI", "tickformat": ".0%"},
            text=[[signed_percent(v) for v in r] for r in z],
            texttemplate="%{text}",
            hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>",
            xgap=2,
            ygap=2,
        )
    )
    _layout(
        heat,
        "ROI = (revenue - cost) / cost: the plan's estimate next to every attribution model",
        height=max(420, 32 * len(top) + 140),
        xaxis={"side": "top", "tickangle": 0},
        yaxis={"automargin": True},
    )
    heat.update_layout(margin={"t": 90})
    section.figures.append(heat)

    section.tables.append(
        table_html(
            campaigns.head(TOP_CAMPAIGNS_TABLE),
            [
                Column("Campaign", "campaign_name", text, numeric=False),
                Column("Channel", "channel", text, numeric=False),
                Column("Budget", "planned_budget", money),
                Column("Cost", "actual_cost", money),
                Column("Expected (plan)", "expected_revenue", money),
                Column(f"Won ({MODEL_LABELS[default]})", "actual", money),
                Column("Won, lowest model", "actual_min", money),
                Column("Won, highest model", "actual_max", money),
                Column("Won vs plan", "vs_plan", money),
                Column("ROI plan", "roi_plan", signed_percent),
                Column(f"ROI ({MODEL_LABELS[default]})", "roi_actual", signed_percent),
                Column("ROI, lowest model", "roi_min", signed_percent),
                Column("ROI, highest model", "roi_max", signed_percent),
            ],
            caption=f"Money in {currency}. "
            + (
                f"The {TOP_CAMPAIGNS_TABLE} largest of {len(campaigns)} campaigns; all in marts.rpt_campaign_roi."
                if len(campaigns) > TOP_CAMPAIGNS_TABLE
                else f"All {len(campaigns)} campaigns."
            ),
        )
    )
    section.notes.append(
        f"{MODEL_LABELS[default]}: {MODEL_HELP.get(default, '')}. Per model the attributed "
        "revenue of all campaigns adds up to the total won revenue (deals without touches are "
        "'(unattributed)', cost without a campaign '(no campaign)'; both are left out here)."
    )


FUNNEL_STAGES = (
    ("Entered the funnel", "cycles_entered"),
    ("SAL (accepted by sales)", "reached_sal"),
    ("SQL (qualified)", "reached_sql"),
    ("Opportunity", "converted"),
    ("Won", "won"),
)
ORIGIN_LABELS = {
    "marketing": "Marketing (MQL)",
    "sales": "Sales generated (SGL)",
    "unknown": "Unknown origin",
}


def funnel_section(con: duckdb.DuckDBPyConnection, available: set[str], section: Section) -> None:
    _require(available, "marts.rpt_funnel_conversion")
    measures = ", ".join(f"sum({c}) as {c}" for _, c in FUNNEL_STAGES)
    by_origin = _query(
        con,
        f"""
        select lead_origin, {measures}, sum(recycled) as recycled,
            sum(case when is_mature then cycles_entered else 0 end) as mature_entered,
            sum(case when is_mature then won else 0 end) as mature_won,
            min(cohort_month) as first_cohort, max(cohort_month) as last_cohort
        from marts.rpt_funnel_conversion
        group by lead_origin
        order by lead_origin
        """,
    )
    if by_origin.empty or not by_origin["cycles_entered"].sum():
        raise NotAvailable("marts.rpt_funnel_conversion has no lead cycles yet")
    mature = _query(
        con,
        f"select {measures} from marts.rpt_funnel_conversion where is_mature",
    ).fillna(0)
    stage_labels = [label for label, _ in FUNNEL_STAGES]
    fig = go.Figure()
    for record in by_origin.to_dict("records"):
        origin = text(record["lead_origin"])
        fig.add_trace(
            go.Funnel(
                name=ORIGIN_LABELS.get(origin, origin),
                y=stage_labels,
                x=[float(record[c] or 0) for _, c in FUNNEL_STAGES],
                textinfo="value+percent previous",
                marker={"color": COLORS.get(origin, COLORS["unknown"])},
            )
        )
    _layout(fig, "Lead cycles per stage, by origin (share of the stage before)", height=420)
    section.figures.append(fig)

    totals = by_origin[[c for _, c in FUNNEL_STAGES]].sum()
    rows = []
    previous = None
    for label, column in FUNNEL_STAGES:
        row = {"stage": label, "total": totals[column]}
        for record in by_origin.to_dict("records"):
            row[text(record["lead_origin"])] = record[column]
        row["from_previous"] = _ratio(totals[column], previous) if previous is not None else None
        row["from_entry"] = _ratio(totals[column], totals["cycles_entered"])
        mature_entered = float(mature["cycles_entered"].iloc[0]) if not mature.empty else 0
        row["mature_from_entry"] = (
            _ratio(float(mature[column].iloc[0]), mature_entered) if mature_entered else None
        )
        rows.append(row)
        previous = totals[column]
    origins = [text(o) for o in by_origin["lead_origin"]]
    section.tables.append(
        table_html(
            pd.DataFrame(rows),
            [
                Column("Stage", "stage", text, numeric=False),
                *[Column(ORIGIN_LABELS.get(o, o), o, count) for o in origins],
                Column("Total", "total", count),
                Column("Conversion from previous stage", "from_previous", percent),
                Column("Conversion from entry", "from_entry", percent),
                Column("From entry, mature cohorts", "mature_from_entry", percent),
            ],
            caption=f"Cohorts {month(by_origin['first_cohort'].min())} to "
            f"{month(by_origin['last_cohort'].max())}. Recent cohorts are still converting; the "
            "last column counts only cohorts old enough for their rates to hardly change.",
        )
    )
    recycled = float(by_origin["recycled"].sum())
    section.notes.append(
        f"{count(recycled)} cycles ({percent(_ratio(recycled, float(totals['cycles_entered'])))}) went "
        "back to marketing (recycled): a KPI, not an error."
    )


def pipeline_section(con: duckdb.DuckDBPyConnection, available: set[str], section: Section) -> None:
    _require(available, "marts.rpt_sales_kpis_monthly")
    kpis = _query(
        con,
        """
        select month_date, is_complete_month, reporting_currency, quota_amount, forecast_amount,
            won_amount, open_pipeline, weighted_pipeline, closing_pipeline, quota_attainment,
            forecast_accuracy, pipeline_coverage, win_rate_count
        from marts.rpt_sales_kpis_monthly
        where breakdown = 'total'
        order by month_date
        """,
    )
    if kpis.empty:
        raise NotAvailable("marts.rpt_sales_kpis_monthly has no months yet")
    currency = (
        text(kpis["reporting_currency"].dropna().iloc[0])
        if kpis["reporting_currency"].notna().any()
        else ""
    )
    months = pd.to_datetime(kpis["month_date"])
    fig = go.Figure()
    fig.add_bar(x=months, y=kpis["won_amount"], name="Won", marker_color=COLORS["actual"])
    fig.add_scatter(
        x=months,
        y=kpis["quota_amount"],
        name="Quota",
        mode="lines",
        line={"color": COLORS["quota"], "dash": "dash", "width": 2, "shape": "hv"},
    )
    fig.add_scatter(
        x=months,
        y=kpis["forecast_amount"],
        name="Forecast (start of month)",
        mode="lines+markers",
        line={"color": COLORS["forecast"], "width": 2},
    )
    fig.add_scatter(
        x=months,
        y=kpis["closing_pipeline"],
        name="Pipeline due in the month (start of month)",
        mode="lines",
        line={"color": COLORS["pipeline"], "width": 1.5, "dash": "dot"},
    )
    _layout(
        fig,
        f"Won revenue against quota and forecast per month ({currency})",
        xaxis={"dtick": "M3", "tickformat": "%b %Y"},
        yaxis={"title": currency, "tickformat": ",.0f"},
        hovermode="x unified",
    )
    section.figures.append(fig)
    recent = kpis.tail(PIPELINE_TABLE_MONTHS).iloc[::-1]
    section.tables.append(
        table_html(
            recent,
            [
                Column("Month", "month_date", month, numeric=False),
                Column("Quota", "quota_amount", money),
                Column("Forecast", "forecast_amount", money),
                Column("Won", "won_amount", money),
                Column("Quota attainment", "quota_attainment", percent),
                Column("Forecast accuracy", "forecast_accuracy", percent),
                Column("Open pipeline", "open_pipeline", money),
                Column("Weighted pipeline", "weighted_pipeline", money),
                Column("Due in the month", "closing_pipeline", money),
                Column(
                    "Coverage",
                    "pipeline_coverage",
                    lambda v: EMPTY if _missing(v) else f"{float(v):.1f}x",
                ),
                Column("Win rate", "win_rate_count", percent),
            ],
            caption=f"The last {len(recent)} months, newest first; money in {currency}. Pipeline "
            "figures as they stood when the month began; the month of the reporting date is "
            "not over yet.",
        )
    )


SEGMENT_LABELS = {"A": "A (top 80 % of revenue)", "B": "B (next 15 %)", "C": "C (the rest)"}


def cost_to_serve_section(
    con: duckdb.DuckDBPyConnection, available: set[str], section: Section
) -> None:
    _require(available, "marts.rpt_cost_to_serve_by_segment")
    segments = _query(
        con,
        """
        select abc_segment, month_start_date, reporting_currency, trailing_months, accounts,
            accounts_with_revenue, accounts_with_visit_cost_above_margin, trailing_revenue,
            trailing_revenue_share, trailing_gross_margin, trailing_field_visits,
            trailing_field_visit_cost, trailing_remote_activity_cost, trailing_activity_cost,
            trailing_margin_after_cost_to_serve, trailing_cost_to_serve_ratio
        from marts.rpt_cost_to_serve_by_segment
        where is_current_month
        order by abc_segment
        """,
    )
    if segments.empty:
        raise NotAvailable("marts.rpt_cost_to_serve_by_segment has no current month yet")
    currency = (
        text(segments["reporting_currency"].dropna().iloc[0])
        if segments["reporting_currency"].notna().any()
        else ""
    )
    window = int(segments["trailing_months"].max())
    labels = [SEGMENT_LABELS.get(s, s) for s in segments["abc_segment"]]
    fig = go.Figure()
    fig.add_bar(
        x=labels,
        y=segments["trailing_gross_margin"],
        name="Gross margin",
        marker_color=COLORS["margin"],
        offsetgroup="margin",
    )
    fig.add_bar(
        x=labels,
        y=segments["trailing_field_visit_cost"],
        name="Cost: field visits",
        marker_color=COLORS["cost"],
        offsetgroup="cost",
    )
    fig.add_bar(
        x=labels,
        y=segments["trailing_remote_activity_cost"],
        name="Cost: calls, e-mails, meetings",
        marker_color="#f4a259",
        offsetgroup="cost",
        base=segments["trailing_field_visit_cost"],
        text=[
            "no margin" if _missing(r) else f"{float(r):.0%} of margin"
            for r in segments["trailing_cost_to_serve_ratio"]
        ],
        textposition="outside",
        cliponaxis=False,
    )
    fig.add_scatter(
        x=labels,
        y=segments["trailing_margin_after_cost_to_serve"],
        name="Margin after cost-to-serve",
        mode="markers",
        marker={"symbol": "diamond", "size": 14, "color": "#0b3d91"},
    )
    _layout(
        fig,
        f"Trailing {window} months per ABC segment ({currency})",
        yaxis={"title": currency, "tickformat": ",.0f"},
        bargap=0.35,
    )
    section.figures.append(fig)
    segments["label"] = labels
    section.tables.append(
        table_html(
            segments,
            [
                Column("Segment", "label", text, numeric=False),
                Column("Accounts", "accounts", count),
                Column("With revenue", "accounts_with_revenue", count),
                Column("Revenue", "trailing_revenue", money),
                Column("Share of revenue", "trailing_revenue_share", percent),
                Column("Gross margin", "trailing_gross_margin", money),
                Column("Field visits", "trailing_field_visits", count),
                Column("Field visit cost", "trailing_field_visit_cost", money),
                Column("Other contact cost", "trailing_remote_activity_cost", money),
                Column("Cost-to-serve / margin", "trailing_cost_to_serve_ratio", percent),
                Column("Margin after cost-to-serve", "trailing_margin_after_cost_to_serve", money),
                Column(
                    "Accounts whose visits cost more than they earn",
                    "accounts_with_visit_cost_above_margin",
                    count,
                ),
            ],
            caption=f"Trailing {window} months up to {month(segments['month_start_date'].max())}; money in {currency}. "
            "Per account: marts.rpt_cost_to_serve.",
        )
    )


Builder = Callable[[duckdb.DuckDBPyConnection, set[str], Section], None]

# (key, title, the question it answers, what fills it), in the order of the page.
SECTIONS: list[tuple[str, str, str, Builder]] = [
    (
        "campaign_roi",
        "Campaign ROI by attribution model",
        "What did each campaign cost, what did we expect it to bring in, and what did it bring "
        "in under each attribution model?",
        campaign_roi_section,
    ),
    (
        "funnel",
        "The funnel",
        "How many lead cycles entered the shared funnel, and how many made it to each next "
        "stage? Every cycle counts, recycled leads included.",
        funnel_section,
    ),
    (
        "pipeline",
        "Pipeline and forecast vs quota",
        "Per month: the quota, the forecast as it stood when the month began (never today's "
        "values), what was won, and the pipeline expected to close in the month.",
        pipeline_section,
    ),
    (
        "cost_to_serve",
        "Cost-to-serve by segment",
        "What does serving the A, B and C accounts cost (field visits, calls, e-mails, "
        "meetings), next to the margin they earn?",
        cost_to_serve_section,
    ),
]


# --- headline figures -------------------------------------------------------------------------


def _headline(con: duckdb.DuckDBPyConnection, available: set[str]) -> list[tuple[str, str, str]]:
    """(label, value, hint) tiles for the top of the report; whatever the marts allow."""
    tiles: list[tuple[str, str, str]] = []
    if "marts.rpt_campaign_roi" in available:
        try:
            won, cost, currency = con.execute(
                """
                select sum(attributed_won_revenue), sum(actual_cost), max(reporting_currency)
                from marts.rpt_campaign_roi where attribution_model = ?
                """,
                [DEFAULT_MODEL],
            ).fetchall()[0]
        except duckdb.Error:
            won = None
        if won is not None:
            tiles.append(("Won revenue", f"{money(won)} {currency}", "all deals won, CRM"))
            tiles.append(("Campaign cost", f"{money(cost)} {currency}", "finance cost lines"))
            tiles.append(
                (
                    "Marketing ROI",
                    signed_percent(_ratio(float(won) - float(cost or 0), float(cost or 0))),
                    "(won revenue - campaign cost) / cost",
                )
            )
    if "marts.fct_opportunities" in available:
        try:
            open_amount, weighted, currency = con.execute(
                """
                select sum(amount_reporting), sum(amount_reporting * probability / 100),
                    max(reporting_currency)
                from marts.fct_opportunities where outcome = 'open'
                """
            ).fetchall()[0]
            tiles.append(
                (
                    "Open pipeline",
                    f"{money(open_amount or 0)} {currency or ''}".strip(),
                    f"weighted by stage: {money(weighted or 0)}",
                )
            )
        except duckdb.Error:
            pass
    return tiles


def _stamp(con: duckdb.DuckDBPyConnection, available: set[str]) -> str:
    parts = []
    if "marts.dim_date" in available:
        try:
            (reporting_date,) = con.execute(
                "select min(calendar_date) from marts.dim_date where not is_before_reporting_date"
            ).fetchall()[0]
            if reporting_date is not None:
                parts.append(f"as of {reporting_date:%d %B %Y}")
        except duckdb.Error:
            pass
    if "marts._published" in available:
        try:
            run_id, at = con.execute(
                "select run_id, published_at from marts._published"
            ).fetchall()[0]
            parts.append(f"published {at:%Y-%m-%d %H:%M} UTC by run {str(run_id)[:8]}")
        except (duckdb.Error, IndexError):
            pass
    return ", ".join(parts)


# --- the page ---------------------------------------------------------------------------------

CSS = """
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #f6f8fa; --accent: #1f6feb; }
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--fg); background: var(--bg); }
header { background: #0d1117; color: #f0f6fc; padding: 28px 40px 24px; }
header h1 { margin: 0 0 6px; font-size: 26px; font-weight: 600; }
header p { margin: 0; color: #9198a1; }
nav { margin-top: 14px; display: flex; gap: 18px; flex-wrap: wrap; }
nav a { color: #79c0ff; text-decoration: none; font-size: 14px; }
main { max-width: 1280px; margin: 0 auto; padding: 24px 40px 60px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 16px;
         margin-bottom: 24px; }
.tile { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; }
.tile .label { color: var(--muted); font-size: 13px; }
.tile .value { font-size: 26px; font-weight: 600; margin: 4px 0; }
.tile .hint { color: var(--muted); font-size: 12px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 22px 24px;
          margin-bottom: 24px; }
section h2 { margin: 0 0 4px; font-size: 20px; }
section .question { margin: 0 0 12px; color: var(--muted); }
.chart { width: 100%; min-height: 380px; margin: 8px 0 4px; }
.table-wrap { overflow-x: auto; margin-top: 12px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; font-variant-numeric: tabular-nums; }
caption { caption-side: bottom; text-align: left; color: var(--muted); font-size: 12px; padding-top: 8px; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { text-align: left; background: var(--bg); font-weight: 600; }
.num { text-align: right; }
tbody tr:hover { background: #f0f6ff; }
.note { color: var(--muted); font-size: 13px; margin: 10px 0 0; }
.unavailable { border-left: 4px solid #d4a72c; background: #fff8c5; padding: 10px 14px;
               border-radius: 6px; }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 0 0 30px; }
"""

PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
}


def _section_html(section: Section) -> str:
    parts = [
        f'<section id="{section.key}" data-section="{section.key}">',
        f"<h2>{html.escape(section.title)}</h2>",
        f'<p class="question">{html.escape(section.question)}</p>',
    ]
    if section.unavailable is not None:
        parts.append(
            f'<p class="unavailable">Not available: {html.escape(section.unavailable)}</p>'
        )
    else:
        for i, fig in enumerate(section.figures):
            div = fig.to_html(
                full_html=False,
                include_plotlyjs=False,
                config=PLOTLY_CONFIG,
                div_id=f"chart-{section.key}-{i + 1}",
                default_width="100%",
            )
            parts.append(f'<div class="chart" data-chart="{section.key}-{i + 1}">{div}</div>')
        parts.extend(section.tables)
        parts.extend(f'<p class="note">{html.escape(n)}</p>' for n in section.notes)
    parts.append("</section>")
    return "\n".join(parts)


def _page(
    sections: list[Section], tiles: list[tuple[str, str, str]], stamp: str, warehouse: Path
) -> str:
    nav = "".join(f'<a href="#{s.key}">{html.escape(s.title)}</a>' for s in sections)
    tile_html = "".join(
        f'<div class="tile"><div class="label">{html.escape(label)}</div>'
        f'<div class="value">{html.escape(value)}</div><div class="hint">{html.escape(hint)}</div></div>'
        for label, value, hint in tiles
    )
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>leadledger: lead-to-revenue report</title>
<style>{CSS}</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head>
<body>
<header>
<h1>Lead to revenue</h1>
<p>{html.escape(stamp or "from the published warehouse")}</p>
<nav>{nav}</nav>
</header>
<main>
<div class="tiles">{tile_html}</div>
{"".join(_section_html(s) for s in sections)}
</main>
<footer>Generated {generated} by leadledger from {html.escape(str(warehouse))} (read-only).
Every figure comes from the published marts; the SQL behind each is in dbt_project/models/marts.</footer>
</body>
</html>
"""


def write_report(warehouse: Path, out: Path) -> RenderedReport:
    """Render the report from ``warehouse`` (opened read-only) into ``out``; the sections and
    which of them could not be drawn, and why."""
    warehouse = Path(warehouse)
    if not warehouse.exists():
        raise FileNotFoundError(
            f"{warehouse}: no published warehouse to report on; run `leadledger run` first"
        )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        available = _tables(con)
        sections = []
        for key, title, question, build in SECTIONS:
            section = Section(key, title, question)
            try:
                build(con, available, section)
            except NotAvailable as reason:
                section = Section(key, title, question, unavailable=str(reason))
            sections.append(section)
        tiles = _headline(con, available)
        stamp = _stamp(con, available)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(_page(sections, tiles, stamp, warehouse), encoding="utf-8")
    tmp.replace(out)  # a reader never opens a half-written report
    return RenderedReport(path=out, sections=sections)


def render_report(warehouse: Path, out: Path) -> Path:
    """Render the HTML report from the published ``warehouse`` into ``out``; returns ``out``."""
    return write_report(warehouse, out).path


def print_report_location(console: Console, warehouse: Path) -> None:
    """After a run: where the HTML report is (``warehouse`` is what BI users read)."""
    out = report_path()
    if out.exists():
        console.print(f"Report (opens from disk in any browser): [bold]{out}[/]", soft_wrap=True)
    else:
        console.print(
            f"[yellow]No HTML report at {out}[/] (it is rendered after a publish).", soft_wrap=True
        )
