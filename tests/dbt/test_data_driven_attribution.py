"""Markov and Shapley attribution (the dbt Python model's functions) against answers computed
here by other methods: by hand, by value iteration on an explicitly built chain, and by
averaging marginal contributions over every permutation."""

from __future__ import annotations

import importlib.util
import itertools
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

MODEL = (
    Path(__file__).resolve().parents[2]
    / "dbt_project/models/intermediate/attribution/int_attribution_data_driven.py"
)
spec = importlib.util.spec_from_file_location("int_attribution_data_driven", MODEL)
dd = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dd)


def test_markov_removal_effects_by_hand() -> None:
    # start->A 2, start->B 1; A->conv 1, A->B 1; B->null 1, B->conv 1.
    # P(conv) = 2/3 * 3/4 + 1/3 * 1/2 = 2/3; without A: 1/6 -> 3/4; without B: 1/3 -> 1/2.
    effects = dd.markov_removal_effects([(["A"], True), (["B"], False), (["A", "B"], True)])
    assert effects == pytest.approx({"A": 0.75, "B": 0.5})


def _conversion_by_value_iteration(
    paths: list[tuple[list[str], bool]], removed: str | None
) -> float:
    counts: Counter = Counter()
    for states, converted in paths:
        seq = ["S", *states, "C" if converted else "N"]
        counts.update(itertools.pairwise(seq))
    outgoing: dict[str, Counter] = {}
    for (a, b), k in counts.items():
        outgoing.setdefault(a, Counter())[b] += k
    value = {s: 0.0 for s in outgoing}
    for _ in range(5000):
        new = {}
        for state, targets in outgoing.items():
            total = sum(targets.values())
            acc = 0.0
            for target, k in targets.items():
                if target == "C":
                    acc += k / total
                elif target not in ("N", removed) and target in value:
                    acc += k / total * value[target]
            new[state] = 0.0 if state == removed else acc
        value = new
    return value["S"]


def test_markov_matches_value_iteration_with_loops() -> None:
    paths = [
        (["email", "webinar", "email"], True),
        (["paid", "paid", "email"], False),
        (["webinar"], True),
        (["paid", "webinar", "paid"], False),
        (["email", "paid", "webinar", "webinar"], True),
        (["social"], False),
        (["social", "email"], True),
    ]
    base = _conversion_by_value_iteration(paths, None)
    expected = {
        c: 1 - _conversion_by_value_iteration(paths, c) / base
        for c in ["email", "paid", "social", "webinar"]
    }
    assert dd.markov_removal_effects(paths) == pytest.approx(expected, abs=1e-9)


def _shapley_by_permutations(
    players: list[str], conversions: dict[frozenset, int]
) -> dict[str, float]:
    def worth(coalition: set) -> int:
        return sum(k for s, k in conversions.items() if s <= coalition)

    totals = dict.fromkeys(players, 0.0)
    orders = list(itertools.permutations(players))
    for order in orders:
        seen: set = set()
        for p in order:
            before = worth(seen)
            seen.add(p)
            totals[p] += worth(seen) - before
    return {p: v / len(orders) for p, v in totals.items()}


def test_shapley_by_hand() -> None:
    conversions = {frozenset("A"): 2, frozenset("AB"): 1, frozenset("B"): 0}
    # v(A) = 2, v(B) = 0, v(AB) = 3: phi_A = (2 + 3) / 2, phi_B = (0 + 1) / 2
    assert dd.shapley_values(["A", "B"], conversions) == pytest.approx({"A": 2.5, "B": 0.5})


def test_shapley_exact_matches_enumerating_every_permutation() -> None:
    conversions = {
        frozenset({"a"}): 3,
        frozenset({"a", "b"}): 5,
        frozenset({"b", "c"}): 2,
        frozenset({"a", "c", "d"}): 4,
        frozenset({"d"}): 1,
        frozenset({"e", "x"}): 7,  # x is not a player: never counts
    }
    players = ["a", "b", "c", "d", "e"]
    assert dd.shapley_values(players, conversions) == pytest.approx(
        _shapley_by_permutations(players, conversions)
    )


def test_shapley_sampling_above_the_exact_limit_approximates_the_exact_values() -> None:
    conversions = {
        frozenset({"a", "b"}): 4,
        frozenset({"c"}): 2,
        frozenset({"a", "d", "e"}): 3,
        frozenset({"b", "e"}): 1,
    }
    players = ["a", "b", "c", "d", "e"]
    exact = _shapley_by_permutations(players, conversions)
    sampled = dd.shapley_values(
        players, conversions, exact_max_players=2, permutations=4000, seed=1
    )
    assert sum(sampled.values()) == pytest.approx(
        sum(exact.values())
    )  # efficiency holds per permutation
    assert sampled == pytest.approx(exact, abs=0.15)
    assert sampled == dd.shapley_values(
        players, conversions, exact_max_players=2, permutations=4000, seed=1
    )


def test_attribute_gives_shares_summing_to_one_and_skips_lost_deals() -> None:
    journeys = pd.DataFrame(
        [
            ("W1", "t1", 1, "email", True, True),
            ("W1", "t2", 2, "webinar", True, True),
            ("W1", "t3", 3, "email", True, True),
            ("L1", "t4", 1, "paid", False, True),
            ("O1", "t5", 1, "paid", False, False),
            ("O1", "t6", 2, "social", False, False),
        ],
        columns=[
            "opportunity_id",
            "touchpoint_id",
            "touch_number",
            "player",
            "is_won",
            "is_closed",
        ],
    )
    leads = pd.DataFrame([("X", 1, "social")], columns=["lead_id", "touch_number", "player"])
    shares = dd.attribute(journeys, leads, exact_max_players=10, permutations=100, seed=1)
    assert set(shares.opportunity_id) == {"W1", "O1"}
    totals = shares.groupby(["opportunity_id", "attribution_model"])["share"].sum()
    assert totals.to_numpy() == pytest.approx([1.0] * len(totals))
    # Markov for W1: start->email 1/3 (paid and social 1/3 each, never converting); email
    # converts or goes to webinar with 1/2 each, webinar always returns to email. Without email
    # nothing converts (effect 1); without webinar P(conversion) halves (effect 1/2). So email
    # gets 2/3 of the journey, split over its two touches, and webinar 1/3.
    w1 = shares[(shares.opportunity_id == "W1") & (shares.attribution_model == "markov")].set_index(
        "touchpoint_id"
    )["share"]
    assert w1.to_dict() == pytest.approx({"t1": 1 / 3, "t2": 1 / 3, "t3": 1 / 3})
    # Shapley for W1: the only converting set is {email, webinar}: worth 1 only together -> 1/2 each,
    # email's half split over its two touches.
    w1 = shares[
        (shares.opportunity_id == "W1") & (shares.attribution_model == "shapley")
    ].set_index("touchpoint_id")["share"]
    assert w1.to_dict() == pytest.approx({"t1": 0.25, "t2": 0.5, "t3": 0.25})
    # O1 (paid, social): neither paid nor social ever converts -> no weight -> even shares.
    o1 = shares[(shares.opportunity_id == "O1") & (shares.attribution_model == "shapley")]["share"]
    assert o1.tolist() == pytest.approx([0.5, 0.5])
    assert ((shares["share"] >= 0) & (shares["share"] <= 1)).all()
