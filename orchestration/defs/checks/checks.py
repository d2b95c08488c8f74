"""Every check that guards the KPI tables, built from the asset graph: collected by
orchestration/definitions.py as ``asset_checks``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt.asset_utils import get_manifest_and_translator_from_dbt_assets

from ingestion.registry import SYSTEMS
from orchestration.defs.checks.drift import build_drift_check
from orchestration.defs.checks.expectations import build_suite_checks
from orchestration.defs.checks.freshness import build_freshness_check
from orchestration.defs.checks.reconciliation import build_reconciliation_check
from orchestration.defs.checks.suites import MART_SCHEMA, mart_table_names, suites_from_manifest
from orchestration.defs.dbt.assets import dbt_models


def _mart(name: str) -> dg.AssetKey:
    return dg.AssetKey([MART_SCHEMA, name])


def build_asset_checks(
    manifest: Mapping[str, Any], asset_keys: set[dg.AssetKey]
) -> list[dg.AssetChecksDefinition]:
    """The checks for the marts in ``manifest`` that are assets (``asset_keys``) and for the
    raw tables of every source system."""
    suites = [s for s in suites_from_manifest(manifest) if _mart(s.table) in asset_keys]
    tables = [t for t in mart_table_names(manifest) if _mart(t) in asset_keys]
    checks = [build_suite_checks(suites)] if suites else []
    if tables:
        checks.append(build_drift_check(tables))
    for system, extracts in SYSTEMS.items():
        keys = {dg.AssetKey(list(e.asset_key)): e.table for e in extracts}
        checks.append(build_freshness_check(system, keys))

    def present(*names: str) -> bool:
        return all(_mart(n) in asset_keys for n in names)

    if present("fct_attribution", "fct_opportunities"):
        checks.append(
            build_reconciliation_check(
                "attributed_revenue_reconciles",
                _mart("fct_attribution"),
                [_mart("fct_opportunities")],
                "Per attribution model, the attributed won revenue equals the total won revenue "
                "of fct_opportunities, to the cent. Blocking.",
            )
        )
    if present("fct_campaign_costs", "rpt_campaign_performance", "rpt_campaign_roi"):
        checks.append(
            build_reconciliation_check(
                "campaign_cost_reconciles",
                _mart("fct_campaign_costs"),
                [_mart("rpt_campaign_performance"), _mart("rpt_campaign_roi")],
                "Finance's cost lines converted to the reporting currency = fct_campaign_costs "
                "(assigned + unassigned) = rpt_campaign_performance = rpt_campaign_roi per "
                "model, in total and per campaign, to the cent. Blocking.",
            )
        )
    kpis = "rpt_sales_kpis_monthly"
    if present(kpis) or present("fct_opportunities"):
        checks.append(
            build_reconciliation_check(
                "booked_revenue_reconciles",
                _mart(kpis) if present(kpis) else _mart("fct_opportunities"),
                [],
                f"Booked revenue of {kpis} (company total per month) = finance's revenue "
                "bookings up to the reporting date, converted at the invoice date, to the cent; "
                f"skipped while {kpis} does not exist. Blocking.",
            )
        )
    return checks


_manifest, _, _ = get_manifest_and_translator_from_dbt_assets([dbt_models])
asset_checks = build_asset_checks(_manifest, set(dbt_models.keys))
