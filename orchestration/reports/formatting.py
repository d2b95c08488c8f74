"""How the terminal answers write numbers: thousands separated, '-' where there is none."""

from typing import Any


def money(value: Any) -> str:
    """An amount in whole currency units: 1,234,567."""
    return "-" if value is None else f"{float(value):,.0f}"


def count(value: Any) -> str:
    """A number of things: 1,060."""
    return "-" if value is None else f"{int(value):,}"


def share(value: Any) -> str:
    """A fraction as a percentage: 0.44 -> 44%."""
    return "-" if value is None else f"{float(value):.0%}"


def change(value: Any) -> str:
    """A signed fraction as a percentage (ROI, a gap): 6.72 -> +672%."""
    return "-" if value is None else f"{float(value):+.0%}"
