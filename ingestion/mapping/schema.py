"""The JSON Schema of a mapping file (YAML), and the words used in its error messages.

The schema checks the shape (keys, types, allowed words); :mod:`ingestion.mapping.spec`
adds what a schema cannot say (an extract or a contract field that does not exist, a value
map that is not defined, a lookup that goes round in a circle). ``leadledger mapping schema``
prints it, so an editor with a YAML language server can check a mapping while it is typed.
"""

from __future__ import annotations

from typing import Any

#: Ways a field gets its value; a field spec uses exactly one of them.
VALUE_SOURCES: dict[str, str] = {
    "column": "a column of the export file (or the first of a list of columns the file has)",
    "value": "the same constant for every row",
    "template": "text built from columns, e.g. '{FirstName} {LastName}' ({_line}: the line)",
    "field": "another contract field of the same extract, once mapped",
    "lookup": "a field of the matching row of another mapped extract",
    "event": "a part of a derived event: key, value, previous, at, number or id",
}

SCALAR: dict[str, Any] = {"type": ["string", "number", "boolean", "null"]}
STRINGS: dict[str, Any] = {
    "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]
}

FORMAT_PROPERTIES: dict[str, Any] = {
    "kind": {
        "enum": ["csv", "jsonl"],
        "description": "csv (any delimiter) or jsonl (one JSON object per line).",
    },
    "encoding": {
        "type": "string",
        "description": "auto (UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252) "
        "or a Python codec name such as utf-8, cp1252, latin-1.",
    },
    "delimiter": {
        "type": "string",
        "description": "auto (the most frequent of , ; tab | in the header) or one character.",
    },
    "decimal": {"enum": [".", ","], "description": "Decimal separator of numbers."},
    "thousands": {
        "enum": ["", ".", ",", " ", "'"],
        "description": "Thousands separator of numbers ('' for none).",
    },
    "date_formats": {
        **STRINGS,
        "description": "strptime formats of dates, tried in order (iso: YYYY-MM-DD).",
    },
    "timestamp_formats": {
        **STRINGS,
        "description": "strptime formats of timestamps, tried in order (iso: ISO 8601 with an "
        "optional UTC offset).",
    },
    "timezone": {
        "type": "string",
        "description": "Time zone of timestamps without an offset (IANA name, e.g. Europe/Berlin).",
    },
    "true_values": {"type": "array", "items": {"type": "string"}},
    "false_values": {"type": "array", "items": {"type": "string"}},
    "empty_boolean": {
        "enum": [False, None],
        "description": "What an empty boolean means: false (Salesforce writes 1 or nothing) or "
        "null (unknown).",
    },
}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "leadledger mapping",
    "description": "Turns the files of an export (Salesforce, HubSpot, a spreadsheet) into the "
    "extracts of the leadledger source contract.",
    "type": "object",
    "required": ["version", "extracts"],
    "additionalProperties": False,
    "properties": {
        "version": {"const": 1, "description": "Version of the mapping format: 1."},
        "name": {
            "type": "string",
            "pattern": "^[a-z0-9][a-z0-9_-]*$",
            "description": "Short name (lower case, digits, _ and -); names the mapped landing "
            "folder and the default warehouse.",
        },
        "description": {"type": "string"},
        "source": {"$ref": "#/$defs/format"},
        "drop_date": {
            "type": "string",
            "pattern": r"^(latest_modified|today|\d{4}-\d{2}-\d{2})$",
            "description": "Extract date of the mapped drop: latest_modified (the day of the "
            "newest modification timestamp in the export, else of the newest file), today, or "
            "a date YYYY-MM-DD.",
        },
        "value_maps": {
            "type": "object",
            "additionalProperties": {"$ref": "#/$defs/value_map"},
        },
        "extracts": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": r"^[a-z_]+\.[a-z_]+$"},
            "additionalProperties": {"$ref": "#/$defs/extract"},
        },
    },
    "$defs": {
        "format": {
            "type": "object",
            "additionalProperties": False,
            "properties": FORMAT_PROPERTIES,
        },
        "value_map": {
            "type": "object",
            "required": ["values"],
            "additionalProperties": False,
            "properties": {
                "description": {"type": "string"},
                "values": {
                    "type": "object",
                    "additionalProperties": {
                        "oneOf": [SCALAR, {"type": "object", "minProperties": 1}]
                    },
                },
                "unmapped": {
                    "enum": ["reject", "keep", "empty"],
                    "description": "A value not in the map: reject the row (into the mapping "
                    "report), keep it as it is, or leave the field empty.",
                },
                "default": {**SCALAR, "description": "The value of every unmapped value."},
            },
        },
        "field": {
            "oneOf": [
                {"type": "string", "description": "Shorthand for {column: <name>}."},
                {
                    "type": "array",
                    "items": {"type": "string"},
                    "minItems": 1,
                    "description": "Shorthand for {column: [<name>, ...]}.",
                },
                {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "column": STRINGS,
                        "value": SCALAR,
                        "template": {"type": "string"},
                        "field": {"type": "string"},
                        "lookup": {
                            "type": "object",
                            "required": ["extract", "match", "to", "take"],
                            "additionalProperties": False,
                            "properties": {
                                "extract": {"type": "string"},
                                "match": {"type": "string"},
                                "to": {"type": "string"},
                                "take": {"type": "string"},
                            },
                        },
                        "event": {"enum": ["key", "value", "previous", "at", "number", "id"]},
                        "map": {"type": "string"},
                        "map_output": {"type": "string"},
                        "map_if": {
                            "type": "object",
                            "minProperties": 1,
                            "additionalProperties": STRINGS,
                        },
                        "formats": STRINGS,
                        "decimal": {"enum": [".", ","]},
                        "thousands": {"enum": ["", ".", ",", " ", "'"]},
                        "timezone": {"type": "string"},
                        "default": SCALAR,
                        "fallback": {"$ref": "#/$defs/field"},
                    },
                },
            ]
        },
        "derive": {
            "type": "object",
            "required": ["from", "key", "events", "columns"],
            "additionalProperties": False,
            "properties": {
                "from": {"type": "string"},
                "when": {
                    "enum": ["no_files", "always"],
                    "description": "no_files (default): only when no file of this extract is "
                    "in the export; always: in addition to the files.",
                },
                "key": {"$ref": "#/$defs/field"},
                "events": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["value", "at"],
                        "additionalProperties": False,
                        "properties": {
                            "value": {"$ref": "#/$defs/field"},
                            "at": {"$ref": "#/$defs/field"},
                        },
                    },
                },
                "collapse_repeats": {"type": "boolean"},
                "columns": {"type": "object", "additionalProperties": {"$ref": "#/$defs/field"}},
            },
        },
        "extract": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "description": {"type": "string"},
                "files": STRINGS,
                "format": {"$ref": "#/$defs/format"},
                "skip_rows": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["column", "values"],
                        "additionalProperties": False,
                        "properties": {
                            "column": {"type": "string"},
                            "values": {"type": "array", "items": {"type": "string"}},
                            "reason": {"type": "string"},
                        },
                    },
                },
                "columns": {"type": "object", "additionalProperties": {"$ref": "#/$defs/field"}},
                "derive": {"$ref": "#/$defs/derive"},
            },
        },
    },
}
