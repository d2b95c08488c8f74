"""Find the files of an export and read them into text columns with their line numbers.

Nothing is typed here: every value is the text the file holds (``None`` for an empty CSV
field or a missing JSON key), and every record keeps the line it starts on, so the mapping
report and the lineage of every mapped row point at the user's file and line.
"""

from __future__ import annotations

import copy
import csv
import fnmatch
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.mapping.spec import MappingError, MappingProblem, SourceFormat

csv.field_size_limit(64 * 1024 * 1024)

_DELIMITERS = (",", ";", "\t", "|")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class ExportFile:
    """One file of the export: a path below the export folder, or a member of a zip."""

    name: str  # display name, relative to the export (zip members: <zip>:<member>)
    relative: str  # path used for pattern matching (posix, below the export or the zip)
    path: Path
    member: str | None = None

    def read_bytes(self) -> bytes:
        if self.member is None:
            return self.path.read_bytes()
        with zipfile.ZipFile(self.path) as archive:
            return archive.read(self.member)

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.relative).suffix.lower()


def list_export(source: Path) -> list[ExportFile]:
    """Every file of an export folder (recursively, hidden entries skipped) or of a zip file."""
    source = Path(source)
    if not source.exists():
        raise MappingError(
            [
                MappingProblem(
                    str(source),
                    None,
                    "",
                    "the export folder does not exist",
                    "give the folder (or .zip) your system exported with --source",
                )
            ]
        )
    if source.is_file():
        if source.suffix.lower() == ".zip":
            return _zip_members(source, source.name)
        return [ExportFile(source.name, source.name, source)]
    files: list[ExportFile] = []
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        if path.suffix.lower() == ".zip":
            files.extend(_zip_members(path, relative.as_posix()))
        else:
            files.append(ExportFile(relative.as_posix(), relative.as_posix(), path))
    return files


def _zip_members(path: Path, display: str) -> list[ExportFile]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = [i.filename for i in archive.infolist() if not i.is_dir()]
    except zipfile.BadZipFile:
        raise MappingError(
            [MappingProblem(display, None, "", "not a readable zip file", "unpack it and retry")]
        ) from None
    return [
        ExportFile(f"{display}:{name}", name, path, member=name)
        for name in sorted(names)
        if not any(part.startswith(".") or part == "__MACOSX" for part in name.split("/"))
    ]


def matches(file: ExportFile, patterns: tuple[str, ...]) -> bool:
    """File name patterns (fnmatch, any case) match the file name; patterns with a '/' match
    the path below the export."""
    name = PurePosixPath(file.relative).name.lower()
    for pattern in patterns:
        p = pattern.lower()
        if ("/" in p and fnmatch.fnmatchcase(file.relative.lower(), p)) or fnmatch.fnmatchcase(
            name, p
        ):
            return True
    return False


class SourceTable:
    """The records of one export file: text by header name, and the line each record starts
    on. Columns are turned into Series when first used (an export has many columns a mapping
    never reads); ``select`` gives a view of some records, sharing that work."""

    def __init__(
        self,
        file: str,
        header: list[str],
        columns: dict[str, tuple[str, ...]],
        lines: list[int],
        rejects: list[tuple[int, str, str]] | None = None,
        encoding: str = "",
        delimiter: str = "",
        warnings: list[str] | None = None,
    ) -> None:
        self.file = file
        self.header = header
        self.rejects = rejects or []  # line, reason, record
        self.encoding = encoding
        self.delimiter = delimiter
        self.warnings = warnings or []
        self._columns = columns  # the first of duplicate header names
        self._lines = np.asarray(lines, dtype="int64")
        self._rows: np.ndarray | None = None  # selected records (None: all)
        self._cache: dict[str, pd.Series] = {}

    def __len__(self) -> int:
        return len(self._lines) if self._rows is None else len(self._rows)

    @property
    def rows_read(self) -> int:
        """Records of the whole file, rejected ones included."""
        return len(self._lines) + len(self.rejects)

    def resolve(self, candidates: tuple[str, ...]) -> str | None:
        """The first of ``candidates`` the header has: by name ignoring case and surrounding
        spaces, else ignoring spaces, underscores and hyphens inside ('Close Date' for
        CloseDate)."""
        exact = {h.strip().casefold(): h for h in reversed(self.header)}
        loose = {_loose(h): h for h in reversed(self.header)}
        for candidate in candidates:
            if candidate.strip().casefold() in exact:
                return exact[candidate.strip().casefold()]
        for candidate in candidates:
            if _loose(candidate) in loose:
                return loose[_loose(candidate)]
        return None

    def column(self, name: str) -> pd.Series:
        """The text of a column for the selected records (empty or blank values are None)."""
        if name not in self._cache:
            values = pa.array(self._columns[name], type=pa.string())
            empty = pc.equal(pc.utf8_trim_whitespace(values), "")
            values = pc.if_else(empty, pa.scalar(None, pa.string()), values)
            self._cache[name] = pd.Series(values.to_numpy(zero_copy_only=False), dtype=object)
        full = self._cache[name]
        if self._rows is None:
            return full
        return full.iloc[self._rows].reset_index(drop=True)

    def line_numbers(self) -> pd.Series:
        lines = self._lines if self._rows is None else self._lines[self._rows]
        return pd.Series(lines, dtype="int64")

    def select(self, mask: np.ndarray) -> SourceTable:
        """A view of the selected records for which ``mask`` is true."""
        view = copy.copy(self)
        positions = np.flatnonzero(mask)
        view._rows = positions if self._rows is None else self._rows[positions]
        return view


def _loose(name: str) -> str:
    return re.sub(r"[\s_\-.]+", "", name.strip().casefold())


def decode(raw: bytes, encoding: str, display: str) -> tuple[str, str, list[str]]:
    """The text of a file, the codec used, and warnings. ``auto``: UTF-16 by its byte order
    mark, else UTF-8 (with or without BOM), else Windows-1252."""
    if encoding == "auto":
        if raw.startswith(_UTF16_BOMS):
            return raw.decode("utf-16"), "utf-16", []
        try:
            return raw.decode("utf-8-sig"), "utf-8", []
        except UnicodeDecodeError:
            pass
        try:
            return (
                raw.decode("cp1252"),
                "cp1252",
                ["not UTF-8: read as Windows-1252 (declare encoding: in the mapping if wrong)"],
            )
        except UnicodeDecodeError:
            return (
                raw.decode("latin-1"),
                "latin-1",
                ["neither UTF-8 nor Windows-1252: read as Latin-1 (declare the encoding)"],
            )
    codec = (
        "utf-8-sig" if encoding.lower().replace("-", "").replace("_", "") == "utf8" else encoding
    )
    try:
        return raw.decode(codec), codec, []
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise MappingError(
            [
                MappingProblem(
                    display,
                    None,
                    "",
                    f"line {line}: byte 0x{raw[exc.start]:02x} is not valid {encoding}",
                    "declare the file's encoding in the mapping (format: {encoding: cp1252}), "
                    "or encoding: auto",
                )
            ]
        ) from None


def _sniff_delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {}
    for delimiter in _DELIMITERS:
        fields = next(csv.reader([first], delimiter=delimiter), [])
        counts[delimiter] = len(fields)
    best = max(_DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] > 1 else ","


class _Lines:
    """Feeds csv.reader line by line and keeps the text of the current record."""

    def __init__(self, text: str) -> None:
        self._lines = iter(io.StringIO(text, newline=""))
        self.taken: list[str] = []

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.taken.append(line)
        return line

    def take(self) -> str:
        text = "".join(self.taken).rstrip("\r\n")
        self.taken.clear()
        return text

    def discard(self) -> None:
        self.taken.clear()


def read_source(file: ExportFile, fmt: SourceFormat) -> SourceTable:
    """Read one export file with the mapping's format for it."""
    suffix = file.suffix
    if suffix in (".xlsx", ".xls", ".xlsm", ".ods"):
        raise MappingError(
            [
                MappingProblem(
                    file.name,
                    None,
                    "",
                    "spreadsheet files cannot be read directly",
                    "save the sheet as CSV (UTF-8) and map the CSV file",
                )
            ]
        )
    text, encoding, warnings = decode(file.read_bytes(), fmt.encoding, file.name)
    kind = "jsonl" if suffix in (".jsonl", ".ndjson") else fmt.kind
    table = _read_jsonl(file.name, text) if kind == "jsonl" else _read_csv(file.name, text, fmt)
    table.encoding = encoding
    table.warnings = warnings + table.warnings
    return table


def _read_csv(display: str, text: str, fmt: SourceFormat) -> SourceTable:
    delimiter = _sniff_delimiter(text) if fmt.delimiter == "auto" else fmt.delimiter
    lines = _Lines(text)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise MappingError(
            [MappingProblem(display, None, "", "the file is empty (no header line)")]
        ) from None
    except csv.Error as exc:
        raise MappingError(
            [MappingProblem(display, None, "", f"line 1: the header cannot be parsed: {exc}")]
        ) from None
    lines.take()
    header = [h.lstrip("\ufeff").strip() for h in header]
    width = len(header)
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    rejects: list[tuple[int, str, str]] = []
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            record = lines.take()
            if str(exc) == "unexpected end of data":
                reason = "a quoted value is never closed: the file ends inside it (truncated file?)"
            else:
                reason = f"malformed CSV record: {exc}"
            rejects.append((start, reason, record))
            start = reader.line_num + 1
            continue
        line, start = start, reader.line_num + 1
        if len(row) == width and any(row):
            lines.discard()
            rows.append(row)
            line_numbers.append(line)
            continue
        record = lines.take()
        if all(not value.strip() for value in row):
            continue
        if len(row) != width:
            rejects.append(
                (
                    line,
                    f"expected {width} fields (as in the header), found {len(row)}"
                    + (" (a footer or summary line?)" if len(row) < width else ""),
                    record,
                )
            )
            continue
        rows.append(row)
        line_numbers.append(line)
    warnings = []
    duplicates = sorted({h for h in header if header.count(h) > 1})
    if duplicates:
        warnings.append(f"columns appearing twice (the first is read): {', '.join(duplicates)}")
    return SourceTable(
        display,
        header,
        _columns(header, rows),
        line_numbers,
        rejects,
        delimiter=delimiter,
        warnings=warnings,
    )


def _columns(header: list[str], rows: list[list[str]]) -> dict[str, tuple[str, ...]]:
    """Column-wise text by header name (the first of duplicate names)."""
    transposed = list(zip(*rows, strict=True)) if rows else [()] * len(header)
    columns: dict[str, tuple[str, ...]] = {}
    for index, name in enumerate(header):
        columns.setdefault(name, transposed[index])
    return columns


def _read_jsonl(display: str, text: str) -> SourceTable:
    records: list[dict[str, str | None]] = []
    line_numbers: list[int] = []
    rejects: list[tuple[int, str, str]] = []
    header: dict[str, None] = {}
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        try:
            obj = json.loads(stripped)
        except json.JSONDecodeError as exc:
            rejects.append((number, f"invalid JSON: {exc.msg}", stripped))
            continue
        if not isinstance(obj, dict):
            rejects.append((number, "a JSON object was expected", stripped))
            continue
        for key in obj:
            header.setdefault(key)
        records.append({k: _json_text(v) for k, v in obj.items()})
        line_numbers.append(number)
    names = list(header)
    rows = [[r.get(n) or "" for n in names] for r in records]
    return SourceTable(display, names, _columns(names, rows), line_numbers, rejects)


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
