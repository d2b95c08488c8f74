"""The Great Expectations suites of the marts, declared as data.

Every ``fct_*`` and ``rpt_*`` table of the ``marts`` schema gets a suite, discovered from the
dbt manifest, so a new mart is guarded as soon as its model exists:

- uniqueness of its grain: the key its ``unique`` dbt test names (a column or an expression),
  or the columns of its ``unique_combination`` test as one key that is never null
  (``cast(row(opportunity_id, valid_from_date) as varchar)``: a null in one column is a value);
- completeness: every column with an unconditional ``not_null`` test or constraint;
- ranges: the expectations in ``RANGES`` below, per table (rates 0-1, probabilities 0-100, no
  negative cost or amount, ROI never below -100 %). Ranges are explicit rather than guessed
  from column names: ``to_reporting_rate`` is an FX rate, not a 0-1 rate.

A name with ``*`` stands for every column of the model's contract it matches (fct_attribution's
per-model columns). A column named here that the table lacks fails the suite
(``expect_column_to_exist``): a guard that silently checks nothing is worse than none. tests/orchestration/test_checks.py checks that
every column named here exists in its model.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MART_SCHEMA = "marts"
SUITE_PREFIXES = ("fct_", "rpt_")
TABLE_MATERIALIZATIONS = ("table", "incremental")  # views are not published, so not checked


@dataclass(frozen=True)
class Range:
    """Inclusive bounds; None = unbounded. Nulls are never a range violation."""

    min_value: float | None = None
    max_value: float | None = None

    def describe(self) -> str:
        if self.min_value is not None and self.max_value is not None:
            return f"{self.min_value:g} to {self.max_value:g}"
        if self.min_value is not None:
            return f">= {self.min_value:g}"
        return f"<= {self.max_value:g}"


RATE = Range(0, 1)  # rates and shares
PERCENT = Range(0, 100)  # CRM probabilities
NON_NEGATIVE = Range(0, None)  # costs, amounts, counts
ROI = Range(-1, None)  # (revenue - cost) / cost with revenue >= 0
AT_MOST_ONE = Range(None, 1)  # margin or saving shares: can be negative, never above 100 %
NPS = Range(-100, 100)

_CAMPAIGN_ROI = {
    "planned_budget": NON_NEGATIVE,
    "expected_revenue": NON_NEGATIVE,
    "actual_cost": NON_NEGATIVE,
    "attributed_pipeline": NON_NEGATIVE,
    "attributed_won_revenue": NON_NEGATIVE,
    "attributed_won_deals": NON_NEGATIVE,
    "mqls": NON_NEGATIVE,
    "sqls": NON_NEGATIVE,
    "cost_per_mql": NON_NEGATIVE,
    "cost_per_sql": NON_NEGATIVE,
    "cost_per_won_deal": NON_NEGATIVE,
    "roas": NON_NEGATIVE,
    "roi": ROI,
}

#: Range expectations per mart table: column -> Range.
RANGES: dict[str, dict[str, Range]] = {
    # attribution
    "fct_attribution": {  # every model side by side: share_<model>, attributed_amount_<model>, ...
        "share_*": RATE,
        "attributed_amount_*": NON_NEGATIVE,
    },
    "rpt_campaign_roi": {**_CAMPAIGN_ROI, "plan_attainment": NON_NEGATIVE},
    "rpt_channel_roi": _CAMPAIGN_ROI,
    "rpt_campaign_roi_monthly": {
        "actual_cost": NON_NEGATIVE,
        "attributed_won_revenue": NON_NEGATIVE,
        "attributed_won_deals": NON_NEGATIVE,
        "roi": ROI,
    },
    # campaigns
    "fct_campaign_costs": {
        "amount": NON_NEGATIVE,
        "amount_reporting": NON_NEGATIVE,
        "to_reporting_rate": NON_NEGATIVE,
    },
    "rpt_campaign_performance": {
        "planned_budget": NON_NEGATIVE,
        "expected_revenue": NON_NEGATIVE,
        "cost_lines": NON_NEGATIVE,
        "actual_cost": NON_NEGATIVE,
        "opportunities": NON_NEGATIVE,
        "won_revenue": NON_NEGATIVE,
        "open_pipeline": NON_NEGATIVE,
        "roas": NON_NEGATIVE,
        "roi": ROI,
    },
    # sales
    "fct_opportunities": {
        "probability": PERCENT,
        "amount": NON_NEGATIVE,
        "amount_reporting": NON_NEGATIVE,
        "to_reporting_rate": NON_NEGATIVE,
        "cycle_length_days": NON_NEGATIVE,
    },
    "fct_pipeline_daily": {
        "probability": PERCENT,
        "amount_reporting": NON_NEGATIVE,
        "weighted_amount_reporting": NON_NEGATIVE,
    },
    "rpt_sales_kpis_monthly": {
        "win_rate_count": RATE,
        "win_rate_value": RATE,
        "gross_margin_pct": AT_MOST_ONE,
        "won_deals": NON_NEGATIVE,
        "lost_deals": NON_NEGATIVE,
        "open_pipeline": NON_NEGATIVE,
        "weighted_pipeline": NON_NEGATIVE,
        "quota_attainment": NON_NEGATIVE,
        "pipeline_coverage": NON_NEGATIVE,
    },
    "rpt_customer_economics": {
        "churn_rate": RATE,
        "churn_rate_ttm": RATE,
        "gross_margin_pct_ttm": AT_MOST_ONE,
        "cac": NON_NEGATIVE,
        "nps": NPS,
    },
    # activities
    "fct_activities": {
        "rate_amount": NON_NEGATIVE,
        "cost_reporting": NON_NEGATIVE,
        "duration_minutes": NON_NEGATIVE,
    },
    "rpt_activity_coverage": {"coverage_share": RATE},
    "rpt_cost_to_serve": {"activity_cost": NON_NEGATIVE, "field_visit_cost": NON_NEGATIVE},
    "rpt_cost_to_serve_by_segment": {
        "trailing_revenue_share": RATE,
        "activity_cost": NON_NEGATIVE,
    },
    "rpt_channel_shift": {
        "field_visit_cost": NON_NEGATIVE,
        "replacement_call_cost": NON_NEGATIVE,
        "estimated_saving_share": AT_MOST_ONE,
    },
    # leads
    "fct_leads": {"bant_criteria_met": Range(0, 4), "won_amount_reporting": NON_NEGATIVE},
    "rpt_funnel_conversion": {
        "entry_to_sal_rate": RATE,
        "sal_to_sql_rate": RATE,
        "sql_to_opportunity_rate": RATE,
        "opportunity_to_won_rate": RATE,
        "lead_to_won_rate": RATE,
        "recycle_rate": RATE,
    },
    "rpt_lead_response": {
        "share_of_handovers": RATE,
        "cumulative_share_of_handovers": RATE,
        "win_rate": RATE,
    },
    "rpt_reverse_funnel": {
        "sql_to_won_rate": RATE,
        "sal_to_sql_rate": RATE,
        "entry_to_sal_rate": RATE,
        "quota_attainment": NON_NEGATIVE,
        "remaining_quota_reporting": NON_NEGATIVE,
    },
    "rpt_rep_capacity": {"capacity_hours": NON_NEGATIVE, "utilisation": NON_NEGATIVE},
}


@dataclass(frozen=True)
class TableSuite:
    """What one mart table is expected to satisfy."""

    table: str
    grain: str | None = None  # SQL expression of the unique-tested key
    grain_columns: tuple[str, ...] = ()  # the columns of a unique_combination grain
    not_null: tuple[str, ...] = ()
    ranges: Mapping[str, Range] = field(default_factory=dict)
    schema: str = MART_SCHEMA

    @property
    def grain_is_column(self) -> bool:
        return self.grain is not None and _IDENTIFIER.fullmatch(self.grain) is not None

    def columns(self) -> list[str]:
        """Every plain column the suite reads (grain columns when the grain is one column)."""
        names = [self.grain] if self.grain_is_column and self.grain else []
        names += [*self.not_null, *self.ranges]
        return list(dict.fromkeys(names))

    def describe(self) -> str:
        parts = []
        if self.grain:
            parts.append(f"unique grain ({self.grain})")
        if self.not_null:
            parts.append(f"{len(self.not_null)} complete columns")
        if self.ranges:
            parts.append(f"{len(self.ranges)} ranges")
        return ", ".join(parts) or "no expectations"


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def is_suite_model(node: Mapping[str, Any]) -> bool:
    config = node.get("config", {})
    return (
        node.get("resource_type") == "model"
        and config.get("schema") == MART_SCHEMA
        and node.get("name", "").startswith(SUITE_PREFIXES)
        and config.get("materialized") in TABLE_MATERIALIZATIONS
    )


def mart_table_names(manifest: Mapping[str, Any]) -> list[str]:
    """Every table (not view) of the marts schema, dims included (drift is checked on all)."""
    return sorted(
        node["name"]
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") == "model"
        and node.get("config", {}).get("schema") == MART_SCHEMA
        and node.get("config", {}).get("materialized") in TABLE_MATERIALIZATIONS
    )


def expand_ranges(ranges: Mapping[str, Range], columns: list[str]) -> dict[str, Range]:
    """Column -> Range, a name with ``*`` replaced by the columns it matches. A pattern that
    matches none stays as it is, so the suite fails on it instead of checking nothing."""
    expanded: dict[str, Range] = {}
    for name, bounds in ranges.items():
        matched = fnmatch.filter(columns, name) if "*" in name else []
        for column in matched or [name]:
            expanded[column] = bounds
    return expanded


def combination_key(columns: list[str]) -> str:
    """One key for several columns, never null: two rows share it exactly when they hold the
    same values (nulls included) in every column."""
    return f"cast(row({', '.join(columns)}) as varchar)"


def suites_from_manifest(
    manifest: Mapping[str, Any], ranges: Mapping[str, Mapping[str, Range]] = RANGES
) -> list[TableSuite]:
    """One suite per fct_/rpt_ mart table: grain and completeness from its dbt tests and
    contract, ranges from ``ranges``."""
    nodes = manifest.get("nodes", {})
    models = {uid: node for uid, node in nodes.items() if is_suite_model(node)}
    grain: dict[str, str] = {}
    grain_columns: dict[str, tuple[str, ...]] = {}
    not_null: dict[str, list[str]] = {uid: [] for uid in models}
    for uid, node in models.items():
        for column in node.get("columns", {}).values():
            if any(c.get("type") == "not_null" for c in column.get("constraints", [])):
                not_null[uid].append(column["name"])
    for test in sorted(nodes.values(), key=lambda n: n.get("unique_id", "")):
        attached = test.get("attached_node")
        if test.get("resource_type") != "test" or attached not in models:
            continue
        meta = test.get("test_metadata") or {}
        kwargs = meta.get("kwargs") or {}
        if meta.get("name") == "unique_combination" and not test.get("config", {}).get("where"):
            if attached not in grain:
                grain[attached] = combination_key(kwargs["columns"])
                grain_columns[attached] = tuple(kwargs["columns"])
            continue
        column = test.get("column_name") or kwargs.get("column_name")
        if not column:
            continue
        if meta.get("name") == "unique" and not test.get("config", {}).get("where"):
            # A column-level unique test names the key; prefer it over an expression.
            current = grain.get(attached)
            if current is None or (
                not _IDENTIFIER.fullmatch(current) and _IDENTIFIER.fullmatch(column)
            ):
                grain[attached] = column
                grain_columns.pop(attached, None)
        if meta.get("name") == "not_null" and not test.get("config", {}).get("where"):
            not_null[attached].append(column)
    return [
        TableSuite(
            table=node["name"],
            grain=grain.get(uid),
            grain_columns=grain_columns.get(uid, ()),
            not_null=tuple(dict.fromkeys(not_null[uid])),
            ranges=expand_ranges(ranges.get(node["name"], {}), list(node.get("columns", {}))),
        )
        for uid, node in sorted(models.items(), key=lambda kv: kv[1]["name"])
    ]
