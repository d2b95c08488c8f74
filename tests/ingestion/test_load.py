"""Parsing and landing of extract files: formats, quarantine accounting, idempotency, errors."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ingestion import load as load_module
from ingestion import readers
from ingestion.crm import TASKS
from ingestion.errors import IngestionError, IngestionErrors
from ingestion.finance import CAMPAIGN_COSTS, FX_RATES
from ingestion.load import connect, load_landing
from ingestion.marketing import TOUCHPOINTS
from ingestion.readers import ReadInfo
from tests.conftest import write_drop

COST_HEADER = ";".join(CAMPAIGN_COSTS.column_names)


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_erp_csv_decimal_comma_dates_and_cp1252(landing: Path, tmp_path: Path) -> None:
    content = (
        f"{COST_HEADER}\r\n"
        "K-1;31.01.2024;701A;Agentur;Müller Werbeagentur GmbH;12.345,67;EUR;Jänner\r\n"
        "K-2;01.02.2024;;Druck;Weiß & Söhne;-1,5;CHF;\r\n"
    )
    write_drop(landing, "finance", "2024-02-01", "campaign_costs.csv", content, encoding="cp1252")
    wh = tmp_path / "wh.duckdb"
    [result] = load_landing(wh, landing)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 2, 0)
    rows = query(
        wh,
        "select Belegnummer, Belegdatum, Kampagne, Lieferant, Betrag, _line_number from raw.finance__campaign_costs order by 1",
    )
    assert rows == [
        ("K-1", date(2024, 1, 31), "701A", "Müller Werbeagentur GmbH", Decimal("12345.67"), 2),
        ("K-2", date(2024, 2, 1), None, "Weiß & Söhne", Decimal("-1.50"), 3),
    ]


def test_utf8_file_declared_cp1252_is_read_as_utf8_and_reported(
    landing: Path, tmp_path: Path
) -> None:
    content = f"{COST_HEADER}\nK-1;31.01.2024;701A;Agentur;Müller GmbH;1,00;EUR;\n"
    write_drop(landing, "finance", "2024-02-01", "campaign_costs.csv", content, encoding="utf-8")
    wh = tmp_path / "wh.duckdb"
    [result] = load_landing(wh, landing)
    assert query(wh, "select Lieferant from raw.finance__campaign_costs") == [("Müller GmbH",)]
    assert any("UTF-8" in w for w in result.warnings)


def test_bad_values_are_quarantined_with_line_column_and_reason(
    landing: Path, tmp_path: Path
) -> None:
    content = (
        f"{COST_HEADER}\n"
        "K-1;31.01.2024;701A;Agentur;A;10,00;EUR;ok\n"
        "K-2;31.02.2024;701A;Agentur;B;10,00;EUR;bad date\n"
        "K-3;01.02.2024;701A;Agentur;C;1.5;EUR;decimal point where a comma is declared\n"
        ";01.02.2024;701A;Agentur;D;1,00;EUR;missing key\n"
        "K-5;01.02.2024;701A;Agentur;E;1,00;EUR;too;many\n"
        'K-6;01.02.2024;701A;Agentur;F;2,00;EUR;"multi\nline text"\n'
        "K-7;01.02.2024;701A;Agentur;G;abc;EUR;not a number\n"
    )
    write_drop(landing, "finance", "2024-02-01", "campaign_costs.csv", content, encoding="cp1252")
    wh = tmp_path / "wh.duckdb"
    [result] = load_landing(wh, landing)
    assert result.rows_read == 7
    assert result.rows_loaded == 2
    assert result.rows_quarantined == 5
    assert result.rows_read == result.rows_loaded + result.rows_quarantined
    quarantined = {
        line: (column, reason)
        for line, column, reason in query(
            wh, "select line_number, column_name, reason from raw._quarantine order by line_number"
        )
    }
    assert set(quarantined) == {3, 4, 5, 6, 9}
    assert quarantined[3][0] == "Belegdatum" and "31.02.2024" in quarantined[3][1]
    assert quarantined[4][0] == "Betrag"
    assert quarantined[5] == ("Belegnummer", "Belegnummer: required value missing")
    assert "expected 8 fields, found 9" in quarantined[6][1]
    assert quarantined[9][0] == "Betrag"
    # The multi-line record starts on line 7; the record after it on line 9.
    assert query(
        wh, "select Belegnummer, _line_number from raw.finance__campaign_costs order by 1"
    ) == [
        ("K-1", 2),
        ("K-6", 7),
    ]


def _write_fx_rate(landing: Path, rate: str) -> None:
    """(Re)write the FX extract of drop 2024-02-01 with one USD rate (decimal comma)."""
    write_drop(
        landing,
        "finance",
        "2024-02-01",
        "fx_rates.csv",
        f"Datum;Waehrung;Kurs\n01.02.2024;USD;{rate}\n",
        "cp1252",
    )


def test_loading_twice_adds_nothing(landing: Path, tmp_path: Path) -> None:
    _write_fx_rate(landing, "1,0812")
    wh = tmp_path / "wh.duckdb"
    first = load_landing(wh, landing)
    second = load_landing(wh, landing)
    assert not first[0].skipped and second[0].skipped
    assert query(wh, "select count(*) from raw.finance__fx_rates") == [(1,)]
    assert query(wh, "select count(*) from raw._load_manifest") == [(1,)]


def test_an_unchanged_file_is_not_read_again(
    landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_fx_rate(landing, "1,08")
    hashed: list[Path] = []
    hash_file = load_module._file_sha256
    monkeypatch.setattr(load_module, "_file_sha256", lambda p: hashed.append(p) or hash_file(p))
    wh = tmp_path / "wh.duckdb"
    load_landing(wh, landing)
    # Checked within seconds of being written: file times tick coarsely, so a rewrite in the
    # same tick could keep them; the file is hashed again.
    assert load_landing(wh, landing)[0].skipped
    assert len(hashed) == 2
    # As if checked long after it was written: unchanged status, no need to read it.
    monkeypatch.setattr(load_module, "_RACY_NS", -60 * 10**9)
    assert load_landing(wh, landing)[0].skipped
    assert len(hashed) == 2
    # Any rewrite changes the status: the content is checked, and the change refused.
    _write_fx_rate(landing, "1,0812")
    with pytest.raises(IngestionErrors, match="loaded before with different content"):
        load_landing(wh, landing)
    assert len(hashed) == 3
    assert query(wh, "select count(*) from raw._file_stats") == [(1,)]


# How files reach the warehouse: small files of an extract together (one transaction and one
# typing statement per group), every file alone (as files above SMALL_FILE_BYTES are, reading
# the next batch while the current one loads), or groups of one file each (GROUP_BYTES tiny);
# LOAD_WORKERS loads at a time (files of the same table at once), or one after the other.
LOAD_PATHS = {
    "grouped": {},
    "one file at a time": {"SMALL_FILE_BYTES": -1},
    "one file at a time, one load at a time": {"SMALL_FILE_BYTES": -1, "LOAD_WORKERS": 1},
    "groups of one": {"GROUP_BYTES": 1},
}


@pytest.fixture(params=list(LOAD_PATHS))
def load_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    for name, value in LOAD_PATHS[request.param].items():
        monkeypatch.setattr(load_module, name, value)
    return request.param


def test_files_of_many_batches_load_whole_or_not_at_all(
    landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, load_path: str
) -> None:
    # Batches of two records: the next batch is read while the current one loads.
    monkeypatch.setattr(readers, "BATCH_ROWS", 2)
    header = "Datum;Waehrung;Kurs\n"
    good = [f"0{day}.02.2024;USD;1,0{day}\n" for day in range(1, 8)]
    write_drop(landing, "finance", "2024-02-01", "fx_rates.csv", header + "".join(good), "cp1252")
    # Good records, one bad value, then a quote the file never closes: nothing of it may land.
    truncated = header + "".join(good[:3]) + "04.03.2024;USD;abc\n" + '05.03.2024;"USD;1,1\n'
    write_drop(landing, "finance", "2024-03-01", "fx_rates.csv", truncated, "cp1252")
    wh = tmp_path / "wh.duckdb"
    with pytest.raises(IngestionErrors, match="never closed") as info:
        load_landing(wh, landing)
    [error] = info.value.errors
    assert (error.file, error.line) == ("finance/2024-03-01/fx_rates.csv", 6)
    assert query(wh, "select _line_number from raw.finance__fx_rates order by 1") == [
        (line,) for line in range(2, 9)
    ]
    assert query(wh, "select source_file, rows_read, rows_loaded from raw._load_manifest") == [
        ("finance/2024-02-01/fx_rates.csv", 7, 7)
    ]
    assert query(wh, "select count(*) from raw._quarantine") == [(0,)]


def test_each_file_is_accounted_for_whatever_the_load_path(
    landing: Path, tmp_path: Path, load_path: str
) -> None:
    header = "Datum;Waehrung;Kurs\n"
    drops = {
        "2024-01-01": header + "01.01.2024;USD;1,10\n02.01.2024;USD;1,11\n",
        # a bad value (quarantined) and a wrong field count (refused by the reader)
        "2024-02-01": header + "01.02.2024;USD;abc\n02.02.2024;USD;1,12\n03.02.2024;USD\n",
        "2024-03-01": header + '01.03.2024;"USD;1,13\n',  # a quote never closed: refused whole
        "2024-04-01": header + "01.04.2024;CHF;0,95\n",
    }
    for drop, content in drops.items():
        write_drop(landing, "finance", drop, "fx_rates.csv", content, "cp1252")
    wh = tmp_path / "wh.duckdb"
    with pytest.raises(IngestionErrors, match="never closed") as info:
        load_landing(wh, landing)
    assert [e.file for e in info.value.errors] == ["finance/2024-03-01/fx_rates.csv"]
    manifest = query(
        wh,
        "select source_file, rows_read, rows_loaded, rows_quarantined from raw._load_manifest "
        "order by 1",
    )
    assert manifest == [
        ("finance/2024-01-01/fx_rates.csv", 2, 2, 0),
        ("finance/2024-02-01/fx_rates.csv", 3, 1, 2),
        ("finance/2024-04-01/fx_rates.csv", 1, 1, 0),
    ]
    loaded = query(
        wh, "select _source_file, _line_number, Kurs from raw.finance__fx_rates order by 1, 2"
    )
    assert loaded == [
        ("finance/2024-01-01/fx_rates.csv", 2, Decimal("1.100000")),
        ("finance/2024-01-01/fx_rates.csv", 3, Decimal("1.110000")),
        ("finance/2024-02-01/fx_rates.csv", 3, Decimal("1.120000")),
        ("finance/2024-04-01/fx_rates.csv", 2, Decimal("0.950000")),
    ]
    quarantined = query(
        wh, "select source_file, extract_date, line_number from raw._quarantine order by 3"
    )
    assert quarantined == [
        ("finance/2024-02-01/fx_rates.csv", date(2024, 2, 1), 2),
        ("finance/2024-02-01/fx_rates.csv", date(2024, 2, 1), 4),
    ]
    # The refused file, once mended, loads on the next run; the others are not loaded again.
    write_drop(landing, "finance", "2024-03-01", "fx_rates.csv", header, "cp1252")
    results = load_landing(wh, landing)
    assert [r.file for r in results if not r.skipped] == ["finance/2024-03-01/fx_rates.csv"]
    assert query(wh, "select count(*) from raw.finance__fx_rates") == [(4,)]


def test_an_unexpected_error_stops_loading_and_leaves_every_load_whole(
    landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure that is not a refused file (here: the warehouse failing one insert) stops
    the loads not yet started and propagates once those under way are done; each load is
    whole or absent, and the next run loads what is missing."""
    monkeypatch.setattr(load_module, "SMALL_FILE_BYTES", -1)  # every file its own load
    header = "Datum;Waehrung;Kurs\n"
    days = range(1, 10)
    for day in days:
        write_drop(
            landing,
            "finance",
            f"2024-02-0{day}",
            "fx_rates.csv",
            f"{header}0{day}.02.2024;USD;1,0{day}\n",
            "cp1252",
        )
    every_file = [f"finance/2024-02-0{day}/fx_rates.csv" for day in days]
    insert_typed = load_module._insert_typed

    def failing(con, extract, tables, loaded_at):
        if any("2024-02-03" in f for t in tables for f in t["_source_file"].to_pylist()):
            raise RuntimeError("disk full")
        return insert_typed(con, extract, tables, loaded_at)

    monkeypatch.setattr(load_module, "_insert_typed", failing)
    wh = tmp_path / "wh.duckdb"
    with pytest.raises(RuntimeError, match="disk full"):
        load_landing(wh, landing)
    loaded = query(wh, "select source_file, rows_loaded from raw._load_manifest order by 1")
    files = [f for f, _ in loaded]
    assert "finance/2024-02-03/fx_rates.csv" not in files and len(files) < len(every_file) - 1
    assert (
        query(wh, "select _source_file, count(*) from raw.finance__fx_rates group by 1 order by 1")
        == loaded
    )

    monkeypatch.setattr(load_module, "_insert_typed", insert_typed)
    results = load_landing(wh, landing)
    assert sorted(r.file for r in results if not r.skipped) == [
        f for f in every_file if f not in files
    ]
    assert query(wh, "select count(*) from raw.finance__fx_rates") == [(len(every_file),)]


def test_a_delivered_file_that_changes_is_refused(landing: Path, tmp_path: Path) -> None:
    _write_fx_rate(landing, "1,08")
    wh = tmp_path / "wh.duckdb"
    load_landing(wh, landing)
    _write_fx_rate(landing, "1,09")
    with pytest.raises(IngestionErrors, match="loaded before with different content"):
        load_landing(wh, landing)


def test_missing_required_column_names_file_line_and_column(landing: Path, tmp_path: Path) -> None:
    write_drop(
        landing,
        "finance",
        "2024-02-01",
        "fx_rates.csv",
        "Datum,Waehrung,Kurs\n01.02.2024,USD,1.08\n",
        "cp1252",
    )
    with pytest.raises(IngestionErrors) as info:
        load_landing(tmp_path / "wh.duckdb", landing)
    [error] = info.value.errors
    assert error.file == "finance/2024-02-01/fx_rates.csv"
    assert error.line == 1
    assert error.column == "Datum"
    assert "delimiter ';'" in str(error)


def test_other_files_load_when_one_fails(landing: Path, tmp_path: Path) -> None:
    write_drop(landing, "finance", "2024-02-01", "fx_rates.csv", "", "cp1252")
    write_drop(
        landing,
        "finance",
        "2024-02-01",
        "budgets.csv",
        "Kostenstelle;Monat;Budget;Istkosten;Waehrung\nMarketing;01.01.2024;1.000,00;900,00;EUR\n",
        "cp1252",
    )
    wh = tmp_path / "wh.duckdb"
    with pytest.raises(IngestionErrors, match="zero bytes"):
        load_landing(wh, landing)
    assert query(wh, "select Budget from raw.finance__budgets") == [(Decimal("1000.00"),)]


def test_unknown_extract_and_missing_landing_are_clear_errors(
    landing: Path, tmp_path: Path
) -> None:
    with pytest.raises(IngestionError, match="does not exist") as info:
        load_landing(tmp_path / "wh.duckdb", tmp_path / "nowhere")
    assert "leadledger generate" in str(info.value)
    write_drop(landing, "crm", "2024-02-01", "Opportunities.xlsx", "x")
    with pytest.raises(IngestionErrors, match=r"unknown extract 'Opportunities\.xlsx'") as info:
        load_landing(tmp_path / "wh.duckdb", landing)
    assert "Opportunity.csv" in str(info.value)


def test_salesforce_csv_with_bom_timestamps_and_booleans(landing: Path, tmp_path: Path) -> None:
    from ingestion.crm import OPPORTUNITIES

    header = ",".join(OPPORTUNITIES.column_names)
    values = {
        "Id": "006A",
        "StageName": "Closed Won",
        "Amount": "1234.5",
        "Probability": "100",
        "CloseDate": "2024-03-01",
        "IsClosed": "1",
        "IsWon": "",
        "CreatedDate": "2024-01-23T02:35:01.000+0100",
        "SystemModstamp": "2024-01-23T02:35:01.000+0000",
    }
    row = ",".join(values.get(c, "") for c in OPPORTUNITIES.column_names)
    write_drop(landing, "crm", "2024-03-02", "Opportunity.csv", f"\ufeff{header}\r\n{row}\r\n")
    wh = tmp_path / "wh.duckdb"
    [result] = load_landing(wh, landing)
    assert result.rows_loaded == 1
    assert query(
        wh,
        "select Id, Amount, IsClosed, IsWon, CreatedDate, _extract_date from raw.crm__opportunities",
    ) == [
        ("006A", Decimal("1234.50"), True, None, datetime(2024, 1, 23, 1, 35, 1), date(2024, 3, 2))
    ]


def test_jsonl_bad_lines_are_quarantined(landing: Path, tmp_path: Path) -> None:
    good = {
        "touchpoint_id": "TP-1",
        "touch_type": "form_fill",
        "occurred_at": "2024-01-02T10:00:00Z",
        "email": " A@B.com ",
    }
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({**good, "touchpoint_id": "TP-3", "occurred_at": "yesterday"}),
        "",
        json.dumps({"touch_type": "x", "occurred_at": "2024-01-02T10:00:00Z"}),
        json.dumps({**good, "touchpoint_id": "TP-6", "extra": 1}),
    ]
    write_drop(landing, "marketing", "2024-02-01", "touchpoints.jsonl", "\n".join(lines) + "\n")
    wh = tmp_path / "wh.duckdb"
    [result] = load_landing(wh, landing)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (5, 2, 3)
    assert query(wh, "select line_number from raw._quarantine order by 1") == [(2,), (3,), (5,)]
    assert query(
        wh, "select touchpoint_id, email, _line_number from raw.marketing__touchpoints order by 1"
    ) == [
        ("TP-1", " A@B.com ", 1),
        ("TP-6", " A@B.com ", 6),
    ]
    assert "ignored columns not in the contract: extra" in result.warnings


def test_jsonl_values_are_read_as_text_as_json_has_them(tmp_path: Path) -> None:
    """Every value of a JSON line is kept as the text JSON gives it (numbers as Python
    writes them, true/false, escapes decoded), whatever the other records of the file hold;
    records that are not one flat object with the required keys are refused by line."""
    plain = {"touchpoint_id": "TP-0", "touch_type": "x", "occurred_at": "t"}
    records = [
        {**plain, "lead_id": 1.50},
        {**plain, "lead_id": "00Q1", "email": 'caf\u00e9\n"/'},
        {**plain, "lead_id": 1e400},
        {**plain, "lead_id": 123456789012345678901234},
        {**plain, "lead_id": True, "contact_id": False, "email": None},
        {**plain, "lead_id": -0.0},
        {**plain, "lead_id": {"a": 1}},
        {"touchpoint_id": "TP-x", "occurred_at": "t"},
        {**plain, "Touch_Type": "y", "extra": [1]},
    ]
    lines = [json.dumps(r) for r in records] + ['{"touchpoint_id": "TP-1", "lead_id": NaN}', "[1]"]
    lines += [
        '{"touchpoint_id": "TP-2", "touch_type": "x", "occurred_at": "t", "lead_id": "1", "lead_id": 2}'
    ]
    lines += ["\ufeff" + json.dumps(plain), "{"]
    path = tmp_path / "touchpoints.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def text(value: object) -> str | None:
        if isinstance(value, bool):
            return str(value).lower()
        return value if value is None or isinstance(value, str) else repr(value)

    expected = []
    for line, raw in enumerate(lines, start=1):
        try:
            obj = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(obj, dict):
            continue
        obj = {k.lower(): v for k, v in obj.items()}  # keys in any case; unknown ones ignored
        values = [obj.get(n) for n in TOUCHPOINTS.column_names]
        if {"touchpoint_id", "touch_type", "occurred_at"} <= obj.keys() and not any(
            isinstance(v, dict | list) for v in values
        ):
            expected.append([line] + [text(v) for v in values])

    info, batches = readers.read_jsonl(path, TOUCHPOINTS, "touchpoints.jsonl")
    [batch] = list(batches)
    got = [
        [line] + [batch.columns[n][i] for n in TOUCHPOINTS.column_names]
        for i, line in enumerate(batch.lines)
    ]
    assert got == expected
    accepted = {row[0] for row in expected}
    assert [r.line for r in batch.rejects] == [
        n for n in range(1, len(lines) + 1) if n not in accepted
    ]
    assert "BOM" in batch.rejects[-2].reason and info.ignored_columns == ["extra"]
    assert [len(batch.lines), batch.records[1]] == [len(expected), lines[1]]


def _read_rows(path: Path, extract: object) -> tuple[list[list], list[tuple], ReadInfo]:
    """What the extract's reader makes of a file: rows (line, values, record) in line order,
    rejects (line, column, reason, record) and what it learned, whichever path read them."""
    info, batches = readers.open_extract(path, extract, path.name)
    landing_file = load_module.LandingFile(
        path, path.name, extract.system, extract, date(2024, 1, 1)
    )
    rows, rejects = [], []
    for batch in batches:
        if (table := load_module._arrow(batch, landing_file)) is not None:
            rows += [
                [row["_line_number"], *(row[n] for n in extract.column_names), row["_record"]]
                for row in table.to_pylist()
            ]
        rejects += [(r.line, r.column, r.reason, r.record) for r in batch.rejects]
    return sorted(rows), sorted(rejects), info


def _both_ways(
    monkeypatch: pytest.MonkeyPatch, path: Path, extract: object, block_reader: str
) -> tuple[tuple, tuple, list[bool]]:
    """The file read with blocks of ~700 bytes by Arrow where they are plain, and read with
    that path switched off (line by line), and which blocks Arrow read."""
    monkeypatch.setattr(readers, "BLOCK_BYTES", 700)
    calls: list[bool] = []
    arrow_block = getattr(readers, block_reader)

    def counted(*args: object, **kwargs: object) -> object:
        result = arrow_block(*args, **kwargs)
        calls.append(result is not None)
        return result

    monkeypatch.setattr(readers, block_reader, counted)
    by_blocks = _read_rows(path, extract)
    monkeypatch.setattr(readers, block_reader, lambda *args, **kwargs: None)
    by_lines = _read_rows(path, extract)
    return by_blocks, by_lines, calls


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_jsonl_blocks_read_by_arrow_give_what_the_line_reader_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """UTF-8 JSON Lines are read a block at a time by Arrow when every line of the block is
    plain (one object, text or null values, the contract's keys); any other block line by
    line. Random files of plain and odd lines, in small blocks, read both ways must give the
    same rows, line numbers, records and rejects."""
    rng = random.Random(seed)
    plain = {"touchpoint_id": "TP-0", "touch_type": "x", "occurred_at": "2024-01-01T00:00:00Z"}
    odd = [
        "",  # blank
        "   ",
        '  {"touchpoint_id": "TP-s", "touch_type": "x", "occurred_at": "t"}  ',
        json.dumps({**plain, "lead_id": 7}),  # a number
        json.dumps({**plain, "Touch_Type": "y"}),  # key in another case
        json.dumps({**plain, "extra": "e"}),  # unknown key
        json.dumps({"touchpoint_id": "TP-m", "occurred_at": "t"}),  # required key missing
        json.dumps({**plain, "touch_type": None}),  # required value null
        json.dumps(plain) + json.dumps(plain),  # two objects on one line
        json.dumps(plain)[:-1] + "\r}",  # carriage return inside
        '{"touchpoint_id": "TP-d", "touchpoint_id": "TP-e", "touch_type": "x", "occurred_at": "t"}',
        "[1]",
        "{",
        json.dumps({**plain, "email": 'caf\u00e9 \u00fc\n\t"q"'}, ensure_ascii=False),
    ]
    lines = []
    for i in range(400):
        if rng.random() < 0.04:
            lines.append(rng.choice(odd))
        else:
            record = {**plain, "touchpoint_id": f"TP-{i}"}
            for key in ("email", "lead_id", "contact_id", "campaign_id"):
                if rng.random() < 0.5:
                    record[key] = rng.choice([None, f"{key}-{i}", "Müller", ""])
            lines.append(json.dumps(record, ensure_ascii=rng.random() < 0.5))
    ending = rng.choice(["\n", "\r\n"])
    bom = "\ufeff" if seed == 2 else ""
    last = "" if seed == 3 else ending  # the last line without a line break
    path = tmp_path / "touchpoints.jsonl"
    path.write_bytes((bom + ending.join(lines) + last).encode("utf-8"))

    by_blocks, by_lines, calls = _both_ways(monkeypatch, path, TOUCHPOINTS, "_arrow_jsonl_block")

    assert by_blocks[:2] == by_lines[:2]
    assert by_blocks[2].ignored_columns == by_lines[2].ignored_columns
    assert any(calls) and not all(calls)  # both paths ran
    assert len(by_lines[0]) > 300 and by_lines[1]


# Records the line-by-line reader may read otherwise than Arrow: each is put into a file of
# plain records to check that the Arrow path reads it as that reader does or leaves it to it.
# plain(i, raw=text) is record i with its second field written as text, verbatim;
# plain(i, count=n) has its first n fields only.
CSV_ODD_RECORDS = {
    "blank line": lambda plain, i, width: "",
    "only delimiters": lambda plain, i, width: "," * (width - 1),
    "only spaces": lambda plain, i, width: ", " * (width - 1),
    "a file separator": lambda plain, i, width: "\x1c" + "," * (width - 1),
    "a field too many": lambda plain, i, width: plain(i) + ",extra",
    "fields missing": lambda plain, i, width: plain(i, count=width - 2),
    "a value over two lines": lambda plain, i, width: plain(i, raw='"multi\nline"'),
    "a blank line in a quoted value": lambda plain, i, width: plain(i, raw='"a\n\nb"'),
    "a quoted value with a comma": lambda plain, i, width: plain(i, raw='"a, b"'),
    "text after a closing quote": lambda plain, i, width: plain(i, raw='"stray"x'),
    "a space after a closing quote": lambda plain, i, width: plain(i, raw='"x" '),
    "a space before an opening quote": lambda plain, i, width: plain(i, raw=' "x"'),
    "a quote inside a value": lambda plain, i, width: plain(i, raw='ab"c'),
    "a quote closed late": lambda plain, i, width: plain(i, raw='"a"",b'),
    "a quote never closed": lambda plain, i, width: plain(i, raw='"open'),
    "a carriage return": lambda plain, i, width: plain(i, raw="a\rb"),
}


@pytest.mark.parametrize(("odd", "seed"), [(k, n) for n, k in enumerate(CSV_ODD_RECORDS)])
def test_csv_blocks_read_by_arrow_give_what_the_line_reader_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, odd: str, seed: int
) -> None:
    """UTF-8 CSV is read a block at a time by Arrow while every record of the block is plain
    (one line, the header's field count, quotes read as Python's csv module reads them);
    from the first block that is not, line by line (a record may span lines from there).
    A file of random plain records with odd ones from its middle on, in small blocks, read
    both ways must give the same rows, line numbers, records and rejects."""
    rng = random.Random(seed)
    header = list(TASKS.column_names)
    rng.shuffle(header)  # columns in any order
    if seed % 3 == 0:
        header = [h for h in header if h != "Description"] + ["Extra"]

    def plain(i: int, raw: str | None = None, count: int | None = None) -> str:
        values = {
            "Id": f"00T{i:06d}",
            "OwnerId": "005A",
            "CreatedDate": "2024-03-27T15:40:19.000+0000",
            "SystemModstamp": "2024-04-01T15:40:19.000+0000",
        }
        for name in header:
            if name not in values and rng.random() < 0.6:
                values[name] = rng.choice(
                    ["", "Call", "Müller, Köln", 'say "hi"', " x ", "two\nlines", 'a\r\n"b"']
                )
        fields = []
        for name in header[:count]:
            out = io.StringIO()  # quotes values with line breaks (lineterminator="" would not)
            csv.writer(out, lineterminator="\n").writerow([values.get(name, "")])
            fields.append(out.getvalue()[:-1])
        if raw is not None:
            fields[1] = raw
        return ",".join(fields)

    records = [plain(i) for i in range(150)]
    records.append(CSV_ODD_RECORDS[odd](plain, 150, len(header)))
    for i in range(151, 300):
        kind = rng.choice(list(CSV_ODD_RECORDS.values())) if rng.random() < 0.03 else None
        records.append(kind(plain, i, len(header)) if kind else plain(i))
    ending = rng.choice(["\n", "\r\n"])
    bom = "\ufeff" if seed % 2 else ""
    last = "" if seed % 4 == 1 else ending  # the last record without a line break
    path = tmp_path / "Task.csv"
    path.write_bytes((bom + ",".join(header) + ending + ending.join(records) + last).encode())

    by_blocks, by_lines, calls = _both_ways(monkeypatch, path, TASKS, "_arrow_csv_block")

    assert by_blocks[:2] == by_lines[:2]
    assert by_blocks[2].ignored_columns == by_lines[2].ignored_columns
    assert calls[0] and len(by_lines[0]) > 250
    assert any("\n" in row[-1] for row in by_lines[0])  # records over several lines


@pytest.mark.parametrize("cut", ["in the last record", "at a block's end"])
def test_csv_ending_inside_a_quoted_value_is_refused_whichever_path_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cut: str
) -> None:
    """A quote left open at the end of the file (a truncated export) refuses the file, with
    the same message when Arrow read the blocks before it."""
    header = ",".join(TASKS.column_names)
    record = "00T{i},,,,005A,Call,,2024-04-01,60,Completed,{text},2024-03-27T15:40:19Z,2024-03-27T15:40:19Z"
    records = [record.format(i=i, text=f'"note {i}"') for i in range(100)]
    records.append(record.format(i=100, text='"cut off here'))
    if cut == "at a block's end":
        records[-1] += "\n" + "x" * 1_000
    path = tmp_path / "Task.csv"
    path.write_text(header + "\n" + "\n".join(records) + "\n", encoding="utf-8")
    monkeypatch.setattr(readers, "BLOCK_BYTES", 700)
    messages = []
    for block_reader in (readers._arrow_csv_block, lambda *args: None):
        monkeypatch.setattr(readers, "_arrow_csv_block", block_reader)
        with pytest.raises(IngestionError) as refused:
            _read_rows(path, TASKS)
        messages.append(str(refused.value))
    assert messages[0] == messages[1]
    assert "never closed" in messages[0] and "line 102" in messages[0]


def test_fx_rate_keeps_six_decimals(landing: Path, tmp_path: Path) -> None:
    assert FX_RATES.column("Kurs").scale == 6
    write_drop(
        landing,
        "finance",
        "2024-02-01",
        "fx_rates.csv",
        "Datum;Waehrung;Kurs\n01.02.2024;CHF;0,934512\n",
        "cp1252",
    )
    wh = tmp_path / "wh.duckdb"
    load_landing(wh, landing)
    assert query(wh, "select Kurs from raw.finance__fx_rates") == [(Decimal("0.934512"),)]


def test_warehouse_connections_carry_the_memory_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADLEDGER_DUCKDB_MEMORY_LIMIT", "300MB")
    with connect(tmp_path / "w.duckdb") as con:
        limit = con.execute("select current_setting('memory_limit')").fetchone()[0]
    # DuckDB shows the cap in binary units: 300 MB = 286.1 MiB.
    assert limit == f"{300e6 / 2**20:.1f} MiB"

    monkeypatch.setenv("LEADLEDGER_DUCKDB_MEMORY_LIMIT", "a lot")
    with pytest.raises(IngestionError, match="LEADLEDGER_DUCKDB_MEMORY_LIMIT='a lot'"):
        connect(tmp_path / "w.duckdb")
