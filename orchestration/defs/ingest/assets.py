"""One ingestion asset per raw table, grouped in one multi-asset per source system."""

from collections import defaultdict

import dagster as dg

from ingestion.load import FileResult, load_landing
from ingestion.registry import SYSTEMS
from orchestration import settings

MAX_FILES_IN_METADATA = 40


def _files_markdown(results: list[FileResult]) -> str:
    lines = ["| file | read | loaded | quarantined | note |", "|---|---:|---:|---:|---|"]
    for r in results[:MAX_FILES_IN_METADATA]:
        note = "already loaded" if r.skipped else "; ".join(r.warnings)
        lines.append(
            f"| {r.file} | {r.rows_read} | {r.rows_loaded} | {r.rows_quarantined} | {note} |"
        )
    if len(results) > MAX_FILES_IN_METADATA:
        lines.append(f"| ... {len(results) - MAX_FILES_IN_METADATA} more files | | | | |")
    return "\n".join(lines)


def build_system_asset(system: str) -> dg.AssetsDefinition:
    extracts = {e.asset_key: e for e in SYSTEMS[system]}
    specs = [
        dg.AssetSpec(
            key=dg.AssetKey(list(key)),
            group_name=f"raw_{system}",
            description=f"{e.description} Raw table raw.{e.table}, loaded from {e.file_name} "
            f"({e.format.describe()}).",
            kinds={"duckdb", "python"},
            metadata={"dagster/table_name": f"raw.{e.table}"},
            skippable=True,
        )
        for key, e in extracts.items()
    ]

    @dg.multi_asset(name=f"ingest_{system}", specs=specs, can_subset=True)
    def _ingest(context: dg.AssetExecutionContext):
        selected = {tuple(k.path) for k in context.selected_asset_keys}
        tables = {extracts[k].table for k in selected}
        progress_every = 25

        def progress(result: FileResult, done: int, total: int) -> None:
            if done == total or done % progress_every == 0:
                context.log.info(f"{system}: {done}/{total} files ({result.file})")

        results = load_landing(
            settings.warehouse_path(),
            settings.landing_path(),
            systems=[system],
            tables=tables,
            progress=progress,
        )
        by_table: dict[str, list[FileResult]] = defaultdict(list)
        for r in results:
            by_table[r.table].append(r)
        for key in sorted(selected):
            extract = extracts[key]
            files = by_table.get(extract.table, [])
            new = [f for f in files if not f.skipped]
            read = sum(f.rows_read for f in new)
            loaded = sum(f.rows_loaded for f in new)
            quarantined = sum(f.rows_quarantined for f in new)
            yield dg.MaterializeResult(
                asset_key=dg.AssetKey(list(key)),
                metadata={
                    "files_new": len(new),
                    "files_already_loaded": len(files) - len(new),
                    "rows_read": read,
                    "rows_loaded": loaded,
                    "rows_quarantined": quarantined,
                    "rows_reconcile": read == loaded + quarantined,
                    "files": dg.MetadataValue.md(_files_markdown(new or files)),
                },
            )

    return _ingest


ingest_assets = [build_system_asset(system) for system in SYSTEMS]
