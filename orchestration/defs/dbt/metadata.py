"""Metadata for dbt assets that dbt itself does not report: row counts of the marts and a
markdown preview of every report table (rpt_*), read after the build has released the
warehouse (DuckDB has one writer: the dbt process holds the file while it runs)."""

from collections.abc import Iterable, Mapping
from pathlib import Path

import dagster as dg
import duckdb

PREVIEW_ROWS = 10
ATTRIBUTION_MODELS_PREVIEW = (
    "first_touch",
    "linear",
    "u_shaped",
    "w_shaped",
    "time_decay",
    "markov",
    "shapley",
)


def _markdown(columns: list[str], rows: list[tuple]) -> str:
    def cell(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return f"{value:,.4g}" if abs(value) < 10 else f"{value:,.0f}"
        return str(value).replace("|", "/")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _campaign_roi_markdown(con: duckdb.DuckDBPyConnection) -> str:
    models = ", ".join(f"'{m}'" for m in ATTRIBUTION_MODELS_PREVIEW)
    relation = con.sql(
        f"""
        pivot (
            select campaign_name, attribution_model, round(attributed_won_revenue) as won
            from marts.rpt_campaign_roi where attribution_model in ({models})
        ) on attribution_model in ({models}) using sum(won)
        order by w_shaped desc nulls last limit {PREVIEW_ROWS * 2}
        """
    )
    return "Attributed won revenue per campaign and model (reporting currency):\n\n" + _markdown(
        relation.columns, relation.fetchall()
    )


def table_metadata(warehouse: Path, keys: Iterable[dg.AssetKey]) -> Mapping[dg.AssetKey, dict]:
    """Row count for every mart table and a preview for every rpt_* among ``keys``."""
    result: dict[dg.AssetKey, dict] = {}
    if not warehouse.exists():
        return result
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = {
            (schema, name)
            for schema, name in con.execute(
                "select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE'"
            ).fetchall()
        }
        for key in keys:
            if len(key.path) != 2 or tuple(key.path) not in tables or key.path[0] != "marts":
                continue
            schema, name = key.path
            metadata: dict = {
                # fetchall, not fetchone: DuckDB 2 refuses the next query while a result
                # is not fetched to its end.
                "dagster/row_count": con.execute(
                    f'select count(*) from "{schema}"."{name}"'
                ).fetchall()[0][0]
            }
            if name.startswith("rpt_"):
                relation = con.sql(f'select * from "{schema}"."{name}" limit {PREVIEW_ROWS}')
                metadata["preview"] = dg.MetadataValue.md(
                    _markdown(relation.columns, relation.fetchall())
                )
            if name == "rpt_campaign_roi":
                metadata["attributed_revenue_by_model"] = dg.MetadataValue.md(
                    _campaign_roi_markdown(con)
                )
            result[key] = metadata
    return result
