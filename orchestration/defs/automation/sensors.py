"""One sensor per source system: a run starts when new extract files land.

Each tick lists the system's files in the landing folder (``ingestion.load.scan``, the
non-raising sibling of ``discover``: a stray file must not stop the valid ones from loading;
the run itself names it) and compares them with ``raw._load_manifest`` in the warehouse. Files
not loaded yet (or loaded with another size: the run then refuses them and says why) and not
modified for ``SETTLE_SECONDS`` (an upload still being written waits for the next tick) start
one run of ``<system>_pipeline``: that system's ingestion and everything downstream of it
(dbt models and tests, checks, publish, report).

The run key is derived from the new files' paths and sizes, so the same files never start a
second run, however many ticks see them before the run has loaded them.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

from ingestion.errors import IngestionError
from ingestion.load import RAW_SCHEMA, scan
from ingestion.registry import SYSTEMS
from orchestration import settings

SETTLE_SECONDS = 60
MINIMUM_INTERVAL_SECONDS = 60
MAX_FILES_IN_MESSAGE = 5


class WarehouseBusy(Exception):
    """The warehouse is locked by a writer (a run in progress); try again on the next tick."""


@dataclass(frozen=True)
class PendingFile:
    relative: str  # path below the landing folder, the file's identity in raw._load_manifest
    size_bytes: int


def loaded_files(warehouse: Path, system: str) -> dict[str, int]:
    """relative path -> size in bytes of every file of ``system`` in raw._load_manifest."""
    if not warehouse.exists():
        return {}
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.IOException as exc:  # another process holds the write lock
        raise WarehouseBusy(str(exc).splitlines()[0]) from exc
    with con:
        exists = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = '_load_manifest'",
            [RAW_SCHEMA],
        ).fetchall()[0][0]
        if not exists:
            return {}
        rows = con.execute(
            f"select source_file, size_bytes from {RAW_SCHEMA}._load_manifest "
            "where source_system = ?",
            [system],
        ).fetchall()
    return dict(rows)


def pending_files(
    landing: Path, warehouse: Path, system: str, now: float | None = None
) -> tuple[list[PendingFile], list[IngestionError]]:
    """The files of ``system`` waiting to be loaded, and the problems of the landing folder."""
    if not landing.is_dir():
        return [], []
    found, problems = scan(landing, [system])
    loaded = loaded_files(warehouse, system)
    now = time.time() if now is None else now
    pending = []
    for lf in found:
        stat = lf.path.stat()
        if loaded.get(lf.relative) == stat.st_size:
            continue
        if now - stat.st_mtime < SETTLE_SECONDS:
            continue  # still being written, perhaps: next tick
        pending.append(PendingFile(lf.relative, stat.st_size))
    return pending, problems


def run_key(system: str, files: list[PendingFile]) -> str:
    """Stable for the same files (paths and sizes), whatever order they were listed in."""
    digest = hashlib.sha256(
        "\n".join(
            f"{f.relative}\t{f.size_bytes}" for f in sorted(files, key=lambda f: f.relative)
        ).encode()
    ).hexdigest()
    return f"{system}:{len(files)}:{digest[:32]}"


def _listing(files: list[str]) -> str:
    shown = ", ".join(files[:MAX_FILES_IN_MESSAGE])
    more = len(files) - MAX_FILES_IN_MESSAGE
    return shown + (f" and {more} more" if more > 0 else "")


def system_job(system: str) -> dg.UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        f"{system}_pipeline",
        selection=dg.AssetSelection.groups(f"raw_{system}").downstream(),
        description=f"Load the new {system} extracts and rebuild everything downstream of them "
        "(dbt models and tests, checks, publish, report). Started by the sensor "
        f"{system}_new_extracts.",
    )


def build_extract_sensor(system: str, job: dg.UnresolvedAssetJobDefinition) -> dg.SensorDefinition:
    @dg.sensor(
        name=f"{system}_new_extracts",
        job=job,
        minimum_interval_seconds=MINIMUM_INTERVAL_SECONDS,
        description=f"Starts {job.name} when new {system} extract files appear in the landing "
        f"folder (files not in raw._load_manifest, unchanged for {SETTLE_SECONDS} s). Run key: "
        "the new files' paths and sizes, so a file never starts two runs.",
    )
    def _sensor(context: dg.SensorEvaluationContext) -> Iterator[dg.RunRequest | dg.SkipReason]:
        landing, warehouse = settings.landing_path(), settings.warehouse_path()
        try:
            pending, problems = pending_files(landing, warehouse, system)
        except WarehouseBusy as busy:
            yield dg.SkipReason(f"the warehouse is busy (a run is writing): {busy}; next tick")
            return
        for problem in problems:
            context.log.warning(f"{system}: {problem}")
        if not pending:
            note = f"; {len(problems)} problem(s) in the landing folder" if problems else ""
            yield dg.SkipReason(f"no new {system} extracts in {landing}{note}")
            return
        names = [f.relative for f in pending]
        context.log.info(f"{system}: {len(pending)} new file(s): {_listing(names)}")
        yield dg.RunRequest(
            run_key=run_key(system, pending),
            tags={
                "leadledger/source_system": system,
                "leadledger/new_files": str(len(pending)),
                "leadledger/first_new_file": names[0],
            },
        )

    return _sensor


system_jobs = {system: system_job(system) for system in SYSTEMS}
extract_sensors = [build_extract_sensor(system, job) for system, job in system_jobs.items()]
