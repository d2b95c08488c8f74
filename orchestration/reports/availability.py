"""Which answers the delivered extracts cannot give, and why (partial sources, issue 8).

Reads marts.rpt_answer_availability: an answer whose required extract was not delivered is
unavailable (its marts are empty or null there), one missing an optional extract is
incomplete. With every extract delivered it prints one line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
from rich.console import Console

_SQL = """
    select answer, marts, is_available, is_complete, missing_required, missing_optional,
           unavailable_because, incomplete_because
    from marts.rpt_answer_availability
    order by is_available, is_complete, answer
"""


def read_answers(warehouse: Path) -> list[dict[str, Any]] | None:
    """Every answer with its availability, or None when the mart does not exist (yet)."""
    if not warehouse.exists():
        return None
    with duckdb.connect(str(warehouse), read_only=True) as con:
        exists = con.execute(
            "select count(*) from duckdb_tables() "
            "where schema_name = 'marts' and table_name = 'rpt_answer_availability'"
        ).fetchall()[0][0]
        if not exists:
            return None
        relation = con.execute(_SQL)
        columns = [d[0] for d in relation.description]
        return [dict(zip(columns, row, strict=True)) for row in relation.fetchall()]


def format_availability(answers: list[dict[str, Any]]) -> list[str]:
    """Lines for the terminal: unavailable answers, then incomplete ones, each with why."""
    unavailable = [a for a in answers if not a["is_available"]]
    incomplete = [a for a in answers if a["is_available"] and not a["is_complete"]]
    if not unavailable and not incomplete:
        return [f"All {len(answers)} answers available: every extract they need was delivered."]
    lines = []
    if unavailable:
        lines.append(
            f"Unavailable with the extracts delivered ({len(unavailable)} of {len(answers)}):"
        )
        lines += [
            f"  - {a['answer']} ({a['marts']}): {a['unavailable_because']} "
            f"(not delivered: {a['missing_required']})"
            for a in unavailable
        ]
    if incomplete:
        lines.append(f"Incomplete ({len(incomplete)}):")
        lines += [
            f"  - {a['answer']}: {a['incomplete_because']} (not delivered: {a['missing_optional']})"
            for a in incomplete
        ]
    return lines


def print_data_availability(console: Console, warehouse: Path) -> None:
    """Print which answers are unavailable or incomplete, and why."""
    answers = read_answers(warehouse)
    if answers is None:
        return
    for line in format_availability(answers):
        console.print(line, highlight=False, markup=False)
