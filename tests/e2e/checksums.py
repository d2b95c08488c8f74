"""Checksums of a warehouse's models, to compare two builds table by table."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pandas as pd


def relation_checksums(warehouse: Path, schemas: tuple[str, ...] = ("marts",)) -> dict[str, str]:
    """``schema.relation`` -> checksum of its rows (sorted), for every table and view of
    ``schemas`` (not dbt's own ``_``-prefixed helpers)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables"
            f" where table_schema in ({', '.join('?' * len(schemas))})"
            " and not starts_with(table_name, '_') order by 1, 2",
            list(schemas),
        ).fetchall()
        result = {}
        for schema, name in relations:
            frame = con.execute(f'select * from "{schema}"."{name}" order by all').df()
            # DOUBLE sums depend on the order DuckDB's parallel aggregation adds them up (last
            # bits); compare them to 9 decimals. Decimals (money), integers and text stay exact.
            floats = frame.select_dtypes("floating").columns
            frame[floats] = frame[floats].round(9)
            result[f"{schema}.{name}"] = hashlib.sha256(
                pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()
            ).hexdigest()
    return result
