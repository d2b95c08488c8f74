"""Write-Audit-Publish: the published warehouse BI users read is replaced only after every
mart was built and every blocking check passed in the same run."""

import dagster as dg

from ingestion.publish import publish
from orchestration import settings
from orchestration.defs.dbt.assets import dbt_models

MART_KEYS = [key for key in dbt_models.keys if key.path[0] == "marts"]


@dg.asset(
    key=dg.AssetKey(["published", "warehouse"]),
    deps=MART_KEYS,
    group_name="publish",
    kinds={"duckdb"},
    description="The marts, copied into the published DuckDB file BI users open read-only "
    "(settings.published_path()) and swapped in atomically. Runs only when every upstream mart "
    "was built and every blocking check passed; otherwise the previous published warehouse stays.",
)
def published_warehouse(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    target = settings.published_path()
    result = publish(settings.warehouse_path(), target, run_id=context.run_id)
    context.log.info(f"published {len(result.tables)} tables to {target}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(target)),
            "tables": len(result.tables),
            "size_bytes": result.size_bytes,
            "row_counts": dg.MetadataValue.md(
                "| table | rows |\n|---|---:|\n"
                + "\n".join(f"| {t} | {n:,} |" for t, n in result.tables.items())
            ),
        }
    )
