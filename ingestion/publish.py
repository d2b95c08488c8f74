"""Publish the checked marts for BI users: Write-Audit-Publish's last step.

The pipeline writes and audits in the working warehouse (raw, staging, intermediate and marts
schemas). Publishing copies the `marts` schema, and nothing else, into a new DuckDB file next
to the published one: its tables, its views (which must read only those tables) and their
documentation (dbt's descriptions, as comments). It verifies the copy (every table with the
same row count, no personal data) and only then swaps it in with an atomic rename. A BI
user's open connection keeps reading the file it opened; the next connection sees the new
one; nobody ever sees a half written or unchecked table. Raw e-mail addresses, names and
phone numbers stay in the working warehouse: the published one carries pseudonymous keys
only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ingestion.load import connect
from ingestion.sql import quote_identifier, sql_literal

PUBLISHED_SCHEMAS = ("marts",)
STAMP_DOCS = {  # comments of the stamp table _published: the table's ('') and its columns'
    "": "When this file was published and by which pipeline run (one row).",
    "run_id": "Dagster run id of the pipeline run that built and published it.",
    "published_at": "When it was published, UTC.",
    "tables": "How many tables were published.",
}


class PublishError(Exception):
    """The new build was not published; the previous published warehouse is untouched."""


@dataclass
class PublishResult:
    path: Path
    tables: dict[str, int] = field(default_factory=dict)
    views: list[str] = field(default_factory=list)
    size_bytes: int = 0


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_views(con: duckdb.DuckDBPyConnection, source: str, schemas: tuple[str, ...]) -> list[str]:
    """Create the views of ``schemas`` in database ``source`` in the connection's database,
    with the same definition (dbt's views there name their tables by schema and table, which
    are the published ones here), after the tables they read were copied. Returns their
    names, ``schema.view``."""
    views = con.execute(
        f"""
        select schema_name, view_name, sql from duckdb_views()
        where database_name = ? and schema_name in ({", ".join("?" * len(schemas))})
            and not internal
        order by 1, 2
        """,
        [source, *schemas],
    ).fetchall()
    for schema, name, sql in views:
        try:
            con.execute(sql)
        except duckdb.Error as exc:
            raise _unpublishable_view(f"{schema}.{name}", exc) from exc
    return [f"{schema}.{name}" for schema, name, _ in views]


def _unpublishable_view(view: str, exc: Exception) -> PublishError:
    return PublishError(
        f"{view}: the view reads more than the published tables ({exc}); not published"
    )


def _copy_comments(con: duckdb.DuckDBPyConnection, source: str, schemas: tuple[str, ...]) -> int:
    """Give the copied tables, views and columns the comments they have in database
    ``source`` (dbt writes each model's and column's description there, persist_docs), so BI
    tools show the docs next to the published marts (a `create table as` copies no comment).
    Returns how many comments were copied."""
    placeholders = ", ".join("?" * len(schemas))
    comments = con.execute(
        f"""
        select 'table' as kind, schema_name, table_name, null as column_name, comment
        from duckdb_tables()
        where database_name = ? and schema_name in ({placeholders}) and comment is not null
        union all
        select 'view', schema_name, view_name, null, comment
        from duckdb_views()
        where database_name = ? and schema_name in ({placeholders}) and comment is not null
        union all
        select 'column', schema_name, table_name, column_name, comment
        from duckdb_columns()
        where database_name = ? and schema_name in ({placeholders}) and comment is not null
        """,
        [source, *schemas, source, *schemas, source, *schemas],
    ).fetchall()
    con.execute("begin")  # one commit for all of them
    for kind, schema, table, column, comment in comments:
        _comment_on(con, kind, schema, table, column, comment)
    con.execute("commit")
    return len(comments)


def _comment_on(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    schema: str,
    table: str,
    column: str | None,
    comment: str,
) -> None:
    """`comment on <kind>` (table, view or column) schema.table[.column]."""
    target = f"{quote_identifier(schema)}.{quote_identifier(table)}"
    if kind == "column":
        target += f".{quote_identifier(column or '')}"
    con.execute(f"comment on {kind} {target} is {sql_literal(comment)}")


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
            result.views = _copy_views(con, "build", schemas)
            _copy_comments(con, "build", schemas)
            con.execute("detach build")
            for view in result.views:
                try:  # reads the published tables only, not the build it came from
                    con.execute(f"select * from {view} limit 0").fetchall()
                except duckdb.Error as exc:
                    raise _unpublishable_view(view, exc) from exc
            # Tables only: a view reads the published tables (checked above), which are
            # scanned; scanning the views would compute them (the day grain of the pipeline:
            # 17 M rows at scale 100) to find nothing new.
            leaks = find_personal_data(con, list(schemas), views=False)
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
            for column, doc in STAMP_DOCS.items():
                kind = "column" if column else "table"
                _comment_on(con, kind, schemas[0], "_published", column or None, doc)
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
