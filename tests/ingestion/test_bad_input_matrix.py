"""The bad-input matrix: what the loader does with every kind of broken or surprising delivery.

Each case asserts the exact outcome: loaded (with the values), quarantined (line, column,
reason), or an error naming file, line and column with what to do. After every run the
accounting is checked against the warehouse itself: for every file in ``raw._load_manifest``,
rows read = loaded + quarantined, the loaded count equals the rows of that file in its raw
table, the quarantined count equals its rows in ``raw._quarantine``, and no raw or quarantine
row belongs to a file missing from the manifest (a refused file leaves nothing behind).
The table in docs/bad_input_matrix.md is written from these tests.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ingestion.contract import Extract
from ingestion.crm import OPPORTUNITIES, TASKS, USERS
from ingestion.errors import IngestionError, IngestionErrors
from ingestion.finance import BUDGETS, CAMPAIGN_COSTS, FX_RATES, REVENUE_BOOKINGS
from ingestion.load import (
    FileResult,
    date_pattern,
    ensure_raw_tables,
    load_file,
    load_landing,
    scan,
)
from ingestion.marketing import TOUCHPOINTS
from ingestion.readers import column_at
from tests.conftest import write_drop

D1, D2 = "2024-02-01", "2024-02-02"

OPP = {
    "Id": "006A",
    "AccountId": "001A",
    "Name": "Roll-out Zürich",
    "StageName": "Prospecting",
    "Amount": "1000.00",
    "CurrencyIsoCode": "EUR",
    "Probability": "10",
    "CloseDate": "2024-03-31",
    "CreatedDate": "2024-01-02T10:00:00.000+0000",
    "SystemModstamp": "2024-01-02T10:00:00.000+0000",
}
USER = {
    "Id": "005A",
    "Name": "Jörg Müller",
    "Email": "joerg.mueller@example.com",
    "Sales_Role__c": "Field Sales",
    "SystemModstamp": "2024-01-02T10:00:00.000+0000",
}
TASK = {
    "Id": "00TA",
    "OwnerId": "005A",
    "Subject": "Call",
    "CreatedDate": "2024-01-02T10:00:00.000+0000",
    "SystemModstamp": "2024-01-02T10:00:00.000+0000",
}
COST = {
    "Belegnummer": "K-1",
    "Belegdatum": "31.01.2024",
    "Kampagne": "701A",
    "Kostenart": "Agentur",
    "Lieferant": "Müller Werbeagentur GmbH",
    "Betrag": "1.234,50",
    "Waehrung": "EUR",
    "Buchungstext": "Jänner",
}
BOOKING = {
    "Rechnungsnummer": "R-1",
    "Rechnungsdatum": "31.01.2024",
    "Opportunity": "006A",
    "Kunde": "001A",
    "Umsatz": "10.000,00",
    "Herstellkosten": "6.000,00",
    "Waehrung": "EUR",
}
FX = {"Datum": "01.02.2024", "Waehrung": "USD", "Kurs": "1,0812"}
BUDGET = {
    "Kostenstelle": "Marketing",
    "Monat": "01.01.2024",
    "Budget": "10.000,00",
    "Waehrung": "EUR",
}
TOUCH = {
    "touchpoint_id": "TP-1",
    "touch_type": "form_fill",
    "occurred_at": "2024-01-02T10:00:00Z",
    "email": "anna@example.com",
    "campaign_id": "701A",
}
CAMPAIGN = {
    "campaign_id": "701A",
    "name": "Webinar Q1",
    "channel": "webinar",
    "start_date": "2024-01-15",
    "planned_budget": 5000,
    "expected_revenue": 50000.5,
    "currency": "EUR",
    "updated_at": "2024-01-01T00:00:00Z",
}


# --------------------------------------------------------------------------- building files


def salesforce_csv(
    extract: Extract,
    rows: list[dict[str, str]],
    columns: list[str] | None = None,
    bom: bool = True,
    eol: str = "\r\n",
) -> bytes:
    """A CRM export as Salesforce writes it: UTF-8 with BOM, ',' and CRLF."""
    return (("\ufeff" if bom else "") + _csv_text(extract, rows, columns, ",", eol)).encode()


def erp_csv(
    extract: Extract,
    rows: list[dict[str, str]],
    columns: list[str] | None = None,
    encoding: str = "cp1252",
) -> bytes:
    """A finance export as the ERP writes it: Windows-1252, ';' and CRLF."""
    return _csv_text(extract, rows, columns, ";", "\r\n").encode(encoding)


def _csv_text(
    extract: Extract,
    rows: list[dict[str, str]],
    columns: list[str] | None,
    delimiter: str,
    eol: str,
) -> str:
    columns = columns or list(extract.column_names)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=eol)
    writer.writerow(columns)
    writer.writerows([row.get(c, "") for c in columns] for row in rows)
    return buffer.getvalue()


def jsonl(*records: dict | str) -> str:
    """JSON Lines; a str is written as the line itself (for broken lines)."""
    return "".join(
        (r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records
    )


# --------------------------------------------------------------------------- running the loader


@dataclass
class Run:
    warehouse: Path
    results: dict[str, FileResult] = field(default_factory=dict)
    errors: list[IngestionError] = field(default_factory=list)

    def sql(self, query: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(query, params or []).fetchall()

    def quarantine(self) -> list[tuple[int, str | None, str]]:
        return self.sql(
            "select line_number, column_name, reason from raw._quarantine "
            "order by source_file, line_number"
        )

    def counts(self, file: str) -> tuple[int, int, int]:
        result = self.results[file]
        return result.rows_read, result.rows_loaded, result.rows_quarantined

    @property
    def error(self) -> IngestionError:
        [error] = self.errors
        return error


def run(landing: Path, warehouse: Path) -> Run:
    """Load ``landing`` into ``warehouse``, keep results and errors, check the accounting."""
    outcome = Run(warehouse)

    def collect(result: FileResult, done: int, total: int) -> None:
        outcome.results[result.file] = result

    try:
        load_landing(warehouse, landing, progress=collect)
    except IngestionErrors as exc:
        outcome.errors = exc.errors
    assert_accounting(warehouse)
    return outcome


def assert_accounting(warehouse: Path) -> None:
    """Every (file, raw table) with rows in the warehouse is in the manifest, and for each:
    rows read = loaded + quarantined = rows in the raw table + rows in raw._quarantine."""
    if not warehouse.exists():
        return
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw' "
                "and not starts_with(table_name, '_')"
            ).fetchall()
        ]
        in_tables = " union all ".join(
            f"select _source_file, '{t}', count(*) from raw.\"{t}\" group by all" for t in tables
        )
        rows = con.execute(
            f"""
            with
            in_tables (source_file, raw_table, n) as ({in_tables}),
            in_quarantine (source_file, raw_table, n) as (
                select source_file, raw_table, count(*) from raw._quarantine group by all
            ),
            files as (
                select source_file, raw_table from raw._load_manifest
                union select source_file, raw_table from in_tables
                union select source_file, raw_table from in_quarantine
            )
            select
                source_file, m.rows_read, m.rows_loaded, m.rows_quarantined,
                coalesce(t.n, 0), coalesce(q.n, 0)
            from files
            left join raw._load_manifest as m using (source_file, raw_table)
            left join in_tables as t using (source_file, raw_table)
            left join in_quarantine as q using (source_file, raw_table)
            """
        ).fetchall()
    for file, read, loaded, quarantined, in_table, in_quarantine in rows:
        assert read is not None, f"{file}: rows in the warehouse but no manifest row"
        assert read == loaded + quarantined, file
        assert (loaded, quarantined) == (in_table, in_quarantine), file


@pytest.fixture
def wh(tmp_path: Path) -> Path:
    return tmp_path / "wh.duckdb"


def assert_error(
    error: IngestionError, file: str, line: int | None, column: str | None, *texts: str
) -> None:
    """The error names the file (relative to the landing folder or absolute, ending in
    ``file``), the line and the column, says what to do, and contains ``texts``."""
    assert error.file is not None and error.file.endswith(file)
    assert (error.line, error.column) == (line, column)
    assert error.hint, "every error says what to do"
    rendered = str(error)
    assert "What to do:" in rendered
    for text in texts:
        assert text in rendered


# =========================================================================== truncated files


def test_truncated_csv_ending_inside_a_quoted_value_is_refused_as_a_whole(
    landing: Path, wh: Path
) -> None:
    first = salesforce_csv(OPPORTUNITIES, [OPP]).decode()
    second = salesforce_csv(OPPORTUNITIES, [{**OPP, "Id": "006B", "Name": "Roll-out, Phase 2"}])
    second_row = second.decode().splitlines()[1]  # the name has a ',' so it is quoted
    truncated = first + second_row[: second_row.index("Phase")]  # the export stopped here
    write_drop(landing, "crm", D1, "Opportunity.csv", truncated.encode())
    write_drop(landing, "crm", D1, "User.csv", salesforce_csv(USERS, [USER]))

    outcome = run(landing, wh)

    assert_error(
        outcome.error,
        "crm/2024-02-01/Opportunity.csv",
        3,
        "Name",
        "never closed",
        "truncated",
        "replace the file with a complete export",
    )
    assert outcome.sql("select count(*) from raw.crm__opportunities") == [(0,)]
    assert outcome.sql("select source_file from raw._load_manifest") == [
        ("crm/2024-02-01/User.csv",)
    ]


def test_truncated_csv_last_record_cut_short_is_quarantined(landing: Path, wh: Path) -> None:
    content = erp_csv(CAMPAIGN_COSTS, [COST, {**COST, "Belegnummer": "K-2"}]).decode("cp1252")
    content += "K-3;01.02.2024;70"  # the export stopped here
    write_drop(landing, "finance", D1, "campaign_costs.csv", content, "cp1252")

    outcome = run(landing, wh)

    assert outcome.counts("finance/2024-02-01/campaign_costs.csv") == (3, 2, 1)
    assert outcome.quarantine() == [
        (
            4,
            "Kostenart",
            f"expected {len(CAMPAIGN_COSTS.columns)} fields, found 3: the record ends before "
            "column 'Kostenart' (a line cut short, or a delimiter other than ';'?)",
        )
    ]
    assert outcome.sql("select record from raw._quarantine") == [("K-3;01.02.2024;70",)]


def test_truncated_jsonl_last_line_is_quarantined(landing: Path, wh: Path) -> None:
    full = json.dumps({**TOUCH, "touchpoint_id": "TP-2"})
    cut = full[: full.index("2024") + 4]  # the export stopped inside the occurred_at value
    write_drop(landing, "marketing", D1, "touchpoints.jsonl", jsonl(TOUCH) + cut)

    outcome = run(landing, wh)

    assert outcome.counts("marketing/2024-02-01/touchpoints.jsonl") == (2, 1, 1)
    [(line, column, reason)] = outcome.quarantine()
    assert (line, column) == (2, "occurred_at")  # the key being written when it stopped
    assert reason.startswith("invalid JSON: Unterminated string")
    assert "truncated file" in reason


# =========================================================================== delimiter, encoding


@pytest.mark.parametrize(
    ("system", "file_name", "content", "column", "delimiter"),
    [
        (
            "crm",
            "User.csv",
            _csv_text(USERS, [USER], None, ";", "\r\n").encode(),
            "Id",
            "','",
        ),
        (
            "finance",
            "fx_rates.csv",
            _csv_text(FX_RATES, [FX], None, ",", "\r\n").encode("cp1252"),
            "Datum",
            "';'",
        ),
    ],
    ids=["crm-semicolon", "finance-comma"],
)
def test_wrong_delimiter_is_an_error_naming_the_expected_one(
    landing: Path,
    wh: Path,
    system: str,
    file_name: str,
    content: bytes,
    column: str,
    delimiter: str,
) -> None:
    write_drop(landing, system, D1, file_name, content)
    outcome = run(landing, wh)
    assert_error(
        outcome.error,
        f"{system}/{D1}/{file_name}",
        1,
        column,
        "missing from the header",
        f"The header has a single column: is the delimiter {delimiter}?",
    )
    assert outcome.results == {}


def test_windows_1252_umlauts_in_a_utf8_crm_file_are_an_error(landing: Path, wh: Path) -> None:
    content = salesforce_csv(USERS, [USER], bom=False).decode().encode("cp1252")
    write_drop(landing, "crm", D1, "User.csv", content)

    outcome = run(landing, wh)

    assert_error(
        outcome.error,
        "crm/2024-02-01/User.csv",
        2,
        "Name",
        "byte 0xf6 (character 7 of the line) is not valid UTF-8",
        "in Windows-1252 it is 'ö'",
        "export the file as UTF-8",
    )
    assert outcome.results == {}


def test_utf8_in_a_windows_1252_finance_file_is_read_as_utf8(landing: Path, wh: Path) -> None:
    write_drop(
        landing,
        "finance",
        D1,
        "campaign_costs.csv",
        erp_csv(CAMPAIGN_COSTS, [COST], encoding="utf-8"),
    )

    outcome = run(landing, wh)

    result = outcome.results["finance/2024-02-01/campaign_costs.csv"]
    assert (result.rows_read, result.rows_loaded) == (1, 1)
    assert result.warnings == ["declared Windows-1252 but the file is UTF-8; read as UTF-8"]
    assert outcome.sql("select Lieferant, Buchungstext from raw.finance__campaign_costs") == [
        ("Müller Werbeagentur GmbH", "Jänner")
    ]


def test_byte_that_is_neither_windows_1252_nor_utf8_is_an_error(landing: Path, wh: Path) -> None:
    content = erp_csv(FX_RATES, [FX]) + b"02.02.2024;U\x81D;1,09\r\n"  # 0x81: unused in cp1252
    write_drop(landing, "finance", D1, "fx_rates.csv", content)
    write_drop(landing, "finance", D1, "budgets.csv", erp_csv(BUDGETS, [BUDGET]))

    outcome = run(landing, wh)

    assert_error(
        outcome.error,
        "finance/2024-02-01/fx_rates.csv",
        3,
        "Waehrung",
        "byte 0x81",
        "not valid Windows-1252 and the file is not UTF-8 either",
    )
    assert list(outcome.results) == ["finance/2024-02-01/budgets.csv"]  # the run went on


def test_utf16_file_is_an_error(landing: Path, wh: Path) -> None:
    content = salesforce_csv(USERS, [USER], bom=False).decode().encode("utf-16")
    write_drop(landing, "crm", D1, "User.csv", content)
    outcome = run(landing, wh)
    assert_error(outcome.error, "crm/2024-02-01/User.csv", 1, None, "UTF-16", "export it as UTF-8")


@pytest.mark.parametrize(
    ("system", "file_name", "content", "query", "expected"),
    [
        (
            "crm",
            "User.csv",
            salesforce_csv(USERS, [USER], bom=True),
            "select Id, Name from raw.crm__users",
            [("005A", "Jörg Müller")],
        ),
        (
            "crm",
            "User.csv",
            salesforce_csv(USERS, [USER], bom=False),
            "select Id, Name from raw.crm__users",
            [("005A", "Jörg Müller")],
        ),
        (
            "finance",
            "fx_rates.csv",
            b"\xef\xbb\xbf" + erp_csv(FX_RATES, [FX]),
            "select Datum, Kurs from raw.finance__fx_rates",
            [(date(2024, 2, 1), Decimal("1.081200"))],
        ),
        (
            "marketing",
            "touchpoints.jsonl",
            ("\ufeff" + jsonl(TOUCH)).encode(),
            "select touchpoint_id, _line_number from raw.marketing__touchpoints",
            [("TP-1", 1)],
        ),
    ],
    ids=["crm-with-bom", "crm-without-bom", "finance-with-utf8-bom", "jsonl-with-bom"],
)
def test_byte_order_mark_present_or_absent_is_loaded(
    landing: Path, wh: Path, system: str, file_name: str, content: bytes, query: str, expected: list
) -> None:
    write_drop(landing, system, D1, file_name, content)
    outcome = run(landing, wh)
    assert outcome.errors == []
    assert outcome.counts(f"{system}/{D1}/{file_name}") == (1, 1, 0)
    assert outcome.sql(query) == expected


# =========================================================================== header / schema drift


def test_missing_required_column_is_an_error(landing: Path, wh: Path) -> None:
    columns = [c for c in OPPORTUNITIES.column_names if c != "StageName"]
    write_drop(landing, "crm", D1, "Opportunity.csv", salesforce_csv(OPPORTUNITIES, [OPP], columns))
    outcome = run(landing, wh)
    assert_error(
        outcome.error,
        "crm/2024-02-01/Opportunity.csv",
        1,
        "StageName",
        "required column(s) StageName missing from the header",
        "fix the export",
    )


def test_missing_optional_column_is_loaded_as_null_with_a_warning(landing: Path, wh: Path) -> None:
    columns = [c for c in OPPORTUNITIES.column_names if c != "Amount"]
    write_drop(landing, "crm", D1, "Opportunity.csv", salesforce_csv(OPPORTUNITIES, [OPP], columns))
    outcome = run(landing, wh)
    result = outcome.results["crm/2024-02-01/Opportunity.csv"]
    assert (result.rows_read, result.rows_loaded) == (1, 1)
    assert result.warnings == ["optional columns missing (loaded as null): Amount"]
    assert outcome.sql("select Id, Amount from raw.crm__opportunities") == [("006A", None)]
    assert outcome.sql("select warnings from raw._load_manifest") == [
        ("optional columns missing (loaded as null): Amount",)
    ]


def test_extra_column_is_ignored_with_a_warning(landing: Path, wh: Path) -> None:
    columns = [*OPPORTUNITIES.column_names, "Discount__c"]
    row = {**OPP, "Discount__c": "5"}
    write_drop(landing, "crm", D1, "Opportunity.csv", salesforce_csv(OPPORTUNITIES, [row], columns))
    outcome = run(landing, wh)
    result = outcome.results["crm/2024-02-01/Opportunity.csv"]
    assert result.rows_loaded == 1
    assert result.warnings == ["ignored columns not in the contract: Discount__c"]


def test_renamed_required_column_is_an_error_pointing_at_the_new_name(
    landing: Path, wh: Path
) -> None:
    columns = ["Nettobetrag" if c == "Betrag" else c for c in CAMPAIGN_COSTS.column_names]
    row = {**COST, "Nettobetrag": COST["Betrag"]}
    write_drop(
        landing, "finance", D1, "campaign_costs.csv", erp_csv(CAMPAIGN_COSTS, [row], columns)
    )
    outcome = run(landing, wh)
    assert_error(
        outcome.error,
        "finance/2024-02-01/campaign_costs.csv",
        1,
        "Betrag",
        "required column(s) Betrag missing",
        "if the source renamed a column (not in the contract: Nettobetrag)",
        "ingestion/finance/__init__.py",
    )


def test_renamed_optional_column_is_loaded_as_null_and_both_names_are_reported(
    landing: Path, wh: Path
) -> None:
    columns = ["Amount_EUR" if c == "Amount" else c for c in OPPORTUNITIES.column_names]
    row = {**OPP, "Amount_EUR": OPP["Amount"]}
    write_drop(landing, "crm", D1, "Opportunity.csv", salesforce_csv(OPPORTUNITIES, [row], columns))
    outcome = run(landing, wh)
    result = outcome.results["crm/2024-02-01/Opportunity.csv"]
    assert result.warnings == [
        "ignored columns not in the contract: Amount_EUR",
        "optional columns missing (loaded as null): Amount",
    ]
    assert outcome.sql("select Amount from raw.crm__opportunities") == [(None,)]


def test_header_in_other_case_with_spaces_and_in_another_order_is_loaded(
    landing: Path, wh: Path
) -> None:
    # Reversed order, upper case, padded; "Close Date" differs only by a space inside.
    names = list(reversed(OPPORTUNITIES.column_names))
    header = [
        "Close Date" if n == "CloseDate" else f"  {n.upper()} " if i % 2 else n.lower()
        for i, n in enumerate(names)
    ]
    rows = [{h: OPP.get(n, "") for h, n in zip(header, names, strict=True)}]
    write_drop(landing, "crm", D1, "Opportunity.csv", salesforce_csv(OPPORTUNITIES, rows, header))
    outcome = run(landing, wh)
    result = outcome.results["crm/2024-02-01/Opportunity.csv"]
    assert (result.rows_read, result.rows_loaded) == (1, 1)
    assert result.warnings == ["header 'Close Date' read as column 'CloseDate'"]
    assert outcome.sql(
        "select Id, StageName, Amount, CloseDate, SystemModstamp from raw.crm__opportunities"
    ) == [("006A", "Prospecting", Decimal("1000.00"), date(2024, 3, 31), datetime(2024, 1, 2, 10))]


def test_a_contract_column_twice_in_the_header_is_an_error(landing: Path, wh: Path) -> None:
    write_drop(
        landing,
        "finance",
        D1,
        "fx_rates.csv",
        "Datum;Waehrung;Kurs;kurs\r\n01.02.2024;USD;1,08;1,09\r\n",
        "cp1252",
    )
    outcome = run(landing, wh)
    assert_error(
        outcome.error,
        "finance/2024-02-01/fx_rates.csv",
        1,
        "Kurs",
        "column 'Kurs' appears 2 times in the header (fields 3, 4)",
        "remove the duplicate column",
    )


# =========================================================================== keys and deliveries


def test_duplicate_keys_with_different_content_in_one_file_are_both_loaded(
    landing: Path, wh: Path
) -> None:
    rows = [OPP, {**OPP, "StageName": "Qualification", "Amount": "2000.00"}]
    write_drop(landing, "crm", D1, "Opportunity.csv", salesforce_csv(OPPORTUNITIES, rows))
    outcome = run(landing, wh)
    assert outcome.counts("crm/2024-02-01/Opportunity.csv") == (2, 2, 0)
    assert outcome.sql(
        "select Id, StageName, _line_number from raw.crm__opportunities order by _line_number"
    ) == [("006A", "Prospecting", 2), ("006A", "Qualification", 3)]
    assert outcome.sql("select count(distinct _row_hash) from raw.crm__opportunities") == [(2,)]


def test_duplicate_keys_across_drops_are_both_loaded(landing: Path, wh: Path) -> None:
    write_drop(landing, "finance", D1, "fx_rates.csv", erp_csv(FX_RATES, [FX]))
    write_drop(
        landing, "finance", D2, "fx_rates.csv", erp_csv(FX_RATES, [{**FX, "Kurs": "1,0900"}])
    )
    outcome = run(landing, wh)
    assert outcome.sql(
        "select Datum, Waehrung, Kurs, _extract_date, _line_number "
        "from raw.finance__fx_rates order by _extract_date"
    ) == [
        (date(2024, 2, 1), "USD", Decimal("1.081200"), date(2024, 2, 1), 2),
        (date(2024, 2, 1), "USD", Decimal("1.090000"), date(2024, 2, 2), 2),
    ]


def test_same_file_at_the_same_path_twice_is_skipped(landing: Path, wh: Path) -> None:
    write_drop(landing, "finance", D1, "fx_rates.csv", erp_csv(FX_RATES, [FX]))
    first = run(landing, wh)
    second = run(landing, wh)
    file = "finance/2024-02-01/fx_rates.csv"
    assert not first.results[file].skipped and second.results[file].skipped
    assert second.counts(file) == (0, 0, 0)
    assert second.sql("select count(*) from raw.finance__fx_rates") == [(1,)]
    assert second.sql("select count(*) from raw._load_manifest") == [(1,)]


def test_same_content_in_a_new_drop_is_loaded_again(landing: Path, wh: Path) -> None:
    # A later drop is a new delivery even when its bytes repeat an earlier one; staging
    # collapses the two versions of the key.
    content = erp_csv(FX_RATES, [FX])
    write_drop(landing, "finance", D1, "fx_rates.csv", content)
    run(landing, wh)
    write_drop(landing, "finance", D2, "fx_rates.csv", content)
    outcome = run(landing, wh)
    assert outcome.results["finance/2024-02-01/fx_rates.csv"].skipped
    assert outcome.counts("finance/2024-02-02/fx_rates.csv") == (1, 1, 0)
    [(first_date, first_hash), (second_date, second_hash)] = outcome.sql(
        "select _extract_date, _row_hash from raw.finance__fx_rates order by 1"
    )
    assert (first_date, second_date) == (date(2024, 2, 1), date(2024, 2, 2))
    assert first_hash == second_hash


def test_changed_file_at_an_already_loaded_path_is_refused(landing: Path, wh: Path) -> None:
    path = write_drop(landing, "finance", D1, "fx_rates.csv", erp_csv(FX_RATES, [FX]))
    run(landing, wh)
    path.write_bytes(erp_csv(FX_RATES, [{**FX, "Kurs": "9,9999"}]))

    outcome = run(landing, wh)

    assert_error(
        outcome.error,
        "finance/2024-02-01/fx_rates.csv",
        None,
        None,
        "loaded before with different content",
        "it is not loaded again",
        "put corrected rows into a new drop folder",
    )
    assert outcome.sql("select Kurs from raw.finance__fx_rates") == [(Decimal("1.081200"),)]


def test_correction_in_a_later_drop_is_loaded_next_to_the_original(landing: Path, wh: Path) -> None:
    write_drop(landing, "crm", D1, "Opportunity.csv", salesforce_csv(OPPORTUNITIES, [OPP]))
    correction = {**OPP, "Amount": "1500.00", "SystemModstamp": "2024-02-01T16:00:00.000+0000"}
    write_drop(landing, "crm", D2, "Opportunity.csv", salesforce_csv(OPPORTUNITIES, [correction]))
    outcome = run(landing, wh)
    # Both versions are in raw; staging keeps the one with the latest SystemModstamp.
    assert outcome.sql(
        "select Amount, SystemModstamp, _extract_date from raw.crm__opportunities order by 3"
    ) == [
        (Decimal("1000.00"), datetime(2024, 1, 2, 10), date(2024, 2, 1)),
        (Decimal("1500.00"), datetime(2024, 2, 1, 16), date(2024, 2, 2)),
    ]


@pytest.mark.parametrize(
    ("system", "file_name", "content", "line", "column", "reason"),
    [
        (
            "crm",
            "Opportunity.csv",
            salesforce_csv(OPPORTUNITIES, [OPP, {**OPP, "Id": ""}]),
            3,
            "Id",
            "Id: required value missing",
        ),
        (
            "crm",
            "Opportunity.csv",
            salesforce_csv(OPPORTUNITIES, [OPP, {**OPP, "Id": "   "}]),
            3,
            "Id",
            "Id: required value missing",
        ),
        (
            "finance",
            "budgets.csv",
            erp_csv(BUDGETS, [BUDGET, {**BUDGET, "Monat": ""}]),
            3,
            "Monat",
            "Monat: required value missing",
        ),
        (
            "marketing",
            "touchpoints.jsonl",
            jsonl(TOUCH, {**TOUCH, "touchpoint_id": None}).encode(),
            2,
            "touchpoint_id",
            "touchpoint_id: required value missing",
        ),
        (
            "marketing",
            "touchpoints.jsonl",
            jsonl(TOUCH, {k: v for k, v in TOUCH.items() if k != "touchpoint_id"}).encode(),
            2,
            "touchpoint_id",
            "required field 'touchpoint_id' missing",
        ),
    ],
    ids=["crm-empty", "crm-blank", "finance-composite-key-part", "jsonl-null", "jsonl-absent"],
)
def test_null_keys_are_quarantined(
    landing: Path,
    wh: Path,
    system: str,
    file_name: str,
    content: bytes,
    line: int,
    column: str,
    reason: str,
) -> None:
    write_drop(landing, system, D1, file_name, content)
    outcome = run(landing, wh)
    assert outcome.counts(f"{system}/{D1}/{file_name}") == (2, 1, 1)
    assert outcome.quarantine() == [(line, column, reason)]


# =========================================================================== values


def test_orphaned_foreign_keys_are_loaded(landing: Path, wh: Path) -> None:
    # Referential integrity is a dbt test (relationships) on staging and marts, not a loader
    # rule: the referenced record may arrive in a later drop of another system.
    write_drop(
        landing,
        "crm",
        D1,
        "Opportunity.csv",
        salesforce_csv(OPPORTUNITIES, [{**OPP, "AccountId": "001NOPE"}]),
    )
    write_drop(
        landing,
        "finance",
        D1,
        "campaign_costs.csv",
        erp_csv(CAMPAIGN_COSTS, [{**COST, "Kampagne": "NO-SUCH-CAMPAIGN"}]),
    )
    outcome = run(landing, wh)
    assert outcome.errors == []
    assert outcome.sql("select AccountId from raw.crm__opportunities") == [("001NOPE",)]
    assert outcome.sql("select Kampagne from raw.finance__campaign_costs") == [
        ("NO-SUCH-CAMPAIGN",)
    ]


def test_negative_amounts_are_loaded(landing: Path, wh: Path) -> None:
    # A credit note is a legal negative cost or revenue line.
    write_drop(
        landing,
        "finance",
        D1,
        "campaign_costs.csv",
        erp_csv(CAMPAIGN_COSTS, [{**COST, "Betrag": "-1.234,50"}]),
    )
    write_drop(
        landing,
        "finance",
        D1,
        "revenue_bookings.csv",
        erp_csv(REVENUE_BOOKINGS, [{**BOOKING, "Umsatz": "-500,00", "Herstellkosten": "-300,00"}]),
    )
    outcome = run(landing, wh)
    assert outcome.errors == []
    assert outcome.sql("select Betrag from raw.finance__campaign_costs") == [(Decimal("-1234.50"),)]
    assert outcome.sql("select Umsatz, Herstellkosten from raw.finance__revenue_bookings") == [
        (Decimal("-500.00"), Decimal("-300.00"))
    ]


@pytest.mark.parametrize("amount", ["abc", "12,34 EUR", "€ 5,00", "1,2,3", "n/a", "--5"])
def test_non_numeric_amounts_are_quarantined(landing: Path, wh: Path, amount: str) -> None:
    rows = [COST, {**COST, "Belegnummer": "K-2", "Betrag": amount}]
    write_drop(landing, "finance", D1, "campaign_costs.csv", erp_csv(CAMPAIGN_COSTS, rows))
    outcome = run(landing, wh)
    assert outcome.counts(f"finance/{D1}/campaign_costs.csv") == (2, 1, 1)
    assert outcome.quarantine() == [
        (3, "Betrag", f"Betrag: {amount} is not a number like 1.234,56")
    ]


@pytest.mark.parametrize(
    ("system", "amount", "loaded"),
    [
        # Finance declares decimal comma and '.' for thousands (groups of three digits).
        ("finance", "1.5", None),  # a decimal point where a comma is declared
        ("finance", "12.34", None),
        ("finance", "1.500", Decimal("1500.00")),  # read as thousands: as declared
        ("finance", "1.234.567,89", Decimal("1234567.89")),
        ("finance", "1234567,89", Decimal("1234567.89")),
        ("finance", "1.23.4,5", None),  # separators not grouping three digits
        ("finance", " 1,5 ", Decimal("1.50")),
        # CRM declares a decimal point and no thousands separator.
        ("crm", "1234.5", Decimal("1234.50")),
        ("crm", "1,234.50", None),
        ("crm", "1234,50", None),
    ],
)
def test_decimal_and_thousands_separators(
    landing: Path, wh: Path, system: str, amount: str, loaded: Decimal | None
) -> None:
    if system == "finance":
        file, table, column, example = (
            "campaign_costs.csv",
            "finance__campaign_costs",
            "Betrag",
            "1.234,56",
        )
        write_drop(landing, system, D1, file, erp_csv(CAMPAIGN_COSTS, [{**COST, "Betrag": amount}]))
    else:
        file, table, column, example = "Opportunity.csv", "crm__opportunities", "Amount", "1234.56"
        write_drop(
            landing, system, D1, file, salesforce_csv(OPPORTUNITIES, [{**OPP, "Amount": amount}])
        )
    outcome = run(landing, wh)
    if loaded is None:
        assert outcome.counts(f"{system}/{D1}/{file}") == (1, 0, 1)
        assert outcome.quarantine() == [
            (2, column, f"{column}: {amount} is not a number like {example}")
        ]
    else:
        assert outcome.counts(f"{system}/{D1}/{file}") == (1, 1, 0)
        assert outcome.sql(f"select {column} from raw.{table}") == [(loaded,)]


def test_unknown_currency_is_loaded_as_delivered(landing: Path, wh: Path) -> None:
    # No FX rate exists for XYZ: the marts' not_null test on amount_reporting stops the
    # build (a missing FX rate is never a silent null). Case and spaces are normalised in
    # staging (clean_currency).
    rows = [{**COST, "Waehrung": "XYZ"}, {**COST, "Belegnummer": "K-2", "Waehrung": " eur"}]
    write_drop(landing, "finance", D1, "campaign_costs.csv", erp_csv(CAMPAIGN_COSTS, rows))
    outcome = run(landing, wh)
    assert outcome.sql(
        "select Waehrung from raw.finance__campaign_costs order by _line_number"
    ) == [
        ("XYZ",),
        (" eur",),
    ]


def test_dates_in_the_future_are_loaded(landing: Path, wh: Path) -> None:
    # Expected close dates and planned invoice dates lie in the future; "today" is not a
    # loader rule (reports are reproducible for any reporting date).
    write_drop(
        landing,
        "crm",
        D1,
        "Opportunity.csv",
        salesforce_csv(OPPORTUNITIES, [{**OPP, "CloseDate": "2099-12-31"}]),
    )
    write_drop(
        landing,
        "finance",
        D1,
        "campaign_costs.csv",
        erp_csv(CAMPAIGN_COSTS, [{**COST, "Belegdatum": "31.12.2099"}]),
    )
    outcome = run(landing, wh)
    assert outcome.sql("select CloseDate from raw.crm__opportunities") == [(date(2099, 12, 31),)]
    assert outcome.sql("select Belegdatum from raw.finance__campaign_costs") == [
        (date(2099, 12, 31),)
    ]


@pytest.mark.parametrize(
    ("system", "value", "loaded"),
    [
        ("finance", "31.02.2024", None),
        ("finance", "29.02.2023", None),
        ("finance", "29.02.2024", date(2024, 2, 29)),
        ("finance", "31.01.24", None),  # two-digit year: not the year 24
        ("finance", "2024-01-31", None),  # ISO date where dd.mm.yyyy is declared
        ("finance", "1.2.2024", date(2024, 2, 1)),
        ("crm", "2024-02-30", None),
        ("crm", "31.01.2024", None),
        ("crm", "24-01-31", None),
    ],
)
def test_impossible_and_malformed_dates_are_quarantined(
    landing: Path, wh: Path, system: str, value: str, loaded: date | None
) -> None:
    if system == "finance":
        file, table, column, fmt = (
            "campaign_costs.csv",
            "finance__campaign_costs",
            "Belegdatum",
            "%d.%m.%Y",
        )
        write_drop(landing, system, D1, file, erp_csv(CAMPAIGN_COSTS, [{**COST, column: value}]))
    else:
        file, table, column, fmt = "Opportunity.csv", "crm__opportunities", "CloseDate", "%Y-%m-%d"
        write_drop(
            landing, system, D1, file, salesforce_csv(OPPORTUNITIES, [{**OPP, column: value}])
        )
    outcome = run(landing, wh)
    if loaded is None:
        assert outcome.quarantine() == [
            (2, column, f"{column}: {value} is not a date in the format {fmt}")
        ]
    else:
        assert outcome.sql(f"select {column} from raw.{table}") == [(loaded,)]


MIXED_ZONES = [
    ("2024-01-23T02:35:01.000+0100", datetime(2024, 1, 23, 1, 35, 1)),
    ("2024-01-23T02:35:01+01:00", datetime(2024, 1, 23, 1, 35, 1)),
    ("2024-01-23T02:35:01.000-0500", datetime(2024, 1, 23, 7, 35, 1)),
    ("2024-01-23T02:35:01Z", datetime(2024, 1, 23, 2, 35, 1)),
    ("2024-01-23T02:35:01.000+0000", datetime(2024, 1, 23, 2, 35, 1)),
    ("2024-01-23T02:35:01", datetime(2024, 1, 23, 2, 35, 1)),  # no offset: UTC
    ("2024-01-23 02:35:01", datetime(2024, 1, 23, 2, 35, 1)),
]


def test_mixed_time_zones_are_converted_to_utc(landing: Path, wh: Path) -> None:
    rows = [{**OPP, "Id": f"006{i}", "CreatedDate": v} for i, (v, _) in enumerate(MIXED_ZONES)]
    write_drop(landing, "crm", D1, "Opportunity.csv", salesforce_csv(OPPORTUNITIES, rows))
    outcome = run(landing, wh)
    assert outcome.sql("select CreatedDate from raw.crm__opportunities order by _line_number") == [
        (expected,) for _, expected in MIXED_ZONES
    ]


def test_timestamps_are_utc_whatever_the_sessions_time_zone(landing: Path, wh: Path) -> None:
    # load_file is public: a caller's connection in another time zone must not shift values
    # without an offset (they are UTC by contract).
    rows = [{**OPP, "Id": f"006{i}", "CreatedDate": v} for i, (v, _) in enumerate(MIXED_ZONES)]
    write_drop(landing, "crm", D1, "Opportunity.csv", salesforce_csv(OPPORTUNITIES, rows))
    [lf], problems = scan(landing)
    assert problems == []
    with duckdb.connect(str(wh)) as con:
        con.execute("set TimeZone = 'America/New_York'")
        ensure_raw_tables(con, [OPPORTUNITIES])
        load_file(con, lf, datetime(2024, 2, 1))
        loaded = con.execute(
            "select CreatedDate from raw.crm__opportunities order by _line_number"
        ).fetchall()
    assert loaded == [(expected,) for _, expected in MIXED_ZONES]
    assert_accounting(wh)


@pytest.mark.parametrize(
    "value", ["23.01.2024 10:00", "24-01-23T10:00:00Z", "1706002501", "yesterday"]
)
def test_malformed_timestamps_are_quarantined(landing: Path, wh: Path, value: str) -> None:
    write_drop(
        landing,
        "crm",
        D1,
        "Opportunity.csv",
        salesforce_csv(OPPORTUNITIES, [{**OPP, "CreatedDate": value}]),
    )
    outcome = run(landing, wh)
    assert outcome.quarantine() == [
        (
            2,
            "CreatedDate",
            f"CreatedDate: {value} is not an ISO 8601 timestamp like 2024-01-31T09:30:00.000+0000",
        )
    ]


def test_probability_1000_is_loaded_and_left_to_the_dbt_range_test(landing: Path, wh: Path) -> None:
    # The loader checks types, not business ranges: raw keeps what the CRM exported, and the
    # dbt build of fct_opportunities (accepted_range 0-100 on probability) stops publishing.
    write_drop(
        landing,
        "crm",
        D1,
        "Opportunity.csv",
        salesforce_csv(OPPORTUNITIES, [{**OPP, "Probability": "1000"}]),
    )
    outcome = run(landing, wh)
    assert outcome.sql("select Probability from raw.crm__opportunities") == [(Decimal("1000.00"),)]


def test_email_in_two_cases_is_loaded_as_delivered(landing: Path, wh: Path) -> None:
    # Matching is case-insensitive downstream: staging lower-cases and trims e-mails.
    touches = [
        {**TOUCH, "email": "Anna.Mueller@Example.com"},
        {**TOUCH, "touchpoint_id": "TP-2", "email": " anna.mueller@example.com "},
    ]
    write_drop(landing, "marketing", D1, "touchpoints.jsonl", jsonl(*touches))
    outcome = run(landing, wh)
    assert outcome.sql("select email from raw.marketing__touchpoints order by _line_number") == [
        ("Anna.Mueller@Example.com",),
        (" anna.mueller@example.com ",),
    ]


# =========================================================================== empty files


@pytest.mark.parametrize(
    ("system", "file_name", "content"),
    [
        ("crm", "Opportunity.csv", salesforce_csv(OPPORTUNITIES, [])),
        ("finance", "fx_rates.csv", erp_csv(FX_RATES, []) + b"\r\n\r\n"),
        ("marketing", "touchpoints.jsonl", b""),
        ("marketing", "touchpoints.jsonl", b"\n\n"),
    ],
    ids=["crm-header-only", "finance-header-and-blank-lines", "jsonl-zero-bytes", "jsonl-blank"],
)
def test_files_without_records_load_zero_rows(
    landing: Path, wh: Path, system: str, file_name: str, content: bytes
) -> None:
    write_drop(landing, system, D1, file_name, content)
    outcome = run(landing, wh)
    assert outcome.errors == []
    assert outcome.counts(f"{system}/{D1}/{file_name}") == (0, 0, 0)
    assert outcome.sql("select rows_read from raw._load_manifest") == [(0,)]


def test_zero_byte_csv_is_an_error(landing: Path, wh: Path) -> None:
    write_drop(landing, "crm", D1, "Opportunity.csv", b"")
    outcome = run(landing, wh)
    assert_error(
        outcome.error,
        "crm/2024-02-01/Opportunity.csv",
        1,
        None,
        "zero bytes, not even a header",
        "replace the file with a complete export",
    )


# =========================================================================== landing folder layout


def test_directory_where_a_file_is_expected_is_an_error(landing: Path, wh: Path) -> None:
    (landing / "crm" / D1 / "Opportunity.csv").mkdir(parents=True)
    write_drop(landing, "crm", D1, "User.csv", salesforce_csv(USERS, [USER]))
    outcome = run(landing, wh)
    assert_error(
        outcome.error,
        "crm/2024-02-01/Opportunity.csv",
        None,
        None,
        "expected the file Opportunity.csv, found a folder",
        "remove the folder",
    )
    assert list(outcome.results) == ["crm/2024-02-01/User.csv"]  # the rest is loaded


@pytest.mark.parametrize(
    "name",
    [
        "%2e%2e%2fOpportunity.csv",
        "Opportunity.csv\\..\\..\\User.csv",
        "Opportunity (1).csv",
        "Opportunities.csv",
        "Opportunity.csv ",
    ],
)
def test_unknown_or_path_traversal_file_names_are_an_error(
    landing: Path, wh: Path, name: str
) -> None:
    write_drop(landing, "crm", D1, name, salesforce_csv(OPPORTUNITIES, [OPP]))
    write_drop(landing, "crm", D1, "User.csv", salesforce_csv(USERS, [USER]))
    outcome = run(landing, wh)
    assert_error(
        outcome.error,
        f"crm/2024-02-01/{name}",
        None,
        None,
        f"unknown extract {name!r} for source system 'crm'",
        "known files are User.csv, Account.csv",
    )
    assert list(outcome.results) == ["crm/2024-02-01/User.csv"]
    assert outcome.sql("select count(*) from raw.crm__opportunities") == [(0,)]


def test_file_name_in_another_case_is_loaded(landing: Path, wh: Path) -> None:
    write_drop(landing, "crm", D1, "opportunity.CSV", salesforce_csv(OPPORTUNITIES, [OPP]))
    outcome = run(landing, wh)
    assert outcome.counts("crm/2024-02-01/opportunity.CSV") == (1, 1, 0)


def test_hidden_files_are_ignored(landing: Path, wh: Path) -> None:
    # Partial uploads (rsync, SFTP clients) and OS files (.DS_Store) start with a dot.
    write_drop(
        landing, "crm", D1, ".Opportunity.csv.Xa81b", salesforce_csv(OPPORTUNITIES, [OPP])[:20]
    )
    write_drop(landing, "crm", D1, ".DS_Store", b"\x00\x01")
    outcome = run(landing, wh)
    assert outcome.errors == [] and outcome.results == {}


def test_unknown_system_folder_is_an_error(landing: Path, wh: Path) -> None:
    write_drop(landing, "erp", D1, "campaign_costs.csv", erp_csv(CAMPAIGN_COSTS, [COST]))
    write_drop(landing, "finance", D1, "campaign_costs.csv", erp_csv(CAMPAIGN_COSTS, [COST]))
    outcome = run(landing, wh)
    assert_error(
        outcome.error,
        "/erp",
        None,
        None,
        "unknown source system folder 'erp'",
        "source folders are crm, marketing, finance",
    )
    assert list(outcome.results) == ["finance/2024-02-01/campaign_costs.csv"]


@pytest.mark.parametrize("drop", ["latest", "2024-13-01", "20240201", "2024-02-30"])
def test_drop_folder_that_is_not_a_date_is_an_error(landing: Path, wh: Path, drop: str) -> None:
    write_drop(landing, "finance", drop, "fx_rates.csv", erp_csv(FX_RATES, [FX]))
    outcome = run(landing, wh)
    assert_error(
        outcome.error,
        f"finance/{drop}",
        None,
        None,
        "not a drop folder: drop folders are named by their extract date, YYYY-MM-DD",
        "rename it to the day the files were exported",
    )
    assert outcome.results == {}


def test_file_directly_in_the_system_folder_is_an_error(landing: Path, wh: Path) -> None:
    (landing / "finance").mkdir()
    (landing / "finance" / "fx_rates.csv").write_bytes(erp_csv(FX_RATES, [FX]))
    outcome = run(landing, wh)
    assert_error(
        outcome.error,
        "finance/fx_rates.csv",
        None,
        None,
        "a file directly in the system folder",
        "move it to <landing>/finance/<YYYY-MM-DD>/fx_rates.csv",
    )


@pytest.mark.parametrize("linked", ["file", "drop folder"])
def test_symbolic_links_are_refused(landing: Path, wh: Path, tmp_path: Path, linked: str) -> None:
    outside = tmp_path / "outside" / D1
    outside.mkdir(parents=True)
    (outside / "fx_rates.csv").write_bytes(erp_csv(FX_RATES, [FX]))
    if linked == "file":
        (landing / "finance" / D1).mkdir(parents=True)
        link = landing / "finance" / D1 / "fx_rates.csv"
        os.symlink(outside / "fx_rates.csv", link)
    else:
        (landing / "finance").mkdir()
        link = landing / "finance" / D1
        os.symlink(outside, link, target_is_directory=True)
    outcome = run(landing, wh)
    assert_error(
        outcome.error,
        link.relative_to(landing).as_posix(),
        None,
        None,
        "a symbolic link (to ",
        "links below the landing folder are not read",
        "copy the file or folder into the landing folder",
    )
    assert outcome.results == {}


def test_landing_folder_itself_may_be_a_symbolic_link(tmp_path: Path, wh: Path) -> None:
    real = tmp_path / "sftp"
    write_drop(real, "finance", D1, "fx_rates.csv", erp_csv(FX_RATES, [FX]))
    link = tmp_path / "landing-link"
    os.symlink(real, link, target_is_directory=True)
    outcome = run(link, wh)
    assert outcome.errors == []
    assert outcome.counts(f"finance/{D1}/fx_rates.csv") == (1, 1, 0)


def test_file_that_vanishes_before_it_is_read_is_an_error(landing: Path, wh: Path) -> None:
    write_drop(landing, "finance", D1, "fx_rates.csv", erp_csv(FX_RATES, [FX]))
    [lf], _ = scan(landing)
    lf.path.unlink()
    with duckdb.connect(str(wh)) as con:
        ensure_raw_tables(con, [FX_RATES])
        with pytest.raises(IngestionError) as info:
            load_file(con, lf, datetime(2024, 2, 1))
    assert_error(info.value, "finance/2024-02-01/fx_rates.csv", None, None, "cannot be read")


# =========================================================================== JSON Lines


def test_jsonl_broken_lines_are_quarantined(landing: Path, wh: Path) -> None:
    lines = [
        CAMPAIGN,  # 1 loaded
        "{not json",  # 2
        json.dumps([CAMPAIGN]),  # 3 an array instead of an object
        '"701A"',  # 4 a string
        {k: v for k, v in CAMPAIGN.items() if k not in ("name", "channel")},  # 5
        {**CAMPAIGN, "campaign_id": "701B", "planned_budget": "1000"},  # 6 loaded: numeric text
        {**CAMPAIGN, "campaign_id": "701C", "planned_budget": "abc"},  # 7
        {**CAMPAIGN, "campaign_id": "701D", "planned_budget": True},  # 8
        {**CAMPAIGN, "campaign_id": "701E", "name": {"de": "Webinar"}},  # 9
        {**CAMPAIGN, "campaign_id": 701},  # 10 loaded: a number for an id is its text
        {**CAMPAIGN, "campaign_id": "701G", "updated_at": 1706002501},  # 11
        {"Campaign_ID": "701H", **{k: v for k, v in CAMPAIGN.items() if k != "campaign_id"}},
    ]
    write_drop(landing, "marketing", D1, "campaigns.jsonl", jsonl(*lines))

    outcome = run(landing, wh)

    assert outcome.counts(f"marketing/{D1}/campaigns.jsonl") == (12, 4, 8)
    assert outcome.sql(
        "select campaign_id, planned_budget, _line_number from raw.marketing__campaigns order by 3"
    ) == [
        ("701A", Decimal("5000.00"), 1),
        ("701B", Decimal("1000.00"), 6),
        ("701", Decimal("5000.00"), 10),
        ("701H", Decimal("5000.00"), 12),
    ]
    quarantined = outcome.quarantine()
    assert [q[:2] for q in quarantined] == [
        (2, None),
        (3, None),
        (4, None),
        (5, "name"),
        (7, "planned_budget"),
        (8, "planned_budget"),
        (9, "name"),
        (11, "updated_at"),
    ]
    reasons = [q[2] for q in quarantined]
    assert reasons[0].startswith("invalid JSON: Expecting property name enclosed in double quotes")
    assert reasons[1].startswith("a JSON object was expected, found an array")
    assert reasons[2].startswith("a JSON object was expected, found a string")
    assert reasons[3] == "required fields 'name', 'channel' missing"
    assert reasons[4] == "planned_budget: abc is not a number like 1234.56"
    assert reasons[5] == "planned_budget: true is not a number like 1234.56"
    assert reasons[6] == "name: expected a single value, found an object"
    assert reasons[7] == (
        "updated_at: 1706002501 is not an ISO 8601 timestamp like 2024-01-31T09:30:00.000+0000"
    )


def test_jsonl_blank_lines_and_windows_line_endings(landing: Path, wh: Path) -> None:
    content = (
        jsonl(TOUCH).replace("\n", "\r\n")
        + "\r\n   \r\n"
        + jsonl({**TOUCH, "touchpoint_id": "TP-2"}).replace("\n", "\r\n")
    )
    write_drop(landing, "marketing", D1, "touchpoints.jsonl", content)
    outcome = run(landing, wh)
    assert outcome.counts(f"marketing/{D1}/touchpoints.jsonl") == (2, 2, 0)
    assert outcome.sql(
        "select touchpoint_id, _line_number from raw.marketing__touchpoints order by 2"
    ) == [("TP-1", 1), ("TP-2", 4)]


# =========================================================================== CSV text


def test_very_long_text_field_is_loaded(landing: Path, wh: Path) -> None:
    description = ("Notes from the workshop; pricing, scope and next steps. " * 20_000)[:1_000_000]
    write_drop(
        landing,
        "crm",
        D1,
        "Task.csv",
        salesforce_csv(TASKS, [{**TASK, "Description": description}]),
    )
    outcome = run(landing, wh)
    assert outcome.sql(
        "select length(Description), Description = ? from raw.crm__tasks", [description]
    ) == [(1_000_000, True)]


def test_field_over_the_csv_size_limit_is_quarantined(landing: Path, wh: Path) -> None:
    limit = csv.field_size_limit()
    rows = [TASK, {**TASK, "Id": "00TB", "Description": "x" * 2_000}, {**TASK, "Id": "00TC"}]
    write_drop(landing, "crm", D1, "Task.csv", salesforce_csv(TASKS, rows))
    csv.field_size_limit(1_000)
    try:
        outcome = run(landing, wh)
    finally:
        csv.field_size_limit(limit)
    assert outcome.counts(f"crm/{D1}/Task.csv") == (3, 2, 1)
    assert outcome.quarantine() == [
        (
            3,
            None,
            "malformed CSV record: field larger than field limit (1000) (a quote inside a "
            'quoted value must be doubled: "")',
        )
    ]


def test_embedded_newlines_and_quotes_are_loaded_with_the_records_first_line(
    landing: Path, wh: Path
) -> None:
    text = 'He said "call me back"\r\nafter the "Messe", twice;\nok'
    rows = [{**TASK, "Description": text}, {**TASK, "Id": "00TB"}]
    write_drop(landing, "crm", D1, "Task.csv", salesforce_csv(TASKS, rows))
    outcome = run(landing, wh)
    assert outcome.sql("select Id, Description, _line_number from raw.crm__tasks order by 3") == [
        ("00TA", text, 2),
        ("00TB", None, 5),
    ]


def test_stray_quote_after_a_quoted_value_is_quarantined(landing: Path, wh: Path) -> None:
    header = ";".join(FX_RATES.column_names)
    content = f'{header}\r\n01.02.2024;"USD"X;1,08\r\n02.02.2024;USD;1,09\r\n'
    write_drop(landing, "finance", D1, "fx_rates.csv", content, "cp1252")
    outcome = run(landing, wh)
    assert outcome.counts(f"finance/{D1}/fx_rates.csv") == (2, 1, 1)
    assert outcome.quarantine() == [
        (
            2,
            None,
            "malformed CSV record: ';' expected after '\"' (a quote inside a quoted value must be doubled: \"\")",
        )
    ]
    assert outcome.sql("select record from raw._quarantine") == [('01.02.2024;"USD"X;1,08',)]


def test_unquoted_delimiter_in_a_value_is_quarantined(landing: Path, wh: Path) -> None:
    content = (
        erp_csv(CAMPAIGN_COSTS, [COST]).decode("cp1252")
        + "K-2;01.02.2024;701A;Agentur;Weiß; Söhne;1,00;EUR;\r\n"
    )
    write_drop(landing, "finance", D1, "campaign_costs.csv", content, "cp1252")
    outcome = run(landing, wh)
    width = len(CAMPAIGN_COSTS.columns)
    assert outcome.quarantine() == [
        (
            3,
            None,
            f"expected {width} fields, found {width + 1}: a value containing ';' must be quoted",
        )
    ]


def test_blank_lines_in_csv_are_not_records(landing: Path, wh: Path) -> None:
    header = ";".join(FX_RATES.column_names)
    content = f"{header}\r\n\r\n01.02.2024;USD;1,08\r\n   \r\n;;\r\n02.02.2024;USD;1,09\r\n\r\n"
    write_drop(landing, "finance", D1, "fx_rates.csv", content, "cp1252")
    outcome = run(landing, wh)
    assert outcome.counts(f"finance/{D1}/fx_rates.csv") == (2, 2, 0)
    assert outcome.sql("select Kurs, _line_number from raw.finance__fx_rates order by 2") == [
        (Decimal("1.080000"), 3),
        (Decimal("1.090000"), 6),
    ]


@pytest.mark.parametrize("eol", ["\r\n", "\n", "\r"], ids=["windows", "unix", "old-mac"])
def test_line_endings(landing: Path, wh: Path, eol: str) -> None:
    rows = [USER, {**USER, "Id": "005B"}]
    write_drop(landing, "crm", D1, "User.csv", salesforce_csv(USERS, rows, eol=eol))
    outcome = run(landing, wh)
    assert outcome.sql("select Id, Name, _line_number from raw.crm__users order by 3") == [
        ("005A", "Jörg Müller", 2),
        ("005B", "Jörg Müller", 3),
    ]


# =========================================================================== pure helpers


@pytest.mark.parametrize(
    ("date_format", "matches", "rejects"),
    [
        ("%d.%m.%Y", ["31.01.2024", "1.2.2024"], ["31.01.24", "2024-01-31", "31/01/2024"]),
        ("%Y-%m-%d", ["2024-01-31", "2024-1-3"], ["24-01-31", "31.01.2024", "20240131"]),
    ],
)
def test_date_pattern_requires_the_declared_shape_and_four_digit_years(
    date_format: str, matches: list[str], rejects: list[str]
) -> None:
    pattern = date_pattern(date_format)
    assert pattern is not None
    assert all(re.fullmatch(pattern, v) for v in matches)
    assert not any(re.fullmatch(pattern, v) for v in rejects)
    assert date_pattern("%d %b %Y") is None  # month names: left to strptime alone


def test_column_at_names_the_field_a_position_falls_in() -> None:
    header = list(CAMPAIGN_COSTS.column_names)
    assert column_at("", header, CAMPAIGN_COSTS) == "Belegnummer"
    assert column_at("K-1;31.01.2024;701A;Agentur;M", header, CAMPAIGN_COSTS) == "Lieferant"
    assert column_at('K-1;31.01.2024;"70;1A', header, CAMPAIGN_COSTS) == "Kampagne"
    assert column_at(";" * 20, header, CAMPAIGN_COSTS) is None
    assert column_at('{"touchpoint_id": "TP-1", "email": "M', [], TOUCHPOINTS) == "email"
    assert column_at("{", [], TOUCHPOINTS) is None
