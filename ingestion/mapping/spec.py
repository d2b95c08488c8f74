"""Read and validate a mapping file: YAML -> schema check -> meaning check -> :class:`Mapping`.

Every mistake becomes a :class:`MappingProblem` naming the file, the line, the YAML path (e.g.
``extracts.crm.leads.columns.Status.map``), what is wrong and what is allowed; all problems
of a file are reported together in one :class:`MappingError`.
"""

from __future__ import annotations

import codecs
import difflib
import re
import zoneinfo
from collections.abc import Iterable
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from ingestion.contract import Extract
from ingestion.mapping.schema import SCHEMA, STRINGS, VALUE_SOURCES
from ingestion.registry import ALL_EXTRACTS

EVENT_PARTS = ("key", "value", "previous", "at", "number", "id")
_CONTRACT = {f"{e.system}.{e.name}": e for e in ALL_EXTRACTS}


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class MappingProblem:
    """One mistake in a mapping file."""

    file: str
    line: int | None
    path: str
    message: str
    hint: str | None = None

    def render(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        text = ", ".join(where) + (f", at {self.path}" if self.path else "") + f": {self.message}"
        if self.hint:
            text += f"\n  What to do: {self.hint}"
        return text


class MappingError(Exception):
    """The mapping file (or the export it is applied to) cannot be used; names every problem."""

    def __init__(self, problems: list[MappingProblem]) -> None:
        self.problems = problems
        body = "\n".join(f"- {p.render()}" for p in problems)
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"{len(problems)} {noun} in the mapping:\n{body}")


def _suggest(word: str, allowed: Iterable[str]) -> str:
    allowed = list(allowed)
    close = difflib.get_close_matches(word, allowed, n=1, cutoff=0.6)
    if not close:
        lowered = {a.lower(): a for a in allowed}
        close = [lowered[word.lower()]] if word.lower() in lowered else []
    return f" (did you mean {close[0]!r}?)" if close else ""


# --------------------------------------------------------------------------- YAML with lines


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false are booleans, so a value map can map 'No' or 'On'."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _lines(node: yaml.Node, path: tuple = ()) -> dict[tuple, int]:
    """YAML path -> 1-based line of every key and value below ``node``."""
    lines = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*path, str(key_node.value))
            lines.update(_lines(value_node, child))
            lines[child] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.update(_lines(item, (*path, index)))
    return lines


def _plain(value: Any) -> Any:
    """Dates and numbers as YAML wrote them become text where the schema expects text."""
    if isinstance(value, dict):
        return {
            str(k) if not isinstance(k, bool) else str(k).lower(): _plain(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def read_yaml(path: Path) -> tuple[dict[str, Any], dict[tuple, int]]:
    """The document of a mapping file and the line of every path in it."""
    display = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise MappingError(
            [MappingProblem(display, None, "", f"cannot read the file: {exc.strerror or exc}")]
        ) from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        document = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise MappingError(
            [
                MappingProblem(
                    display,
                    mark.line + 1 if mark else None,
                    "",
                    f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
                    "check the indentation (spaces, not tabs) and quote values containing ': ' "
                    "or starting with a special character",
                )
            ]
        ) from None
    finally:
        loader.dispose()
    if not isinstance(document, dict):
        raise MappingError(
            [
                MappingProblem(
                    display,
                    1,
                    "",
                    "a mapping file is a YAML mapping with the keys version and extracts",
                    "start from mappings/salesforce.yml",
                )
            ]
        )
    return _plain(document), _lines(node)


# --------------------------------------------------------------------------- schema check


def _dotted(path: Iterable[Any]) -> str:
    return ".".join(str(p) for p in path)


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


_SCHEMA_NOUN = {
    "string": "text",
    "object": "a mapping (key: value)",
    "array": "a list",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


def _line_of(lines: dict[tuple, int], path: tuple) -> int | None:
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path)


def _schema_problems(
    document: dict[str, Any], lines: dict[tuple, int], display: str
) -> list[MappingProblem]:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    problems: list[MappingProblem] = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.path))):
        problems.extend(_explain(error, lines, display))
    # The same mistake can surface through several schema branches: report it once.
    unique: dict[tuple, MappingProblem] = {}
    for p in problems:
        unique.setdefault((p.line, p.path, p.message), p)
    return list(unique.values())


def _explain(
    error: jsonschema.ValidationError, lines: dict[tuple, int], display: str
) -> list[MappingProblem]:
    path = tuple(error.absolute_path)
    instance, schema = error.instance, error.schema

    def problem(message: str, hint: str | None = None, at: tuple = path) -> MappingProblem:
        return MappingProblem(display, _line_of(lines, at), _dotted(at), message, hint)

    if error.validator == "oneOf" and isinstance(instance, dict):
        # A field spec written as a mapping: explain against the mapping branch.
        branch = [e for e in error.context or () if e.schema_path and e.schema_path[0] == 2]
        if branch:
            return [p for e in branch for p in _explain(e, lines, display)]
    if error.validator == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        found = [k for k in instance if k not in schema.get("properties", {})]
        return [
            problem(
                f"unknown key {key!r}{_suggest(key, allowed)}",
                f"allowed here: {', '.join(allowed)}",
                at=(*path, key),
            )
            for key in found
        ]
    if error.validator == "required":
        missing = [k for k in error.validator_value if k not in instance]
        return [
            problem(
                f"the key {key!r} is missing",
                f"add {key}: ... here ({_describe_key(key)})",
            )
            for key in missing
        ]
    if error.validator in ("enum", "const"):
        allowed = error.validator_value if error.validator == "enum" else [error.validator_value]
        shown = ", ".join("null" if a is None else repr(a) for a in allowed)
        return [problem(f"{instance!r} is not allowed", f"use one of {shown}")]
    if error.validator == "type":
        wanted = schema.get("type")
        wanted = [wanted] if isinstance(wanted, str) else wanted
        return [
            problem(
                f"expected {' or '.join(_SCHEMA_NOUN.get(w, w) for w in wanted)}, "
                f"found {_type_name(instance)}"
            )
        ]
    if error.validator == "oneOf":
        if schema == SCHEMA["$defs"]["field"]:
            expected = "a column name, a list of them, or a field spec (column:, value:, ...)"
        elif schema == STRINGS:
            expected = "text or a list of text"
        else:
            expected = "a single value or a mapping of outputs"
        return [problem(f"expected {expected}, found {_type_name(instance)}")]
    if error.validator == "pattern":
        return [problem(f"{instance!r} is not allowed here", _describe_path(path))]
    if error.validator == "propertyNames":
        return [
            problem(
                f"{instance!r} is not an extract name",
                "extracts are named <system>.<extract>, e.g. crm.leads",
            )
        ]
    if error.validator in ("minProperties", "minItems"):
        return [problem("must not be empty", _describe_path(path))]
    return [problem(error.message)]


def _describe_key(key: str) -> str:
    return {
        "version": "the mapping format version, 1",
        "extracts": "one entry per contract extract, e.g. crm.leads",
        "values": "the value map itself: <their value>: <our value>",
        "extract": "the mapped extract to look in, e.g. crm.leads",
        "match": "its field compared with this row's value",
        "to": "this extract's field whose value is looked up",
        "take": "its field whose value this field gets",
        "from": "the mapped extract the rows are derived from",
        "key": "the field spec of the id the derived rows belong to",
        "events": "a list of {value: ..., at: ...}",
        "columns": "contract field: field spec",
        "column": "a column name of the export",
    }.get(key, "see mappings/salesforce.yml for an example")


def _describe_path(path: tuple) -> str:
    last = str(path[-1]) if path else ""
    if last == "drop_date":
        return "latest_modified, today, or a date YYYY-MM-DD"
    if last == "name":
        return "lower-case letters, digits, _ and -"
    return "see mappings/salesforce.yml for an example"


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class SourceFormat:
    """How the files of an export are written."""

    kind: str = "csv"
    encoding: str = "auto"
    delimiter: str = "auto"
    decimal: str = "."
    thousands: str = ""
    date_formats: tuple[str, ...] = ("iso",)
    timestamp_formats: tuple[str, ...] = ("iso",)
    timezone: str = "UTC"
    true_values: tuple[str, ...] = ("1", "true", "yes", "y", "x")
    false_values: tuple[str, ...] = ("0", "false", "no", "n")
    empty_boolean: bool | None = None

    def merged(self, overrides: MappingABC[str, Any] | None) -> SourceFormat:
        if not overrides:
            return self
        values = dict(self.__dict__)
        for key, value in overrides.items():
            if key in ("date_formats", "timestamp_formats"):
                value = tuple([value] if isinstance(value, str) else value)
            elif key in ("true_values", "false_values"):
                value = tuple(v.strip().lower() for v in value)
            elif key == "delimiter":
                value = "\t" if value.lower() in ("tab", "\\t") else value
            values[key] = value
        return SourceFormat(**values)


@dataclass(frozen=True)
class Lookup:
    extract: str
    match: str
    to: str
    take: str


@dataclass(frozen=True)
class FieldSpec:
    """Where one contract field gets its value from (exactly one source), and how it is
    translated: a value map, formats for parsing, a default and a fallback spec."""

    path: str
    column: tuple[str, ...] | None = None
    has_value: bool = False
    value: Any = None
    template: str | None = None
    field: str | None = None
    lookup: Lookup | None = None
    event: str | None = None
    map: str | None = None
    map_output: str = "value"
    map_if: tuple[tuple[str, tuple[str, ...]], ...] = ()
    formats: tuple[str, ...] | None = None
    decimal: str | None = None
    thousands: str | None = None
    timezone: str | None = None
    has_default: bool = False
    default: Any = None
    fallback: FieldSpec | None = None

    def fields_needed(self) -> set[str]:
        """Fields of the same extract this spec reads (they must be mapped first)."""
        needed = set()
        spec: FieldSpec | None = self
        while spec is not None:
            if spec.field:
                needed.add(spec.field)
            if spec.lookup:
                needed.add(spec.lookup.to)
            needed.update(name for name, _ in spec.map_if)
            spec = spec.fallback
        return needed

    def maps_used(self) -> set[str]:
        used, spec = set(), self
        while spec is not None:
            if spec.map:
                used.add(spec.map)
            spec = spec.fallback
        return used

    def lookups(self) -> list[Lookup]:
        found, spec = [], self
        while spec is not None:
            if spec.lookup:
                found.append(spec.lookup)
            spec = spec.fallback
        return found

    def columns(self) -> list[str]:
        """Every export column this spec may read (for messages)."""
        found: list[str] = []
        spec: FieldSpec | None = self
        while spec is not None:
            found.extend(spec.column or ())
            if spec.template:
                found.extend(re.findall(r"{([^{}]+)}", spec.template))
            spec = spec.fallback
        return found


@dataclass(frozen=True)
class Conditional:
    """A value-map entry whose value depends on another field of the row."""

    by: str
    cases: dict[str, Any]
    otherwise: Any = None
    has_otherwise: bool = False


@dataclass(frozen=True)
class ValueMap:
    name: str
    entries: dict[str, dict[str, Any] | Conditional]  # normalised key -> outputs
    originals: dict[str, str]  # normalised key -> key as written
    unmapped: str = "reject"
    has_default: bool = False
    default: Any = None

    @property
    def outputs(self) -> set[str]:
        names = {"value"}
        for entry in self.entries.values():
            if isinstance(entry, dict):
                names.update(entry)
        return names

    @property
    def conditional_fields(self) -> set[str]:
        return {e.by for e in self.entries.values() if isinstance(e, Conditional)}


@dataclass(frozen=True)
class SkipRule:
    column: str
    values: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Derive:
    source: str
    when: str
    key: FieldSpec
    events: tuple[tuple[FieldSpec, FieldSpec], ...]
    collapse_repeats: bool
    columns: dict[str, FieldSpec]


@dataclass(frozen=True)
class ExtractMapping:
    name: str  # <system>.<extract>
    extract: Extract
    files: tuple[str, ...]
    format: SourceFormat
    skip_rows: tuple[SkipRule, ...]
    columns: dict[str, FieldSpec]
    derive: Derive | None
    line: int | None = None

    def field_order(self, value_maps: MappingABC[str, ValueMap]) -> list[str]:
        """Mapped fields, each after the fields it reads (conditional value-map entries
        read the field they depend on)."""
        return field_order(self.columns, value_maps, f"extracts.{self.name}.columns")


def field_order(
    columns: MappingABC[str, FieldSpec], value_maps: MappingABC[str, ValueMap], where: str
) -> list[str]:
    dependencies = {}
    for name, spec in columns.items():
        needed = spec.fields_needed()
        for map_name in spec.maps_used():
            if map_name in value_maps:
                needed |= value_maps[map_name].conditional_fields
        dependencies[name] = needed
    return _order(dependencies, where)


@dataclass(frozen=True)
class Mapping:
    path: Path
    name: str
    description: str
    format: SourceFormat
    drop_date: str
    value_maps: dict[str, ValueMap]
    extracts: dict[str, ExtractMapping] = field(default_factory=dict)  # dependency order

    def extract_order(self) -> list[str]:
        return list(self.extracts)


def normalise_key(value: Any) -> str:
    """How value-map keys and values are compared: trimmed, inner spaces collapsed, any case."""
    if isinstance(value, bool):
        value = "true" if value else "false"
    return re.sub(r"\s+", " ", str(value).strip()).casefold()


def _order(dependencies: dict[str, set[str]], where: str) -> list[str]:
    ordered: list[str] = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        if state.get(node) == 2:
            return
        if state.get(node) == 1:
            cycle = [*trail[trail.index(node) :], node]
            raise ValueError(f"{where}: {' -> '.join(cycle)} depend on each other in a circle")
        state[node] = 1
        for dep in sorted(dependencies.get(node, ())):
            if dep in dependencies:
                visit(dep, [*trail, node])
        state[node] = 2
        ordered.append(node)

    for node in dependencies:
        visit(node, [])
    return ordered


# --------------------------------------------------------------------------- building


class _Builder:
    def __init__(self, display: str, lines: dict[tuple, int]) -> None:
        self.display = display
        self.lines = lines
        self.problems: list[MappingProblem] = []

    def problem(self, path: tuple, message: str, hint: str | None = None) -> None:
        self.problems.append(
            MappingProblem(self.display, _line_of(self.lines, path), _dotted(path), message, hint)
        )

    # ---- formats

    def source_format(self, base: SourceFormat, raw: dict | None, path: tuple) -> SourceFormat:
        if not raw:
            return base
        if "encoding" in raw and raw["encoding"] != "auto":
            try:
                codecs.lookup(raw["encoding"])
            except LookupError:
                self.problem(
                    (*path, "encoding"),
                    f"unknown encoding {raw['encoding']!r}",
                    "use auto or a Python codec name: utf-8, utf-8-sig, cp1252, latin-1, utf-16",
                )
        delimiter = raw.get("delimiter")
        if (
            delimiter is not None
            and delimiter != "auto"
            and delimiter.lower() not in ("tab", "\\t")
            and len(delimiter) != 1
        ):
            self.problem(
                (*path, "delimiter"),
                f"{delimiter!r} is not one character",
                "use auto, tab, or one character such as , or ;",
            )
        for key in ("date_formats", "timestamp_formats"):
            if key in raw:
                values = [raw[key]] if isinstance(raw[key], str) else raw[key]
                for index, fmt in enumerate(values):
                    self.check_format(
                        fmt, (*path, key, index) if isinstance(raw[key], list) else (*path, key)
                    )
        if "timezone" in raw:
            self.check_timezone(raw["timezone"], (*path, "timezone"))
        if raw.get("decimal") and raw.get("decimal") == raw.get("thousands"):
            self.problem(
                (*path, "thousands"),
                "the thousands separator is the decimal separator",
                "e.g. decimal ',' with thousands '.' (German) or decimal '.' with thousands ','",
            )
        return base.merged(raw)

    def check_format(self, fmt: str, path: tuple) -> None:
        if fmt != "iso" and "%" not in fmt:
            self.problem(
                path,
                f"{fmt!r} is not a date format",
                "use iso or a strptime format such as %d.%m.%Y, %m/%d/%Y or %Y-%m-%d %H:%M:%S",
            )

    def check_timezone(self, name: str, path: tuple) -> None:
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.problem(
                path, f"unknown time zone {name!r}", "use an IANA name: UTC, Europe/Berlin, ..."
            )

    # ---- value maps

    def value_map(self, name: str, raw: dict, path: tuple) -> ValueMap:
        entries: dict[str, dict[str, Any] | Conditional] = {}
        originals: dict[str, str] = {}
        for key, entry in raw["values"].items():
            where = (*path, "values", key)
            normal = normalise_key(key)
            if normal in entries:
                self.problem(
                    where,
                    f"{key!r} is mapped twice (as {originals[normal]!r} too; keys are compared "
                    "ignoring case and extra spaces)",
                    "keep one of them",
                )
            originals[normal] = str(key)
            if isinstance(entry, dict) and "by" in entry:
                unknown = set(entry) - {"by", "cases", "else"}
                if (
                    unknown
                    or not isinstance(entry.get("cases"), dict)
                    or not isinstance(entry["by"], str)
                ):
                    self.problem(
                        where,
                        "a conditional entry is {by: <field>, cases: {<its value>: <our value>}, "
                        "else: <our value>}",
                        f"remove {', '.join(sorted(unknown))}" if unknown else None,
                    )
                    continue
                entries[normal] = Conditional(
                    by=entry["by"],
                    cases={normalise_key(k): v for k, v in entry["cases"].items()},
                    otherwise=entry.get("else"),
                    has_otherwise="else" in entry,
                )
            elif isinstance(entry, dict):
                entries[normal] = dict(entry)
            else:
                entries[normal] = {"value": entry}
        unmapped = raw.get("unmapped", "reject")
        if "default" in raw and "unmapped" in raw:
            self.problem(
                (*path, "default"),
                "give either unmapped or default, not both",
                "default: X maps every unmapped value to X",
            )
        return ValueMap(
            name=name,
            entries=entries,
            originals=originals,
            unmapped=unmapped,
            has_default="default" in raw,
            default=raw.get("default"),
        )

    # ---- field specs

    def field_spec(self, raw: Any, path: tuple, *, allow_event: bool = False) -> FieldSpec:
        where = _dotted(path)
        if isinstance(raw, str):
            return FieldSpec(path=where, column=(raw,))
        if isinstance(raw, list):
            return FieldSpec(path=where, column=tuple(raw))
        sources = [k for k in VALUE_SOURCES if k in raw]
        if len(sources) != 1:
            self.problem(
                path,
                "no value source"
                if not sources
                else f"{len(sources)} value sources ({', '.join(sources)})",
                "give exactly one of: "
                + "; ".join(
                    f"{k} ({v})" for k, v in VALUE_SOURCES.items() if k != "event" or allow_event
                ),
            )
        if "event" in raw and not allow_event:
            self.problem(
                (*path, "event"),
                "event is only available in the columns of a derived extract (derive.columns)",
            )
        for key in ("formats",):
            if key in raw:
                values = [raw[key]] if isinstance(raw[key], str) else raw[key]
                for fmt in values:
                    self.check_format(fmt, (*path, key))
        if "timezone" in raw:
            self.check_timezone(raw["timezone"], (*path, "timezone"))
        column = raw.get("column")
        lookup = raw.get("lookup")
        return FieldSpec(
            path=where,
            column=tuple([column] if isinstance(column, str) else column) if column else None,
            has_value="value" in raw,
            value=raw.get("value"),
            template=raw.get("template"),
            field=raw.get("field"),
            lookup=Lookup(**lookup) if lookup else None,
            event=raw.get("event"),
            map=raw.get("map"),
            map_output=raw.get("map_output", "value"),
            map_if=tuple(
                (name, tuple([v] if isinstance(v, str) else v))
                for name, v in (raw.get("map_if") or {}).items()
            ),
            formats=(
                tuple([raw["formats"]] if isinstance(raw["formats"], str) else raw["formats"])
                if "formats" in raw
                else None
            ),
            decimal=raw.get("decimal"),
            thousands=raw.get("thousands"),
            timezone=raw.get("timezone"),
            has_default="default" in raw,
            default=raw.get("default"),
            fallback=(
                self.field_spec(raw["fallback"], (*path, "fallback"), allow_event=allow_event)
                if "fallback" in raw
                else None
            ),
        )

    def check_field_refs(
        self,
        spec: FieldSpec,
        extract: Extract,
        mapped: set[str],
        value_maps: dict[str, ValueMap],
        path: tuple,
    ) -> None:
        node: FieldSpec | None = spec
        here = path
        while node is not None:
            if node.field is not None and node.field not in mapped:
                self.field_problem((*here, "field"), node.field, extract, mapped, "read")
            if node.lookup is not None and node.lookup.to not in mapped:
                self.field_problem(
                    (*here, "lookup", "to"), node.lookup.to, extract, mapped, "match"
                )
            for name, _ in node.map_if:
                if name not in mapped:
                    self.field_problem((*here, "map_if", name), name, extract, mapped, "test")
            if node.map is not None:
                vmap = value_maps.get(node.map)
                if vmap is None:
                    self.problem(
                        (*here, "map"),
                        f"unknown value map {node.map!r}{_suggest(node.map, value_maps)}",
                        f"value maps defined under value_maps: {', '.join(sorted(value_maps)) or 'none'}",
                    )
                else:
                    if node.map_output not in vmap.outputs:
                        self.problem(
                            (*here, "map_output"),
                            f"value map {node.map!r} has no output {node.map_output!r}",
                            f"its outputs: {', '.join(sorted(vmap.outputs))}",
                        )
                    for by in vmap.conditional_fields:
                        if by not in mapped:
                            self.problem(
                                (*here, "map"),
                                f"value map {node.map!r} has entries that depend on field {by!r}, "
                                f"which {extract.system}.{extract.name} does not map",
                                f"map {by} too, or use a value map without 'by' entries here",
                            )
            here = (*here, "fallback")
            node = node.fallback

    def field_problem(
        self, path: tuple, name: str, extract: Extract, mapped: set[str], verb: str
    ) -> None:
        if name in extract.column_names:
            self.problem(
                path,
                f"field {name!r} is not mapped in this extract, so there is nothing to {verb}",
                f"map {name} under columns too",
            )
        else:
            self.problem(
                path,
                f"{extract.system}.{extract.name} has no field {name!r}{_suggest(name, extract.column_names)}",
                f"its fields: {', '.join(extract.column_names)}",
            )

    def contract_columns(
        self, raw: dict, extract: Extract, path: tuple, *, allow_event: bool = False
    ) -> dict[str, FieldSpec]:
        columns: dict[str, FieldSpec] = {}
        for name, spec in raw.items():
            if name not in extract.column_names:
                self.problem(
                    (*path, name),
                    f"{extract.system}.{extract.name} has no field {name!r}"
                    f"{_suggest(name, extract.column_names)}",
                    f"its fields (the source contract, ingestion/{extract.system}/__init__.py): "
                    f"{', '.join(extract.column_names)}",
                )
                continue
            columns[name] = self.field_spec(spec, (*path, name), allow_event=allow_event)
        missing = [c.name for c in extract.columns if c.required and c.name not in columns]
        if missing:
            self.problem(
                path,
                f"required field{'s' if len(missing) > 1 else ''} {', '.join(missing)} of "
                f"{extract.system}.{extract.name} {'are' if len(missing) > 1 else 'is'} not mapped",
                "map each from a column, or give a value (a constant) or a template",
            )
        return columns


def load_mapping(path: Path | str) -> Mapping:
    """Read, check and build the mapping in ``path``; raises :class:`MappingError`."""
    path = Path(path)
    display = str(path)
    document, lines = read_yaml(path)
    problems = _schema_problems(document, lines, display)
    if problems:
        raise MappingError(problems)
    builder = _Builder(display, lines)
    base = builder.source_format(SourceFormat(), document.get("source"), ("source",))
    value_maps = {
        name: builder.value_map(name, raw, ("value_maps", name))
        for name, raw in (document.get("value_maps") or {}).items()
    }
    extracts: dict[str, ExtractMapping] = {}
    for name, raw in document["extracts"].items():
        path_ = ("extracts", name)
        contract = _CONTRACT.get(name)
        if contract is None:
            builder.problem(
                path_,
                f"unknown extract {name!r}{_suggest(name, _CONTRACT)}",
                f"the source contract's extracts: {', '.join(_CONTRACT)}",
            )
            continue
        if "files" not in raw and "derive" not in raw:
            builder.problem(
                path_,
                "neither files nor derive: nothing to map",
                "give files (file name patterns of the export) with columns, or derive",
            )
            continue
        if "files" in raw and "columns" not in raw:
            builder.problem(path_, "files without columns", "add columns: <field>: <column>")
            continue
        if "columns" in raw and "files" not in raw:
            builder.problem(
                (*path_, "columns"),
                "columns without files: which export files do they read?",
                "add files: [<file name pattern>, ...]",
            )
            continue
        fmt = builder.source_format(base, raw.get("format"), (*path_, "format"))
        columns = (
            builder.contract_columns(raw["columns"], contract, (*path_, "columns"))
            if "columns" in raw
            else {}
        )
        derive = None
        if "derive" in raw:
            d = raw["derive"]
            dpath = (*path_, "derive")
            derive = Derive(
                source=d["from"],
                when=d.get("when", "no_files"),
                key=builder.field_spec(d["key"], (*dpath, "key")),
                events=tuple(
                    (
                        builder.field_spec(e["value"], (*dpath, "events", i, "value")),
                        builder.field_spec(e["at"], (*dpath, "events", i, "at")),
                    )
                    for i, e in enumerate(d["events"])
                ),
                collapse_repeats=d.get("collapse_repeats", True),
                columns=builder.contract_columns(
                    d["columns"], contract, (*dpath, "columns"), allow_event=True
                ),
            )
        files = raw.get("files", ())
        extracts[name] = ExtractMapping(
            name=name,
            extract=contract,
            files=tuple([files] if isinstance(files, str) else files),
            format=fmt,
            skip_rows=tuple(
                SkipRule(
                    r["column"],
                    tuple(normalise_key(v) for v in r["values"]),
                    r.get("reason", f"{r['column']} is {' or '.join(r['values'])}"),
                )
                for r in raw.get("skip_rows", ())
            ),
            columns=columns,
            derive=derive,
            line=_line_of(lines, path_),
        )
    _check_references(builder, extracts, value_maps)
    if builder.problems:
        raise MappingError(builder.problems)
    try:
        order = _order(
            {name: _extract_dependencies(em) for name, em in extracts.items()}, "extracts"
        )
        for em in extracts.values():
            em.field_order(value_maps)
            if em.derive is not None:
                field_order(em.derive.columns, value_maps, f"extracts.{em.name}.derive.columns")
    except ValueError as exc:
        raise MappingError(
            [
                MappingProblem(
                    display,
                    None,
                    "extracts",
                    str(exc),
                    "a lookup, field or derive must not (indirectly) read its own result",
                )
            ]
        ) from None
    return Mapping(
        path=path,
        name=document.get("name") or re.sub(r"[^a-z0-9_-]+", "-", path.stem.lower()),
        description=document.get("description", ""),
        format=base,
        drop_date=document.get("drop_date", "latest_modified"),
        value_maps=value_maps,
        extracts={name: extracts[name] for name in order},
    )


def _extract_dependencies(em: ExtractMapping) -> set[str]:
    deps = {lk.extract for spec in em.columns.values() for lk in spec.lookups()}
    if em.derive is not None:
        deps.add(em.derive.source)
        for value, at in em.derive.events:
            deps.update(lk.extract for lk in (*value.lookups(), *at.lookups()))
    return deps


def _check_references(
    builder: _Builder, extracts: dict[str, ExtractMapping], value_maps: dict[str, ValueMap]
) -> None:
    for name, em in extracts.items():
        path = ("extracts", name)
        mapped = set(em.columns)
        for field_name, spec in em.columns.items():
            fpath = (*path, "columns", field_name)
            builder.check_field_refs(spec, em.extract, mapped, value_maps, fpath)
            _check_lookups(builder, spec, extracts, fpath)
        if em.derive is not None:
            d = em.derive
            dpath = (*path, "derive")
            source = extracts.get(d.source)
            if source is None or not source.files:
                builder.problem(
                    (*dpath, "from"),
                    f"{d.source!r} is not an extract of this mapping read from files"
                    f"{_suggest(d.source, [n for n, e in extracts.items() if e.files])}",
                    "derive from an extract mapped from files, e.g. crm.leads",
                )
                continue
            if d.source == name:
                builder.problem((*dpath, "from"), "an extract cannot be derived from itself")
            source_mapped = set(source.columns)
            specs = [(d.key, (*dpath, "key"))] + [
                (spec, (*dpath, "events", i, part))
                for i, (value, at) in enumerate(d.events)
                for part, spec in (("value", value), ("at", at))
            ]
            for spec, spath in specs:
                builder.check_field_refs(spec, source.extract, source_mapped, value_maps, spath)
                _check_lookups(builder, spec, extracts, spath)
            for field_name, spec in d.columns.items():
                builder.check_field_refs(
                    spec, em.extract, set(d.columns), value_maps, (*dpath, "columns", field_name)
                )


def _check_lookups(
    builder: _Builder, spec: FieldSpec, extracts: dict[str, ExtractMapping], path: tuple
) -> None:
    for lookup in spec.lookups():
        target = extracts.get(lookup.extract)
        if target is None:
            builder.problem(
                (*path, "lookup", "extract"),
                f"{lookup.extract!r} is not an extract of this mapping{_suggest(lookup.extract, extracts)}",
                f"look up in one of: {', '.join(extracts)}",
            )
            continue
        available = set(target.columns) | (set(target.derive.columns) if target.derive else set())
        for key in ("match", "take"):
            name = getattr(lookup, key)
            if name not in available:
                builder.problem(
                    (*path, "lookup", key),
                    f"{lookup.extract} does not map a field {name!r}{_suggest(name, available)}",
                    f"its mapped fields: {', '.join(sorted(available))}",
                )
