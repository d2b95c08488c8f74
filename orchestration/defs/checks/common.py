"""What every check shares: its outcome (turned into a Dagster AssetCheckResult), read-only
connections to the warehouse, and JSON/markdown rendering of failing rows."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb


@dataclass
class CheckOutcome:
    """The result of one check, independent of Dagster so tests can call checks directly.

    ``failing_rows`` are a few example rows that broke the check (each a dict, with the
    expectation or rule it broke); ``metadata`` is anything else worth showing in the UI.
    """

    passed: bool
    description: str
    metadata: dict[str, Any] = field(default_factory=dict)
    failing_rows: list[dict[str, Any]] = field(default_factory=list)
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR

    def to_result(
        self, asset_key: dg.AssetKey | None = None, check_name: str | None = None
    ) -> dg.AssetCheckResult:
        metadata: dict[str, Any] = {k: _metadata_value(v) for k, v in self.metadata.items()}
        if self.failing_rows:
            metadata["failing_rows"] = dg.MetadataValue.json(jsonable(self.failing_rows))
            metadata["failing_rows_table"] = dg.MetadataValue.md(markdown_table(self.failing_rows))
        return dg.AssetCheckResult(
            asset_key=asset_key,
            check_name=check_name,
            passed=self.passed,
            severity=self.severity,
            description=self.description,
            metadata=metadata,
        )


def _metadata_value(value: Any) -> Any:
    if isinstance(value, dg.MetadataValue):
        return value
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, list | dict | tuple):
        return dg.MetadataValue.json(jsonable(value))
    return str(value)


def jsonable(value: Any) -> Any:
    """``value`` with dates, decimals, NaN and numpy scalars made JSON-safe (money stays exact)."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # numpy / pandas scalar
        try:
            value = value.item()
        except (ValueError, TypeError):
            return str(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def markdown_table(rows: Sequence[Mapping[str, Any]]) -> str:
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]

    def cell(value: Any) -> str:
        value = jsonable(value)
        return "" if value is None else str(value).replace("|", "/").replace("\n", " ")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


@contextmanager
def read_only(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to a DuckDB file (checks never write)."""
    if not path.exists():
        raise FileNotFoundError(f"{path}: no warehouse here; run the pipeline first")
    con = duckdb.connect(str(path), read_only=True)
    try:
        con.execute("set TimeZone = 'UTC'")
        yield con
    finally:
        con.close()


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
    ]


def fetch_dicts(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None
) -> list[dict[str, Any]]:
    cursor = con.execute(sql, list(params or []))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def build_per_asset_check(
    name: str,
    check_name: str,
    descriptions: Mapping[dg.AssetKey, str],
    evaluate: Callable[[list[dg.AssetKey]], Iterable[tuple[dg.AssetKey, CheckOutcome]]],
    *,
    blocking: bool,
    metadata: Mapping[dg.AssetKey, Mapping[str, Any]] | None = None,
) -> dg.AssetChecksDefinition:
    """One multi-asset check (one step) named ``name`` with a ``check_name`` check on every
    asset of ``descriptions`` (asset key -> its check's description). ``evaluate`` gets the
    selected asset keys and gives each one's outcome (it may yield them as they are done).
    A step per asset cost ~0.3 s each in a run; a subset (e.g. a re-executed check) runs
    only what was selected."""

    @dg.multi_asset_check(
        name=name,
        specs=[
            dg.AssetCheckSpec(
                check_name,
                asset=key,
                blocking=blocking,
                description=description,
                metadata=dict((metadata or {}).get(key, {})),
            )
            for key, description in descriptions.items()
        ],
        can_subset=True,
    )
    # (no annotation: with postponed annotations Dagster cannot resolve the context's type)
    def _checks(context) -> Iterator[dg.AssetCheckResult]:
        selected = [
            k.asset_key for k in context.selected_asset_check_keys if k.asset_key in descriptions
        ]
        for key, outcome in evaluate(selected):
            yield outcome.to_result(asset_key=key, check_name=check_name)

    return _checks
