"""macros/divide_to_cents.sql: money divided by a count, rounded half away from zero to the cent.

The macro is plain Jinja (no dbt context), so it is rendered here and run on DuckDB; expected
values come from Python's Decimal arithmetic (exact quotient, ROUND_HALF_UP)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import jinja2
import pytest

MACRO = Path(__file__).resolve().parents[2] / "dbt_project" / "macros" / "divide_to_cents.sql"


def _divide_to_cents_sql(numerator: str, denominator: str) -> str:
    module = jinja2.Environment().from_string(MACRO.read_text()).module
    return str(module.divide_to_cents(numerator, denominator))


@pytest.mark.parametrize(
    ("amount", "count"),
    [
        ("411481.30", 20),  # 20574.065: a half cent that a double-precision cast rounds down
        ("-411481.30", 20),
        ("100.00", 3),
        ("200.00", 3),
        ("0.01", 2),
        ("0.00", 7),
        ("12345678.99", 1),
        ("9999999999.99", 9999),
    ],
)
def test_divide_to_cents_rounds_the_exact_quotient_half_up(amount: str, count: int) -> None:
    expression = _divide_to_cents_sql("amount", "n")
    result = duckdb.sql(
        f"select {expression} as v from (select cast({amount} as decimal(18, 2)) as amount,"
        f" cast({count} as bigint) as n)"
    ).fetchall()[0][0]
    expected = (Decimal(amount) / count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert result == expected
