"""Vectorised value handling: parse the export's text into the contract's canonical text, and
evaluate field specs (column, constant, template, field, lookup, event; value map; fallback;
default) over whole columns at once.

Canonical text, the form values travel in between the mapping steps (the writer turns it into
each contract file's format): text as is; integers ``123``; decimals ``1234.56``; dates
``2024-01-31``; timestamps in UTC ``2024-01-31T09:30:00.000000+00:00``; booleans
``true``/``false``. ``None`` is an empty value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.contract import ColumnType
from ingestion.mapping.read import SourceTable
from ingestion.mapping.spec import Conditional, FieldSpec, SourceFormat, ValueMap, normalise_key

CANONICAL = SourceFormat(
    decimal=".",
    thousands="",
    date_formats=("iso",),
    timestamp_formats=("iso",),
    timezone="UTC",
    true_values=("true", "1"),
    false_values=("false", "0"),
    empty_boolean=None,
)
_ZONE = r"(?:Z|z|[+-]\d{2}:?\d{2}|[+-]\d{2})$"


def _arrow(series: pd.Series) -> pa.Array:
    return pa.array(series.to_numpy(dtype=object), type=pa.string(), from_pandas=True)


def _from_arrow(array: pa.Array, index: pd.Index) -> pd.Series:
    return pd.Series(array.to_numpy(zero_copy_only=False), index=index, dtype=object)


def blank(series: pd.Series) -> pd.Series:
    """Empty values: missing, or only spaces."""
    if not len(series):
        return pd.Series([], index=series.index, dtype=bool)
    text = _arrow(series.astype(object))
    empty = pc.equal(pc.utf8_trim_whitespace(text), "").fill_null(True)
    return pd.Series(empty.to_numpy(zero_copy_only=False), index=series.index, dtype=bool)


def _matches(series: pd.Series, pattern: str) -> pd.Series:
    """Whether each value matches a regular expression (RE2, vectorised); None: False."""
    if not len(series):
        return pd.Series([], index=series.index, dtype=bool)
    hits = pc.match_substring_regex(_arrow(series.astype(object)), pattern).fill_null(False)
    return pd.Series(hits.to_numpy(zero_copy_only=False), index=series.index, dtype=bool)


def stripped_text(series: pd.Series) -> pd.Series:
    """Text without surrounding whitespace (None stays None)."""
    if not len(series):
        return series.astype(object)
    return _from_arrow(pc.utf8_trim_whitespace(_arrow(series.astype(object))), series.index)


def normalised(series: pd.Series) -> pd.Series:
    """normalise_key of a whole column (each distinct value computed once); None stays None."""
    text = series.astype(object)
    uniques = {v: normalise_key(v) for v in pd.unique(text.dropna())}
    keys = text.map(uniques).astype(object)
    return keys.where(text.notna(), None)


def format_timestamps(stamps: pd.Series) -> pd.Series:
    """UTC timestamps as canonical text; NaT becomes None."""
    values = stamps.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    text = np.char.add(np.datetime_as_string(values, unit="us"), "+00:00").astype(object)
    return pd.Series(text, index=stamps.index, dtype=object).where(stamps.notna(), None)


def format_dates(days: pd.Series) -> pd.Series:
    """Dates as canonical text; NaT becomes None."""
    values = days.to_numpy(dtype="datetime64[D]")
    text = np.datetime_as_string(values, unit="D").astype(object)
    return pd.Series(text, index=days.index, dtype=object).where(days.notna(), None)


def _none(n: int, index: pd.Index) -> pd.Series:
    return pd.Series([None] * n, index=index, dtype=object)


def yaml_text(value: Any) -> str | None:
    """A YAML scalar (a constant, a value-map output) as canonical text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --------------------------------------------------------------------------- parsing


@dataclass
class Parsed:
    values: pd.Series  # canonical text or None
    errors: pd.Series  # reason or None


def _describe_formats(formats: tuple[str, ...], kind: str) -> str:
    shown = [
        ("YYYY-MM-DD" if kind == "date" else "ISO 8601 (2024-01-31T09:30:00+01:00)")
        if f == "iso"
        else f
        for f in formats
    ]
    return " or ".join(shown)


def parse(
    raw: pd.Series,
    ctype: ColumnType,
    fmt: SourceFormat,
    label: str,
    *,
    formats: tuple[str, ...] | None = None,
    decimal: str | None = None,
    thousands: str | None = None,
    timezone: str | None = None,
) -> Parsed:
    """Parse export text into canonical text of ``ctype``; unparsable values become errors
    naming the column (``label``), the value and what was expected."""
    index = raw.index
    empty = blank(raw)
    text = raw.where(~empty, None).astype(object)
    errors = _none(len(raw), index)
    if ctype == "string":
        return Parsed(raw.where(~raw.isna(), None).astype(object), errors)
    stripped = stripped_text(text)
    if ctype == "boolean":
        lowered = stripped.str.lower()
        values = _none(len(raw), index)
        values[lowered.isin(fmt.true_values)] = "true"
        values[lowered.isin(fmt.false_values)] = "false"
        if fmt.empty_boolean is False:
            values[empty] = "false"
        bad = ~empty & values.isna()
        errors[bad] = (
            f"{label}: "
            + raw[bad].map(repr)
            + f" is not a boolean (true: {'/'.join(fmt.true_values)}; false: {'/'.join(fmt.false_values)})"
        )
        return Parsed(values, errors)
    if ctype in ("integer", "decimal"):
        dec = decimal or fmt.decimal
        sep = fmt.thousands if thousands is None else thousands
        return _parse_number(stripped, empty, ctype, dec, sep, label, raw)
    tz = timezone or fmt.timezone
    if ctype == "date":
        date_formats = formats or fmt.date_formats
        parsed = _parse_dates(stripped, empty, date_formats)
        missing = ~empty & parsed.isna()
        if missing.any():
            stamps = _parse_timestamps(stripped[missing], fmt.timestamp_formats, tz)
            parsed[missing] = stamps.dt.tz_convert("UTC").dt.tz_localize(None).dt.normalize()
        values = _none(len(raw), index)
        ok = parsed.notna()
        values[ok] = format_dates(parsed[ok])
        bad = ~empty & ~ok
        errors[bad] = (
            f"{label}: "
            + raw[bad].map(repr)
            + f" is not a date like {_describe_formats(date_formats, 'date')}"
        )
        return Parsed(values, errors)
    if ctype == "timestamp":
        stamp_formats = formats or fmt.timestamp_formats
        parsed = _parse_timestamps(stripped.where(~empty, None), stamp_formats, tz)
        missing = ~empty & parsed.isna()
        if missing.any():
            days = _parse_dates(stripped[missing], empty[missing], fmt.date_formats)
            localised = days.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
            parsed[missing] = localised.dt.tz_convert("UTC")
        values = _none(len(raw), index)
        ok = parsed.notna()
        values[ok] = format_timestamps(parsed[ok])
        bad = ~empty & ~ok
        errors[bad] = (
            f"{label}: "
            + raw[bad].map(repr)
            + f" is not a timestamp like {_describe_formats(stamp_formats, 'timestamp')}"
        )
        return Parsed(values, errors)
    raise ValueError(ctype)


def _parse_number(
    stripped: pd.Series,
    empty: pd.Series,
    ctype: str,
    dec: str,
    sep: str,
    label: str,
    raw: pd.Series,
) -> Parsed:
    d, t = re.escape(dec), re.escape(sep)
    if sep:
        pattern = re.compile(f"[-+]?([0-9]{{1,3}}({t}[0-9]{{3}})+|[0-9]+)({d}[0-9]+)?")
    else:
        pattern = re.compile(f"[-+]?([0-9]+({d}[0-9]*)?|{d}[0-9]+)")

    def convert(value: Any) -> str | None:
        if not isinstance(value, str) or not pattern.fullmatch(value):
            return None
        plain = value.replace(sep, "") if sep else value
        plain = plain.replace(dec, ".")
        try:
            number = Decimal(plain)
        except InvalidOperation:
            return None
        if ctype == "integer":
            if number != number.to_integral_value():
                return None
            return str(int(number))
        return (
            format(number.normalize(), "f")
            if number == number.to_integral_value()
            else format(number, "f")
        )

    uniques = {v: convert(v) for v in pd.unique(stripped[~empty])}
    values = stripped.map(uniques).astype(object)
    values = values.where(values.notna(), None)
    errors = _none(len(stripped), stripped.index)
    bad = ~empty & values.isna()
    example = f"1{sep}234{dec}56" if ctype == "decimal" else f"1{sep}234"
    what = "a number" if ctype == "decimal" else "a whole number"
    errors[bad] = f"{label}: " + raw[bad].map(repr) + f" is not {what} like {example}"
    return Parsed(values, errors)


def _parse_dates(stripped: pd.Series, empty: pd.Series, formats: tuple[str, ...]) -> pd.Series:
    """Naive midnight datetimes (NaT where no format fits)."""
    result = pd.Series(pd.NaT, index=stripped.index, dtype="datetime64[us]")
    todo = ~empty
    for fmt in formats:
        if not todo.any():
            break
        chunk = stripped[todo]
        if fmt == "iso":
            chunk = chunk.where(_matches(chunk, r"^\d{4}-\d{1,2}-\d{1,2}$"), None)
            parsed = pd.to_datetime(chunk, format="%Y-%m-%d", errors="coerce")
        else:
            parsed = pd.to_datetime(chunk, format=fmt, errors="coerce")
        parsed = parsed.astype("datetime64[us]").dt.normalize()
        hit = parsed.notna()
        result[hit[hit].index] = parsed[hit]
        todo = todo & result.isna()
    return result


def _parse_timestamps(stripped: pd.Series, formats: tuple[str, ...], tz: str) -> pd.Series:
    """UTC timestamps (NaT where no format fits). A value without an offset is in ``tz``."""
    result = pd.Series(pd.NaT, index=stripped.index, dtype="datetime64[us, UTC]")
    todo = stripped.notna()
    for fmt in formats:
        if not todo.any():
            break
        chunk = stripped[todo]
        if fmt == "iso":
            four_digit_year = _matches(chunk, r"^\d{4}-")
            zoned = _matches(chunk, _ZONE) & four_digit_year
            naive = ~zoned & four_digit_year
            parsed = pd.Series(pd.NaT, index=chunk.index, dtype="datetime64[us, UTC]")
            if zoned.any():
                parsed[zoned] = pd.to_datetime(
                    chunk[zoned], format="ISO8601", utc=True, errors="coerce"
                ).astype("datetime64[us, UTC]")
            if naive.any():
                local = pd.to_datetime(chunk[naive], format="ISO8601", errors="coerce")
                parsed[naive] = _localise(local, tz)
        elif "%z" in fmt or "%Z" in fmt:
            parsed = pd.to_datetime(chunk, format=fmt, utc=True, errors="coerce").astype(
                "datetime64[us, UTC]"
            )
        else:
            parsed = _localise(pd.to_datetime(chunk, format=fmt, errors="coerce"), tz)
        hit = parsed.notna()
        result[hit[hit].index] = parsed[hit]
        todo = todo & result.isna()
    return result


def _localise(naive: pd.Series, tz: str) -> pd.Series:
    naive = naive.astype("datetime64[us]")
    if tz == "UTC":
        return naive.dt.tz_localize("UTC")
    return naive.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")


# --------------------------------------------------------------------------- field specs


@dataclass
class Context:
    """What a field spec can read, for ``n`` rows at once."""

    n: int
    fmt: SourceFormat
    value_maps: dict[str, ValueMap]
    source: SourceTable | None = None  # export columns, aligned with the rows
    fields: dict[str, pd.Series] = field(default_factory=dict)  # mapped fields so far
    outputs: dict[str, pd.DataFrame] = field(default_factory=dict)  # other mapped extracts
    events: dict[str, pd.Series] | None = None
    missing_columns: set[str] = field(default_factory=set)

    @property
    def index(self) -> pd.Index:
        return pd.RangeIndex(self.n)


def evaluate(spec: FieldSpec, ctype: ColumnType, ctx: Context, name: str) -> Parsed:
    """The canonical values of one field for every row, and the rows' errors."""
    raw, from_export, label = _raw(spec, ctx, name)
    values = _none(ctx.n, ctx.index)
    errors = _none(ctx.n, ctx.index)
    # A column the file lacks gives nothing (not false, even where empty booleans are false).
    absent = spec.column is not None and (
        ctx.source is None or ctx.source.resolve(spec.column) is None
    )
    direct = pd.Series(not absent, index=ctx.index)
    if spec.map is not None and not absent:
        mapped, applied, map_errors = _apply_map(spec, raw, ctx, label)
        canonical = parse(mapped[applied], ctype, CANONICAL, f"{label} (value map {spec.map})")
        values[applied] = canonical.values
        errors[applied] = map_errors[applied].where(map_errors[applied].notna(), canonical.errors)
        direct = ~applied
    if direct.any():
        parsed = parse(
            raw[direct],
            ctype,
            ctx.fmt if from_export else CANONICAL,
            label,
            formats=spec.formats,
            decimal=spec.decimal,
            thousands=spec.thousands,
            timezone=spec.timezone,
        )
        values[direct] = parsed.values
        errors[direct] = parsed.errors
    todo = values.isna() & errors.isna()
    if spec.fallback is not None and todo.any():
        fallback = evaluate(spec.fallback, ctype, ctx, name)
        values[todo] = fallback.values[todo]
        errors[todo] = fallback.errors[todo]
        todo = values.isna() & errors.isna()
    if spec.has_default and todo.any():
        default = parse(
            pd.Series([yaml_text(spec.default)], dtype=object), ctype, CANONICAL, f"{name} default"
        )
        if default.errors.iloc[0] is not None:
            errors[todo] = default.errors.iloc[0]
        else:
            values[todo] = default.values.iloc[0]
    return Parsed(values, errors)


def _raw(spec: FieldSpec, ctx: Context, name: str) -> tuple[pd.Series, bool, str]:
    """(values, whether they are export text, label for messages)."""
    index = ctx.index
    if spec.column is not None:
        header = ctx.source.resolve(spec.column) if ctx.source is not None else None
        if header is None:
            if spec.fallback is None and not spec.has_default:
                ctx.missing_columns.add(f"{name} ({' / '.join(spec.column)})")
            return _none(ctx.n, index), True, spec.column[0]
        return ctx.source.column(header), True, header
    if spec.has_value:
        return pd.Series([yaml_text(spec.value)] * ctx.n, index=index, dtype=object), False, name
    if spec.template is not None:
        return _template(spec.template, ctx), True, spec.template
    if spec.field is not None:
        return ctx.fields[spec.field], False, spec.field
    if spec.lookup is not None:
        lk = spec.lookup
        table = ctx.outputs.get(lk.extract)
        keys = ctx.fields[lk.to]
        if table is None or table.empty:
            return _none(ctx.n, index), False, name
        pairs = table[[lk.match, lk.take]].dropna(subset=[lk.match])
        pairs = pairs.drop_duplicates(subset=[lk.match], keep="first")
        lookup = dict(zip(pairs[lk.match], pairs[lk.take], strict=True))
        values = keys.map(lookup).astype(object)
        return values.where(values.notna(), None), False, name
    if spec.event is not None:
        assert ctx.events is not None
        return ctx.events[spec.event], False, name
    raise ValueError(spec)


def _template(template: str, ctx: Context) -> pd.Series:
    parts = re.split(r"({[^{}]+})", template)
    result = pd.Series([""] * ctx.n, index=ctx.index, dtype=object)
    for part in parts:
        if not (part.startswith("{") and part.endswith("}")):
            result = result + part
            continue
        name = part[1:-1]
        if name == "_line" and ctx.source is not None:
            piece = ctx.source.line_numbers().astype(str)
        elif name == "_file" and ctx.source is not None:
            piece = pd.Series([ctx.source.file] * ctx.n, index=ctx.index, dtype=object)
        else:
            header = ctx.source.resolve((name,)) if ctx.source is not None else None
            if header is None:
                ctx.missing_columns.add(f"template {template!r} ({name})")
                piece = pd.Series([""] * ctx.n, index=ctx.index, dtype=object)
            else:
                piece = ctx.source.column(header).reset_index(drop=True).fillna("")
        result = result + piece.astype(str)
    result = result.str.strip()
    return result.where(result != "", None).astype(object)


def _apply_map(
    spec: FieldSpec, raw: pd.Series, ctx: Context, label: str
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(mapped values as canonical text, rows the map applied to, errors)."""
    vmap = ctx.value_maps[spec.map]
    empty = blank(raw)
    applies = ~empty
    for field_name, wanted in spec.map_if:
        keys = normalised(ctx.fields[field_name])
        applies &= keys.isin({normalise_key(w) for w in wanted})
    keys = normalised(raw)
    mapped = _none(ctx.n, ctx.index)
    errors = _none(ctx.n, ctx.index)
    known = keys.isin(vmap.entries) & applies
    outputs = {
        key: yaml_text(entry.get(spec.map_output))
        for key, entry in vmap.entries.items()
        if isinstance(entry, dict)
    }
    simple = keys[known].isin(outputs)
    simple_keys = keys[known][simple]
    mapped[simple_keys.index] = simple_keys.map(outputs)
    mapped = mapped.where(mapped.notna(), None)
    conditional_keys = keys[known][~simple]
    for key in pd.unique(conditional_keys):
        rows = conditional_keys.index[conditional_keys == key]
        entry = vmap.entries[key]
        assert isinstance(entry, Conditional)
        by_values = normalised(ctx.fields[entry.by][rows])
        has_case = by_values.isin(list(entry.cases))
        mapped[rows[has_case.to_numpy()]] = by_values[has_case].map(
            lambda v, cases=entry.cases: yaml_text(cases[v])
        )
        others = rows[~has_case.to_numpy()]
        if entry.has_otherwise:
            mapped[others] = yaml_text(entry.otherwise)
        elif len(others):
            errors[others] = (
                f"{label}: "
                + raw[others].map(repr)
                + f" maps by {entry.by}, but value map {spec.map!r} has no case for {entry.by} = "
                + ctx.fields[entry.by][others].map(repr)
                + " and no else"
            )
    unknown = applies & ~known
    kept = pd.Series(False, index=ctx.index)
    if unknown.any():
        if vmap.has_default:
            mapped[unknown] = yaml_text(vmap.default) if spec.map_output == "value" else None
        elif vmap.unmapped == "empty":
            pass
        elif vmap.unmapped == "keep" and spec.map_output == "value":
            kept = unknown
        else:  # reject; and a kept value has no other outputs than itself
            shown = ", ".join(sorted(vmap.originals.values())[:12])
            more = "" if len(vmap.originals) <= 12 else f", ... ({len(vmap.originals)} in all)"
            errors[unknown] = (
                f"{label}: "
                + raw[unknown].map(repr)
                + f" is not in value map {spec.map!r}"
                + ("" if spec.map_output == "value" else f", which gives its {spec.map_output}")
                + f" (known: {shown}{more})"
            )
    return mapped, applies & ~kept, errors


def combine_errors(errors: dict[str, pd.Series], n: int) -> pd.Series:
    """One message per row: the errors of all its fields, joined with '; '."""
    result = pd.Series([None] * n, dtype=object)
    for series in errors.values():
        series = series.reset_index(drop=True)
        has = series.notna()
        both = has & result.notna()
        result[both] = result[both] + "; " + series[both]
        only = has & result.isna()
        result[only] = series[only]
    return result
