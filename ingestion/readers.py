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
import re
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


_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_SINGLE_BYTE = {"cp1252", "windows1252", "latin1", "iso88591"}


def _encoding_key(encoding: str) -> str:
    return encoding.lower().replace("-", "").replace("_", "")


def encoding_name(encoding: str) -> str:
    """Human name of a Python codec name, as used in messages."""
    key = _encoding_key(encoding)
    if key in {"utf8", "utf8sig"}:
        return "UTF-8"
    if key in {"cp1252", "windows1252"}:
        return "Windows-1252"
    return encoding


def _detect_encoding(path: Path, extract: Extract, display: str) -> tuple[str, list[str]]:
    """Return the codec to read ``path`` with, plus warnings; raise if it cannot be decoded.

    A UTF-8 byte order mark is optional in every UTF-8 file and always removed. Windows-1252
    decodes almost any byte, so a UTF-8 file read as cp1252 would silently turn 'Müller' into
    'MÃ¼ller': a file declared cp1252 that is valid UTF-8 with non-ASCII characters (or a
    UTF-8 byte order mark) is therefore read as UTF-8, and the switch is reported. Every other
    undecodable byte is an error naming line, column and byte, checked before a row is loaded.
    """
    declared = extract.format.encoding
    raw = path.read_bytes()
    if raw.startswith(_UTF16_BOMS):
        raise IngestionError(
            "the file is UTF-16 encoded (it starts with a UTF-16 byte order mark)",
            file=display,
            line=1,
            hint=f"export it as {encoding_name(declared)}, the encoding this extract is "
            f"declared with (a spreadsheet's 'Unicode text' export writes UTF-16)",
        )
    if _encoding_key(declared) in _SINGLE_BYTE:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
        else:
            if raw.startswith(_UTF8_BOM) or any(ord(ch) > 127 for ch in text):
                return "utf-8-sig", [
                    f"declared {encoding_name(declared)} but the file is UTF-8; read as UTF-8"
                ]
            return declared, []
        codec = declared
    else:
        codec = "utf-8-sig" if _encoding_key(declared) in {"utf8", "utf8sig"} else declared
    try:
        raw.decode(codec)
    except UnicodeDecodeError as exc:
        raise _decode_error(raw, exc.start, extract, display) from None
    return codec, []


def _decode_error(raw: bytes, offset: int, extract: Extract, display: str) -> IngestionError:
    declared = encoding_name(extract.format.encoding)
    line_start = raw.rfind(b"\n", 0, offset) + 1
    line = raw.count(b"\n", 0, offset) + 1
    byte = raw[offset]
    message = f"byte 0x{byte:02x} (character {offset - line_start + 1} of the line) is not valid {declared}"
    if _encoding_key(extract.format.encoding) in _SINGLE_BYTE:
        message += " and the file is not UTF-8 either"
        hint = f"export the file as {declared} or as UTF-8"
    else:
        as_cp1252 = bytes([byte]).decode("cp1252", errors="replace")
        if as_cp1252.isalpha():
            message += (
                f" (in Windows-1252 it is {as_cp1252!r}: the file looks Windows-1252 encoded)"
            )
        hint = (
            f"export the file as {declared}, the encoding this extract is declared with; if the "
            f"system can only write another encoding, declare it in the extract's format "
            f"(ingestion/{extract.system}/__init__.py)"
        )
    prefix = raw[line_start:offset].decode("utf-8", errors="replace")
    return IngestionError(
        message,
        file=display,
        line=line,
        column=None if line == 1 else column_at(prefix, _raw_header(raw, extract), extract),
        hint=hint,
    )


def _raw_header(raw: bytes, extract: Extract) -> list[str]:
    if extract.format.kind != "csv":
        return []
    first = raw[: raw.find(b"\n") if b"\n" in raw else len(raw)]
    text = first.decode("utf-8", errors="replace").lstrip("\ufeff").rstrip("\r")
    return next(csv.reader([text], delimiter=extract.format.delimiter), [])


def column_at(prefix: str, header: list[str], extract: Extract) -> str | None:
    """The column a position belongs to, given the text of its line up to that position.

    CSV: the field count of the prefix, looked up in the header. JSON Lines: the last key
    before the position. ``None`` when it cannot be told.
    """
    if extract.format.kind == "jsonl":
        keys = re.findall(r'"((?:[^"\\]|\\.)*)"\s*:', prefix)
        return keys[-1] if keys else None
    fields = next(csv.reader([prefix], delimiter=extract.format.delimiter), [""])
    index = max(len(fields) - 1, 0)
    return header[index].strip() if index < len(header) else None


def _match_header(
    path: Path, extract: Extract, header: list[str], info: ReadInfo
) -> list[int | None]:
    """Map contract columns to positions in the file's header.

    Names match ignoring case and surrounding spaces. A contract column without such a match
    also matches a header name that differs only in spaces, underscores or hyphens inside
    ("Close Date" for CloseDate), with a warning. A contract column that appears twice is an
    error: the loader cannot tell which one is meant.
    """
    normalised = [h.strip().lstrip("\ufeff").strip().lower() for h in header]
    loose = [re.sub(r"[\s_-]+", "", n) for n in normalised]
    positions: list[int | None] = []
    missing_required = []
    for col in extract.columns:
        key = col.name.lower()
        hits = [i for i, n in enumerate(normalised) if n == key]
        if len(hits) > 1:
            raise IngestionError(
                f"column {col.name!r} appears {len(hits)} times in the header "
                f"(fields {', '.join(str(i + 1) for i in hits)})",
                file=path,
                line=1,
                column=col.name,
                hint="remove the duplicate column from the export: the loader cannot tell "
                "which of them is meant",
            )
        positions.append(hits[0] if hits else None)
    known = {c.name.lower() for c in extract.columns}
    for index, col in enumerate(extract.columns):
        if positions[index] is not None:
            continue
        key = re.sub(r"[\s_-]+", "", col.name.lower())
        taken = {p for p in positions if p is not None}
        hits = [
            i
            for i, n in enumerate(loose)
            if n == key and i not in taken and normalised[i] not in known
        ]
        if len(hits) == 1:
            positions[index] = hits[0]
            info.warnings.append(f"header {header[hits[0]]!r} read as column {col.name!r}")
        elif col.required:
            missing_required.append(col.name)
        else:
            info.missing_optional_columns.append(col.name)
    used = {p for p in positions if p is not None}
    info.ignored_columns = [h for i, h in enumerate(header) if i not in used]
    if missing_required:
        delimiter_hint = ""
        if len(header) == 1 and extract.format.kind == "csv":
            delimiter_hint = (
                f" The header has a single column: is the delimiter {extract.format.delimiter!r}?"
            )
        renamed_hint = ""
        if info.ignored_columns:
            renamed_hint = (
                f"; if the source renamed a column (not in the contract: "
                f"{', '.join(info.ignored_columns)}), rename it back in the export or change "
                f"the contract in ingestion/{extract.system}/__init__.py"
            )
        raise IngestionError(
            f"required column(s) {', '.join(missing_required)} missing from the header "
            f"(found: {', '.join(header) or 'nothing'}).{delimiter_hint}",
            file=path,
            line=1,
            column=missing_required[0],
            hint=f"{extract.table} expects {extract.format.describe()} with the columns "
            f"{', '.join(extract.column_names)}; fix the export{renamed_hint}",
        )
    return positions


class _LineTap:
    """Hands a file's lines to ``csv.reader`` and keeps those consumed since the last take().

    ``csv.reader`` reads exactly the lines of one record per ``next()``, so ``take()`` returns
    the record's original text: quarantined rows keep what the file really said.
    """

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self._taken: list[str] = []

    def __iter__(self) -> _LineTap:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self._taken.append(line)
        return line

    def take(self) -> str:
        text = "".join(self._taken)
        self._taken.clear()
        return text


def _csv_error_reject(
    exc: csv.Error,
    text: str,
    first: int,
    last: int,
    header: list[str],
    extract: Extract,
    display: str,
) -> Reject:
    """The quarantine row for a record the CSV parser rejects.

    A quote still open at the end of the file is an error for the whole file: from that
    quote on, the parser cannot tell where records end (the file is truncated, or a stray
    quote swallowed every record after it). Loading the part before it would make the
    complete file, delivered again at the same path, count as a changed file.
    """
    record = text.rstrip("\r\n")
    if str(exc) == "unexpected end of data":
        fields = next(csv.reader([record], delimiter=extract.format.delimiter, strict=False), [])
        index = max(len(fields) - 1, 0)
        where = "on the same line" if first == last else f"at line {last}"
        raise IngestionError(
            f"a quoted value opened in this record is never closed: the file ends inside it, "
            f"{where}; the file is truncated, or a quote inside a value is not doubled",
            file=display,
            line=first,
            column=header[index].strip() if index < len(header) else None,
            hint="check whether the export was interrupted and replace the file with a complete "
            'export; a quote inside a quoted value must be written twice ("")',
        )
    return Reject(
        first,
        None,
        f'malformed CSV record: {exc} (a quote inside a quoted value must be doubled: "")',
        record,
    )


def _field_count_reject(
    row: list[str], record: str, line: int, header: list[str], extract: Extract
) -> Reject:
    width, found = len(header), len(row)
    delimiter = extract.format.delimiter
    if found < width:
        return Reject(
            line,
            header[found].strip(),
            f"expected {width} fields, found {found}: the record ends before column "
            f"{header[found].strip()!r} (a line cut short, or a delimiter other than {delimiter!r}?)",
            record,
        )
    return Reject(
        line,
        None,
        f"expected {width} fields, found {found}: a value containing {delimiter!r} must be quoted",
        record,
    )


def read_csv(path: Path, extract: Extract, display: str) -> tuple[ReadInfo, Iterator[Batch]]:
    fmt = extract.format
    encoding, warnings = _detect_encoding(path, extract, display)
    info = ReadInfo(encoding=encoding, warnings=warnings)
    handle = path.open(newline="", encoding=encoding)
    tap = _LineTap(iter(handle))
    # strict: a quote left open at the end of the file (a truncated file) or a stray quote
    # after a quoted value is an error, never a silently merged or shortened value.
    reader = csv.reader(tap, delimiter=fmt.delimiter, strict=True)
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
        raise IngestionError(
            f"the header cannot be parsed: {exc}",
            file=display,
            line=1,
            hint=f"the first line must be the header: {fmt.delimiter.join(extract.column_names)}",
        ) from None
    tap.take()
    info.header = header
    try:
        positions = _match_header(Path(display), extract, header, info)
    except IngestionError:
        handle.close()
        raise
    width = len(header)
    names = extract.column_names
    # Column names by position in the file, in the contract's spelling where mapped.
    by_position = [h.strip().lstrip("\ufeff") for h in header]
    for name, pos in zip(names, positions, strict=True):
        if pos is not None:
            by_position[pos] = name

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
                    batch.rejects.append(
                        _csv_error_reject(
                            exc, tap.take(), start, reader.line_num, by_position, extract, display
                        )
                    )
                    start = reader.line_num + 1
                    continue
                line, start = start, reader.line_num + 1
                record = tap.take().rstrip("\r\n")
                if all(not value.strip() for value in row):
                    continue  # blank line (or only delimiters): not a record
                if len(row) != width:
                    batch.rejects.append(
                        _field_count_reject(row, record, line, by_position, extract)
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


def _json_kind(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return "a number"


def read_jsonl(path: Path, extract: Extract, display: str) -> tuple[ReadInfo, Iterator[Batch]]:
    encoding, warnings = _detect_encoding(path, extract, display)
    info = ReadInfo(encoding=encoding, warnings=warnings, header=list(extract.column_names))
    names = extract.column_names
    exact_names = frozenset(names)
    lowered = {n.lower() for n in names}
    required = [c.name for c in extract.columns if c.required]
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
                    column = column_at(stripped[: exc.pos], [], extract)
                    batch.rejects.append(
                        Reject(
                            line_no,
                            column,
                            f"invalid JSON: {exc.msg} at character {exc.colno} (each line must "
                            "be one complete JSON object; a cut-off last line means a truncated file)",
                            stripped,
                        )
                    )
                    continue
                if not isinstance(obj, dict):
                    batch.rejects.append(
                        Reject(
                            line_no,
                            None,
                            f"a JSON object was expected, found {_json_kind(obj)} "
                            '(each line must be one object like {"key": value, ...})',
                            stripped,
                        )
                    )
                    continue
                # The usual record spells every key as the contract does: no case folding
                # and no unknown keys to note (same outcome as the general path below).
                exact = obj.keys() <= exact_names
                if exact:
                    keys = None
                    absent = [n for n in required if n not in obj]
                else:
                    keys = {k.lower(): k for k in obj}
                    absent = [n for n in required if n.lower() not in keys]
                if absent:
                    batch.rejects.append(
                        Reject(
                            line_no,
                            absent[0],
                            f"required field{'s' if len(absent) > 1 else ''} "
                            f"{', '.join(repr(a) for a in absent)} missing",
                            stripped,
                        )
                    )
                    continue
                if any(isinstance(v, dict | list) for v in obj.values()):
                    if keys is None:
                        keys = {k.lower(): k for k in obj}
                    nested = [
                        n
                        for n in names
                        if n.lower() in keys and isinstance(obj[keys[n.lower()]], dict | list)
                    ]
                    if nested:
                        value = obj[keys[nested[0].lower()]]
                        batch.rejects.append(
                            Reject(
                                line_no,
                                nested[0],
                                f"{nested[0]}: expected a single value, found {_json_kind(value)}",
                                stripped,
                            )
                        )
                        continue
                if exact:
                    for name in names:
                        value = obj.get(name)
                        batch.columns[name].append(
                            value if type(value) is str else _json_text(value)
                        )
                else:
                    seen_unknown.update(k for lk, k in keys.items() if lk not in lowered)
                    for name in names:
                        key = keys.get(name.lower())
                        batch.columns[name].append(
                            _json_text(obj[key]) if key is not None else None
                        )
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
