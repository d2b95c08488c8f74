"""Markov and Shapley attribution (the dbt Python model's functions) against answers computed
here by other methods: by hand, by value iteration on an explicitly built chain, and by
averaging marginal contributions over every permutation."""

from __future__ import annotations

import importlib.util
import itertools
from collections import Counter
from pathlib import Path

import pytest

MODEL = (
    Path(__file__).resolve().parents[2]
    / "dbt_project/models/intermediate/attribution/int_attribution_data_driven_weights.py"
)
spec = importlib.util.spec_from_file_location("int_attribution_data_driven_weights", MODEL)
dd = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dd)


def _transition_counts(paths: list[tuple[list[str], bool, int]]) -> dict[tuple[str, str], int]:
    """(states, converted, journeys) paths as int_attribution_transitions counts them."""
    counts: Counter = Counter()
    for states, converted, journeys in paths:
        sequence = [dd.START, *states, dd.CONVERSION if converted else dd.NULL]
        for pair in itertools.pairwise(sequence):
            counts[pair] += journeys
    return dict(counts)


def test_markov_removal_effects_by_hand() -> None:
    # start->A 2, start->B 1; A->conv 1, A->B 1; B->null 1, B->conv 1.
    # P(conv) = 2/3 * 3/4 + 1/3 * 1/2 = 2/3; without A: 1/6 -> 3/4; without B: 1/3 -> 1/2.
    effects = dd.markov_removal_effects(
        _transition_counts([(["A"], True, 1), (["B"], False, 1), (["A", "B"], True, 1)])
    )
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
    # distinct paths with how many journeys took them; the reference sees every journey
    paths = [
        (["email", "webinar", "email"], True, 3),
        (["paid", "paid", "email"], False, 1),
        (["webinar"], True, 2),
        (["paid", "webinar", "paid"], False, 4),
        (["email", "paid", "webinar", "webinar"], True, 1),
        (["social"], False, 5),
        (["social", "email"], True, 1),
    ]
    journeys = [(states, converted) for states, converted, n in paths for _ in range(n)]
    base = _conversion_by_value_iteration(journeys, None)
    expected = {
        c: 1 - _conversion_by_value_iteration(journeys, c) / base
        for c in ["email", "paid", "social", "webinar"]
    }
    effects = dd.markov_removal_effects(_transition_counts(paths))
    assert effects == pytest.approx(expected, abs=1e-9)


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


def _inputs(
    paths: list[tuple[list[str], bool, bool, bool]],
) -> tuple[list[tuple], list[tuple]]:
    """Rows of int_attribution_transitions and int_attribution_player_sets (the columns the
    model reads: dd.TRANSITION_COLUMNS, dd.PLAYER_SET_COLUMNS) of (states, known, converted,
    target) journeys, as the SQL models build them."""
    counts = _transition_counts([(s, c, 1) for s, known, c, _ in paths if known])
    transitions = [(a, b, k) for (a, b), k in counts.items()]
    sets: dict[str, list[int]] = {}
    for states, known, converted, target in paths:
        totals = sets.setdefault(" + ".join(sorted(set(states))), [0, 0, 0])
        totals[0] = len(set(states))
        totals[1] += known and converted
        totals[2] += target
    player_sets = [(s, *t) for s, t in sets.items()]
    return transitions, player_sets


def test_weights_per_target_player_set() -> None:
    # W1 won (email, webinar, email), L1 lost (paid), O1 open (paid, social), X a lead that
    # never converted (social).
    transitions, player_sets = _inputs(
        [
            (["email", "webinar", "email"], True, True, True),
            (["paid"], True, False, False),
            (["paid", "social"], False, False, True),
            (["social"], True, False, False),
        ]
    )
    weights = dd.data_driven_weights(
        transitions, player_sets, exact_max_players=10, permutations=100, seed=1
    )
    got = {(m, s, p): w for m, s, p, w in weights}
    # Markov: start->email 1/3 (paid and social 1/3 each, never converting); email converts or
    # goes to webinar with 1/2 each, webinar always returns to email. Without email nothing
    # converts (effect 1); without webinar P(conversion) halves (effect 1/2); paid and social
    # never lead to a conversion (effect 0). Shapley: the only converting set is
    # {email, webinar}, worth 1 only together: 1/2 each; paid and social are worth nothing.
    # Sets of no target journey ({paid}, {social}) get no weights.
    assert got == pytest.approx(
        {
            ("markov", "email + webinar", "email"): 1.0,
            ("markov", "email + webinar", "webinar"): 0.5,
            ("shapley", "email + webinar", "email"): 0.5,
            ("shapley", "email + webinar", "webinar"): 0.5,
            ("markov", "paid + social", "paid"): 0.0,
            ("markov", "paid + social", "social"): 0.0,
            ("shapley", "paid + social", "paid"): 0.0,
            ("shapley", "paid + social", "social"): 0.0,
        }
    )


def test_a_player_containing_the_set_separator_is_refused() -> None:
    # a campaign id "x + y" makes a two-player set look like three players
    transitions, player_sets = _inputs([(["x + y", "z"], True, True, True)])
    with pytest.raises(ValueError, match="contain ' \\+ '"):
        dd.data_driven_weights(
            transitions, player_sets, exact_max_players=10, permutations=100, seed=1
        )
