"""Every subset of source systems builds, checks and publishes every mart.

The full sample and 'only a CRM' run elsewhere (conftest, test_partial_sources); here the other
five non-empty subsets of {crm, marketing, finance}, each one `leadledger run` on the sample's
folders of those systems. Every published mart must exist with the same columns as in the full
build, and each answer's availability must follow the documented rule (seeds/answer_inputs.csv:
an answer is available when every required input, or its alternative, was delivered),
re-applied here to the systems given.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ingestion.sample.generator import generate
from tests.cli_runs import ROOT, leadledger_env, run_leadledger

pytestmark = pytest.mark.e2e

SUBSETS = [
    ("marketing",),
    ("finance",),
    ("crm", "marketing"),
    ("crm", "finance"),
    ("marketing", "finance"),
]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    landing = tmp_path_factory.mktemp("subsets_sample") / "landing"
    generate(landing, scale=0.02, seed=5, mess_rate=0.0)
    return landing


def _columns(published: Path) -> dict[str, list[tuple[str, str]]]:
    with duckdb.connect(str(published), read_only=True) as con:
        rows = con.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' and not starts_with(table_name, '_') "
            "order by table_name, ordinal_position"
        ).fetchall()
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        columns.setdefault(table, []).append((column, data_type))
    return columns


def _expected_availability(systems: tuple[str, ...]) -> pd.Series:
    inputs = pd.read_csv(ROOT / "dbt_project" / "seeds" / "answer_inputs.csv", dtype=str)
    inputs = inputs[inputs["is_required"] == "true"]

    def delivered(raw_table: object) -> bool:
        return isinstance(raw_table, str) and raw_table.split("__")[0] in systems

    met = inputs["raw_table"].map(delivered) | inputs["alternative_raw_table"].map(delivered)
    return met.groupby(inputs["answer_id"]).all()


@pytest.mark.parametrize("systems", SUBSETS, ids=["+".join(s) for s in SUBSETS])
def test_a_subset_of_sources_builds_every_mart(
    systems: tuple[str, ...], sample: Path, pipeline: dict, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    for system in systems:
        shutil.copytree(sample / system, landing / system)
    warehouse = tmp_path / "warehouse" / "leadledger.duckdb"
    run = run_leadledger(
        ["run", "--landing", str(landing), "--warehouse", str(warehouse)], leadledger_env(tmp_path)
    )

    published = warehouse.parent / "published" / "leadledger.duckdb"
    assert _columns(published) == _columns(pipeline["published"]), (
        "marts differ from the full build"
    )

    with duckdb.connect(str(published), read_only=True) as con:
        answers = con.execute(
            "select answer_id, is_available from marts.rpt_answer_availability"
        ).df()
    actual = answers.set_index("answer_id")["is_available"].astype(bool).sort_index()
    expected = _expected_availability(systems).sort_index()
    pd.testing.assert_series_equal(actual, expected, check_names=False)
    if not expected.all():
        assert "Unavailable with the extracts delivered" in run.stdout
