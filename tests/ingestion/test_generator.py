"""Tests of the sample extract generator: layout, formats, determinism, delta semantics and the
business rules a revenue-operations analyst relies on. Expectations are computed here from the
files (read with plain csv/json, not with the generator's code)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from ingestion import crm, finance, marketing
from ingestion.contract import Extract
from ingestion.registry import ALL_EXTRACTS, SYSTEMS
from ingestion.sample.generator import GenerationSummary, generate

SCALE = 0.03
BOM = b"\xef\xbb\xbf"
SF_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000\+0000$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SF_DECIMAL = re.compile(r"^-?\d+\.\d{2}$")
JSON_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
GERMAN_DATE = re.compile(r"^\d{2}\.\d{2}\.\d{4}$")
GERMAN_AMOUNT = re.compile(r"^-?\d{1,3}(\.\d{3})*,\d{2}$")


# ------------------------------------------------------------------ reading helpers


def read_records(path: Path, extract: Extract) -> tuple[list[str], list[dict]]:
    """(header, records) of one file, parsed with nothing but the contract's format."""
    fmt = extract.format
    if fmt.kind == "jsonl":
        records = [json.loads(line) for line in path.read_text(encoding=fmt.encoding).splitlines()]
        return list(extract.column_names), records
    text = path.read_bytes().decode(fmt.encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=fmt.delimiter)
    header = next(reader)
    return header, [dict(zip(header, row, strict=True)) for row in reader]


def all_records(root: Path, extract: Extract) -> list[dict]:
    """Records of every drop, oldest drop first, each tagged with its drop date."""
    out = []
    for folder in sorted((root / extract.system).iterdir()):
        for record in read_records(folder / extract.file_name, extract)[1]:
            out.append({**record, "_drop": folder.name})
    return out


def latest(records: list[dict], key: str) -> dict[str, dict]:
    """Latest state per key: the last record in drop and file order."""
    return {r[key]: r for r in records}


def monthly_drops(start: date, end: date) -> list[str]:
    drops, y, m = [], start.year, start.month
    while True:
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        drops.append(date(y, m, 1).isoformat())
        if date(y, m, 1) > end:
            return drops


def parse_sf_ts(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.000+0000")


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationSummary]:
    out = tmp_path_factory.mktemp("sample") / "landing"
    return out, generate(out, scale=SCALE, seed=42)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clean") / "landing"
    generate(out, scale=SCALE, seed=3, mess_rate=0)
    return out


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("messy") / "landing"
    generate(out, scale=0.25, seed=5, start=date(2024, 1, 1), end=date(2024, 12, 31), mess_rate=0.2)
    return out


# ------------------------------------------------------------------ layout and summary


def test_drop_folders_are_the_monthly_extract_dates(sample: tuple[Path, GenerationSummary]) -> None:
    root, summary = sample
    expected = monthly_drops(date(2023, 1, 1), date(2025, 12, 31))
    assert len(expected) == 36 and expected[0] == "2023-02-01" and expected[-1] == "2026-01-01"
    assert [d.isoformat() for d in summary.drops] == expected
    assert sorted(p.name for p in root.iterdir()) == sorted(SYSTEMS)
    for system, extracts in SYSTEMS.items():
        assert sorted(p.name for p in (root / system).iterdir()) == expected
        for drop in expected:
            files = sorted(p.name for p in (root / system / drop).iterdir())
            assert files == sorted(e.file_name for e in extracts)


def test_summary_matches_the_files(sample: tuple[Path, GenerationSummary]) -> None:
    root, summary = sample
    assert summary.out_dir == root
    assert summary.files == sum(1 for p in root.rglob("*") if p.is_file()) == 36 * len(ALL_EXTRACTS)
    assert set(summary.rows) == {e.table for e in ALL_EXTRACTS}
    for extract in ALL_EXTRACTS:
        assert summary.rows[extract.table] == len(all_records(root, extract)), extract.table
        assert summary.rows[extract.table] > 0, f"no rows at all for {extract.table}"
    assert summary.seconds > 0


def test_every_file_has_exactly_the_contract_columns(
    sample: tuple[Path, GenerationSummary],
) -> None:
    root, _ = sample
    for extract in ALL_EXTRACTS:
        for path in sorted((root / extract.system).glob(f"*/{extract.file_name}")):
            header, records = read_records(path, extract)
            assert header == list(extract.column_names), path
            if extract.format.kind == "jsonl":
                for line in path.read_text(encoding="utf-8").splitlines():
                    assert list(json.loads(line)) == list(extract.column_names), path
            else:
                assert all(len(r) == len(header) for r in records)


def test_crm_files_are_salesforce_csv(sample: tuple[Path, GenerationSummary]) -> None:
    root, _ = sample
    multiline = 0
    for extract in crm.EXTRACTS:
        for path in sorted((root / "crm").glob(f"*/{extract.file_name}")):
            raw = path.read_bytes()
            assert raw.startswith(BOM + extract.column_names[0].encode()), path
            raw.decode("utf-8")
            for record in read_records(path, extract)[1]:
                for col in extract.columns:
                    value = record[col.name]
                    if value == "":
                        assert not col.required or col.type == "boolean", (path, col.name)
                        continue
                    if col.type == "timestamp":
                        assert SF_TIMESTAMP.match(value), (col.name, value)
                    elif col.type == "date":
                        assert ISO_DATE.match(value), (col.name, value)
                    elif col.type == "boolean":
                        assert value == "1", (col.name, value)
                    elif col.type == "decimal":
                        assert SF_DECIMAL.match(value), (col.name, value)
                    elif col.type == "integer":
                        assert value.isdigit(), (col.name, value)
                multiline += "\n" in record.get("Description", "")
    assert multiline > 0, "some activity notes should span several lines (CSV quoting)"


def test_marketing_files_are_json_lines(sample: tuple[Path, GenerationSummary]) -> None:
    root, _ = sample
    for extract in marketing.EXTRACTS:
        for record in all_records(root, extract):
            for col in extract.columns:
                value = record[col.name]
                if value is None:
                    assert not col.required, col.name
                elif col.type == "timestamp":
                    assert JSON_TIMESTAMP.match(value), (col.name, value)
                elif col.type == "date":
                    assert ISO_DATE.match(value), (col.name, value)
                elif col.type == "decimal":
                    assert isinstance(value, int | float) and not isinstance(value, bool)
                else:
                    assert isinstance(value, str), (col.name, value)


def test_finance_files_are_german_erp_csv(sample: tuple[Path, GenerationSummary]) -> None:
    root, _ = sample
    umlauts = 0
    for extract in finance.EXTRACTS:
        for path in sorted((root / "finance").glob(f"*/{extract.file_name}")):
            raw = path.read_bytes()
            assert not raw.startswith(BOM)
            assert raw.startswith(";".join(extract.column_names).encode("cp1252") + b"\r\n")
            umlauts += sum(raw.count(c) for c in (b"\xfc", b"\xe4", b"\xf6", b"\xdf"))
            for record in read_records(path, extract)[1]:
                for col in extract.columns:
                    value = record[col.name]
                    if col.type == "date":
                        assert GERMAN_DATE.match(value), (col.name, value)
                        datetime.strptime(value, "%d.%m.%Y")
                    elif col.type == "decimal" and value:
                        pattern = GERMAN_AMOUNT if col.scale == 2 else re.compile(r"^\d+,\d{6}$")
                        assert pattern.match(value), (col.name, value)
    assert umlauts > 0, "supplier names with umlauts must be encoded in Windows-1252"


# ------------------------------------------------------------------ determinism and refusal


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_same_parameters_give_byte_identical_files(tmp_path: Path) -> None:
    params = dict(scale=SCALE, start=date(2024, 1, 1), end=date(2024, 6, 30), cadence="weekly")
    generate(tmp_path / "a", seed=11, **params)
    generate(tmp_path / "b", seed=11, **params)
    generate(tmp_path / "c", seed=12, **params)
    a, b, c = _tree(tmp_path / "a"), _tree(tmp_path / "b"), _tree(tmp_path / "c")
    assert a == b
    assert set(a) == set(c)
    assert a["crm/2024-01-08/Lead.csv"] != c["crm/2024-01-08/Lead.csv"]
    assert sum(a[k] != c[k] for k in a) > len(a) // 2


def test_refuses_a_folder_with_files_and_bad_parameters(tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "leftover.csv").write_text("x")
    with pytest.raises(ValueError, match="already contains files"):
        generate(tmp_path, scale=SCALE)
    assert [p.name for p in tmp_path.rglob("*")] == ["old", "leftover.csv"]
    for scale in (0, -1.0):
        with pytest.raises(ValueError, match="scale"):
            generate(tmp_path / "new", scale=scale)
    with pytest.raises(ValueError, match="cadence"):
        generate(tmp_path / "new", scale=SCALE, cadence="hourly")


# ------------------------------------------------------------------ delta semantics


def test_weekly_and_daily_drops(tmp_path: Path) -> None:
    weekly = generate(
        tmp_path / "w", scale=SCALE, start=date(2024, 1, 3), end=date(2024, 2, 29), cadence="weekly"
    )
    names = [d.isoformat() for d in weekly.drops]
    assert names[0] == "2024-01-08" and names[-1] == "2024-03-04"
    assert all(d.weekday() == 0 for d in weekly.drops)
    assert all((b - a).days == 7 for a, b in zip(weekly.drops, weekly.drops[1:], strict=False))
    daily = generate(
        tmp_path / "d", scale=SCALE, start=date(2024, 1, 1), end=date(2024, 1, 10), cadence="daily"
    )
    assert [d.day for d in daily.drops] == list(range(2, 12))
    assert sorted(p.name for p in (tmp_path / "d" / "crm").iterdir()) == [
        d.isoformat() for d in daily.drops
    ]


def test_each_drop_holds_what_changed_in_its_month(clean: Path) -> None:
    drops = monthly_drops(date(2023, 1, 1), date(2025, 12, 31))
    bounds = dict(zip(drops, [None, *drops[:-1]], strict=True))
    for extract in crm.EXTRACTS:
        if extract.modified_column is None:
            continue
        for folder in sorted((clean / "crm").iterdir()):
            records = read_records(folder / extract.file_name, extract)[1]
            keys = [tuple(r[k] for k in extract.primary_key) for r in records]
            assert len(keys) == len(set(keys)), (
                f"{extract.table} repeats a key within {folder.name}"
            )
            hi = datetime.fromisoformat(folder.name)
            lo = datetime.fromisoformat(bounds[folder.name]) if bounds[folder.name] else None
            for r in records:
                changed = parse_sf_ts(r[extract.modified_column])
                assert changed < hi and (lo is None or changed >= lo), (
                    extract.table,
                    folder.name,
                    r,
                )
    for record in all_records(clean, marketing.TOUCHPOINTS):
        occurred = datetime.strptime(record["occurred_at"], "%Y-%m-%dT%H:%M:%SZ")
        hi = datetime.fromisoformat(record["_drop"])
        assert hi - timedelta(days=31) <= occurred < hi


def test_a_daily_tail_cuts_the_same_history_into_daily_drops_at_the_end(
    clean: Path, tmp_path: Path
) -> None:
    out = tmp_path / "landing"
    tail = generate(out, scale=SCALE, seed=3, mess_rate=0, daily_tail_days=2)
    names = [d.isoformat() for d in tail.drops]
    regular = monthly_drops(date(2023, 1, 1), date(2025, 12, 31))
    assert names == [*regular[:-1], "2025-12-30", "2025-12-31", "2026-01-01"]
    last_day = datetime(2025, 12, 31)
    for extract in crm.EXTRACTS:
        if extract.modified_column:
            records = read_records(out / "crm" / "2026-01-01" / extract.file_name, extract)[1]
            assert all(parse_sf_ts(r[extract.modified_column]) >= last_day for r in records)
    touches = read_records(
        out / "marketing" / "2026-01-01" / marketing.TOUCHPOINTS.file_name, marketing.TOUCHPOINTS
    )[1]
    assert touches, "the last day has touchpoints"
    assert all(r["occurred_at"].startswith("2025-12-31") for r in touches)
    # the same world, only cut at other dates: the latest state of every row is unchanged
    for extract in ALL_EXTRACTS:
        assert _latest_states(out, extract) == _latest_states(clean, extract), extract.table


def _latest_states(root: Path, extract: Extract) -> dict[tuple, dict]:
    """Every row's latest state over all drops, by primary key, without the drop date."""
    return {
        tuple(r[k] for k in extract.primary_key): {k: v for k, v in r.items() if k != "_drop"}
        for r in all_records(root, extract)
    }


def test_first_drop_contains_the_history_before_the_window(clean: Path) -> None:
    users = read_records(clean / "crm" / "2023-02-01" / "User.csv", crm.USERS)[1]
    accounts = read_records(clean / "crm" / "2023-02-01" / "Account.csv", crm.ACCOUNTS)[1]
    assert any(u["HireDate__c"] < "2023-01-01" for u in users)
    assert any(a["CreatedDate"] < "2023-01-01" for a in accounts)
    later = all_records(clean, crm.USERS)
    assert any(u["HireDate__c"] >= "2023-01-01" for u in later), "some reps join during the window"


def test_no_mess_without_mess_rate(clean: Path) -> None:
    for extract in ALL_EXTRACTS:
        records = all_records(clean, extract)
        rows = Counter(tuple(v for k, v in r.items() if k != "_drop") for r in records)
        assert max(rows.values(), default=1) == 1, f"{extract.table} re-delivers rows"
    emails = [r["email"] for r in all_records(clean, marketing.TOUCHPOINTS) if r["email"]]
    emails += [r["Email"] for r in all_records(clean, crm.LEADS) if r["Email"]]
    assert all(e == e.strip().lower() for e in emails)
    invoices = all_records(clean, finance.REVENUE_BOOKINGS)
    assert len({r["Rechnungsnummer"] for r in invoices}) == len(invoices)


def test_mess_is_there_when_asked_for(messy: Path) -> None:
    touch = all_records(messy, marketing.TOUCHPOINTS)
    assert any(r["email"] and r["email"] != r["email"].rstrip() for r in touch)
    assert any(r["email"] and r["email"].strip() != r["email"].strip().lower() for r in touch)
    leads = all_records(messy, crm.LEADS)
    assert any(r["Email"] and r["Email"] != r["Email"].strip().lower() for r in leads)
    # identical rows delivered again in the next drop
    rows = Counter(tuple(v for k, v in r.items() if k != "_drop") for r in touch)
    assert max(rows.values()) == 2
    # late-arriving touchpoints: occurred before the month the drop covers
    assert any(
        datetime.strptime(r["occurred_at"], "%Y-%m-%dT%H:%M:%SZ")
        < datetime.fromisoformat(r["_drop"]) - timedelta(days=31)
        for r in touch
    )
    # corrected invoices: same number, different revenue, in a later drop
    by_number: dict[str, list[dict]] = {}
    for r in all_records(messy, finance.REVENUE_BOOKINGS):
        by_number.setdefault(r["Rechnungsnummer"], []).append(r)
    corrected = [rs for rs in by_number.values() if len({r["Umsatz"] for r in rs}) > 1]
    assert corrected
    assert all(rs[-1]["_drop"] > rs[0]["_drop"] for rs in corrected)


# ------------------------------------------------------------------ business rules


def test_references_resolve(sample: tuple[Path, GenerationSummary]) -> None:
    root, _ = sample
    accounts = latest(all_records(root, crm.ACCOUNTS), "Id")
    contacts = latest(all_records(root, crm.CONTACTS), "Id")
    leads = latest(all_records(root, crm.LEADS), "Id")
    users = latest(all_records(root, crm.USERS), "Id")
    opps = latest(all_records(root, crm.OPPORTUNITIES), "Id")
    campaigns = latest(all_records(root, marketing.CAMPAIGNS), "campaign_id")
    assert opps and accounts and leads and campaigns
    assert all(o["AccountId"] in accounts for o in opps.values())
    assert all(o["OwnerId"] in users for o in opps.values())
    assert all(o["Lead_Id__c"] in leads for o in opps.values() if o["Lead_Id__c"])
    assert all(o["CampaignId"] in campaigns for o in opps.values() if o["CampaignId"])
    assert all(c["AccountId"] in accounts for c in contacts.values())
    for lead in leads.values():
        assert (
            lead["Primary_Campaign__c"] in campaigns
            if lead["Lead_Origin__c"] == "Marketing"
            else not lead["Primary_Campaign__c"]
        )
        if lead["IsConverted"] == "1":
            assert lead["ConvertedAccountId"] in accounts
            assert lead["ConvertedContactId"] in contacts
            assert lead["ConvertedOpportunityId"] in opps
            assert contacts[lead["ConvertedContactId"]]["Email"] == lead["Email"].strip().lower()
    for r in all_records(root, crm.LEAD_HISTORY):
        assert r["LeadId"] in leads
    for r in all_records(root, crm.OPPORTUNITY_HISTORY):
        assert r["OpportunityId"] in opps
    for table in (crm.TASKS, crm.EVENTS):
        for r in all_records(root, table):
            assert r["WhoId"] in leads or r["WhoId"] in contacts
            assert not r["WhatId"] or r["WhatId"] in opps or r["WhatId"] in accounts
    for r in all_records(root, marketing.TOUCHPOINTS):
        assert not r["lead_id"] or r["lead_id"] in leads
        assert not r["contact_id"] or r["contact_id"] in contacts
        assert not r["campaign_id"] or r["campaign_id"] in campaigns
    costs = all_records(root, finance.CAMPAIGN_COSTS)
    assert all(r["Kampagne"] in campaigns for r in costs if r["Kampagne"])
    assert any(not r["Kampagne"] for r in costs), "some cost lines are not assigned to a campaign"


@pytest.mark.parametrize("which", ["sample", "messy"])
def test_every_won_deal_is_invoiced_once(which: str, request: pytest.FixtureRequest) -> None:
    root = request.getfixturevalue(which)
    root = root[0] if isinstance(root, tuple) else root
    opps = latest(all_records(root, crm.OPPORTUNITIES), "Id")
    won = {i: o for i, o in opps.items() if o["StageName"] == "Closed Won"}
    invoices = latest(all_records(root, finance.REVENUE_BOOKINGS), "Rechnungsnummer")
    invoiced = Counter(r["Opportunity"] for r in invoices.values())
    assert won and set(invoiced) == set(won)
    assert max(invoiced.values()) == 1
    for r in invoices.values():
        opp = won[r["Opportunity"]]
        assert r["Kunde"] == opp["AccountId"] and r["Waehrung"] == opp["CurrencyIsoCode"]
        invoice_day = datetime.strptime(r["Rechnungsdatum"], "%d.%m.%Y").date()
        assert 0 <= (invoice_day - date.fromisoformat(opp["CloseDate"])).days <= 16


def test_opportunity_stages_are_consistent(sample: tuple[Path, GenerationSummary]) -> None:
    root, _ = sample
    probability = {
        "Prospecting": 10,
        "Qualification": 20,
        "Needs Analysis": 40,
        "Proposal": 60,
        "Negotiation": 80,
        "Closed Won": 100,
        "Closed Lost": 0,
    }
    for extract in (crm.OPPORTUNITIES, crm.OPPORTUNITY_HISTORY):
        for r in all_records(root, extract):
            assert float(r["Probability"]) == probability[r["StageName"]]
    stages = Counter()
    for o in latest(all_records(root, crm.OPPORTUNITIES), "Id").values():
        stages[o["StageName"]] += 1
        assert o["IsClosed"] == ("1" if o["StageName"].startswith("Closed") else "")
        assert o["IsWon"] == ("1" if o["StageName"] == "Closed Won" else "")
    assert stages["Closed Won"] and stages["Closed Lost"]
    assert sum(v for k, v in stages.items() if not k.startswith("Closed")) > 0, (
        "open deals at the end"
    )


def test_lead_lifecycle_values(sample: tuple[Path, GenerationSummary]) -> None:
    root, _ = sample
    statuses = {"MQL", "SGL", "SAL", "SQL", "Converted", "Recycled", "Disqualified"}
    history = [r for r in all_records(root, crm.LEAD_HISTORY) if r["Field"] == "Status"]
    assert {r["NewValue"] for r in history} == statuses
    first = {}
    for r in sorted(history, key=lambda r: (r["LeadId"], r["CreatedDate"], r["Id"])):
        first.setdefault(r["LeadId"], r)
    assert {r["NewValue"] for r in first.values()} == {"MQL", "SGL"}
    assert all(r["OldValue"] == "" for r in first.values())
    leads = latest(all_records(root, crm.LEADS), "Id")
    assert {lead["Status"] for lead in leads.values()} <= statuses
    assert {lead["Lead_Origin__c"] for lead in leads.values()} == {"Marketing", "Sales"}
    for lead in leads.values():
        flags = [lead[f"{f}_Confirmed__c"] for f in ("Budget", "Authority", "Need", "Timeframe")]
        if lead["Status"] == "SQL":
            assert flags.count("1") >= 3
    fx = all_records(root, finance.FX_RATES)
    days = {datetime.strptime(r["Datum"], "%d.%m.%Y").date() for r in fx}
    assert {r["Waehrung"] for r in fx} == {"USD", "CHF", "GBP"}
    assert all(d.weekday() < 5 for d in days)
    assert min(days) <= date(2022, 12, 19) and max(days) >= date(2025, 12, 29)
    assert len({(r["Datum"], r["Waehrung"]) for r in fx}) == 3 * len(days)
