"""The source contract: what every extract looks like, declared once.

An :class:`Extract` names one file type that one source system delivers (its file name in a
drop folder, its format, its columns and their types). The generator writes files to this
contract, the loader parses files with it, and the dbt sources describe the raw tables it
produces. Nothing else in the code base should spell out an extract's columns again.

Landing layout: ``<landing>/<system>/<YYYY-MM-DD>/<file name>``; the folder name is the
extract date of the drop (the day the source system exported it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["string", "integer", "decimal", "date", "timestamp", "boolean"]


@dataclass(frozen=True)
class FileFormat:
    """How a source system writes its files."""

    kind: Literal["csv", "jsonl"]
    encoding: str = "utf-8"
    delimiter: str = ","
    decimal_separator: str = "."
    thousands_separator: str = ""
    date_format: str = "%Y-%m-%d"
    # Timestamps are parsed as ISO 8601 with an optional UTC offset (``+0000``, ``+01:00``,
    # ``Z``); a value without an offset is taken as UTC.
    true_values: tuple[str, ...] = ("1", "true", "yes", "y", "x")
    false_values: tuple[str, ...] = ("0", "false", "no", "n")

    def describe(self) -> str:
        if self.kind == "jsonl":
            return f"JSON Lines ({self.encoding})"
        return (
            f"CSV ({self.encoding}, delimiter {self.delimiter!r}, decimal "
            f"{self.decimal_separator!r}, dates {self.date_format})"
        )


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType = "string"
    required: bool = False
    description: str = ""
    scale: int = 2  # decimal places kept for type "decimal"

    @property
    def sql_type(self) -> str:
        return {
            "string": "varchar",
            "integer": "bigint",
            "decimal": f"decimal(18, {self.scale})",
            "date": "date",
            "timestamp": "timestamp",
            "boolean": "boolean",
        }[self.type]


@dataclass(frozen=True)
class Extract:
    system: str
    name: str
    file_name: str
    format: FileFormat
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    description: str
    # Column that orders re-deliveries of the same key (latest wins); falls back to the
    # extract date and line number of the drop.
    modified_column: str | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def table(self) -> str:
        """Name of the raw table in the ``raw`` schema."""
        return f"{self.system}__{self.name}"

    @property
    def asset_key(self) -> tuple[str, ...]:
        return ("raw", self.system, self.name)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.table} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


# Load metadata added to every raw row by the loader.
LOAD_COLUMNS: tuple[Column, ...] = (
    Column(
        "_source_file", "string", True, "File the row came from, relative to the landing folder."
    ),
    Column(
        "_line_number",
        "integer",
        True,
        "Line in the source file where the record starts (header = 1).",
    ),
    Column("_extract_date", "date", True, "Extract date of the drop (the drop folder's name)."),
    Column("_loaded_at", "timestamp", True, "When the row was loaded (UTC)."),
    Column(
        "_row_hash",
        "string",
        True,
        "MD5 of the record's parsed values; equal rows have equal hashes.",
    ),
)


def _c(
    name: str, type: ColumnType = "string", required: bool = False, desc: str = "", scale: int = 2
) -> Column:
    return Column(name, type, required, desc, scale)


SALESFORCE_CSV = FileFormat(kind="csv", encoding="utf-8-sig")
MARKETING_JSONL = FileFormat(kind="jsonl", encoding="utf-8")
ERP_CSV = FileFormat(
    kind="csv",
    encoding="cp1252",
    delimiter=";",
    decimal_separator=",",
    thousands_separator=".",
    date_format="%d.%m.%Y",
)
