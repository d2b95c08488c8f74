"""Quoting for the SQL the pipeline writes itself (DuckDB dialect)."""


def quote_identifier(name: str) -> str:
    """``name`` as a quoted identifier, inner double quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value: str) -> str:
    """``value`` as a string literal, inner single quotes doubled."""
    return "'" + value.replace("'", "''") + "'"
