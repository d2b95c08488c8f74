"""Apply a mapping to an export: every matching file becomes rows of a contract extract.

For every export file and extract it feeds, rows read = rows written + rows rejected. A row
is rejected (into the mapping report, with its file, line and reason) when a skip rule
matches it, a value is not in a value map that rejects unknown values, or a value cannot be
read as the field's type; everything else is written, and the loader applies the source
contract to it like to any other extract (a required value that is empty is quarantined
there, and the lineage of the row still names the export's file and line).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from ingestion.contract import Extract
from ingestion.mapping.read import ExportFile, SourceTable, list_export, matches, read_source
from ingestion.mapping.spec import (
    ExtractMapping,
    Mapping,
    MappingError,
    MappingProblem,
    SourceFormat,
    field_order,
)
from ingestion.mapping.values import (
    Context,
    blank,
    combine_errors,
    evaluate,
    format_timestamps,
    normalised,
)

LINEAGE_COLUMNS = ("_source_file", "_source_line")


@dataclass
class FileAccount:
    """What became of the rows of one export file for one extract."""

    source_file: str
    extract: str
    rows_read: int
    rows_written: int
    rows_rejected: int
    warnings: list[str] = field(default_factory=list)

    @property
    def reconciles(self) -> bool:
        return self.rows_read == self.rows_written + self.rows_rejected


@dataclass
class DerivedAccount:
    extract: str
    derived_from: str
    rows_written: int
    rows_rejected: int


@dataclass(frozen=True)
class RejectedRow:
    source_file: str
    source_line: int
    extract: str
    reason: str
    record: str | None = None


@dataclass
class MappedExtract:
    name: str
    extract: Extract
    frame: pd.DataFrame  # contract columns (canonical text) + _source_file, _source_line
    derived: bool = False


@dataclass
class MappingResult:
    mapping: Mapping
    source: Path
    drop_date: date
    extracts: dict[str, MappedExtract]
    accounts: list[FileAccount]
    derived: list[DerivedAccount]
    rejects: list[RejectedRow]
    problems: list[MappingProblem]
    unused_files: list[str]
    absent: list[str]  # extracts of the mapping without any file in the export

    @property
    def rows_written(self) -> int:
        return sum(len(m.frame) for m in self.extracts.values())


@dataclass
class _Part:
    """The written rows of one export file for one extract, with their export columns."""

    table: SourceTable
    output: pd.DataFrame


def map_export(mapping: Mapping, source: Path, drop_date: date | None = None) -> MappingResult:
    """Map every file of the export folder (or zip) ``source``; nothing is written."""
    files = list_export(Path(source))
    outputs: dict[str, pd.DataFrame] = {}
    parts: dict[str, list[_Part]] = {}
    result = MappingResult(
        mapping=mapping,
        source=Path(source),
        drop_date=date.min,
        extracts={},
        accounts=[],
        derived=[],
        rejects=[],
        problems=[],
        unused_files=[],
        absent=[],
    )
    used: set[str] = set()
    # A file feeding two extracts (CampaignMember.csv) is read once.
    tables: dict[tuple[str, SourceFormat], SourceTable | None] = {}
    for name, em in mapping.extracts.items():
        frames: list[pd.DataFrame] = []
        matched = [f for f in files if em.files and matches(f, em.files)]
        parts[name] = []
        for file in matched:
            used.add(file.name)
            key = (file.name, em.format)
            if key not in tables:
                try:
                    tables[key] = read_source(file, em.format)
                except MappingError as exc:  # reported once, with the file's problem
                    result.problems.extend(exc.problems)
                    tables[key] = None
            table = tables[key]
            if table is None:
                continue
            output, written = _map_table(em, table, mapping, outputs, result)
            frames.append(output)
            parts[name].append(_Part(written, output))
        derived = False
        if em.derive is not None and (em.derive.when == "always" or not matched):
            frame, account = _derive(em, mapping, parts, outputs, result)
            if account is not None:
                frames.append(frame)
                result.derived.append(account)
                derived = True
        if not frames:
            result.absent.append(name)
            outputs[name] = _empty(em.extract)
            continue
        combined = pd.concat(frames, ignore_index=True)
        outputs[name] = combined
        result.extracts[name] = MappedExtract(name, em.extract, combined, derived=derived)
    result.unused_files = [f.name for f in files if f.name not in used]
    result.drop_date = drop_date or _drop_date(
        mapping, result, [f for f in files if f.name in used]
    )
    return result


def _empty(extract: Extract) -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series([], dtype=object) for c in (*extract.column_names, *LINEAGE_COLUMNS)}
    )


def _map_table(
    em: ExtractMapping,
    table: SourceTable,
    mapping: Mapping,
    outputs: dict[str, pd.DataFrame],
    result: MappingResult,
) -> tuple[pd.DataFrame, SourceTable]:
    """The written rows of one export file for one extract, and the file's view of them."""
    n = len(table)
    warnings = list(table.warnings)
    skipped = pd.Series([None] * n, dtype=object)
    for rule in em.skip_rows:
        header = table.resolve((rule.column,))
        if header is None:
            warnings.append(f"skip rule column {rule.column!r} is not in the file")
            continue
        keys = normalised(table.column(header))
        hit = keys.isin(rule.values) & skipped.isna()
        skipped[hit] = f"skipped: {rule.reason}"
    ctx = Context(n=n, fmt=em.format, value_maps=mapping.value_maps, source=table, outputs=outputs)
    errors: dict[str, pd.Series] = {}
    for name in em.field_order(mapping.value_maps):
        parsed = evaluate(em.columns[name], em.extract.column(name).type, ctx, name)
        ctx.fields[name] = parsed.values
        errors[name] = parsed.errors
    reasons = combine_errors(errors, n)
    for column in em.extract.columns:
        spec = em.columns.get(column.name)
        if not column.required or spec is None or n == 0:
            continue
        if (
            blank(ctx.fields[column.name]).all()
            and spec.column is not None
            and table.resolve(spec.column) is None
        ):
            message = (
                f"required field {column.name}: none of the columns "
                f"{', '.join(spec.column)} is in the header"
            )
            result.problems.append(
                MappingProblem(
                    table.file,
                    1,
                    f"extracts.{em.name}.columns.{column.name}",
                    f"{message} (found: {', '.join(table.header)})",
                    "add the file's column name to the list under column:, or fix the export",
                )
            )
            reasons = pd.Series([message] * n, dtype=object)
    everything_empty = (
        pd.concat([blank(ctx.fields[c]) for c in ctx.fields], axis=1).all(axis=1)
        if ctx.fields
        else pd.Series(True, index=range(n))
    )
    reasons[everything_empty & reasons.isna()] = "every mapped field is empty"
    reasons = skipped.where(skipped.notna(), reasons)
    ok = reasons.isna()
    for column in sorted(ctx.missing_columns):
        warnings.append(f"not in the file, left empty: {column}")
    output = pd.DataFrame(
        {
            c: (ctx.fields[c] if c in ctx.fields else pd.Series([None] * n, dtype=object))
            for c in em.extract.column_names
        }
    )
    output["_source_file"] = table.file
    lines = table.line_numbers()
    output["_source_line"] = lines.to_numpy()
    result.rejects.extend(
        RejectedRow(table.file, int(lines[i]), em.name, reasons[i]) for i in reasons.index[~ok]
    )
    result.rejects.extend(
        RejectedRow(table.file, line, em.name, reason, record)
        for line, reason, record in table.rejects
    )
    written = output[ok.to_numpy()].reset_index(drop=True)
    result.accounts.append(
        FileAccount(
            source_file=table.file,
            extract=em.name,
            rows_read=table.rows_read,
            rows_written=len(written),
            rows_rejected=int((~ok).sum()) + len(table.rejects),
            warnings=warnings,
        )
    )
    return written, table.select(ok.to_numpy())


def _derive(
    em: ExtractMapping,
    mapping: Mapping,
    parts: dict[str, list[_Part]],
    outputs: dict[str, pd.DataFrame],
    result: MappingResult,
) -> tuple[pd.DataFrame, DerivedAccount | None]:
    """Rows derived from another extract's rows: one per event with a time (e.g. a lead
    status history from the dated columns of the leads)."""
    d = em.derive
    assert d is not None
    source = mapping.extracts[d.source]
    if not parts.get(d.source):
        return _empty(em.extract), None
    events: list[pd.DataFrame] = []
    rejected = 0
    for part in parts[d.source]:
        n = len(part.output)
        ctx = Context(
            n=n,
            fmt=source.format,
            value_maps=mapping.value_maps,
            source=part.table,
            fields={c: part.output[c].reset_index(drop=True) for c in source.columns},
            outputs=outputs,
        )
        key = evaluate(d.key, "string", ctx, "key")
        lines = part.output["_source_line"].reset_index(drop=True)
        for order, (value_spec, at_spec) in enumerate(d.events):
            value = evaluate(value_spec, "string", ctx, f"events[{order}].value")
            at = evaluate(at_spec, "timestamp", ctx, f"events[{order}].at")
            bad = combine_errors({"value": value.errors, "at": at.errors, "key": key.errors}, n)
            for i in bad.index[bad.notna()]:
                result.rejects.append(RejectedRow(part.table.file, int(lines[i]), em.name, bad[i]))
            rejected += int(bad.notna().sum())
            keep = bad.isna() & key.values.notna() & value.values.notna() & at.values.notna()
            events.append(
                pd.DataFrame(
                    {
                        "key": key.values[keep],
                        "value": value.values[keep],
                        "at": at.values[keep],
                        "order": order,
                        "_source_file": part.table.file,
                        "_source_line": lines[keep],
                    }
                )
            )
    frame = pd.concat(events, ignore_index=True)
    # Events happen in the order they are listed (a lifecycle): one dated before the event
    # listed before it is taken to happen at that event's time.
    frame = frame.sort_values(["key", "order"], kind="stable").reset_index(drop=True)
    stamps = pd.to_datetime(frame["at"], format="ISO8601", utc=True)
    frame["at"] = format_timestamps(stamps.groupby(frame["key"], sort=False).cummax())
    if d.collapse_repeats and len(frame):
        normal = normalised(frame["value"])
        repeat = (frame["key"] == frame["key"].shift()) & (normal == normal.shift())
        frame = frame[~repeat.to_numpy()].reset_index(drop=True)
    number = frame.groupby("key", sort=False).cumcount() + 1
    previous = frame.groupby("key", sort=False)["value"].shift()
    event_parts = {
        "key": frame["key"].astype(object),
        "value": frame["value"].astype(object),
        "previous": previous.astype(object).where(previous.notna(), None),
        "at": frame["at"].astype(object),
        "number": number.astype(str).astype(object),
        "id": (frame["key"] + "-" + number.map(lambda x: f"{x:02d}")).astype(object),
    }
    ctx = Context(
        n=len(frame),
        fmt=em.format,
        value_maps=mapping.value_maps,
        outputs=outputs,
        events=event_parts,
    )
    errors: dict[str, pd.Series] = {}
    for name in field_order(d.columns, mapping.value_maps, f"extracts.{em.name}.derive.columns"):
        parsed = evaluate(d.columns[name], em.extract.column(name).type, ctx, name)
        ctx.fields[name] = parsed.values
        errors[name] = parsed.errors
    reasons = combine_errors(errors, len(frame))
    ok = reasons.isna().to_numpy()
    for i in reasons.index[~ok]:
        result.rejects.append(
            RejectedRow(
                frame["_source_file"][i], int(frame["_source_line"][i]), em.name, reasons[i]
            )
        )
    output = pd.DataFrame(
        {
            c: (ctx.fields[c] if c in ctx.fields else pd.Series([None] * len(frame), dtype=object))
            for c in em.extract.column_names
        }
    )
    output["_source_file"] = frame["_source_file"]
    output["_source_line"] = frame["_source_line"]
    written = output[ok].reset_index(drop=True)
    return written, DerivedAccount(em.name, d.source, len(written), rejected + int((~ok).sum()))


def _drop_date(mapping: Mapping, result: MappingResult, used: list[ExportFile]) -> date:
    """The extract date of the mapped drop (see the mapping's drop_date)."""
    if mapping.drop_date not in ("latest_modified", "today"):
        return date.fromisoformat(mapping.drop_date)
    if mapping.drop_date == "latest_modified":
        latest: str | None = None
        for mapped in result.extracts.values():
            column = mapped.extract.modified_column
            if column is None or column not in mapped.frame:
                continue
            values = mapped.frame[column].dropna()
            if len(values):
                candidate = max(values)[:10]
                latest = candidate if latest is None else max(latest, candidate)
        if latest is not None:
            return date.fromisoformat(latest)
        if used:
            newest = max(f.path.stat().st_mtime for f in used)
            return datetime.fromtimestamp(newest, UTC).date()
    return datetime.now(UTC).date()
