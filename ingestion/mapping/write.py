"""Write a mapping result as one drop of contract extracts into a landing folder.

``<landing>/<system>/<drop date>/<file name>``: exactly the files, formats and columns the
source contract declares, so the normal loader reads them like any other extract. Next to
them, in the hidden folder ``<landing>/.mapping/`` (hidden entries are never read as
extracts), the mapping keeps:

- ``<system>/<drop>/<file name>.lineage.csv``: for every line of a written file, the export
  file and line it came from (``landing_line, source_file, source_line``), so a row the
  loader quarantines still points at the user's file and line;
- ``<drop>.report.json``: rows read, written and rejected per export file and extract, the
  derived extracts, the files no extract uses and the extracts the export lacks;
- ``<drop>.rejects.csv``: every row the mapping rejected, with file, line and reason.

The same export and mapping give byte-identical files, so mapping again adds nothing.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from pathlib import Path

import duckdb
import pandas as pd

from ingestion.contract import Extract
from ingestion.mapping.engine import MappingResult
from ingestion.mapping.spec import MappingError, MappingProblem

MAPPING_FOLDER = ".mapping"
_NEWLINES = r"\r\n|\r|\n"


def landing_file(extract: Extract, drop: str) -> str:
    """Path of an extract's file below the landing folder."""
    return f"{extract.system}/{drop}/{extract.file_name}"


def lineage_file(relative: str) -> str:
    """Path of a landing file's lineage sidecar below the landing folder."""
    return f"{MAPPING_FOLDER}/{relative}.lineage.csv"


def _contract_text(series: pd.Series, extract: Extract, column: str) -> pd.Series:
    """Canonical text in the format of the extract's file."""
    ctype = extract.column(column).type
    fmt = extract.format
    values = series.astype(object)
    if fmt.kind == "csv" and ctype == "decimal" and fmt.decimal_separator != ".":
        return values.map(
            lambda v: v.replace(".", fmt.decimal_separator) if isinstance(v, str) else v
        )
    if fmt.kind == "csv" and ctype == "date" and fmt.date_format != "%Y-%m-%d":
        present = values.notna()
        out = values.copy()
        out[present] = pd.to_datetime(values[present], format="%Y-%m-%d").dt.strftime(
            fmt.date_format
        )
        return out
    return values


def render(extract: Extract, frame: pd.DataFrame) -> tuple[bytes, list[int]]:
    """The file's bytes and the line each row starts on."""
    columns = {c: _contract_text(frame[c], extract, c) for c in extract.column_names}
    n = len(frame)
    if extract.format.kind == "jsonl":
        names = extract.column_names
        values = [columns[c].where(columns[c].notna(), None).tolist() for c in names]
        lines = [
            json.dumps(
                dict(zip(names, row, strict=True)), ensure_ascii=False, separators=(",", ":")
            )
            for row in zip(*values, strict=True)
        ]
        text = "".join(line + "\n" for line in lines)
        return text.encode("utf-8"), list(range(1, n + 1))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=extract.format.delimiter, lineterminator="\n")
    writer.writerow(extract.column_names)
    rows = zip(
        *(columns[c].where(columns[c].notna(), "").tolist() for c in extract.column_names),
        strict=True,
    )
    writer.writerows(rows)
    embedded = sum(
        (columns[c].fillna("").astype(str).str.count(_NEWLINES) for c in extract.column_names),
        start=pd.Series(0, index=frame.index),
    )
    starts = (2 + pd.Series(range(n), index=frame.index) + embedded.cumsum() - embedded).tolist()
    text = buffer.getvalue()
    encoding = extract.format.encoding
    if encoding.replace("-", "").lower() in ("utf8sig",):
        return text.encode("utf-8-sig"), starts
    try:
        return text.encode(encoding), starts
    except UnicodeEncodeError:
        # Characters the declared encoding cannot hold: UTF-8, which the loader detects.
        return text.encode("utf-8"), starts


def _lineage_bytes(frame: pd.DataFrame, starts: list[int]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["landing_line", "source_file", "source_line"])
    writer.writerows(zip(starts, frame["_source_file"], frame["_source_line"], strict=True))
    return buffer.getvalue().encode("utf-8")


def planned_files(result: MappingResult) -> dict[str, bytes]:
    """Every file the drop consists of (relative to the landing folder) and its bytes."""
    drop = result.drop_date.isoformat()
    files: dict[str, bytes] = {}
    for mapped in result.extracts.values():
        relative = landing_file(mapped.extract, drop)
        content, starts = render(mapped.extract, mapped.frame)
        files[relative] = content
        files[lineage_file(relative)] = _lineage_bytes(mapped.frame, starts)
    files[f"{MAPPING_FOLDER}/{drop}.report.json"] = report_json(result).encode("utf-8")
    files[f"{MAPPING_FOLDER}/{drop}.rejects.csv"] = _rejects_bytes(result)
    return files


def report_json(result: MappingResult) -> str:
    return json.dumps(
        {
            "mapping": str(result.mapping.path),
            "source": str(result.source),
            "drop_date": result.drop_date.isoformat(),
            "files": [{**asdict(a), "reconciles": a.reconciles} for a in result.accounts],
            "derived": [asdict(d) for d in result.derived],
            "extracts_written": {name: len(m.frame) for name, m in result.extracts.items()},
            "extracts_absent": result.absent,
            "unused_files": result.unused_files,
            "problems": [p.render() for p in result.problems],
        },
        indent=2,
        ensure_ascii=False,
    )


def _rejects_bytes(result: MappingResult) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["source_file", "source_line", "extract", "reason", "record"])
    for r in sorted(result.rejects, key=lambda r: (r.source_file, r.source_line, r.extract)):
        writer.writerow([r.source_file, r.source_line, r.extract, r.reason, r.record or ""])
    return buffer.getvalue().encode("utf-8")


def write_landing(
    result: MappingResult, landing: Path, loaded: set[str] | frozenset[str] = frozenset()
) -> list[str]:
    """Write the drop into ``landing``; returns the extract files written (relative paths).

    ``loaded``: landing files the warehouse has loaded already. Such a file is never changed
    (the loader would refuse it): if the mapping now gives other bytes for it, nothing is
    written and a :class:`MappingError` says what to do.
    """
    landing = Path(landing)
    files = planned_files(result)
    conflicts = [
        relative
        for relative, content in files.items()
        if relative in loaded
        and (landing / relative).exists()
        and (landing / relative).read_bytes() != content
    ]
    if conflicts:
        raise MappingError(
            [
                MappingProblem(
                    str(landing / relative),
                    None,
                    "",
                    f"the export or the mapping changed since drop {result.drop_date} was "
                    "mapped and loaded: the file would change, and a loaded file is never "
                    "loaded again",
                    "deliver the new export as a new drop (drop_date in the mapping, or a "
                    "newer export), or start a fresh warehouse (delete the warehouse file and "
                    "this mapped landing folder)",
                )
                for relative in conflicts
            ]
        )
    for relative, content in files.items():
        path = landing / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.read_bytes() == content:
            continue
        path.write_bytes(content)
    return [r for r in files if not r.startswith(MAPPING_FOLDER)]


def read_lineage(landing: Path, relative: str) -> pd.DataFrame | None:
    """The lineage of a mapped landing file (``None`` if it was not written by a mapping)."""
    path = Path(landing) / lineage_file(relative)
    if not path.exists():
        return None
    return pd.read_csv(path, dtype={"source_file": str}, keep_default_na=False)


def quarantine_origins(warehouse: Path, landing: Path, limit: int = 10) -> list[str]:
    """Rows the loader quarantined from mapped files, named by the export file and line."""
    if not warehouse.exists():
        return []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select source_file, line_number, reason from raw._quarantine "
            "order by source_file, line_number"
        ).fetchall()
    lines: list[str] = []
    lineages: dict[str, pd.DataFrame | None] = {}
    for source_file, line, reason in rows:
        if source_file not in lineages:
            lineages[source_file] = read_lineage(landing, source_file)
        lineage = lineages[source_file]
        origin = ""
        if lineage is not None:
            hit = lineage[lineage["landing_line"] == line]
            if len(hit):
                origin = f" <- {hit['source_file'].iat[0]}, line {hit['source_line'].iat[0]}"
        lines.append(f"{source_file}, line {line}{origin}: {reason}")
    return lines[:limit] + ([f"... {len(lines) - limit} more"] if len(lines) > limit else [])
