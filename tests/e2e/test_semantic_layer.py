"""The semantic layer on a real build: `mf validate-configs` passes against the warehouse, and
the README's metric query returns what the marts say, recomputed here in SQL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.settings import DBT_PROJECT_DIR

pytestmark = pytest.mark.e2e

MF = str(Path(sys.executable).parent / "mf")
DBT = str(Path(sys.executable).parent / "dbt")


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run(
        args, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return done


@pytest.fixture(scope="module")
def mf(user_build: dict):
    # MetricFlow reads target/semantic_manifest.json, whose table names carry the database
    # dbt derives from the warehouse file: parse against this build first.
    env = user_build["env"]
    _run([DBT, "parse", "--quiet"], env)

    def query(metrics: str, group_by: str, out: Path) -> pd.DataFrame:
        _run([MF, "query", "--metrics", metrics, "--group-by", group_by, "--csv", str(out)], env)
        return pd.read_csv(out)

    return {"env": env, "query": query}


def _sql(warehouse: Path, query: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(query).df()


def test_validate_configs_against_the_warehouse(mf: dict) -> None:
    done = _run([MF, "validate-configs"], mf["env"])
    summaries = [line for line in done.stdout.splitlines() if "ERRORS:" in line]
    assert len(summaries) >= 6, done.stdout[-3000:]  # semantics, models, dims, entities, ...
    assert all("ERRORS: 0, FUTURE_ERRORS: 0" in line for line in summaries), summaries


def test_attributed_revenue_and_cost_per_campaign_and_quarter(
    mf: dict, user_build: dict, tmp_path: Path
) -> None:
    got = mf["query"](
        "attributed_revenue,campaign_cost",
        "campaign__name,metric_time__quarter",
        tmp_path / "q.csv",
    )
    expected = _sql(
        user_build["warehouse"],
        """
        with revenue as (
            select coalesce(c.campaign_name, '(none)') as campaign_name, date_trunc('quarter', a.close_date) as quarter,
                sum(a.attributed_amount_reporting_w_shaped) as attributed_revenue
            from marts.fct_attribution as a
            left join marts.dim_campaigns as c on a.campaign_id = c.campaign_id
            where a.is_won
            group by all
        ),
        cost as (
            select coalesce(c.campaign_name, '(none)') as campaign_name, date_trunc('quarter', k.invoice_date) as quarter,
                sum(k.amount_reporting) as campaign_cost
            from marts.fct_campaign_costs as k
            left join marts.dim_campaigns as c on k.campaign_id = c.campaign_id
            group by all
        )
        select * from revenue full outer join cost using (campaign_name, quarter)
        """,
    )

    def keyed(frame: pd.DataFrame, name: str, quarter: str) -> dict:
        frame = frame.assign(
            key=frame[name].fillna("(none)")
            + "|"
            + pd.to_datetime(frame[quarter]).dt.strftime("%Y-%m-%d")
        )
        return {
            k: (round(float(r or 0), 2), round(float(c or 0), 2))
            for k, r, c in zip(
                frame["key"],
                frame["attributed_revenue"].fillna(0),
                frame["campaign_cost"].fillna(0),
                strict=True,
            )
        }

    assert len(got) > 5
    assert keyed(got, "campaign__name", "metric_time__quarter") == keyed(
        expected, "campaign_name", "quarter"
    )
    # per model the attributed revenue adds up to the total won revenue
    won = _sql(
        user_build["warehouse"],
        "select sum(amount_reporting) as won from marts.fct_opportunities where outcome = 'won'",
    )["won"][0]
    assert got["attributed_revenue"].sum() == pytest.approx(float(won), abs=0.05)


def test_win_rate_and_won_revenue_per_team(mf: dict, user_build: dict, tmp_path: Path) -> None:
    got = mf["query"]("won_revenue,win_rate,weighted_pipeline", "rep__team", tmp_path / "t.csv")
    expected = _sql(
        user_build["warehouse"],
        """
        select r.team,
            sum(case when o.outcome = 'won' then o.amount_reporting end) as won_revenue,
            count(case when o.outcome = 'won' then 1 end)
                / nullif(count(case when o.outcome in ('won', 'lost') then 1 end), 0) as win_rate,
            sum(case when o.outcome = 'open' then o.amount_reporting * o.probability / 100 end)
                as weighted_pipeline
        from marts.fct_opportunities as o
        left join marts.dim_reps as r on o.owner_id = r.rep_id
        group by all
        """,
    )
    got = got.set_index(got["rep__team"].fillna("(none)")).sort_index()
    expected = expected.set_index(expected["team"].fillna("(none)")).sort_index()
    assert list(got.index) == list(expected.index)
    for metric in ("won_revenue", "win_rate", "weighted_pipeline"):
        assert got[metric].fillna(0).tolist() == pytest.approx(
            expected[metric].astype(float).fillna(0).tolist(), abs=0.01
        ), metric
