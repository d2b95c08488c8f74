"""Publish the checked marts for BI users: Write-Audit-Publish's last step.

The pipeline writes and audits in the working warehouse (raw, staging, intermediate and marts
schemas). Publishing copies the `marts` schema, and nothing else, into a new DuckDB file next
to the published one, verifies it (every table copied with the same row count, no personal
data), and only then swaps it in with an atomic rename. A BI user's open connection keeps
reading the file it opened; the next connection sees the new one; nobody ever sees a half
written or unchecked table. Raw e-mail addresses, names and phone numbers stay in the working
warehouse: the published one carries pseudonymous keys only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ingestion.load import connect

PUBLISHED_SCHEMAS = ("marts",)


class PublishError(Exception):
    """The new build was not published; the previous published warehouse is untouched."""


@dataclass
class PublishResult:
    path: Path
    tables: dict[str, int] = field(default_factory=dict)
    size_bytes: int = 0


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(
    build: Path, target: Path, run_id: str = "", schemas: tuple[str, ...] = PUBLISHED_SCHEMAS
) -> PublishResult:
    """Copy ``schemas`` of ``build`` into ``target`` atomically (temporary file + rename)."""
    from ingestion.privacy import find_personal_data

    if not build.exists():
        raise PublishError(f"{build}: no warehouse to publish; run the pipeline first")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    result = PublishResult(path=target)
    try:
        with connect(tmp) as con:
            con.execute("attach ? as build (read_only)", [str(build)])
            tables = con.execute(
                f"""
                select schema_name, table_name from duckdb_tables()
                where database_name = 'build' and schema_name in ({", ".join("?" * len(schemas))})
                order by 1, 2
                """,
                list(schemas),
            ).fetchall()
            if not tables:
                raise PublishError(
                    f"{build}: no tables in schema(s) {', '.join(schemas)} to publish"
                )
            for schema in schemas:
                con.execute(f'create schema if not exists "{schema}"')
            for schema, name in tables:
                con.execute(
                    f'create table "{schema}"."{name}" as select * from build."{schema}"."{name}"'
                )
                copied = con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]
                source = con.execute(f'select count(*) from build."{schema}"."{name}"').fetchone()[
                    0
                ]
                if copied != source:
                    raise PublishError(f"{schema}.{name}: copied {copied} rows of {source}")
                result.tables[f"{schema}.{name}"] = copied
            con.execute("detach build")
            leaks = find_personal_data(con, list(schemas))
            if leaks:
                detail = ", ".join(
                    f"{table}.{column} ({count} values)" for table, column, count in leaks
                )
                raise PublishError(
                    f"personal data found in tables to publish: {detail}; not published"
                )
            con.execute(
                f"""
                create table "{schemas[0]}"._published as
                select ? as run_id, cast(? as timestamp) as published_at, ? as tables
                """,
                [run_id, datetime.now(UTC).replace(tzinfo=None), len(tables)],
            )
            con.execute("checkpoint")
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
    result.size_bytes = target.stat().st_size
    return result
