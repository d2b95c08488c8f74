"""Read extract files into batches of text values with their line numbers.

Readers do no type conversion: every value is a string (or ``None``) exactly as found in the
file, so that typing errors can be reported with the original value. Structural problems a
reader can see on its own (a record with the wrong number of fields, a line that is not JSON)
become *rejects* with a reason; problems with the file as a whole raise
:class:`~ingestion.errors.IngestionError`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.contract import Extract
from ingestion.errors import IngestionError

BATCH_ROWS = 50_000

# Large free-text fields (notes) are legal in CRM exports.
csv.field_size_limit(64 * 1024 * 1024)


@dataclass
class Reject:
    line: int
    column: str | None
    reason: str
    record: str


@dataclass
class Batch:
    """Column-wise text values of up to BATCH_ROWS records."""

    columns: dict[str, list[str | None]]
    lines: list[int]
    records: list[str]
    rejects: list[Reject] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.lines)


@dataclass
class ReadInfo:
    """What the reader learned about the file while reading it."""

    encoding: str
    header: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    missing_optional_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _detect_encoding(path: Path, declared: str) -> tuple[str, list[str]]:
    """Return the encoding to read with, plus warnings.

    Windows-1252 decodes any byte, so a UTF-8 file read as cp1252 would silently turn
    'Müller' into 'MÃ¼ller'. A file declared cp1252 that is valid UTF-8 with non-ASCII
    characters is therefore read as UTF-8, and the switch is reported.
    """
    raw = path.read_bytes()
    if declared.lower().replace("-", "") in {"cp1252", "windows1252", "latin1", "iso88591"}:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return declared, []
        if any(ord(ch) > 127 for ch in text):
            return "utf-8-sig", [f"declared {declared} but the file is UTF-8; read as UTF-8"]
        return declared, []
    # UTF-8 declared: locate the first undecodable byte for a precise error.
    try:
        raw.decode(declared)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise IngestionError(
            f"byte 0x{raw[exc.start]:02x} at character {col} cannot be decoded as {declared}",
            file=path,
            line=line,
            hint=f"re-export the file as {declared} (this extract is declared {declared}), "
            "or declare its real encoding in the extract's format",
        ) from None
    return declared, []


def _match_header(
    path: Path, extract: Extract, header: list[str], info: ReadInfo
) -> list[int | None]:
    """Map contract columns to positions in the file's header (case-insensitive)."""
    normalised = [h.strip().lstrip("\ufeff").lower() for h in header]
    positions: list[int | None] = []
    missing_required = []
    for col in extract.columns:
        key = col.name.lower()
        if key in normalised:
            positions.append(normalised.index(key))
        else:
            positions.append(None)
            (missing_required if col.required else info.missing_optional_columns).append(col.name)
    known = {c.name.lower() for c in extract.columns}
    info.ignored_columns = [h for h, n in zip(header, normalised, strict=True) if n not in known]
    if missing_required:
        delimiter_hint = ""
        if len(header) == 1 and extract.format.kind == "csv":
            delimiter_hint = (
                f" The header has a single column: is the delimiter {extract.format.delimiter!r}?"
            )
        raise IngestionError(
            f"required column(s) {', '.join(missing_required)} missing from the header "
            f"(found: {', '.join(header) or 'nothing'}).{delimiter_hint}",
            file=path,
            line=1,
            column=missing_required[0],
            hint=f"{extract.table} expects {extract.format.describe()} with the columns "
            f"{', '.join(extract.column_names)}; fix the export or rename the column",
        )
    return positions


def read_csv(path: Path, extract: Extract, display: str) -> tuple[ReadInfo, Iterator[Batch]]:
    fmt = extract.format
    encoding, warnings = _detect_encoding(path, fmt.encoding)
    info = ReadInfo(encoding=encoding, warnings=warnings)
    handle = path.open(newline="", encoding=encoding)
    reader = csv.reader(handle, delimiter=fmt.delimiter, strict=False)
    try:
        header = next(reader)
    except StopIteration:
        handle.close()
        raise IngestionError(
            "the file is empty (no header row)",
            file=display,
            line=1,
            hint=f"an extract with no rows still needs its header: {fmt.delimiter.join(extract.column_names)}",
        ) from None
    except csv.Error as exc:
        handle.close()
        raise IngestionError(f"the header cannot be parsed: {exc}", file=display, line=1) from None
    info.header = header
    try:
        positions = _match_header(Path(display), extract, header, info)
    except IngestionError:
        handle.close()
        raise
    width = len(header)
    names = extract.column_names

    def batches() -> Iterator[Batch]:
        with handle:
            batch = _new_batch(names)
            start = reader.line_num + 1
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    batch.rejects.append(Reject(start, None, f"malformed CSV record: {exc}", ""))
                    start = reader.line_num + 1
                    continue
                line, start = start, reader.line_num + 1
                if not row or (len(row) == 1 and row[0] == "" and width > 1):
                    continue  # blank line: not a record
                record = fmt.delimiter.join(row)
                if len(row) != width:
                    batch.rejects.append(
                        Reject(line, None, f"expected {width} fields, found {len(row)}", record)
                    )
                    continue
                for name, pos in zip(names, positions, strict=True):
                    batch.columns[name].append(row[pos] if pos is not None else None)
                batch.lines.append(line)
                batch.records.append(record)
                if len(batch) >= BATCH_ROWS:
                    yield batch
                    batch = _new_batch(names)
            if len(batch) or batch.rejects:
                yield batch

    return info, batches()


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)


def read_jsonl(path: Path, extract: Extract, display: str) -> tuple[ReadInfo, Iterator[Batch]]:
    encoding, warnings = _detect_encoding(path, extract.format.encoding)
    info = ReadInfo(encoding=encoding, warnings=warnings, header=list(extract.column_names))
    names = extract.column_names
    required = {c.name for c in extract.columns if c.required}
    seen_unknown: set[str] = set()

    def batches() -> Iterator[Batch]:
        with path.open(encoding=encoding) as handle:
            batch = _new_batch(names)
            for line_no, text in enumerate(handle, start=1):
                stripped = text.strip()
                if not stripped:
                    continue
                try:
                    obj = json.loads(stripped)
                except json.JSONDecodeError as exc:
                    batch.rejects.append(
                        Reject(
                            line_no,
                            None,
                            f"invalid JSON: {exc.msg} at character {exc.colno}",
                            stripped,
                        )
                    )
                    continue
                if not isinstance(obj, dict):
                    batch.rejects.append(
                        Reject(line_no, None, "a JSON object was expected", stripped)
                    )
                    continue
                keys = {k.lower(): k for k in obj}
                absent = [n for n in required if n.lower() not in keys]
                if absent:
                    batch.rejects.append(
                        Reject(
                            line_no, absent[0], f"required field {absent[0]!r} missing", stripped
                        )
                    )
                    continue
                seen_unknown.update(k for k in keys if k not in {n.lower() for n in names})
                for name in names:
                    key = keys.get(name.lower())
                    batch.columns[name].append(_json_text(obj[key]) if key is not None else None)
                batch.lines.append(line_no)
                batch.records.append(stripped)
                if len(batch) >= BATCH_ROWS:
                    yield batch
                    batch = _new_batch(names)
            if len(batch) or batch.rejects:
                yield batch
        info.ignored_columns = sorted(seen_unknown)

    return info, batches()


def _new_batch(names: tuple[str, ...]) -> Batch:
    return Batch(columns={n: [] for n in names}, lines=[], records=[])


def open_extract(path: Path, extract: Extract, display: str) -> tuple[ReadInfo, Iterator[Batch]]:
    """Open ``path`` with the reader for the extract's format; ``display`` names it in errors."""
    if extract.format.kind == "csv":
        return read_csv(path, extract, display)
    return read_jsonl(path, extract, display)
