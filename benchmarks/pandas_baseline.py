"""What a user would otherwise write: linear, U-shaped and W-shaped attribution in pandas,
vectorised (groupby/transform, no Python loops), as a good notebook would do it.

Reads the same journeys the pipeline attributes (every touch of every won or open
opportunity, with its key roles) and its opportunity's amount, and writes the timings as JSON:
    python -m benchmarks.pandas_baseline <warehouse.duckdb> <out.json>
The weights are the project's defaults (dbt_project.yml, attribution_position_weights)."""

from __future__ import annotations

import json
import sys
import time

import duckdb
import pandas as pd

WEIGHTS = {
    "linear": {"rest": 1.0},
    "u_shaped": {"first_touch": 0.4, "lead_creation": 0.4, "rest": 0.2, "two_touches": "even"},
    "w_shaped": {
        "first_touch": 0.3,
        "lead_creation": 0.3,
        "opportunity_creation": 0.3,
        "rest": 0.1,
    },
}
ROLES = {
    "first_touch": "is_first_touch",
    "lead_creation": "is_lead_creation_touch",
    "opportunity_creation": "is_opportunity_creation_touch",
}


def load(warehouse: str) -> pd.DataFrame:
    with duckdb.connect(warehouse, read_only=True) as con:
        return con.execute(
            """
            select journeys.opportunity_id, journeys.touchpoint_id, journeys.campaign_id,
                   journeys.is_first_touch, journeys.is_lead_creation_touch,
                   journeys.is_opportunity_creation_touch, opportunities.amount_reporting
            from intermediate.int_opportunity_journeys as journeys
            inner join marts.fct_opportunities as opportunities
                on journeys.opportunity_id = opportunities.opportunity_id
            where journeys.is_won or not journeys.is_closed
            """
        ).df()


def attribute(touches: pd.DataFrame) -> pd.DataFrame:
    """One row per touch and model: share of the journey and attributed amount."""
    amount = touches["amount_reporting"].astype("float64")
    key = touches["opportunity_id"]
    frames = []
    for model, weights in WEIGHTS.items():
        role_weight = sum(
            touches[column].astype("float64") * float(weights.get(role, 0.0))
            for role, column in ROLES.items()
        )
        is_rest = role_weight == 0
        rest_touches = is_rest.groupby(key).transform("sum")
        raw = role_weight + is_rest * (
            weights.get("rest", 0.0) / rest_touches.where(rest_touches > 0, 1)
        )
        total = raw.groupby(key).transform("sum")
        touches_in_journey = key.groupby(key).transform("size")
        share = (raw / total.where(total > 0)).fillna(1 / touches_in_journey)
        if weights.get("two_touches") == "even":  # a journey of two touches: 50/50
            share = share.mask(touches_in_journey == 2, 0.5)
        frames.append(
            pd.DataFrame(
                {
                    "attribution_model": model,
                    "opportunity_id": key,
                    "touchpoint_id": touches["touchpoint_id"],
                    "campaign_id": touches["campaign_id"],
                    "share": share,
                    "attributed_amount": share * amount,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def main(warehouse: str, out: str) -> None:
    started = time.monotonic()
    touches = load(warehouse)
    loaded = time.monotonic()
    shares = attribute(touches)
    by_campaign = shares.groupby(["attribution_model", "campaign_id"])["attributed_amount"].sum()
    computed = time.monotonic()
    with open(out, "w") as f:
        json.dump(
            {
                "touches": len(touches),
                "rows_out": len(shares),
                "campaign_rows": len(by_campaign),
                "load_seconds": loaded - started,
                "compute_seconds": computed - loaded,
            },
            f,
        )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
