"""All extracts the pipeline knows, looked up by system and file name."""

from __future__ import annotations

from ingestion import crm, finance, marketing
from ingestion.contract import Extract

SYSTEMS: dict[str, tuple[Extract, ...]] = {
    crm.SYSTEM: crm.EXTRACTS,
    marketing.SYSTEM: marketing.EXTRACTS,
    finance.SYSTEM: finance.EXTRACTS,
}

ALL_EXTRACTS: tuple[Extract, ...] = tuple(e for extracts in SYSTEMS.values() for e in extracts)


def by_table(table: str) -> Extract:
    for extract in ALL_EXTRACTS:
        if extract.table == table:
            return extract
    raise KeyError(table)


def for_file(system: str, file_name: str) -> Extract | None:
    for extract in SYSTEMS.get(system, ()):
        if extract.file_name.lower() == file_name.lower():
            return extract
    return None
