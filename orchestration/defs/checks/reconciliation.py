"""Cross-system reconciliations: the totals BI shows must add up across CRM, marketing and
finance, to the cent. Each is a blocking check: a total that does not reconcile is a wrong
number, and a wrong number must not publish.

- attributed revenue: per attribution model, the won revenue attributed to touches (and to
  "unattributed") equals the total won revenue of fct_opportunities;
- campaign cost: finance's cost lines, converted to the reporting currency, equal
  fct_campaign_costs (assigned + unassigned: no line lost), rpt_campaign_performance and
  rpt_campaign_roi of every model, in total and per campaign;
- booked revenue: the booked revenue of rpt_sales_kpis_monthly (company total per month)
  equals finance's revenue bookings converted to the reporting currency (skipped, with a
  note, while that mart does not exist).

The finance side is computed here from the staging views and the daily FX table
(intermediate.int_fx_rates_daily), independently of the marts' own SQL: it proves that no
line is lost, duplicated or assigned twice on the way. The FX lookup itself is unit-tested in
dbt. The SQL only aggregates; every total stays a DECIMAL, so "equal" means equal to the cent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import dagster as dg
import duckdb

from orchestration import settings
from orchestration.defs.checks import config
from orchestration.defs.checks.common import (
    CheckOutcome,
    fetch_dicts,
    markdown_table,
    read_only,
    table_columns,
    table_exists,
)

ZERO = Decimal("0.00")


def _dec(value: Any) -> Decimal:
    return ZERO if value is None else Decimal(value)


def _missing(con: duckdb.DuckDBPyConnection, needed: dict[str, list[str]]) -> list[str]:
    """Tables/columns among ``needed`` ({"schema.table": [columns]}) the warehouse lacks."""
    missing = []
    for relation, columns in needed.items():
        schema, table = relation.split(".")
        present = set(table_columns(con, schema, table))
        if not present:
            missing.append(relation)
        else:
            missing += [f"{relation}.{c}" for c in columns if c not in present]
    return missing


# --------------------------------------------------------------------------- attributed revenue

ATTRIBUTION_NEEDS = {
    "marts.fct_opportunities": ["opportunity_id", "is_won", "amount_reporting"],
    "marts.fct_attribution": ["opportunity_id"],
}
#: fct_attribution holds every model side by side, one column per model with this prefix.
ATTRIBUTED_PREFIX = "attributed_amount_reporting_"


def _attribution_by_model(models: list[str]) -> str:
    """fct_attribution read one model per row (attribution_model, opportunity_id,
    attributed_amount_reporting), as a parenthesised query."""
    return (
        "("
        + " union all ".join(
            f"select '{m}' as attribution_model, opportunity_id, "
            f"{ATTRIBUTED_PREFIX}{m} as attributed_amount_reporting from marts.fct_attribution"
            for m in models
        )
        + ")"
    )


def attributed_revenue_reconciles(
    con: duckdb.DuckDBPyConnection, examples: int = config.EXAMPLE_ROWS
) -> CheckOutcome:
    """Per attribution model: sum of attributed won revenue = total won revenue (to the cent)."""
    missing = _missing(con, ATTRIBUTION_NEEDS)
    if missing:
        return CheckOutcome(False, f"cannot reconcile: missing {', '.join(missing)}")
    won_deals, won_amount = con.execute(
        "select count(*), sum(amount_reporting) from marts.fct_opportunities where is_won"
    ).fetchone()
    won_amount = _dec(won_amount)
    models = sorted(
        c.removeprefix(ATTRIBUTED_PREFIX)
        for c in table_columns(con, "marts", "fct_attribution")
        if c.startswith(ATTRIBUTED_PREFIX)
    )
    by_model_sql = _attribution_by_model(models) if models else None
    per_model = (
        fetch_dicts(
            con,
            f"""
            select
                attribution_model,
                count(distinct opportunity_id) as won_deals_attributed,
                sum(attributed_amount_reporting) as attributed_won_revenue
            from {by_model_sql} as attribution
            where opportunity_id in (select opportunity_id from marts.fct_opportunities where is_won)
            group by attribution_model
            order by attribution_model
            """,
        )
        if models
        else []
    )
    by_model = {r["attribution_model"]: r for r in per_model}
    totals = []
    for model in models:
        attributed = _dec(by_model.get(model, {}).get("attributed_won_revenue"))
        totals.append(
            {
                "attribution_model": model,
                "attributed_won_revenue": attributed,
                "total_won_revenue": won_amount,
                "difference": attributed - won_amount,
            }
        )
    # Opportunities whose attributed amounts do not add up to their won amount, per model.
    failing = (
        fetch_dicts(
            con,
            f"""
            with won as (
                select opportunity_id, amount_reporting from marts.fct_opportunities where is_won
            ),
            models as (
                select unnest(?::varchar[]) as attribution_model
            ),
            attributed as (
                select attribution_model, opportunity_id, sum(attributed_amount_reporting) as attributed
                from {by_model_sql} as attribution
                where opportunity_id in (select opportunity_id from won)
                group by attribution_model, opportunity_id
            )
            select
                'attributed amount != won amount' as rule,
                models.attribution_model,
                won.opportunity_id,
                won.amount_reporting as won_amount_reporting,
                attributed.attributed as attributed_amount_reporting,
                count(*) over () as opportunities_not_reconciled
            from models
            cross join won
            left join attributed
                on models.attribution_model = attributed.attribution_model
                and won.opportunity_id = attributed.opportunity_id
            where coalesce(attributed.attributed, 0) != coalesce(won.amount_reporting, 0)
            order by models.attribution_model, won.opportunity_id
            limit ?
            """,
            [models, examples],
        )
        if models
        else []
    )
    off = [t for t in totals if t["difference"] != 0]
    metadata: dict[str, Any] = {
        "won_deals": won_deals,
        "total_won_revenue": str(won_amount),
        "models": len(models),
        "totals_by_model": dg.MetadataValue.md(markdown_table(totals)) if totals else "none",
    }
    if won_deals and not models:
        return CheckOutcome(
            False,
            f"{won_deals} won deals ({won_amount} in the reporting currency) but fct_attribution "
            "has no attribution model: the won revenue is not attributed at all",
            metadata,
        )
    if off or failing:
        where = ", ".join(f"{t['attribution_model']} {t['difference']:+}" for t in off)
        return CheckOutcome(
            False,
            f"attributed won revenue does not add up to the total won revenue {won_amount}"
            + (f": {where}" if where else "")
            + (
                f"; {failing[0]['opportunities_not_reconciled']} opportunity x model pairs off"
                if failing
                else ""
            ),
            metadata,
            failing_rows=failing,
        )
    return CheckOutcome(
        True,
        f"every one of {len(models)} models attributes exactly the total won revenue "
        f"{won_amount} ({won_deals} won deals)",
        metadata,
    )


# --------------------------------------------------------------------------- campaign cost

COST_NEEDS = {
    "staging.stg_finance__campaign_costs": [
        "cost_line_id",
        "invoice_date",
        "amount",
        "currency_code",
    ],
    "intermediate.int_fx_rates_daily": ["calendar_date", "currency_code", "to_reporting_rate"],
    "marts.fct_campaign_costs": [
        "cost_line_id",
        "campaign_id",
        "is_assigned_to_campaign",
        "amount_reporting",
    ],
    "marts.rpt_campaign_performance": ["campaign_id", "actual_cost"],
    "marts.rpt_campaign_roi": ["campaign_id", "attribution_model", "actual_cost"],
}

#: The pseudo-campaigns that carry cost without a known campaign in each report.
PERFORMANCE_UNASSIGNED = "(none)"
ROI_UNASSIGNED = "(no campaign)"

_FINANCE_LINES = """
    select
        costs.cost_line_id,
        costs.invoice_date,
        costs.currency_code,
        costs.amount,
        cast(costs.amount * fx.to_reporting_rate as decimal(18, 2)) as amount_reporting
    from staging.stg_finance__campaign_costs as costs
    left join intermediate.int_fx_rates_daily as fx
        on costs.invoice_date = fx.calendar_date and costs.currency_code = fx.currency_code
"""


def campaign_cost_reconciles(
    con: duckdb.DuckDBPyConnection, examples: int = config.EXAMPLE_ROWS
) -> CheckOutcome:
    """Finance cost lines (converted) = fct_campaign_costs = rpt_campaign_performance =
    rpt_campaign_roi per model, in total and per campaign, to the cent."""
    missing = _missing(con, COST_NEEDS)
    if missing:
        return CheckOutcome(False, f"cannot reconcile: missing {', '.join(missing)}")
    finance_lines, finance_total, without_fx = con.execute(
        f"""
        select count(*), sum(amount_reporting), count(*) filter (where amount_reporting is null)
        from ({_FINANCE_LINES})
        """
    ).fetchone()
    fct_lines, mapped, unassigned = con.execute(
        """
        select
            count(*),
            sum(amount_reporting) filter (where is_assigned_to_campaign),
            sum(amount_reporting) filter (where not is_assigned_to_campaign)
        from marts.fct_campaign_costs
        """
    ).fetchone()
    performance_total = con.execute(
        "select sum(actual_cost) from marts.rpt_campaign_performance"
    ).fetchone()[0]
    roi_totals = fetch_dicts(
        con,
        """
        select attribution_model, sum(actual_cost) as actual_cost
        from marts.rpt_campaign_roi group by attribution_model order by attribution_model
        """,
    )
    finance_total = _dec(finance_total)
    totals = [
        {
            "source": "finance cost lines, converted",
            "lines": finance_lines,
            "amount_reporting": finance_total,
        },
        {
            "source": "fct_campaign_costs, assigned to a campaign",
            "lines": None,
            "amount_reporting": _dec(mapped),
        },
        {
            "source": "fct_campaign_costs, unassigned",
            "lines": None,
            "amount_reporting": _dec(unassigned),
        },
        {
            "source": "fct_campaign_costs",
            "lines": fct_lines,
            "amount_reporting": _dec(mapped) + _dec(unassigned),
        },
        {
            "source": "rpt_campaign_performance",
            "lines": None,
            "amount_reporting": _dec(performance_total),
        },
        *[
            {
                "source": f"rpt_campaign_roi ({r['attribution_model']})",
                "lines": None,
                "amount_reporting": _dec(r["actual_cost"]),
            }
            for r in roi_totals
        ],
    ]
    for row in totals:
        is_part = row["source"].startswith("fct_campaign_costs, ")
        row["difference"] = None if is_part else row["amount_reporting"] - finance_total
    # Lines lost, added or converted differently; then campaigns whose cost differs.
    failing = fetch_dicts(
        con,
        f"""
        with finance as ({_FINANCE_LINES}),
        fct as (select cost_line_id, amount_reporting from marts.fct_campaign_costs)
        select
            case
                when fct.cost_line_id is null then 'finance cost line missing from fct_campaign_costs'
                when finance.cost_line_id is null then 'cost line in fct_campaign_costs unknown to finance'
                when finance.amount_reporting is null then 'finance cost line without FX rate'
                else 'amount differs'
            end as rule,
            coalesce(finance.cost_line_id, fct.cost_line_id) as cost_line_id,
            finance.invoice_date,
            finance.currency_code,
            finance.amount,
            finance.amount_reporting as finance_amount_reporting,
            fct.amount_reporting as fct_amount_reporting
        from finance
        full outer join fct on finance.cost_line_id = fct.cost_line_id
        where finance.amount_reporting is null
            or fct.amount_reporting is distinct from finance.amount_reporting
        order by 2
        limit ?
        """,
        [examples],
    )
    failing += fetch_dicts(
        con,
        """
        with fct as (
            select campaign_id, sum(amount_reporting) as cost
            from marts.fct_campaign_costs group by campaign_id
        ),
        performance as (
            select
                coalesce(fct.campaign_id, ?) as campaign_id,
                fct.cost as fct_cost,
                report.actual_cost as report_cost
            from fct
            full outer join marts.rpt_campaign_performance as report
                on coalesce(fct.campaign_id, ?) = report.campaign_id
        ),
        roi as (
            select
                coalesce(fct.campaign_id, ?) as campaign_id,
                models.attribution_model,
                fct.cost as fct_cost,
                report.actual_cost as report_cost
            from fct
            cross join (select distinct attribution_model from marts.rpt_campaign_roi) as models
            full outer join marts.rpt_campaign_roi as report
                on coalesce(fct.campaign_id, ?) = report.campaign_id
                and models.attribution_model = report.attribution_model
        )
        select * from (
            select 'campaign cost differs in rpt_campaign_performance' as rule, campaign_id,
                null as attribution_model, fct_cost, report_cost
            from performance
            where coalesce(fct_cost, 0) != coalesce(report_cost, 0)
            union all
            select 'campaign cost differs in rpt_campaign_roi' as rule, campaign_id,
                attribution_model, fct_cost, report_cost
            from roi
            where coalesce(fct_cost, 0) != coalesce(report_cost, 0)
        )
        order by rule, campaign_id, attribution_model
        limit ?
        """,
        [PERFORMANCE_UNASSIGNED, PERFORMANCE_UNASSIGNED, ROI_UNASSIGNED, ROI_UNASSIGNED, examples],
    )
    # The assigned and unassigned parts add up to fct_campaign_costs; every other total must
    # equal finance's.
    off = [t for t in totals if t["difference"] not in (None, 0)]
    metadata = {
        "finance_cost_lines": finance_lines,
        "finance_lines_without_fx_rate": without_fx,
        "finance_cost_reporting": str(finance_total),
        "assigned_cost_reporting": str(_dec(mapped)),
        "unassigned_cost_reporting": str(_dec(unassigned)),
        "totals": dg.MetadataValue.md(markdown_table(totals)),
    }
    if off or failing or without_fx or (finance_lines and not roi_totals):
        reasons = [f"{t['source']} {t['difference']:+}" for t in off]
        if without_fx:
            reasons.append(f"{without_fx} finance lines without FX rate")
        if not roi_totals and finance_lines:
            reasons.append("rpt_campaign_roi has no rows")
        if failing and not reasons:
            reasons.append(f"{len(failing)}+ lines or campaigns differ")
        return CheckOutcome(
            False,
            f"campaign cost does not reconcile with finance ({finance_total}): "
            + "; ".join(reasons),
            metadata,
            failing_rows=failing,
        )
    return CheckOutcome(
        True,
        f"finance cost {finance_total} ({finance_lines} lines) = fct_campaign_costs (assigned "
        f"{_dec(mapped)} + unassigned {_dec(unassigned)}) = rpt_campaign_performance = "
        f"rpt_campaign_roi for each of {len(roi_totals)} models",
        metadata,
    )


# --------------------------------------------------------------------------- booked revenue

KPI_TABLE = "rpt_sales_kpis_monthly"
BOOKED_NEEDS = {
    f"marts.{KPI_TABLE}": ["month_date", "breakdown", "booked_revenue"],
    "staging.stg_finance__revenue_bookings": [
        "invoice_id",
        "invoice_date",
        "revenue_amount",
        "currency_code",
    ],
    "intermediate.int_fx_rates_daily": ["calendar_date", "currency_code", "to_reporting_rate"],
    "raw._load_manifest": ["extract_date"],
}


def booked_revenue_reconciles(
    con: duckdb.DuckDBPyConnection, examples: int = config.EXAMPLE_ROWS
) -> CheckOutcome:
    """Per month, rpt_sales_kpis_monthly's company-total booked revenue = finance's revenue
    bookings up to the reporting date, converted at the FX rate of the invoice date."""
    if not table_exists(con, "marts", KPI_TABLE):
        return CheckOutcome(
            True,
            f"skipped: marts.{KPI_TABLE} does not exist yet, so there is no booked revenue "
            "to reconcile with finance",
            {"skipped": True},
        )
    missing = _missing(con, BOOKED_NEEDS)
    if missing:
        return CheckOutcome(False, f"cannot reconcile: missing {', '.join(missing)}")
    reporting_date = con.execute("select max(extract_date) from raw._load_manifest").fetchone()[0]
    months = fetch_dicts(
        con,
        f"""
        with finance as (
            select
                cast(date_trunc('month', bookings.invoice_date) as date) as month_date,
                count(*) as invoices,
                count(*) filter (where fx.to_reporting_rate is null) as invoices_without_fx_rate,
                cast(sum(bookings.revenue_amount * fx.to_reporting_rate) as decimal(18, 2))
                    as finance_booked_revenue
            from staging.stg_finance__revenue_bookings as bookings
            left join intermediate.int_fx_rates_daily as fx
                on bookings.invoice_date = fx.calendar_date
                and bookings.currency_code = fx.currency_code
            where bookings.invoice_date <= ?
            group by 1
        ),
        kpis as (
            select month_date, sum(booked_revenue) as kpi_booked_revenue, count(*) as total_rows
            from marts.{KPI_TABLE}
            where breakdown = 'total'
            group by month_date
        )
        select
            coalesce(kpis.month_date, finance.month_date) as month_date,
            coalesce(finance.invoices, 0) as invoices,
            coalesce(finance.invoices_without_fx_rate, 0) as invoices_without_fx_rate,
            coalesce(finance.finance_booked_revenue, 0) as finance_booked_revenue,
            coalesce(kpis.kpi_booked_revenue, 0) as kpi_booked_revenue,
            coalesce(kpis.total_rows, 0) as kpi_total_rows
        from finance
        full outer join kpis on finance.month_date = kpis.month_date
        order by 1
        """,
        [reporting_date],
    )
    for month in months:
        month["difference"] = _dec(month["kpi_booked_revenue"]) - _dec(
            month["finance_booked_revenue"]
        )
    failing = [
        {"rule": "booked revenue differs from finance", **m}
        for m in months
        if m["difference"] != 0 or m["invoices_without_fx_rate"] or m["kpi_total_rows"] > 1
    ]
    finance_total = sum((_dec(m["finance_booked_revenue"]) for m in months), ZERO)
    kpi_total = sum((_dec(m["kpi_booked_revenue"]) for m in months), ZERO)
    metadata = {
        "reporting_date": str(reporting_date),
        "months": len(months),
        "finance_booked_revenue": str(finance_total),
        "kpi_booked_revenue": str(kpi_total),
        "difference": str(kpi_total - finance_total),
    }
    if failing:
        return CheckOutcome(
            False,
            f"booked revenue of marts.{KPI_TABLE} ({kpi_total}) does not reconcile with finance "
            f"({finance_total}) in {len(failing)} months",
            metadata,
            failing_rows=failing[:examples],
        )
    return CheckOutcome(
        True,
        f"booked revenue {kpi_total} = finance's bookings up to {reporting_date}, converted, "
        f"in each of {len(months)} months",
        metadata,
    )


# --------------------------------------------------------------------------- Dagster

RECONCILIATIONS = {
    "attributed_revenue_reconciles": attributed_revenue_reconciles,
    "campaign_cost_reconciles": campaign_cost_reconciles,
    "booked_revenue_reconciles": booked_revenue_reconciles,
}


def build_reconciliation_check(
    name: str, asset: dg.AssetKey, reads: list[dg.AssetKey], description: str
) -> dg.AssetChecksDefinition:
    """The blocking check ``name`` on ``asset``.

    The other marts it ``reads`` are named in its metadata, not declared as dependencies: a
    check depending on an asset waits for that asset's blocking checks and is skipped when one
    fails, and a failed run should still show every reconciliation's result.
    """
    function = RECONCILIATIONS[name]

    @dg.asset_check(
        asset=asset,
        name=name,
        blocking=True,
        description=description,
        metadata={"also_reads": ", ".join(k.to_user_string() for k in reads) or "-"},
    )
    def _check() -> dg.AssetCheckResult:
        with read_only(settings.warehouse_path()) as con:
            return function(con).to_result()

    return _check
