"""Freshness of each source system's extracts.

Each system exports on its own schedule; the reporting date is the latest extract date loaded
from any system (the same date the dbt models compute as of, macro reporting_date()). A system
whose latest extract (raw._load_manifest) lags the reporting date by more than
``config.max_lag_days(system)`` (crm 7, marketing 7, finance 35 days) makes its numbers stale:
the check warns on every raw table of that system, visible in the UI, without blocking the run
(stale but correct data is still the best there is).
"""

from collections.abc import Iterator, Mapping, Sequence
from datetime import date

import dagster as dg
import duckdb

from orchestration import settings
from orchestration.defs.checks import config
from orchestration.defs.checks.common import (
    CheckOutcome,
    build_per_asset_check,
    read_only,
    table_exists,
)

CHECK_NAME = "source_freshness"


def _latest_extracts(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], tuple[date, int]]:
    """(system, raw table) -> (latest extract date, files loaded)."""
    if not table_exists(con, "raw", "_load_manifest"):
        return {}
    rows = con.execute(
        """
        select source_system, raw_table, max(extract_date), count(*)
        from raw._load_manifest
        group by source_system, raw_table
        """
    ).fetchall()
    return {(system, table): (latest, files) for system, table, latest, files in rows}


def source_freshness(
    con: duckdb.DuckDBPyConnection,
    systems: Mapping[str, Sequence[str]],
    max_lag: Mapping[str, int] | None = None,
) -> dict[str, dict[str, CheckOutcome]]:
    """Per system and raw table (``systems``: system -> its raw tables) the freshness outcome.

    Every table of a system gets the system's verdict; its own latest extract is in the
    metadata. ``max_lag`` overrides the configured lag per system.
    """
    latest = _latest_extracts(con)
    reporting_date = max((d for d, _ in latest.values()), default=None)
    result: dict[str, dict[str, CheckOutcome]] = {}
    for system, tables in systems.items():
        allowed = (max_lag or {}).get(system, config.max_lag_days(system))
        extracts = {t: latest[(s, t)] for (s, t) in latest if s == system}
        system_latest = max((d for d, _ in extracts.values()), default=None)
        rows = [
            {
                "raw_table": t,
                "latest_extract_date": extracts.get(t, (None, 0))[0],
                "files": extracts.get(t, (None, 0))[1],
            }
            for t in sorted(set(tables) | set(extracts))
        ]
        common = {
            "reporting_date": str(reporting_date) if reporting_date else None,
            "system_latest_extract_date": str(system_latest) if system_latest else None,
            "max_lag_days": allowed,
            "max_lag_setting": config.MAX_LAG_DAYS_ENV.format(system=system.upper()),
        }
        if system_latest is None or reporting_date is None:
            passed, lag = False, None
            description = f"{system}: no extract loaded yet (raw._load_manifest has no file of it)"
        else:
            lag = (reporting_date - system_latest).days
            passed = lag <= allowed
            description = (
                f"{system}: latest extract {system_latest}, {lag} days before the reporting date "
                f"{reporting_date} (allowed: {allowed})"
            )
            if not passed:
                description = f"stale source: {description}"
        result[system] = {}
        for table in tables:
            own = extracts.get(table)
            result[system][table] = CheckOutcome(
                passed=passed,
                description=description,
                metadata={
                    **common,
                    "lag_days": lag,
                    "table_latest_extract_date": str(own[0]) if own else None,
                    "table_files_loaded": own[1] if own else 0,
                },
                failing_rows=[] if passed else rows,
                severity=dg.AssetCheckSeverity.WARN,
            )
    return result


def build_freshness_check(system: str, keys: Mapping[dg.AssetKey, str]) -> dg.AssetChecksDefinition:
    """One check step per source system, with a ``source_freshness`` check on each of its raw
    assets (``keys``: asset key -> raw table name)."""
    description = (
        f"The latest {system} extract lags the reporting date by at most "
        f"{config.DEFAULT_MAX_LAG_DAYS.get(system, config.FALLBACK_MAX_LAG_DAYS)} days "
        f"({config.MAX_LAG_DAYS_ENV.format(system=system.upper())}); warns otherwise."
    )

    def evaluate(selected: list[dg.AssetKey]) -> Iterator[tuple[dg.AssetKey, CheckOutcome]]:
        with read_only(settings.warehouse_path()) as con:
            outcomes = source_freshness(con, {system: list(keys.values())})[system]
        return ((k, outcomes[keys[k]]) for k in selected)

    return build_per_asset_check(
        f"{system}_source_freshness",
        CHECK_NAME,
        dict.fromkeys(keys, description),
        evaluate,
        blocking=False,
    )
