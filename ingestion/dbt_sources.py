"""Render the dbt source definitions from the extract contract.

The contract in ``ingestion/<system>/`` is the one place where extracts are declared; the dbt
``_<system>__sources.yml`` files are generated from it (``python -m ingestion.dbt_sources``)
and a test fails when the committed files are stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ingestion.contract import LOAD_COLUMNS, Extract
from ingestion.registry import SYSTEMS

DBT_STAGING = Path(__file__).resolve().parents[1] / "dbt_project" / "models" / "staging"

SYSTEM_DESCRIPTIONS = {
    "crm": "CRM extracts (Salesforce-style export): reps, accounts, contacts, leads, opportunities, activities, quotas.",
    "marketing": "Marketing-automation extracts: campaigns, campaign members, touchpoints.",
    "finance": "Finance / ERP extracts: campaign cost lines, booked revenue, budgets, FX rates.",
}


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(system: str) -> str:
    lines = [
        "# Generated from ingestion/"
        + system
        + "/__init__.py by `python -m ingestion.dbt_sources`.",
        "# Do not edit by hand: change the contract and regenerate.",
        "version: 2",
        "",
        "sources:",
        f"  - name: {system}",
        f"    description: {_q(SYSTEM_DESCRIPTIONS[system])}",
        "    schema: raw",
        "    tables:",
    ]
    extract: Extract
    for extract in SYSTEMS[system]:
        lines += [
            f"      - name: {extract.name}",
            f"        identifier: {extract.table}",
            f"        description: {_q(extract.description + ' File: ' + extract.file_name + ', ' + extract.format.describe() + '.')}",
            "        meta:",
            "          dagster:",
            f"            asset_key: [{', '.join(extract.asset_key)}]",
            "        columns:",
        ]
        for col in (*extract.columns, *LOAD_COLUMNS):
            lines.append(f"          - name: {_q(col.name)}")
            desc = col.description or f"{col.name} as exported ({col.type})."
            lines.append(f"            description: {_q(desc)}")
    return "\n".join(lines) + "\n"


def target(system: str) -> Path:
    return DBT_STAGING / system / f"_{system}__sources.yml"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for system in SYSTEMS:
        text = render(system)
        path = target(system)
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if stale:
        print("stale dbt sources (run `python -m ingestion.dbt_sources`):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
