"""Data-driven attribution weights: first-order Markov removal effect and Shapley values.

Both learn from every journey whose outcome is known: won opportunities (converted), lost
opportunities and leads that never became an opportunity (not converted). The inputs are
aggregates built in SQL, so the model never sees a touch: the Markov chain's transition
counts (int_attribution_transitions) and the journeys per player set
(int_attribution_player_sets); with channels as players a few hundred rows at any scale. The
output is one weight per attribution model, player set of a target journey (won or open
opportunity) and player in it; int_attribution_data_driven turns them into per-touch shares
(a journey's credit goes to its players in proportion to their weight and is split evenly
over the player's touches; without any weight, linear shares). Players are channels or
campaigns (var attribution_granularity).

Markov: transition probabilities between consecutive states (start -> ... -> conversion /
null) over all known journeys; the removal effect of a state is 1 - P(conversion without it)
/ P(conversion), where removing a state sends every transition into it to null. The weight
of a player is its removal effect, the same in every set.

Shapley: the worth of a coalition S of players is the number of converted journeys whose set
of players is a subset of S. Within a journey with player set T, a player's weight is its
Shapley value in the game restricted to T. Exact (all 2^|T| coalitions) up to var
attribution_shapley_exact_max_players players; above that estimated from var
attribution_shapley_permutations random permutations with a fixed seed.

Plain Python and numpy, no pandas: the inputs are a few hundred rows, read as tuples (DuckDB
and Spark alike), and the weights go back as a relation of the session (_relation). Importing
pandas alone took 0.9 s of the model's 1.2 s at scale 100; the computation takes 0.03 s.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

# as int_attribution_transitions names them, and how int_attribution_journeys joins a set
START, CONVERSION, NULL = "(start)", "(conversion)", "(null)"
SET_SEPARATOR = " + "


# ----------------------------------------------------------------------------- Markov


def markov_removal_effects(counts: dict[tuple[str, str], int]) -> dict[str, float]:
    """Removal effect per state from transition counts ((from, to) -> transitions)."""
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


# ----------------------------------------------------------------------------- weights

TRANSITION_COLUMNS = ("from_state", "to_state", "transitions")
PLAYER_SET_COLUMNS = ("player_set", "players", "converted_journeys", "target_journeys")
WEIGHT_COLUMNS = ("attribution_model", "player_set", "player", "weight")
WEIGHT_TYPES = ("string", "string", "string", "double")  # type names Spark and DuckDB share


def data_driven_weights(
    transitions: Iterable[tuple[str, str, int]],
    player_sets: Iterable[tuple[str, int, int, int]],
    exact_max_players: int,
    permutations: int,
    seed: int,
) -> list[tuple[str, str, str, float]]:
    """Markov and Shapley weight of every player in every player set some target journey has.

    transitions: rows of int_attribution_transitions (TRANSITION_COLUMNS).
    player_sets: rows of int_attribution_player_sets (PLAYER_SET_COLUMNS; player_set is the
    distinct players, sorted, joined by SET_SEPARATOR).
    Returns rows of WEIGHT_COLUMNS.
    """
    counts = {(a, b): int(k) for a, b, k in transitions}
    effects = markov_removal_effects(counts)
    conversions: dict[frozenset[str], int] = {}
    targets: list[tuple[str, list[str]]] = []  # the set as SQL wrote it (the join key)
    for player_set, players, converted, target in player_sets:
        members = player_set.split(SET_SEPARATOR)
        if len(set(members)) != players:
            raise ValueError(
                f"player set {player_set!r} should have {players} players: does a channel or"
                f" campaign id contain {SET_SEPARATOR!r}?"
            )
        if converted:
            conversions[frozenset(members)] = int(converted)
        if target:
            targets.append((player_set, members))

    rows = []
    for player_set, members in sorted(targets):
        values = shapley_values(sorted(members), conversions, exact_max_players, permutations, seed)
        for player in members:
            rows.append(("markov", player_set, player, float(effects.get(player, 0.0))))
            rows.append(("shapley", player_set, player, float(values[player])))
    return rows


def _rows(relation, columns: tuple[str, ...]) -> list[tuple]:
    """The columns of a dbt.ref() result as tuples: a DuckDB relation or a Spark DataFrame."""
    if hasattr(relation, "collect"):  # Spark
        return [tuple(row) for row in relation.select(*columns).collect()]
    return relation.select(*columns).fetchall()


def _relation(session, rows: list[tuple[str, str, str, float]]):
    """The weights as a relation of the model's session (Spark or DuckDB), column by column."""
    if hasattr(session, "createDataFrame"):  # Spark
        schema = ", ".join(f"{c} {t}" for c, t in zip(WEIGHT_COLUMNS, WEIGHT_TYPES, strict=True))
        return session.createDataFrame(rows, schema=schema)
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(WEIGHT_COLUMNS)
    select = ", ".join(
        f"unnest(${c}::{t}[]) as {c}" for c, t in zip(WEIGHT_COLUMNS, WEIGHT_TYPES, strict=True)
    )
    return session.sql(
        f"select {select}",
        params={c: list(v) for c, v in zip(WEIGHT_COLUMNS, columns, strict=True)},
    )


def model(dbt, session):
    dbt.config(materialized="table")
    rows = data_driven_weights(
        _rows(dbt.ref("int_attribution_transitions"), TRANSITION_COLUMNS),
        _rows(dbt.ref("int_attribution_player_sets"), PLAYER_SET_COLUMNS),
        exact_max_players=int(dbt.config.get("exact_max_players")),
        permutations=int(dbt.config.get("permutations")),
        seed=int(dbt.config.get("seed")),
    )
    return _relation(session, rows)
