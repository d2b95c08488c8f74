"""Land extract files into the ``raw`` schema of the warehouse.

One mechanism for every extract: discover the files in the landing folder, read each with its
declared format, type every value in DuckDB (vectorised), and insert the good rows into
``raw.<system>__<extract>`` with load metadata, the bad rows into ``raw._quarantine`` with
file, line, column and reason, and a line into ``raw._load_manifest``: each file all or
nothing (small files of an extract share one transaction, a refused file left out of it;
two loads run at a time, each in its own transaction).
For every file: rows read = rows loaded + rows quarantined. A file already in the manifest
with the same content is skipped, so loading is idempotent; its content is read again (sha256)
only when its file status changed since the last check (``raw._file_stats``, as git's index).
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

import duckdb
import pyarrow as pa

from ingestion.contract import LOAD_COLUMNS, Column, Extract, FileFormat
from ingestion.errors import IngestionError, IngestionErrors
from ingestion.readers import Batch, ReadInfo, open_extract
from ingestion.registry import SYSTEMS, for_file
from ingestion.sql import quote_identifier, sql_literal

RAW_SCHEMA = "raw"
_DROP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relative: str  # path below the landing folder, used as the file's identity
    system: str
    extract: Extract
    extract_date: date


@dataclass
class FileResult:
    file: str
    table: str
    extract_date: date
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    skipped: bool = False
    warnings: list[str] = field(default_factory=list)


def discover(landing: Path, systems: Iterable[str] | None = None) -> list[LandingFile]:
    """List the extract files in ``landing``, oldest drop first.

    Raises :class:`IngestionErrors` naming every file or folder that is not a known extract.
    """
    found, problems = scan(landing, systems)
    if problems:
        raise IngestionErrors(problems)
    return found


def scan(
    landing: Path, systems: Iterable[str] | None = None
) -> tuple[list[LandingFile], list[IngestionError]]:
    """The extract files in ``landing`` (oldest drop first), and what is wrong in the folder.

    Every entry below the landing folder must be ``<system>/<YYYY-MM-DD>/<extract file>``;
    anything else (an unknown system, a folder that is not a date, an unknown file name, a
    folder where a file belongs, a symbolic link) is a problem naming its path and what to
    do. Hidden entries (names starting with '.', e.g. partial uploads) are ignored. Raises
    :class:`IngestionError` only when the landing folder itself is missing.
    """
    landing = Path(landing)
    if not landing.is_dir():
        raise IngestionError(
            "the landing folder does not exist"
            if not landing.exists()
            else "the landing path is not a folder",
            file=landing,
            hint="create it and put the extracts under <landing>/<system>/<YYYY-MM-DD>/, "
            "or run `leadledger generate --out <folder>` for sample extracts",
        )
    wanted = set(systems) if systems is not None else set(SYSTEMS)
    found: list[LandingFile] = []
    problems: list[IngestionError] = []
    for system_dir in _entries(landing):
        if system_dir.is_symlink():
            problems.append(_symlink_error(system_dir))
            continue
        if system_dir.name not in SYSTEMS:
            problems.append(
                IngestionError(
                    f"unknown source system folder {system_dir.name!r}",
                    file=system_dir,
                    hint=f"source folders are {', '.join(SYSTEMS)}; move it out of the landing folder",
                )
            )
            continue
        if system_dir.name not in wanted:
            continue
        if not system_dir.is_dir():
            problems.append(
                IngestionError(
                    "expected the folder of a source system's drops, found a file",
                    file=system_dir,
                    hint=f"put the files into <landing>/{system_dir.name}/<YYYY-MM-DD>/",
                )
            )
            continue
        for drop_dir in _entries(system_dir):
            problem = _drop_problem(drop_dir)
            if problem is not None:
                problems.append(problem)
                continue
            drop_date = date.fromisoformat(drop_dir.name)
            for path in _entries(drop_dir):
                extract = _extract_of(path, system_dir.name)
                if isinstance(extract, IngestionError):
                    problems.append(extract)
                    continue
                found.append(
                    LandingFile(
                        path=path,
                        relative=path.relative_to(landing).as_posix(),
                        system=system_dir.name,
                        extract=extract,
                        extract_date=drop_date,
                    )
                )
    found.sort(key=lambda f: (f.extract_date, f.relative))
    return found, problems


def _entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def _symlink_error(path: Path) -> IngestionError:
    return IngestionError(
        f"a symbolic link (to {os.readlink(path)}); links below the landing folder are not read",
        file=path,
        hint="copy the file or folder into the landing folder instead: a loaded file is "
        "identified by its path and fingerprinted by its bytes, and a link's target can lie "
        "outside the landing folder or change behind the loader's back",
    )


def _drop_problem(drop_dir: Path) -> IngestionError | None:
    if drop_dir.is_symlink():
        return _symlink_error(drop_dir)
    system = drop_dir.parent.name
    if not drop_dir.is_dir():
        return IngestionError(
            "a file directly in the system folder; extracts belong in a drop folder named by "
            "their extract date",
            file=drop_dir,
            hint=f"move it to <landing>/{system}/<YYYY-MM-DD>/{drop_dir.name}",
        )
    if _parse_drop(drop_dir) is None:
        return IngestionError(
            "not a drop folder: drop folders are named by their extract date, YYYY-MM-DD "
            "(a real calendar date)",
            file=drop_dir,
            hint=f"rename it to the day the files were exported, e.g. "
            f"<landing>/{system}/2024-06-01/",
        )
    return None


def _extract_of(path: Path, system: str) -> Extract | IngestionError:
    """The extract a path in a drop folder is, or the problem with it."""
    known = ", ".join(e.file_name for e in SYSTEMS[system])
    extract = for_file(system, path.name)
    if path.is_symlink():
        return _symlink_error(path)
    if extract is None:
        return IngestionError(
            f"unknown extract {path.name!r} for source system {system!r}",
            file=path,
            hint=f"known files are {known}; remove or rename it",
        )
    if path.is_dir():
        return IngestionError(
            f"expected the file {extract.file_name}, found a folder",
            file=path,
            hint=f"remove the folder and put the extract file {extract.file_name} there",
        )
    if not path.is_file():
        return IngestionError(
            "not a regular file",
            file=path,
            hint=f"put the extract file {extract.file_name} there",
        )
    return extract


def _parse_drop(path: Path) -> date | None:
    if not path.is_dir() or not _DROP_RE.match(path.name):
        return None
    try:
        return date.fromisoformat(path.name)
    except ValueError:
        return None


# --------------------------------------------------------------------------- typing in SQL


_TIME_WITH_ZONE = r"[0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]*)?)?\s*(Z|z|[+-][0-9]{2}(:?[0-9]{2})?|[A-Za-z][A-Za-z_/+-]*)$"
_DATE_DIRECTIVES = {"%d": "[0-9]{1,2}", "%m": "[0-9]{1,2}", "%Y": "[0-9]{4}"}


def date_pattern(date_format: str) -> str | None:
    """Regular expression for the text of a date in ``date_format`` (four-digit years).

    ``None`` when the format uses a directive other than %d, %m and %Y.
    """
    parts = re.split(r"(%.)", date_format)
    pattern = []
    for part in parts:
        if part.startswith("%"):
            if part not in _DATE_DIRECTIVES:
                return None
            pattern.append(_DATE_DIRECTIVES[part])
        else:
            pattern.append(re.escape(part))
    return "".join(pattern)


def _parse_expr(col: Column, fmt: FileFormat, is_jsonl: bool) -> tuple[str, str]:
    """SQL expression typing the text column, and a description of what was expected."""
    v = f"nullif(trim({quote_identifier(col.name)}), '')"
    if col.type == "string":
        return f"nullif({quote_identifier(col.name)}, '')", "text"
    if col.type == "integer":
        return f"try_cast({v} as bigint)", "a whole number"
    if col.type == "decimal":
        dec, thousands = (
            ("." if is_jsonl else fmt.decimal_separator),
            ("" if is_jsonl else fmt.thousands_separator),
        )
        expr = v
        example = "1234.56"
        if dec != ".":
            if thousands:
                expr = f"replace({expr}, {sql_literal(thousands)}, '')"
            expr = f"replace({expr}, {sql_literal(dec)}, '.')"
            example = f"1{thousands}234{dec}56"
        # Only well-formed numbers pass: with a decimal comma declared, "1.5" is an error,
        # not fifteen; thousands separators must group three digits.
        d, t = re.escape(dec), re.escape(thousands)
        if thousands:
            pattern = f"[-+]?([0-9]{{1,3}}({t}[0-9]{{3}})+|[0-9]+)({d}[0-9]+)?"
        else:
            pattern = f"[-+]?([0-9]+({d}[0-9]*)?|{d}[0-9]+)([eE][-+]?[0-9]+)?"
        guard = f"regexp_full_match({v}, {sql_literal(pattern)})"
        return (
            f"case when {guard} then try_cast({expr} as {col.sql_type}) end",
            f"a number like {example}",
        )
    if col.type == "date":
        date_format = "%Y-%m-%d" if is_jsonl else fmt.date_format
        parsed = f"cast(try_strptime({v}, {sql_literal(date_format)}) as date)"
        # strptime reads '31.01.24' as the year 24: the shape is checked first.
        pattern = date_pattern(date_format)
        if pattern is not None:
            parsed = f"case when regexp_full_match({v}, {sql_literal(pattern)}) then {parsed} end"
        return parsed, f"a date in the format {date_format}"
    if col.type == "timestamp":
        # An explicit offset or zone is converted to UTC; a value without one is UTC already
        # (not the session's time zone). A year must have four digits.
        has_zone = f"regexp_matches({v}, {sql_literal(_TIME_WITH_ZONE)})"
        return (
            f"case when not regexp_matches({v}, '^[0-9]{{4}}-') then null "
            f"when {has_zone} then timezone('UTC', try_cast({v} as timestamptz)) "
            f"else try_cast({v} as timestamp) end",
            "an ISO 8601 timestamp like 2024-01-31T09:30:00.000+0000",
        )
    if col.type == "boolean":
        trues = ", ".join(sql_literal(t) for t in fmt.true_values)
        falses = ", ".join(sql_literal(f) for f in fmt.false_values)
        return (
            f"case when lower({v}) in ({trues}) then true when lower({v}) in ({falses}) then false end",
            f"a boolean ({'/'.join(fmt.true_values)} or {'/'.join(fmt.false_values)})",
        )
    raise ValueError(col.type)


def raw_table_ddl(extract: Extract) -> str:
    cols = ",\n    ".join(
        f"{quote_identifier(c.name)} {c.sql_type}" for c in (*extract.columns, *LOAD_COLUMNS)
    )
    return f"create table if not exists {RAW_SCHEMA}.{quote_identifier(extract.table)} (\n    {cols}\n)"


META_DDL = f"""
create schema if not exists {RAW_SCHEMA};
create table if not exists {RAW_SCHEMA}._load_manifest (
    source_file varchar primary key,
    source_system varchar not null,
    raw_table varchar not null,
    extract_date date not null,
    sha256 varchar not null,
    size_bytes bigint not null,
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_quarantined bigint not null,
    warnings varchar,
    loaded_at timestamp not null
);
create table if not exists {RAW_SCHEMA}._file_stats (
    source_file varchar primary key,
    size_bytes bigint not null,
    mtime_ns bigint not null,
    ctime_ns bigint not null,
    inode bigint not null,
    verified_ns bigint not null
);
create table if not exists {RAW_SCHEMA}._quarantine (
    source_file varchar not null,
    raw_table varchar not null,
    extract_date date not null,
    line_number bigint not null,
    column_name varchar,
    reason varchar not null,
    record varchar,
    loaded_at timestamp not null
);
"""


def ensure_raw_tables(
    con: duckdb.DuckDBPyConnection, extracts: Iterable[Extract] | None = None
) -> None:
    """Create the raw schema, its bookkeeping tables and the raw table of each extract."""
    con.execute(META_DDL)
    for extract in extracts if extracts is not None else [e for es in SYSTEMS.values() for e in es]:
        con.execute(raw_table_ddl(extract))


def _typed_select(extract: Extract) -> str:
    is_jsonl = extract.format.kind == "jsonl"
    selects, checks = [], []
    for col in extract.columns:
        expr, expected = _parse_expr(col, extract.format, is_jsonl)
        selects.append(f"{expr} as {quote_identifier(col.name)}")
        raw = f"nullif(trim({quote_identifier(col.name)}), '')"
        if col.required:
            checks.append(
                f"case when {raw} is null then {sql_literal(col.name + ': required value missing')} end"
            )
        if col.type != "string":
            checks.append(
                f"case when {raw} is not null and ({expr}) is null then "
                f"{sql_literal(col.name + ': ')} || {quote_identifier(col.name)} || {sql_literal(' is not ' + expected)} end"
            )
    typed_cols = ", ".join(quote_identifier(c.name) for c in extract.columns)
    return (
        f"""
        select
            {", ".join(selects)},
            _source_file,
            _line_number,
            _extract_date,
            _record,
            list_filter([{", ".join(checks) if checks else "null"}], lambda x: x is not null) as _errors
        from _batch
    """,
        typed_cols,
    )


# A file's status (size, modification and status-change times, inode) as recorded when its
# sha256 was last checked stands for that check while none of them changed, as git's index
# does: rewriting a file always moves its status-change time (which no tool can set back).
# Times closer than this to the check are not trusted (file times tick coarsely: a rewrite
# within the same tick would keep them), so such a file is hashed once more on the next run.
_RACY_NS = 2_000_000_000


# Concurrent loads append to the raw tables and the quarantine at the same time (appends never
# conflict in DuckDB); what writes the indexed bookkeeping tables (manifest, file status) and
# ends a transaction runs one load at a time: DuckDB has had crashes with concurrent writers
# of one index (duckdb/duckdb#14777, #21126), and these statements take milliseconds.
_BOOKKEEPING = threading.Lock()


def _status(path: Path) -> tuple[int, int, int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino


def _remember_status(
    con: duckdb.DuckDBPyConnection, statuses: Sequence[tuple[str, tuple[int, int, int, int]]]
) -> None:
    verified = time.time_ns()
    rows = ", ".join(["(?, ?, ?, ?, ?, ?)"] * len(statuses))
    con.execute(
        f"insert or replace into {RAW_SCHEMA}._file_stats values {rows}",
        [v for relative, status in statuses for v in (relative, *status, verified)],
    )


def _size(path: Path) -> int:
    """The file's size; 0 if it cannot be read (loading it then says why)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_file(con: duckdb.DuckDBPyConnection, lf: LandingFile, loaded_at: datetime) -> FileResult:
    """Load one file atomically. Raises IngestionError if the file as a whole is unusable."""
    result = FileResult(file=lf.relative, table=lf.extract.table, extract_date=lf.extract_date)
    with _readable(lf):
        delivery = _new_delivery(con, lf, result)
        if delivery is None:
            return result
        info, batches = _open(lf)
        with _delivering(con, [delivery], loaded_at):
            for batch, table in _prefetched(batches, lf):
                _quarantine_rejects(con, lf, batch, loaded_at)
                bad = _insert_typed(con, lf.extract, [table] if table else [], loaded_at)
                _count(result, [batch], bad.get(lf.relative, 0))
            result.warnings = _warnings(info)
    return result


@contextmanager
def _delivering(
    con: duckdb.DuckDBPyConnection, deliveries: Sequence[_Delivery], loaded_at: datetime
) -> Iterator[None]:
    """One transaction for the rows of ``deliveries``: the block loads them and counts them in
    their results; then their manifest lines are written and the transaction commits, or on
    any error it rolls back (both one load at a time, see _BOOKKEEPING)."""
    con.execute("begin transaction")
    try:
        yield
        with _BOOKKEEPING:
            _record_deliveries(con, deliveries, loaded_at)
            con.execute("commit")
    except BaseException:
        with _BOOKKEEPING:
            con.execute("rollback")
        raise


@contextmanager
def _readable(lf: LandingFile) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise IngestionError(
            f"the file cannot be read: {exc.strerror or exc}",
            file=lf.relative,
            hint="check that it exists and that the user running the pipeline may read it, "
            "then run again",
        ) from exc


@dataclass
class _Delivery:
    """A file to load: its content hash and status, and what loading it found."""

    lf: LandingFile
    result: FileResult
    sha: str
    status: tuple[int, int, int, int]


def _new_delivery(
    con: duckdb.DuckDBPyConnection, lf: LandingFile, result: FileResult
) -> _Delivery | None:
    """The file as a delivery to load, or None (``result.skipped``) if it was loaded before.
    Raises IngestionError if it was loaded before with other content."""
    status = _status(lf.path)  # before hashing: a change while hashing shows next time
    previous = con.execute(
        f"""
        select manifest.sha256, manifest.loaded_at,
               stats.size_bytes, stats.mtime_ns, stats.ctime_ns, stats.inode, stats.verified_ns
        from {RAW_SCHEMA}._load_manifest as manifest
        left join {RAW_SCHEMA}._file_stats as stats using (source_file)
        where manifest.source_file = ?
        """,
        [lf.relative],
    ).fetchone()
    if (
        previous is not None
        and tuple(previous[2:6]) == status
        and max(status[1], status[2]) < previous[6] - _RACY_NS
    ):
        result.skipped = True  # unchanged since its content was last checked
        return None
    sha = _file_sha256(lf.path)
    if previous is not None:
        if previous[0] == sha:
            with _BOOKKEEPING:
                _remember_status(con, [(lf.relative, status)])
            result.skipped = True
            return None
        raise IngestionError(
            "this file was loaded before with different content (loaded "
            f"{previous[1]:%Y-%m-%d %H:%M} UTC, sha256 then {previous[0][:12]}..., now "
            f"{sha[:12]}...); it is not loaded again",
            file=lf.relative,
            hint="a delivered file must not change: restore the delivered version, and put "
            "corrected rows into a new drop folder (a later extract date), where they "
            "supersede the earlier rows",
        )
    return _Delivery(lf, result, sha, status)


def _open(lf: LandingFile) -> tuple[ReadInfo | None, Iterator[Batch]]:
    if lf.path.stat().st_size == 0:
        if lf.extract.format.kind == "jsonl":
            return None, iter(())
        raise IngestionError(
            "the file is empty (zero bytes, not even a header)",
            file=lf.relative,
            line=1,
            hint="check whether the export was interrupted and replace the file with a "
            "complete export; an extract without rows still has its header line",
        )
    return open_extract(lf.path, lf.extract, lf.relative)


def _record_deliveries(
    con: duckdb.DuckDBPyConnection, deliveries: Sequence[_Delivery], loaded_at: datetime
) -> None:
    """The manifest lines (and file status) of loaded files, in the transaction of their rows."""
    values = []
    for d in deliveries:
        r = d.result
        values += [
            d.lf.relative,
            d.lf.system,
            d.lf.extract.table,
            d.lf.extract_date,
            d.sha,
            d.status[0],
            r.rows_read,
            r.rows_loaded,
            r.rows_quarantined,
            "; ".join(r.warnings) or None,
            loaded_at,
        ]
    rows = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(deliveries))
    con.execute(f"insert into {RAW_SCHEMA}._load_manifest values {rows}", values)
    _remember_status(con, [(d.lf.relative, d.status) for d in deliveries])


# Files up to this size are read whole and loaded together with other small files of their
# extract: one transaction and one typing statement for the group instead of one per file.
# Each file stays all-or-nothing (a file the reader refuses is left out before anything of the
# group is written); at the sample's scale 1 (648 files of 4-2,000 kB) this is ~3x faster, as
# the fixed cost of a file (statements, planning the typing, commit) was most of its time.
SMALL_FILE_BYTES = 4 << 20
GROUP_BYTES = 16 << 20


def _load_group(
    con: duckdb.DuckDBPyConnection, files: Sequence[LandingFile], loaded_at: datetime
) -> tuple[list[FileResult], list[IngestionError]]:
    """Load small files of one extract in one transaction (each file all or nothing)."""
    results: list[FileResult] = []
    problems: list[IngestionError] = []
    members: list[tuple[_Delivery, ReadInfo | None, list[Batch]]] = []
    for lf in files:
        result = FileResult(file=lf.relative, table=lf.extract.table, extract_date=lf.extract_date)
        try:
            with _readable(lf):
                delivery = _new_delivery(con, lf, result)
                if delivery is None:
                    results.append(result)
                    continue
                info, batches = _open(lf)
                members.append((delivery, info, list(batches)))
        except IngestionError as exc:
            problems.append(exc)
    if not members:
        return results, problems
    with _delivering(con, [d for d, _, _ in members], loaded_at):
        tables = []
        for delivery, _, batches in members:
            for batch in batches:
                _quarantine_rejects(con, delivery.lf, batch, loaded_at)
                if (table := _arrow(batch, delivery.lf)) is not None:
                    tables.append(table)
        bad = _insert_typed(con, files[0].extract, tables, loaded_at)
        for delivery, info, batches in members:
            delivery.result.warnings = _warnings(info)
            _count(delivery.result, batches, bad.get(delivery.lf.relative, 0))
    return results + [d.result for d, _, _ in members], problems


def _warnings(info: ReadInfo | None) -> list[str]:
    if info is None:
        return []
    warnings = list(info.warnings)
    if info.ignored_columns:
        warnings.append(f"ignored columns not in the contract: {', '.join(info.ignored_columns)}")
    if info.missing_optional_columns:
        warnings.append(
            f"optional columns missing (loaded as null): {', '.join(info.missing_optional_columns)}"
        )
    return warnings


def _arrow(batch: Batch, lf: LandingFile) -> pa.Table | None:
    """The batch's values as an Arrow table of text columns, with line numbers, records and
    the file they come from."""
    if not len(batch):
        return None
    if batch.table is not None:  # a block read by Arrow
        arrays = {name: batch.table.column(name) for name in batch.table.column_names}
    else:
        arrays = {
            name: pa.array(values, type=pa.string()) for name, values in batch.columns.items()
        }
        arrays["_line_number"] = pa.array(batch.lines, type=pa.int64())
        arrays["_record"] = pa.array(batch.records, type=pa.string())
    arrays["_source_file"] = pa.repeat(pa.scalar(lf.relative, pa.string()), len(batch))
    arrays["_extract_date"] = pa.repeat(pa.scalar(lf.extract_date, pa.date32()), len(batch))
    return pa.table(arrays)


def _read_ahead(batches: Iterator[Batch], lf: LandingFile) -> tuple[Batch, pa.Table | None] | None:
    batch = next(batches, None)
    return None if batch is None else (batch, _arrow(batch, lf))


def _prefetched(
    batches: Iterator[Batch], lf: LandingFile
) -> Iterator[tuple[Batch, pa.Table | None]]:
    """The batches with their Arrow tables, the next one read while the current one loads.

    Reading line by line is Python and holds the GIL (Arrow's block readers release it);
    DuckDB's typing and inserts release it. A worker thread reads and converts batch n+1
    while DuckDB loads batch n, so the two overlap within a file of several batches (at
    scale 100, line by line: two drops of CRM and marketing extracts, 1.66 million rows,
    34-39 s -> 31-33 s). Only the worker advances the reader, never two threads
    at once; a reader's error (a truncated file) surfaces here, after the batches before it."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingestion-reader") as pool:
        ahead = pool.submit(_read_ahead, batches, lf)
        while (item := ahead.result()) is not None:
            ahead = pool.submit(_read_ahead, batches, lf)
            yield item


def _quarantine_rejects(
    con: duckdb.DuckDBPyConnection, lf: LandingFile, batch: Batch, loaded_at: datetime
) -> None:
    """Quarantine the records of the batch the reader refused (e.g. a wrong field count)."""
    for reject in batch.rejects:
        con.execute(
            f"insert into {RAW_SCHEMA}._quarantine values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                lf.relative,
                lf.extract.table,
                lf.extract_date,
                reject.line,
                reject.column,
                reject.reason,
                reject.record,
                loaded_at,
            ],
        )


def _count(result: FileResult, batches: Sequence[Batch], failed_typing: int) -> None:
    """Add batches of a file, and how many of their rows failed typing, to the file's
    accounting: read = loaded + quarantined."""
    rows = sum(len(b) for b in batches)
    rejects = sum(len(b.rejects) for b in batches)
    result.rows_read += rows + rejects
    result.rows_loaded += rows - failed_typing
    result.rows_quarantined += rejects + failed_typing


def _insert_typed(
    con: duckdb.DuckDBPyConnection,
    extract: Extract,
    tables: Sequence[pa.Table],
    loaded_at: datetime,
) -> dict[str, int]:
    """Type the rows of ``tables`` (text columns as read, with line, record and source file)
    and insert them into the extract's raw table; rows that fail a type or a required value
    go to the quarantine. Returns the quarantined rows per source file (none: empty).

    One statement types and inserts. Only when some rows fail are they typed again, to
    quarantine them: typing is deterministic, so the two passes split the rows exactly
    (checked). Materialising the typed rows first (a temp table read twice) cost more than
    typing twice: ~6 ms per statement and, at 50,000 rows, four times the typing itself."""
    if not tables:
        return {}
    table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    select_sql, typed_cols = _typed_select(extract)
    hash_expr = f"md5(cast([{', '.join(f'cast({quote_identifier(c.name)} as varchar)' for c in extract.columns)}] as varchar))"
    con.register("_batch", table)
    loaded = con.execute(
        f"""
        insert into {RAW_SCHEMA}.{quote_identifier(extract.table)}
        select {typed_cols}, _source_file, _line_number, _extract_date, ?, {hash_expr}
        from ({select_sql}) where len(_errors) = 0
        """,
        [loaded_at],
    ).fetchone()[0]
    bad: Counter[str] = Counter()
    if loaded < table.num_rows:
        quarantined = con.execute(
            f"""
            insert into {RAW_SCHEMA}._quarantine
            select _source_file, ?, _extract_date, _line_number,
                   regexp_extract(_errors[1], '^([^:]+):', 1),
                   array_to_string(_errors, '; '),
                   _record, ?
            from ({select_sql}) where len(_errors) > 0
            returning source_file
            """,
            [extract.table, loaded_at],
        ).fetchall()
        bad.update(file for (file,) in quarantined)
    con.unregister("_batch")
    if loaded + bad.total() != table.num_rows:  # cannot happen while typing is deterministic
        raise RuntimeError(
            f"{table.num_rows} rows typed, but {loaded} loaded and {bad.total()} quarantined"
        )
    return dict(bad)


# DuckDB's memory cap for every connection that writes (ingestion, publish, the Spark export
# and import) and for dbt's (profiles.yml reads the same variable, with the same default).
# Without a cap DuckDB takes up to 80% of RAM before it spills to disk; with it, a large build
# spills to `<warehouse>.tmp` next to the file instead of running the machine out of memory.
DUCKDB_MEMORY_LIMIT_ENV = "LEADLEDGER_DUCKDB_MEMORY_LIMIT"
DUCKDB_MEMORY_LIMIT_DEFAULT = "5GB"


def duckdb_memory_limit() -> str:
    """DuckDB's memory_limit (LEADLEDGER_DUCKDB_MEMORY_LIMIT, default 5GB; e.g. 2GB, 12GB)."""
    return os.environ.get(DUCKDB_MEMORY_LIMIT_ENV, "").strip() or DUCKDB_MEMORY_LIMIT_DEFAULT


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to the warehouse file ``path`` in UTC with the memory cap above."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(
            str(path), read_only=read_only, config={"memory_limit": duckdb_memory_limit()}
        )
    except (duckdb.ParserException, duckdb.InvalidInputException) as exc:
        raise IngestionError(
            f"{DUCKDB_MEMORY_LIMIT_ENV}={duckdb_memory_limit()!r} is not a memory size DuckDB "
            f"understands ({exc}); use e.g. 4GB or 512MB"
        ) from exc
    con.execute("set TimeZone = 'UTC'")
    return con


_Job = Callable[[duckdb.DuckDBPyConnection], tuple[list[FileResult], list[IngestionError]]]

# Loads run this many at a time, each in its own transaction on its own cursor: one load's
# DuckDB work overlaps the other's reading (the whole scale-100 sample, 648 files: 420 s ->
# 310 s on 2 cores when every line was read in Python; with Arrow reading most blocks,
# 347 s -> ~200 s, most of it DuckDB's typing and inserting now).
LOAD_WORKERS = 2


def _load_large_file(
    con: duckdb.DuckDBPyConnection, lf: LandingFile, loaded_at: datetime
) -> tuple[list[FileResult], list[IngestionError]]:
    try:
        return [load_file(con, lf, loaded_at)], []
    except IngestionError as exc:
        return [], [exc]


def _on_cursor(
    con: duckdb.DuckDBPyConnection, job: _Job
) -> tuple[list[FileResult], list[IngestionError]]:
    with con.cursor() as cursor:
        return job(cursor)


def _run_jobs(
    con: duckdb.DuckDBPyConnection,
    jobs: Sequence[_Job],
    report: Callable[[list[FileResult], list[IngestionError]], None],
) -> None:
    """Run ``jobs`` LOAD_WORKERS at a time and report their outcomes in job order (from this
    thread). An error other than a refused file stops the jobs not yet started; those under
    way finish (or roll back) before it propagates."""
    with ThreadPoolExecutor(max_workers=LOAD_WORKERS, thread_name_prefix="ingestion-load") as pool:
        futures = [pool.submit(_on_cursor, con, job) for job in jobs]
        try:
            for future in futures:
                report(*future.result())
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def load_landing(
    warehouse: Path | str,
    landing: Path | str,
    systems: Iterable[str] | None = None,
    tables: Iterable[str] | None = None,
    progress: Callable[[FileResult, int, int], None] | None = None,
    loaded_at: datetime | None = None,
) -> list[FileResult]:
    """Load every new file of ``systems`` (default: all) from ``landing`` into ``warehouse``.

    ``tables`` restricts loading to some raw tables (e.g. ``{"crm__leads"}``).

    Files that fail as a whole, and entries of the landing folder that are not extracts, are
    reported together at the end in :class:`IngestionErrors`; every other file is loaded
    (each file atomically).
    """
    files, problems = scan(Path(landing), systems)
    if tables is not None:
        wanted = set(tables)
        files = [f for f in files if f.extract.table in wanted]
    loaded_at = loaded_at or datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    results: list[FileResult] = []
    con = connect(warehouse)
    try:
        ensure_raw_tables(con, {f.extract for f in files} | _extracts_of(systems))
        done = 0

        def report(loaded: list[FileResult], refused: list[IngestionError]) -> None:
            nonlocal done
            problems.extend(refused)
            for result in loaded:
                done += 1
                results.append(result)
                if progress:
                    progress(result, done, len(files))
            done += len(refused)

        # Small files wait for others of their extract (in drop order) and load with them.
        jobs: list[_Job] = []
        pending: dict[str, list[LandingFile]] = {}
        pending_bytes: dict[str, int] = {}
        for lf in files:
            size = _size(lf.path)
            if size > SMALL_FILE_BYTES:
                jobs.append(partial(_load_large_file, lf=lf, loaded_at=loaded_at))
                continue
            table = lf.extract.table
            pending.setdefault(table, []).append(lf)
            pending_bytes[table] = pending_bytes.get(table, 0) + size
            if pending_bytes[table] >= GROUP_BYTES:
                jobs.append(partial(_load_group, files=pending.pop(table), loaded_at=loaded_at))
                del pending_bytes[table]
        jobs += [
            partial(_load_group, files=group, loaded_at=loaded_at) for group in pending.values()
        ]
        _run_jobs(con, jobs, report)
    finally:
        con.close()
    if problems:
        raise IngestionErrors(problems)
    order = {lf.relative: i for i, lf in enumerate(files)}
    return sorted(results, key=lambda r: order[r.file])  # oldest drop first, as found


def _extracts_of(systems: Iterable[str] | None) -> set[Extract]:
    names = set(systems) if systems is not None else set(SYSTEMS)
    return {e for name in names for e in SYSTEMS.get(name, ())}
