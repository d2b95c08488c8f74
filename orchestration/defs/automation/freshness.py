"""Freshness expectations per source system, shown on every raw asset in the UI.

A Dagster freshness policy on each ingestion asset of a system: it warns, then fails, when the
system's ingestion has not completed within the window (the daily schedule or the system's
sensor should have run it). How fresh the *data* is (the latest extract date of each system
against the reporting date) is the ``source_freshness`` asset check (defs/checks/freshness.py);
the two together tell "the pipeline stopped" apart from "the source stopped delivering".
"""

from datetime import timedelta

import dagster as dg

from ingestion.registry import SYSTEMS

#: system -> (warn after, fail after) without a successful ingestion. CRM and marketing export
#: daily: one missed day warns, two fail. Finance closes its books monthly and exports at least
#: weekly.
SOURCE_FRESHNESS: dict[str, tuple[timedelta, timedelta]] = {
    "crm": (timedelta(hours=26), timedelta(hours=50)),
    "marketing": (timedelta(hours=26), timedelta(hours=50)),
    "finance": (timedelta(days=2), timedelta(days=8)),
}
DEFAULT_FRESHNESS = (timedelta(hours=26), timedelta(hours=50))


def source_policy(system: str) -> dg.FreshnessPolicy:
    warn, fail = SOURCE_FRESHNESS.get(system, DEFAULT_FRESHNESS)
    return dg.FreshnessPolicy.time_window(fail_window=fail, warn_window=warn)


def _with_policy(spec: dg.AssetSpec) -> dg.AssetSpec:
    path = spec.key.path
    if len(path) == 3 and path[0] == "raw" and path[1] in SYSTEMS:
        return spec.replace_attributes(freshness_policy=source_policy(path[1]))
    return spec


def with_source_freshness(assets: list[dg.AssetsDefinition]) -> list[dg.AssetsDefinition]:
    """The ingestion assets, each raw table with its system's freshness policy."""
    return list(dg.map_asset_specs(_with_policy, assets))
