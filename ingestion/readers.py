"""Read extract files into batches of text values with their line numbers.

Readers do no type conversion: every value is a string (or ``None``) exactly as found in the
file, so that typing errors can be reported with the original value. Structural problems a
reader can see on its own (a record with the wrong number of fields, a line that is not JSON)
become *rejects* with a reason; problems with the file as a whole raise
:class:`~ingestion.errors.IngestionError`.

Two ways to read, one outcome: UTF-8 files are read in blocks by Arrow's C++ readers as long
as every line of a block is plain (BLOCK_BYTES), everything else line by line in Python,
which writes the rejects; a test reads random files both ways and compares.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json

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
    # Or the rows of a block read by Arrow (BLOCK_BYTES): the contract's columns as text,
    # _line_number and _record, as an Arrow table; columns, lines and records stay empty.
    table: pa.Table | None = None

    def __len__(self) -> int:
        return self.table.num_rows if self.table is not None else len(self.lines)


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
    header_text = tap.take()
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

    def row_batches(reader: Iterator[list[str]], tap: _LineTap, base: int) -> Iterator[Batch]:
        """The records ``reader`` reads, line by line; ``base`` lines came before its first."""
        batch = _new_batch(names)
        start = base + reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                batch.rejects.append(
                    _csv_error_reject(
                        exc,
                        tap.take(),
                        start,
                        base + reader.line_num,
                        by_position,
                        extract,
                        display,
                    )
                )
                start = base + reader.line_num + 1
                continue
            line, start = start, base + reader.line_num + 1
            record = tap.take().rstrip("\r\n")
            if all(not value.strip() for value in row):
                continue  # blank line (or only delimiters): not a record
            if len(row) != width:
                batch.rejects.append(_field_count_reject(row, record, line, by_position, extract))
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

    def block_batches() -> Iterator[Batch]:
        """UTF-8 with a one-line header: blocks of records read by Arrow while each is plain
        (_arrow_csv_block; a record cut by the block's end goes with the next block); from
        the first block that is not, the rest of the file line by line, so every reject
        reads as it always did."""
        first_line, offset, carry = 2, 0, b""
        for start, block in _line_blocks(path, skip=len(header_text.encode("utf-8"))):
            offset, block = start - len(carry), carry + block
            parsed = _arrow_csv_block(block, fmt.delimiter, width, first_line)
            if parsed is None:
                yield from rest_by_lines(offset, first_line)
                return
            fields, count, size = parsed
            offset, carry = offset + size, block[size:]
            if fields.num_rows:
                empty = pa.nulls(fields.num_rows, pa.string())
                columns = {
                    name: fields.column(pos) if pos is not None else empty
                    for name, pos in zip(names, positions, strict=True)
                }
                table = pa.table(
                    {
                        **columns,
                        "_line_number": fields.column("_line_number"),
                        "_record": fields.column("_record"),
                    }
                )
                yield Batch(columns={}, lines=[], records=[], table=table)
            first_line += count
        if carry:  # a quote still open at the end of the file: the line reader says so
            yield from rest_by_lines(offset, first_line)

    def rest_by_lines(offset: int, first_line: int) -> Iterator[Batch]:
        """The records from byte ``offset`` (line ``first_line``) on, line by line."""
        with path.open("rb") as raw:
            raw.seek(offset)
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            rest = _LineTap(iter(text))
            yield from row_batches(
                csv.reader(rest, delimiter=fmt.delimiter, strict=True), rest, first_line - 1
            )

    def batches() -> Iterator[Batch]:
        with handle:
            if (
                _encoding_key(encoding) in {"utf8", "utf8sig"}
                and reader.line_num == 1
                and header_text.endswith("\n")
                and header_text.count("\r") == header_text.endswith("\r\n")
            ):
                handle.close()
                yield from block_batches()
            else:
                yield from row_batches(reader, tap, 0)

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

    def take(line_no: int, text: str, batch: Batch) -> None:
        """Read one line into ``batch``: its values, a reject with the reason, or nothing
        (a blank line)."""
        stripped = text.strip()
        if not stripped:
            return
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
            return
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
            return
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
            return
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
                return
        if exact:
            for name in names:
                value = obj.get(name)
                batch.columns[name].append(value if type(value) is str else _json_text(value))
        else:
            seen_unknown.update(k for lk, k in keys.items() if lk not in lowered)
            for name in names:
                key = keys.get(name.lower())
                batch.columns[name].append(_json_text(obj[key]) if key is not None else None)
        batch.lines.append(line_no)
        batch.records.append(stripped)

    def line_batches(lines: Iterable[tuple[int, str]]) -> Iterator[Batch]:
        batch = _new_batch(names)
        for line_no, text in lines:
            take(line_no, text, batch)
            if len(batch) >= BATCH_ROWS:
                yield batch
                batch = _new_batch(names)
        if len(batch) or batch.rejects:
            yield batch

    def batches() -> Iterator[Batch]:
        if _encoding_key(encoding) in {"utf8", "utf8sig"}:
            yield from _jsonl_block_batches(path, extract, line_batches)
        else:
            with path.open(encoding=encoding) as handle:
                yield from line_batches(enumerate(handle, start=1))
        info.ignored_columns = sorted(seen_unknown)

    return info, batches()


# The fast path of UTF-8 files: blocks of this many bytes (cut after a line break) are parsed
# by Arrow's JSON or CSV reader (C++, every value read as text, the GIL released) instead of
# line by line in Python, when every line of the block is plain (the checks of
# _arrow_jsonl_block and _arrow_csv_block); the rest keeps the line reader and its rejects.
# Scale 100, 300 k touchpoints in one file: 2.7 s -> 0.4 s.
BLOCK_BYTES = 16 << 20


def _jsonl_block_batches(
    path: Path,
    extract: Extract,
    line_batches: Callable[[Iterable[tuple[int, str]]], Iterator[Batch]],
) -> Iterator[Batch]:
    """The batches of a UTF-8 JSON Lines file, a block of lines at a time: a block whose every
    line is one JSON object with text or null values under the contract's own keys is read by
    Arrow at once (lines with a required value null are read again one by one, which tells a
    missing key from a null); any other block, line by line as before (``line_batches``), so
    every reject reads as it always did."""
    first_line = 1
    for _, block in _line_blocks(path):
        fast = _arrow_jsonl_block(block, extract, first_line)
        if fast is None:
            text = block.decode("utf-8")
            lines = io.StringIO(text, newline=None)  # line breaks as a text file reads them
            numbered = list(enumerate(lines, start=first_line))
            yield from line_batches(numbered)
            first_line += len(numbered)
            continue
        table, recheck, count = fast
        if table.num_rows:
            yield Batch(columns={}, lines=[], records=[], table=table)
        if recheck:
            yield from line_batches(recheck)
        first_line += count


def _line_blocks(path: Path, skip: int = 0) -> Iterator[tuple[int, bytes]]:
    """The file's bytes in blocks of about BLOCK_BYTES, each ending after a line break (but
    the last), with the offset in the file where each starts; without the UTF-8 byte order
    mark and the ``skip`` bytes after it (a CSV header)."""
    rest = b""
    offset = 0
    with path.open("rb") as handle:
        if handle.read(len(_UTF8_BOM)) == _UTF8_BOM:
            offset = len(_UTF8_BOM)
        offset += skip
        handle.seek(offset)
        while chunk := handle.read(BLOCK_BYTES):
            data = rest + chunk
            cut = data.rfind(b"\n") + 1
            rest = data[cut:]
            if cut:
                yield offset, data[:cut]
                offset += cut
    if rest:
        yield offset, rest


def _plain_lines(block: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The bytes of a block as an array, and the start and the end (before the line break,
    CR LF or LF) of each of its lines; None when a line is blank or a carriage return stands
    anywhere but before a line feed (a text file's reader breaks the line there)."""
    if not block or len(block) >= 1 << 31:
        return None
    data = np.frombuffer(block, dtype=np.uint8)
    breaks = np.flatnonzero(data == ord("\n"))
    ends = breaks if block.endswith(b"\n") else np.append(breaks, len(data))
    starts = np.concatenate(([0], breaks + 1))[: len(ends)]
    returns = np.flatnonzero(data == ord("\r"))
    if len(returns) and (returns[-1] + 1 >= len(data) or np.any(data[returns + 1] != ord("\n"))):
        return None
    content_ends = ends - np.isin(ends - 1, returns)  # before a CRLF's carriage return
    if np.any(content_ends <= starts):
        return None
    return data, starts, content_ends


def _spans(block: bytes, starts: np.ndarray, end: int) -> pa.Array:
    """The text of ``block`` from each start to the next (the last to ``end``), its line
    break cut off: one buffer, no copy per span."""
    offsets = np.append(starts, end).astype(np.int32)
    texts = pa.StringArray.from_buffers(len(starts), pa.py_buffer(offsets), pa.py_buffer(block))
    return pc.utf8_rtrim(texts, characters="\r\n")


def _line_numbers(first_line: int, line_indexes: np.ndarray) -> pa.Array:
    return pa.array(first_line + line_indexes.astype(np.int64))


def _arrow_csv_block(
    block: bytes, delimiter: str, width: int, first_line: int
) -> tuple[pa.Table, int, int] | None:
    """The complete records at the start of a block read by Arrow: a table of their fields by
    position in the header (f0, f1, ...: text, empty fields as ''), _line_number (of the
    record's first line) and _record; how many lines and bytes they take (the rest, a record
    whose quoted value goes on in the next block, is read with the next block).

    A record ends at a line break after an even number of quotes; a quote that is not where
    CSV puts one is found below. None when the block needs the line-by-line reader: a blank
    line (also inside a quoted value), a carriage return but before a line feed, a record
    with another field count or only blank fields, a record longer than
    csv.field_size_limit(), a record with a quote that Python's csv module (the line-by-line
    reader, strict) reads otherwise or refuses. The block is valid UTF-8 (the whole file was
    decoded before) and cut after line breaks."""
    plain = _plain_lines(block)
    if plain is None:
        return None
    data, starts, content_ends = plain
    quotes = np.flatnonzero(data == ord('"'))
    closing = np.searchsorted(quotes, content_ends) % 2 == 0  # the line ends a record
    last = np.flatnonzero(closing)
    if not len(last):
        return None
    ending_lines = np.flatnonzero(closing[: last[-1] + 1])
    first_lines = np.concatenate(([0], ending_lines[:-1] + 1))
    size = int(starts[last[-1] + 1]) if last[-1] + 1 < len(starts) else len(block)
    record_starts = starts[first_lines]
    if np.max(content_ends[ending_lines] - record_starts) > csv.field_size_limit():
        return None
    invalid: list[object] = []
    columns = [f"f{i}" for i in range(width)]
    try:
        fields = pa_csv.read_csv(
            io.BytesIO(block[:size]),
            read_options=pa_csv.ReadOptions(column_names=columns),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter,
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=lambda row: invalid.append(row) or "skip",
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={name: pa.string() for name in columns},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None
    if invalid or fields.num_rows != len(record_starts):
        return None
    fields = fields.combine_chunks()
    # Records of blank fields only are skipped by the line reader (Arrow's whitespace is
    # Python's: \x1c-\x1f and \x85 too).
    blank = None
    for name in columns:
        empty = pc.equal(pc.utf8_trim_whitespace(fields.column(name)), "")
        blank = empty if blank is None else pc.and_(blank, empty)
    if pc.any(blank).as_py():
        return None
    records = _spans(block, record_starts, size)
    quoted = pc.match_substring(records, '"')
    if pc.any(quoted).as_py():
        indices = pc.indices_nonzero(quoted)
        texts = pc.take(records, indices).to_pylist()
        try:
            by_python = list(
                csv.reader(
                    io.StringIO("\n".join(texts), newline=""), delimiter=delimiter, strict=True
                )
            )
        except csv.Error:
            return None
        if len(by_python) != len(texts) or set(map(len, by_python)) != {width}:
            return None
        by_arrow = pc.take(fields, indices).combine_chunks()
        if not all(
            by_arrow.column(name).chunk(0).equals(pa.array(values, type=pa.string()))
            for name, values in zip(columns, zip(*by_python, strict=True), strict=True)
        ):
            return None
    table = fields.append_column("_line_number", _line_numbers(first_line, first_lines))
    return table.append_column("_record", records), int(last[-1]) + 1, size


def _arrow_jsonl_block(
    block: bytes, extract: Extract, first_line: int
) -> tuple[pa.Table, list[tuple[int, str]], int] | None:
    """A block of JSON Lines read by Arrow: the table of its rows (the contract's columns as
    text, _line_number, _record), the lines to read again one by one (a required value null:
    missing key or JSON null), and how many lines the block has. None when the block needs
    the line-by-line reader: a line that is blank, has spaces around it, a carriage return
    inside, is not exactly one JSON object, has a key outside the contract (in another case
    too), a repeated key or a value that is not text or null. The block is valid UTF-8 (the
    whole file was decoded before) and cut after line breaks."""
    plain = _plain_lines(block)
    if plain is None:
        return None
    data, starts, content_ends = plain
    if np.any(data[starts] != ord("{")) or np.any(data[content_ends - 1] != ord("}")):
        return None
    names = extract.column_names
    schema = pa.schema([(name, pa.string()) for name in names])
    try:
        parsed = pa_json.read_json(
            io.BytesIO(block),
            parse_options=pa_json.ParseOptions(
                explicit_schema=schema, unexpected_field_behavior="error"
            ),
        )
    except pa.ArrowInvalid:
        return None
    if parsed.num_rows != len(starts):  # two objects on one line
        return None
    table = pa.table(
        {
            **{name: parsed.column(name).combine_chunks() for name in names},
            "_line_number": _line_numbers(first_line, np.arange(len(starts))),
            "_record": _spans(block, starts, len(block)),
        }
    )
    required = [c.name for c in extract.columns if c.required]
    recheck: list[tuple[int, str]] = []
    if required:
        missing = pc.is_null(table.column(required[0]))
        for name in required[1:]:
            missing = pc.or_(missing, pc.is_null(table.column(name)))
        if pc.any(missing).as_py():
            again = table.filter(missing)
            recheck = list(
                zip(
                    again.column("_line_number").to_pylist(),
                    again.column("_record").to_pylist(),
                    strict=True,
                )
            )
            table = table.filter(pc.invert(missing))
    return table, recheck, len(starts)


def _new_batch(names: tuple[str, ...]) -> Batch:
    return Batch(columns={n: [] for n in names}, lines=[], records=[])


def open_extract(path: Path, extract: Extract, display: str) -> tuple[ReadInfo, Iterator[Batch]]:
    """Open ``path`` with the reader for the extract's format; ``display`` names it in errors."""
    if extract.format.kind == "csv":
        return read_csv(path, extract, display)
    return read_jsonl(path, extract, display)
