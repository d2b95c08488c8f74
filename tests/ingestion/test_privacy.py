"""The personal-data scan used before publishing: e-mail and phone shapes, no false alarms."""

from __future__ import annotations

import duckdb
import pytest

from ingestion.privacy import find_personal_data, personal_data_condition

EMAILS = [
    "anna.mueller@example.de",
    "Anna.Mueller@Example.DE",
    "  j.smith+webinar@mail.example.co.uk ",
    "o'brien@example.ie",
    "Call notes: reached max@example.com, will follow up",
]
PHONES = [
    "+49 89 1234567",
    "+41 44 123 45 67",
    "+1 (555) 123-4567",
    "+49 (0)89 1234567",
    "+4989123456",
    "0049 89 1234567",
    "089 1234567",
    "0171-1234567",
    "030/1234567",
    "(089) 123 456",
    "(555) 123-4567",
    " +44 20 7946 0958 ",
]
# Values of the published marts that must never be mistaken for personal data.
NOT_PERSONAL = [
    "00Q5g00000AbCdEFGH",  # Salesforce ids
    "006A000000123",
    "0012345678",  # zero-padded number without separators
    "001000000000000431",  # an all-digit account id (no '+', '(' or separator: no phone)
    "  0049891234567 ",  # digits between blanks only
    "0001-000123",  # zero-padded document number
    "RE-2024-000123",  # invoice number
    "K-17",
    "701A",
    "12345.67",  # amounts as text
    "1.234,56",
    "-1234.5",
    "+12.5",
    "+1234567.89",
    "2024-01-31",  # dates and timestamps
    "2024-01-31 10:00:00",
    "2024-01-31T10:00:00+01:00",
    "01.02.2024",
    "01-02-2024",
    "01/02/2024",
    "20240131",
    "80331",  # postcode
    "1.2.3",
    "e3b0c44298fc1c149afbf4c8996fb924",  # pseudonymous key (md5)
    "c9bf9e57-1685-4c89-bafb-ff5af830be8a",  # uuid
    "DE89 3704 0044 0532 0130 00",  # IBAN
    "@handle",
    "user at example dot com",
    "a@b",
    "Email: Follow-up",
    "paid_search",
    "",
]


def _matches(value: str, phones: bool = True) -> bool:
    with duckdb.connect() as con:
        return con.execute(
            f"select {personal_data_condition('v', phones=phones)} from (select ? as v)", [value]
        ).fetchone()[0]


@pytest.mark.parametrize("value", EMAILS)
def test_email_shaped_values_are_found(value: str) -> None:
    assert _matches(value)
    assert _matches(value, phones=False)


@pytest.mark.parametrize("value", PHONES)
def test_phone_shaped_values_are_found(value: str) -> None:
    assert _matches(value)
    assert not _matches(value, phones=False)


@pytest.mark.parametrize("value", NOT_PERSONAL)
def test_ids_amounts_and_dates_are_not_personal_data(value: str) -> None:
    assert not _matches(value)


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts; create schema staging")
    return con


def test_reports_table_column_and_count_per_text_column(con: duckdb.DuckDBPyConnection) -> None:
    # Column 'contact' mixes e-mails, phones and harmless values; the expected counts come
    # from the lists above, not from the scanner.
    contact = EMAILS + PHONES + NOT_PERSONAL
    con.execute("create table marts.people (id integer, contact varchar, note varchar)")
    con.executemany(
        "insert into marts.people values (?, ?, ?)",
        [(i, v, "no personal data here") for i, v in enumerate(contact)],
    )
    con.execute("create table marts.clean (key varchar, amount decimal(18, 2), phone_ish bigint)")
    con.execute("insert into marts.clean values ('e3b0c442', 12.5, 4989123456789)")
    con.execute("create view marts.people_view as select contact as c from marts.people")
    con.execute("create table staging.leads (email varchar)")
    con.execute("insert into staging.leads values ('x@example.com')")

    found = find_personal_data(con, ["marts"])

    assert found == [
        ("marts.people", "contact", len(EMAILS) + len(PHONES)),
        ("marts.people_view", "c", len(EMAILS) + len(PHONES)),
    ]
    assert find_personal_data(con, ["marts"], phones=False) == [
        ("marts.people", "contact", len(EMAILS)),
        ("marts.people_view", "c", len(EMAILS)),
    ]
    assert find_personal_data(con, ["staging"]) == [("staging.leads", "email", 1)]
    assert find_personal_data(con, ["staging", "marts"]) == [*found, ("staging.leads", "email", 1)]
    # Tables only (publish: its views read the scanned tables): the view is not scanned.
    assert find_personal_data(con, ["marts"], views=False) == [found[0]]


def test_nested_text_columns_are_scanned_for_emails(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create table marts.journeys (path varchar[], meta struct(owner varchar))")
    con.execute(
        "insert into marts.journeys values (['webinar', 'Max@Example.com'], {'owner': 'rep-1'}), "
        "(['ad_click'], {'owner': 'eva@example.org'}), (['email'], {'owner': 'rep-2'})"
    )
    assert find_personal_data(con, ["marts"]) == [
        ("marts.journeys", "path", 1),
        ("marts.journeys", "meta", 1),
    ]


def test_no_personal_data_gives_an_empty_list(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create table marts.campaigns (campaign_id varchar, channel varchar)")
    con.executemany(
        "insert into marts.campaigns values (?, ?)", [("701A", "email"), ("701B", "webinar")]
    )
    assert find_personal_data(con, ["marts"]) == []
    assert find_personal_data(con, ["no_such_schema"]) == []
