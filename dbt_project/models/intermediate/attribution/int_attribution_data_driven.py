"""Data-driven attribution shares: first-order Markov removal effect and Shapley values.

Both learn from every journey whose outcome is known: won opportunities (converted), lost
opportunities and leads that never became an opportunity (not converted). They attribute the
journeys of won and open opportunities. States / players are channels or campaigns (var
attribution_granularity). A journey's credit goes to its channels (or campaigns) in proportion
to their data-driven weight and is split evenly over that channel's touches in the journey;
when no channel of a journey has any weight, the journey falls back to linear shares.

Markov: transition probabilities between consecutive states (start -> ... -> conversion /
null) over all known journeys; the removal effect of a state is 1 - P(conversion without it)
/ P(conversion), where removing a state sends every transition into it to null.

Shapley: the worth of a coalition S of players is the number of converted journeys whose set
of players is a subset of S. Within a journey with player set T, a player's share is its
Shapley value in the game restricted to T, divided by the worth of T. Exact (all 2^|T|
coalitions) up to var attribution_shapley_exact_max_players players; above that estimated
from var attribution_shapley_permutations random permutations with a fixed seed.

Pure numpy/pandas, no database specifics: the inputs become pandas frames first (DuckDB and
Spark alike), so the same file runs wherever dbt runs Python.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

START, CONVERSION, NULL = "(start)", "(conversion)", "(null)"


# ----------------------------------------------------------------------------- Markov


def markov_removal_effects(paths: Iterable[tuple[list[str], bool]]) -> dict[str, float]:
    """Removal effect per state from (sequence of states, converted) journeys."""
    counts: dict[tuple[str, str], int] = {}
    for states, converted in paths:
        sequence = [START, *states, CONVERSION if converted else NULL]
        for a, b in itertools.pairwise(sequence):
            counts[(a, b)] = counts.get((a, b), 0) + 1
    channels = sorted({s for pair in counts for s in pair} - {START, CONVERSION, NULL})
    base = _conversion_probability(counts, channels, removed=None)
    if base <= 0:
        return dict.fromkeys(channels, 0.0)
    return {
        c: max(0.0, 1.0 - _conversion_probability(counts, channels, removed=c) / base)
        for c in channels
    }


def _conversion_probability(
    counts: dict[tuple[str, str], int], channels: list[str], removed: str | None
) -> float:
    transient = [START, *(c for c in channels if c != removed)]
    index = {s: i for i, s in enumerate(transient)}
    n = len(transient)
    q = np.zeros((n, n))
    r = np.zeros(n)
    totals = np.zeros(n)
    for (a, b), k in counts.items():
        if a == removed or a not in index:
            continue
        i = index[a]
        totals[i] += k
        if b == CONVERSION:
            r[i] += k
        elif b in index:
            q[i, index[b]] += k
        # transitions into the removed state or into null absorb as "no conversion"
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.where(totals[:, None] > 0, q / totals[:, None], 0.0)
        r = np.where(totals > 0, r / totals, 0.0)
    absorption = np.linalg.solve(np.eye(n) - q, r)
    return float(absorption[index[START]])


# ----------------------------------------------------------------------------- Shapley


def shapley_values(
    players: list[str],
    conversions_by_set: dict[frozenset[str], int],
    exact_max_players: int = 10,
    permutations: int = 2000,
    seed: int = 42,
) -> dict[str, float]:
    """Shapley value of each player, worth(S) = conversions of journeys whose set is within S."""
    relevant = [(s, k) for s, k in conversions_by_set.items() if k and s <= frozenset(players)]

    def worth(coalition: frozenset[str]) -> float:
        return float(sum(k for s, k in relevant if s <= coalition))

    n = len(players)
    if n <= exact_max_players:
        bits = {p: 1 << i for i, p in enumerate(players)}
        values = np.zeros(1 << n)
        for s, k in relevant:
            values[sum(bits[p] for p in s)] += k
        for i in range(n):  # subset sums: worth of every coalition
            bit = 1 << i
            for mask in range(1 << n):
                if mask & bit:
                    values[mask] += values[mask ^ bit]
        weights = [
            math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            for size in range(n)
        ]
        result = {}
        for i, player in enumerate(players):
            bit = 1 << i
            total = 0.0
            for mask in range(1 << n):
                if not mask & bit:
                    total += weights[mask.bit_count()] * (values[mask | bit] - values[mask])
            result[player] = total
        return result
    rng = np.random.default_rng(seed)
    totals = dict.fromkeys(players, 0.0)
    for _ in range(permutations):
        order = [players[i] for i in rng.permutation(n)]
        coalition: frozenset[str] = frozenset()
        before = 0.0
        for player in order:
            coalition = coalition | {player}
            after = worth(coalition)
            totals[player] += after - before
            before = after
    return {p: v / permutations for p, v in totals.items()}


# ----------------------------------------------------------------------------- shares


def _touch_shares(touches: pd.DataFrame, channel_weight: pd.Series, model: str) -> pd.DataFrame:
    """Spread each journey over its channels by weight, then evenly over the channel's touches."""
    frame = touches[["opportunity_id", "touchpoint_id", "player"]].copy()
    frame["touches_of_player"] = frame.groupby(["opportunity_id", "player"])[
        "touchpoint_id"
    ].transform("count")
    frame["weight"] = channel_weight.reindex(frame.index).fillna(0.0).to_numpy()
    per_player = frame.drop_duplicates(["opportunity_id", "player"])
    journey_weight = per_player.groupby("opportunity_id")["weight"].sum()
    players_in_journey = per_player.groupby("opportunity_id")["player"].count()
    frame["journey_weight"] = frame["opportunity_id"].map(journey_weight)
    frame["players_in_journey"] = frame["opportunity_id"].map(players_in_journey)
    frame["touches_in_journey"] = frame.groupby("opportunity_id")["touchpoint_id"].transform(
        "count"
    )
    has_weight = frame["journey_weight"] > 0
    frame["share"] = np.where(
        has_weight,
        frame["weight"]
        / frame["journey_weight"].where(has_weight, 1.0)
        / frame["touches_of_player"],
        1.0 / frame["touches_in_journey"],
    )
    frame["attribution_model"] = model
    return frame[["opportunity_id", "touchpoint_id", "attribution_model", "share"]]


def attribute(
    journeys: pd.DataFrame,
    lead_paths: pd.DataFrame,
    exact_max_players: int,
    permutations: int,
    seed: int,
) -> pd.DataFrame:
    """Markov and Shapley shares for the touches of won and open opportunities.

    journeys: opportunity_id, touchpoint_id, touch_number, player, is_won, is_closed.
    lead_paths: lead_id, touch_number, player: touches of leads that never became an
    opportunity (non-converting journeys).
    """
    journeys = journeys.sort_values(["opportunity_id", "touch_number"], kind="stable")
    known = journeys[journeys["is_closed"]]
    training: list[tuple[list[str], bool]] = [
        (group["player"].tolist(), bool(group["is_won"].iloc[0]))
        for _, group in known.groupby("opportunity_id", sort=True)
    ]
    lead_paths = lead_paths.sort_values(["lead_id", "touch_number"], kind="stable")
    training += [
        (group["player"].tolist(), False) for _, group in lead_paths.groupby("lead_id", sort=True)
    ]

    targets = journeys[journeys["is_won"] | ~journeys["is_closed"]].reset_index(drop=True)
    if targets.empty:
        return pd.DataFrame(
            columns=["opportunity_id", "touchpoint_id", "attribution_model", "share"]
        )

    effects = markov_removal_effects(training)
    markov = _touch_shares(targets, targets["player"].map(effects), "markov")

    conversions: dict[frozenset[str], int] = {}
    for states, converted in training:
        if converted:
            key = frozenset(states)
            conversions[key] = conversions.get(key, 0) + 1
    player_sets = targets.groupby("opportunity_id")["player"].agg(lambda s: frozenset(s))
    cache: dict[frozenset[str], dict[str, float]] = {}
    for player_set in player_sets.unique():
        cache[player_set] = shapley_values(
            sorted(player_set), conversions, exact_max_players, permutations, seed
        )
    values = [
        cache[player_sets[o]][p]
        for o, p in zip(targets["opportunity_id"], targets["player"], strict=True)
    ]
    shapley = _touch_shares(targets, pd.Series(values, index=targets.index), "shapley")
    return pd.concat([markov, shapley], ignore_index=True)


def _frame(relation) -> pd.DataFrame:
    """A dbt.ref() result as pandas: a DuckDB relation (.df()) or a Spark DataFrame."""
    return relation.toPandas() if hasattr(relation, "toPandas") else relation.df()


def model(dbt, session):
    dbt.config(materialized="table")
    granularity = dbt.config.get("granularity")

    def player(frame: pd.DataFrame) -> pd.Series:
        if granularity == "channel":
            return frame["channel"]
        return frame["campaign_id"].fillna("(no campaign)")

    journeys = _frame(dbt.ref("int_opportunity_journeys"))
    journeys = journeys.assign(player=player(journeys))[
        ["opportunity_id", "touchpoint_id", "touch_number", "player", "is_won", "is_closed"]
    ]
    touchpoints = _frame(dbt.ref("int_touchpoints_unified"))
    opportunities = _frame(dbt.ref("stg_crm__opportunities"))
    converted_leads = set(opportunities["lead_id"].dropna())
    lead_touches = touchpoints[touchpoints["lead_id"].notna()]
    lead_paths = lead_touches.assign(player=player(lead_touches))[
        ~lead_touches["lead_id"].isin(converted_leads)
    ][["lead_id", "touchpoint_id", "occurred_at", "player"]]
    lead_paths = lead_paths.sort_values(["lead_id", "occurred_at", "touchpoint_id"], kind="stable")
    lead_paths["touch_number"] = lead_paths.groupby("lead_id").cumcount() + 1
    return attribute(
        journeys,
        lead_paths[["lead_id", "touch_number", "player"]],
        exact_max_players=int(dbt.config.get("exact_max_players")),
        permutations=int(dbt.config.get("permutations")),
        seed=int(dbt.config.get("seed")),
    )
