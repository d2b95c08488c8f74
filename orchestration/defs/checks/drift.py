"""Row-count drift of every mart table against the last published build.

The published warehouse (settings.published_path()) is the one BI users read: the marts of
the last run whose checks all passed. A mart whose row count moved by more than
``config.drift_threshold()`` (default 50 %) since then fails with a warning: worth a look, but
a new year of data or a new campaign can legitimately do that, so it does not stop publishing.
A mart that shrank to zero rows fails with an error, which blocks publishing: an empty KPI
table is never right. Without a published build yet (first run), every check passes with a
note.
"""

from collections.abc import Iterator, Sequence
from pathlib import Path

import dagster as dg

from orchestration import settings
from orchestration.defs.checks import config
from orchestration.defs.checks.common import (
    CheckOutcome,
    build_per_asset_check,
    quote,
    read_only,
    table_exists,
)

CHECK_NAME = "row_count_drift"
PUBLISHED_SCHEMA = "marts"


def _count(con, schema: str, table: str) -> int | None:
    if not table_exists(con, schema, table):
        return None
    return con.execute(f"select count(*) from {quote(schema)}.{quote(table)}").fetchone()[0]


def drift_outcome(
    table: str, current: int | None, previous: int | None, threshold: float, published: Path
) -> CheckOutcome:
    """Compare one mart's row count with the published build's (None: the table is missing)."""
    metadata = {
        "rows": current,
        "rows_published": previous,
        "threshold": threshold,
        "published_warehouse": str(published),
    }
    if current is None:
        return CheckOutcome(False, f"marts.{table} is missing from the warehouse", metadata)
    if previous is None:
        note = (
            "no published build yet"
            if not published.exists()
            else f"marts.{table} is not in the published build yet (new mart)"
        )
        return CheckOutcome(True, f"{current:,} rows; {note}: nothing to compare", metadata)
    if previous == 0:
        return CheckOutcome(
            True, f"{current:,} rows; the published build had none: nothing to compare", metadata
        )
    change = (current - previous) / previous
    metadata["change"] = round(change, 4)
    summary = f"{previous:,} -> {current:,} rows ({change:+.1%}, threshold ±{threshold:.0%})"
    if current == 0:
        return CheckOutcome(
            False,
            f"marts.{table} shrank to 0 rows (published build: {previous:,}); not published",
            metadata,
        )
    if abs(change) > threshold:
        return CheckOutcome(
            False,
            f"row count drifted: {summary}",
            metadata,
            severity=dg.AssetCheckSeverity.WARN,
        )
    return CheckOutcome(True, summary, metadata)


def row_count_drift(
    warehouse: Path, published: Path, tables: Sequence[str], threshold: float | None = None
) -> dict[str, CheckOutcome]:
    """Drift outcome per mart table of ``warehouse`` against ``published``."""
    threshold = config.drift_threshold() if threshold is None else threshold
    with read_only(warehouse) as con:
        current = {t: _count(con, PUBLISHED_SCHEMA, t) for t in tables}
    previous: dict[str, int | None] = dict.fromkeys(tables)
    if published.exists():
        with read_only(published) as con:
            previous = {t: _count(con, PUBLISHED_SCHEMA, t) for t in tables}
    return {t: drift_outcome(t, current[t], previous[t], threshold, published) for t in tables}


def build_drift_check(tables: Sequence[str]) -> dg.AssetChecksDefinition:
    """One multi-asset check (one step, two small connections) for all mart tables."""
    keys = {dg.AssetKey([PUBLISHED_SCHEMA, t]): t for t in tables}
    description = (
        "Row count against the last published build: a change beyond "
        f"{config.DRIFT_THRESHOLD_ENV} (default {config.DEFAULT_DRIFT_THRESHOLD:.0%}) "
        "warns; shrinking to 0 rows blocks publishing."
    )

    def evaluate(selected: list[dg.AssetKey]) -> Iterator[tuple[dg.AssetKey, CheckOutcome]]:
        outcomes = row_count_drift(
            settings.warehouse_path(), settings.published_path(), [keys[k] for k in selected]
        )
        return ((k, outcomes[keys[k]]) for k in selected)

    return build_per_asset_check(
        "marts_row_count_drift",
        CHECK_NAME,
        dict.fromkeys(keys, description),
        evaluate,
        blocking=True,
    )
