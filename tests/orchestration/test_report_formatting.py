"""The terminal answers write every number the same way (orchestration/reports/formatting.py)."""

from decimal import Decimal

import pytest

from orchestration.reports.formatting import change, count, money, share


@pytest.mark.parametrize(
    ("write", "value", "expected"),
    [
        (money, Decimal("1234567.49"), "1,234,567"),  # DuckDB returns decimals as Decimal
        (money, -439477.0, "-439,477"),
        (count, 1060, "1,060"),  # won deals in the campaign table's total row
        (count, 7, "7"),
        (share, Decimal("0.4449"), "44%"),
        (change, 6.72, "+672%"),
        (change, -0.5, "-50%"),
    ],
)
def test_numbers_are_written_with_thousands_separators_and_percentages(
    write, value, expected
) -> None:
    assert write(value) == expected


@pytest.mark.parametrize("write", [money, count, share, change])
def test_a_missing_number_is_a_dash(write) -> None:
    assert write(None) == "-"
