"""Tests of arena/ratings.py: rankings, live Elo, Plackett-Luce fits, anchoring, bootstrap CIs."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import pyspiel
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arena.ratings import (
    EloTracker,
    RatingRow,
    anchor,
    expected_score,
    fit_ratings,
    ranking_from_returns,
    rating_intervals,
)

TRUTH = {"a0": 0.0, "a1": -150.0, "a2": 100.0, "a3": 250.0, "a4": -50.0}
"""True Elo ratings of the synthetic agents; a0 is the anchor."""

_NAMES = list(TRUTH)
_LOG_STRENGTH = np.array([TRUTH[a] for a in _NAMES]) * math.log(10.0) / 400.0


# --------------------------------------------------------------------------- helpers


def simulate(rng: np.random.Generator, kind: str, n_games: int) -> list[list[list[str]]]:
    """Games drawn from Plackett-Luce with the TRUTH strengths (Gumbel-max sampling).

    kind: "bt" two distinct seats; "pl" full order of four distinct agents; "winner" four seats
    drawn with replacement (copies happen), only the winner is known.
    """
    outcomes = []
    for _ in range(n_games):
        seats = rng.choice(len(_NAMES), 2 if kind == "bt" else 4, replace=kind == "winner")
        noisy = _LOG_STRENGTH[seats] + rng.gumbel(size=len(seats))
        names = [_NAMES[k] for k in seats[np.argsort(-noisy)]]
        outcomes.append([names[:1], names[1:]] if kind == "winner" else [[n] for n in names])
    return outcomes


def log_likelihood(ratings: dict[str, float], outcomes: Sequence, prior_games: float) -> float:
    """The documented likelihood of arena.ratings, written out plainly, plus the prior."""
    theta = {agent: r * math.log(10.0) / 400.0 for agent, r in ratings.items()}
    total = 0.0
    for ranking in outcomes:
        seats = [agent for group in ranking for agent in group]
        if len(ranking) == 1:  # a draw: each seat takes a 1/m share of the win
            total += sum(theta[a] for a in seats) / len(seats)
            total -= math.log(sum(math.exp(theta[a]) for a in seats))
            continue
        for group in ranking[:-1]:  # the last group is the unordered rest
            log_sum = math.log(sum(math.exp(theta[a]) for a in seats))
            total += sum(theta[a] - log_sum for a in group)
            seats = seats[len(group) :]
    for t in theta.values():  # virtual games against a rating-0 player, half of them won
        total += prior_games * (t / 2.0 - math.log(1.0 + math.exp(t)))
    return total


def pyspiel_ratings(wins: np.ndarray, draws: np.ndarray | None, smoothing: float) -> np.ndarray:
    options = pyspiel.elo.default_elo_options()
    options.smoothing_factor = smoothing
    options.max_iterations = 200_000
    options.convergence_delta = 1e-15
    draw_list = [] if draws is None else draws.tolist()
    return np.array(pyspiel.elo.compute_ratings_from_matrices(wins.tolist(), draw_list, options))


def centred(values: Sequence[float]) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    return array - array.mean()


# --------------------------------------------------------------------------- rankings


def test_skull_returns_give_winner_then_the_rest() -> None:
    ranking = ranking_from_returns(["a", "b", "c", "d"], [-1 / 3, 1.0, -1 / 3, -1 / 3])
    assert ranking == (("b",), ("a", "c", "d"))


def test_copies_of_one_agent_keep_their_seats() -> None:
    ranking = ranking_from_returns(["cand", "opp", "opp", "opp"], [1.0, -1 / 3, -1 / 3, -1 / 3])
    assert ranking == (("cand",), ("opp", "opp", "opp"))


def test_full_order_returns() -> None:
    ranking = ranking_from_returns(["first_out", "w", "third", "second"], [-1.0, 1.0, 0.0, 0.5])
    assert ranking == (("w",), ("second",), ("third",), ("first_out",))


def test_returns_within_tolerance_tie() -> None:
    assert ranking_from_returns(["a", "b"], [0.5, 0.5 + 1e-12]) == (("a", "b"),)
    assert ranking_from_returns(["a", "b"], [0.5, 0.5 + 1e-6]) == (("b",), ("a",))


@pytest.mark.parametrize(
    ("agents", "returns", "match"),
    [
        (["a", "b"], [1.0], "returns"),
        (["a"], [1.0], "at least 2 seats"),
        ([], [], "at least 2 seats"),
        (["a", "b"], [1.0, math.nan], "finite"),
        (["a", 3], [1.0, 0.0], "str"),
    ],
)
def test_ranking_from_returns_errors(agents: list, returns: list, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ranking_from_returns(agents, returns)


@pytest.mark.parametrize(
    ("outcomes", "match"),
    [
        ([], "no outcomes"),
        ([[["a"]]], "at least 2 seats"),
        ([[["a"], ["b"]], [["a"], []]], "outcome 1"),
        ([["a", "b"]], "sequence of agent ids"),
        ([[["a"], [1]]], "str"),
    ],
)
def test_malformed_outcomes_are_refused(outcomes: list, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        fit_ratings(outcomes)
    with pytest.raises(ValueError, match=match):
        rating_intervals(outcomes, n_boot=2)


# --------------------------------------------------------------------------- live Elo


def test_two_player_elo_is_the_classic_update() -> None:
    tracker = EloTracker(k_factor=32.0, initial_rating=1500.0)
    assert tracker.update([["a"], ["b"]]) == {"a": 16.0, "b": -16.0}
    expected = 32.0 * (1.0 - expected_score(1484.0, 1516.0))
    delta = tracker.update([["b"], ["a"]])
    assert delta["b"] == pytest.approx(expected) and delta["a"] == pytest.approx(-expected)


def test_elo_updates_are_zero_sum() -> None:
    rng = np.random.default_rng(3)
    tracker = EloTracker(k_factor=24.0, initial_rating=1000.0)
    names = ["a", "b", "c", "d"]
    for _ in range(300):
        i, j = rng.choice(4, 2, replace=False)
        outcome = [[names[i]], [names[j]]] if rng.random() < 0.9 else [[names[i], names[j]]]
        assert sum(tracker.update(outcome).values()) == pytest.approx(0.0, abs=1e-9)
    assert sum(tracker.ratings().values()) == pytest.approx(4 * 1000.0)


@pytest.mark.parametrize("kind", ["bt", "pl", "winner"])
def test_elo_ranks_stronger_agents_higher(kind: str) -> None:
    tracker = EloTracker(k_factor=16.0)
    for outcome in simulate(np.random.default_rng(4), kind, 3000):
        tracker.update(outcome)
    ratings = tracker.ratings()
    assert ratings["a3"] > ratings["a2"] > ratings["a0"] > ratings["a1"]


def test_multiplayer_elo_decomposes_into_pairs() -> None:
    tracker = EloTracker(k_factor=30.0)
    delta = tracker.update([["w"], ["x", "y", "z"]])
    # Winner: 3 wins at K/3 * 0.5; each loser: one loss and two draws at equal ratings.
    assert delta == pytest.approx({"w": 15.0, "x": -5.0, "y": -5.0, "z": -5.0})


def test_copies_of_an_agent_do_not_update_against_themselves() -> None:
    tracker = EloTracker(k_factor=30.0)
    assert tracker.update([["cand"], ["opp", "opp", "opp"]]) == pytest.approx(
        {"cand": 15.0, "opp": -15.0}
    )
    assert tracker.update([["opp"], ["opp"]]) == {"opp": 0.0}
    assert tracker.update([["opp", "opp", "opp"]]) == {"opp": 0.0}
    assert tracker.ratings() == pytest.approx({"cand": 15.0, "opp": -15.0})


def test_live_elo_is_on_the_scale_of_the_tables() -> None:
    """Agents start at 0 and random reads 0 once it has played, as in the final tables."""
    tracker = EloTracker()
    tracker.update([["heuristic"], ["random"]])
    assert tracker.ratings() == pytest.approx({"heuristic": 32.0, "random": 0.0})
    assert EloTracker(anchor=None).update([["a"], ["b"]]) == {"a": 16.0, "b": -16.0}


def test_elo_options_and_outcomes_are_checked() -> None:
    with pytest.raises(ValueError, match="k_factor"):
        EloTracker(k_factor=0.0)
    with pytest.raises(ValueError, match="at least 2 seats"):
        EloTracker().update([["a"]])


# --------------------------------------------------------------------------- OpenSpiel's Elo


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(3, 6),
    seed=st.integers(0, 2**32 - 1),
    smoothing=st.sampled_from([pyspiel.elo.DEFAULT_SMOOTHING_FACTOR, 0.1, 0.5, 1.0, 3.0]),
    with_draws=st.booleans(),
)
def test_bradley_terry_matches_openspiel_elo(
    n: int, seed: int, smoothing: float, with_draws: bool
) -> None:
    """OpenSpiel's smoothing_factor s adds s wins to every cell W[i][j], i != j.

    That is s virtual wins of every agent over every other one (2s virtual games per pair),
    reproduced here by one weighted outcome per ordered pair and no prior. A draw counts as
    half a win for each side in both.
    """
    rng = np.random.default_rng(seed)
    wins = rng.integers(0, 12, size=(n, n)) * (rng.random((n, n)) < 0.8)
    np.fill_diagonal(wins, 0)
    draws = np.triu(rng.integers(0, 4, size=(n, n)), 1) if with_draws else np.zeros((n, n), int)
    draws = draws + draws.T
    names = [f"p{i}" for i in range(n)]
    outcomes, weights = [], []
    for i, j in itertools.permutations(range(n), 2):
        outcomes.append([[names[i]], [names[j]]])
        weights.append(wins[i, j] + smoothing)
        if i < j and draws[i, j]:
            outcomes.append([[names[i], names[j]]])
            weights.append(draws[i, j])
    ours = fit_ratings(outcomes, weights=weights, prior_games=0.0, tol=1e-9)
    reference = pyspiel_ratings(wins, draws if with_draws else None, smoothing)
    np.testing.assert_allclose(centred([ours[a] for a in names]), centred(reference), atol=0.01)


def test_game_records_match_openspiel_match_records() -> None:
    """The same games through both front doors: our rankings, OpenSpiel's MatchRecords."""
    rng = np.random.default_rng(11)
    outcome_kind = pyspiel.elo.MatchOutcome
    records, outcomes = [], []
    for _ in range(400):
        i, j = rng.choice(5, 2, replace=False)
        p = 1.0 / (1.0 + 10.0 ** ((TRUTH[_NAMES[j]] - TRUTH[_NAMES[i]]) / 400.0))
        u = rng.random()
        first, second = _NAMES[i], _NAMES[j]
        if u < 0.1:
            records.append(pyspiel.elo.MatchRecord(first, second, outcome_kind.DRAW))
            outcomes.append([[first, second]])
        elif u < 0.1 + 0.9 * p:
            records.append(pyspiel.elo.MatchRecord(first, second, outcome_kind.FIRST_PLAYER_WIN))
            outcomes.append([[first], [second]])
        else:
            records.append(pyspiel.elo.MatchRecord(first, second, outcome_kind.FIRST_PLAYER_LOSS))
            outcomes.append([[second], [first]])
    options = pyspiel.elo.default_elo_options()  # smoothing 0.01, OpenSpiel's default
    options.max_iterations = 200_000
    reference = pyspiel.elo.compute_ratings_from_match_records(records, options)
    smoothing = [[[a], [b]] for a, b in itertools.permutations(_NAMES, 2)]
    ours = fit_ratings(
        outcomes + smoothing,
        weights=[1.0] * len(outcomes) + [options.smoothing_factor] * len(smoothing),
        prior_games=0.0,
    )
    np.testing.assert_allclose(
        centred([ours[a] for a in _NAMES]), centred([reference[a] for a in _NAMES]), atol=0.01
    )


# --------------------------------------------------------------------------- the fit


MIXED_OUTCOMES = [
    [["a"], ["b"]],
    [["b"], ["c"], ["d"], ["a"]],  # Liar's Dice elimination order
    [["c"], ["a", "b", "d"]],  # Skull: winner, then the unordered rest
    [["d"], ["a", "c"], ["b"]],  # a tie in the middle (Breslow)
    [["a", "d"]],  # a two-player draw
    [["b", "c", "d"]],  # a three-way draw
    [["cand"], ["a", "a", "a"]],  # copies of one agent
    [["a"], ["cand", "b"]],
    [["b"], ["cand"]],
    [["a"], ["a"]],  # self-play: no information
    [["c"], ["b"]],
    [["a"], ["d"], ["c"]],
]


@pytest.mark.parametrize("prior_games", [0.0, 0.5, 2.0])
def test_fit_maximises_the_documented_likelihood(prior_games: float) -> None:
    """The gradient (finite differences of a plain implementation) vanishes at the fit."""
    fit = fit_ratings(MIXED_OUTCOMES, prior_games=prior_games, tol=1e-10)
    assert sum(fit.values()) == pytest.approx(0.0, abs=1e-6)
    base = log_likelihood(fit, MIXED_OUTCOMES, prior_games)
    for agent in fit:
        for step in (-1e-3, 1e-3):
            moved = dict(fit, **{agent: fit[agent] + step})
            slope = (log_likelihood(moved, MIXED_OUTCOMES, prior_games) - base) / step
            assert abs(slope) < 1e-5, (agent, slope)
    rng = np.random.default_rng(0)
    for _ in range(20):  # and it is a maximum, not just a stationary point
        other = {a: r + rng.normal(0.0, 30.0) for a, r in fit.items()}
        assert log_likelihood(other, MIXED_OUTCOMES, prior_games) < base


def test_two_player_fit_is_the_closed_form() -> None:
    outcomes = [[["a"], ["b"]]] * 3 + [[["b"], ["a"]]]
    fit = fit_ratings(outcomes, prior_games=0.0)
    assert fit["a"] - fit["b"] == pytest.approx(400.0 * math.log10(3.0), abs=1e-6)
    assert fit["a"] + fit["b"] == pytest.approx(0.0, abs=1e-9)


def test_draws_and_self_play_carry_the_documented_weight() -> None:
    base = [[["a"], ["b"]], [["b"], ["a"]], [["a"], ["c"]], [["c"], ["b"]]]
    plain = fit_ratings(base, prior_games=0.0)
    with_self_play = fit_ratings([*base, [["a"], ["a"]], [["b", "b"]]], prior_games=0.0)
    assert with_self_play == pytest.approx(plain, abs=1e-5)
    draw = fit_ratings([*base, [["c", "a"]]], prior_games=0.0)
    halves = [*base, [["a"], ["c"]], [["c"], ["a"]]]
    weights = [1.0] * 4 + [0.5] * 2
    assert draw == pytest.approx(fit_ratings(halves, weights=weights, prior_games=0.0), abs=1e-5)
    assert draw["a"] - draw["c"] < plain["a"] - plain["c"]


def test_weights_count_outcomes() -> None:
    outcomes = [[["a"], ["b"]], [["b"], ["c"]], [["c"], ["a"]], [["a"], ["c"]]]
    doubled = fit_ratings([*outcomes, outcomes[0]])
    assert fit_ratings(outcomes, weights=[2, 1, 1, 1]) == pytest.approx(doubled, abs=1e-5)
    with pytest.raises(ValueError, match="one entry per outcome"):
        fit_ratings(outcomes, weights=[1, 1])
    with pytest.raises(ValueError, match=">= 0"):
        fit_ratings(outcomes, weights=[1, 1, -1, 1])


def test_undefeated_agent_needs_a_prior() -> None:
    outcomes = [[["a"], ["b"]], [["a"], ["c"]], [["b"], ["c"]], [["c"], ["b"]]]
    with pytest.raises(ValueError, match="prior_games"):
        fit_ratings(outcomes, prior_games=0.0)
    fit = fit_ratings(outcomes, prior_games=1.0)
    assert all(math.isfinite(r) for r in fit.values())
    assert fit["a"] > fit["b"] == pytest.approx(fit["c"])
    assert fit_ratings(outcomes, prior_games=4.0)["a"] < fit["a"]  # a stronger prior shrinks


def test_prior_zero_is_allowed_on_connected_data() -> None:
    cycle = [[["a"], ["b"]], [["b"], ["c"]], [["c"], ["a"]]]
    equal = pytest.approx({"a": 0.0, "b": 0.0, "c": 0.0}, abs=1e-5)
    assert fit_ratings(cycle, prior_games=0.0) == equal
    winner_only = [[["a"], ["b", "c"]], [["b"], ["a", "c"]], [["c"], ["a", "b"]]]
    assert fit_ratings(winner_only, prior_games=0.0) == equal


def test_fit_options_are_checked() -> None:
    with pytest.raises(ValueError, match="prior_games"):
        fit_ratings([[["a"], ["b"]]], prior_games=-1.0)
    with pytest.raises(ValueError, match="max_iter"):
        fit_ratings([[["a"], ["b"]]], max_iter=0)


# --------------------------------------------------------------------------- anchoring


def test_anchor_shifts_every_rating() -> None:
    shifted = anchor({"a": 10.0, "b": -10.0}, "b", 1000.0)
    assert shifted == {"a": 1020.0, "b": 1000.0}
    with pytest.raises(ValueError, match="unknown anchor agent 'c'"):
        anchor({"a": 10.0}, "c", 0.0)


def test_anchored_intervals_have_zero_width_at_the_anchor() -> None:
    outcomes = simulate(np.random.default_rng(5), "pl", 200)
    rows = {r.agent: r for r in rating_intervals(outcomes, n_boot=50, anchor=("a1", 1500.0))}
    assert rows["a1"].rating == rows["a1"].lower == rows["a1"].upper == pytest.approx(1500.0)
    free = {r.agent: r for r in rating_intervals(outcomes, n_boot=50)}
    assert sum(r.rating for r in free.values()) == pytest.approx(0.0, abs=1e-6)
    for agent in TRUTH:  # the same fit, shifted
        assert rows[agent].rating - free[agent].rating == pytest.approx(1500.0 - free["a1"].rating)
    with pytest.raises(ValueError, match="unknown anchor agent"):
        rating_intervals(outcomes, n_boot=5, anchor=("nobody", 0.0))


# --------------------------------------------------------------------------- bootstrap


def test_rows_count_games_and_pairwise_scores() -> None:
    outcomes = [
        [["a"], ["b"]],
        [["b"], ["a", "c", "c"]],  # a: one loss, two draws -> 1/3
        [["a", "b"]],
        [["c"], ["c"]],  # c only meets itself: no score from this game
    ]
    rows = rating_intervals(outcomes, n_boot=20)
    assert [r.rating for r in rows] == sorted((r.rating for r in rows), reverse=True)
    by_agent = {r.agent: r for r in rows}
    assert by_agent["a"].games == 3 and by_agent["c"].games == 2
    assert by_agent["a"].score == pytest.approx((1.0 + 1.0 / 3.0 + 0.5) / 3.0)
    assert by_agent["b"].score == pytest.approx((0.0 + 1.0 + 0.5) / 3.0)
    assert by_agent["c"].score == pytest.approx(0.25)  # each seat: a loss to b, a draw with a
    assert all(isinstance(r, RatingRow) and r.lower <= r.rating <= r.upper for r in rows)


def test_bootstrap_is_seeded() -> None:
    outcomes = simulate(np.random.default_rng(6), "bt", 150)
    first = rating_intervals(outcomes, n_boot=40, seed=1)
    assert rating_intervals(outcomes, n_boot=40, seed=1) == first
    assert rating_intervals(outcomes, n_boot=40, seed=2) != first


def test_bootstrap_options_are_checked() -> None:
    with pytest.raises(ValueError, match="n_boot"):
        rating_intervals([[["a"], ["b"]]], n_boot=0)
    with pytest.raises(ValueError, match="confidence"):
        rating_intervals([[["a"], ["b"]]], confidence=1.0)


@pytest.mark.parametrize("kind", ["bt", "pl", "winner"])
def test_recovers_known_strengths(kind: str) -> None:
    outcomes = simulate(np.random.default_rng(7), kind, 1500)
    rows = rating_intervals(outcomes, n_boot=200, anchor=("a0", TRUTH["a0"]))
    for row in rows:
        assert row.lower <= row.rating <= row.upper
        assert abs(row.rating - TRUTH[row.agent]) <= max(row.upper - row.lower, 1e-9), row


@pytest.mark.parametrize("kind", ["bt", "pl", "winner"])
def test_intervals_cover_the_truth_about_95_percent(kind: str) -> None:
    rng = np.random.default_rng(123)
    covered = total = 0
    for repetition in range(100):
        outcomes = simulate(rng, kind, 300)
        for row in rating_intervals(outcomes, n_boot=100, seed=repetition, anchor=("a0", 0.0)):
            if row.agent != "a0":
                covered += row.lower <= TRUTH[row.agent] <= row.upper
                total += 1
    assert 0.85 <= covered / total <= 0.99


def test_bootstrap_ranks_eight_agents_of_two_thousand_four_player_games() -> None:
    """200 refits of 2,000 four-player games among 8 agents recover their order (its speed is
    a benchmark's business, not a test's)."""
    rng = np.random.default_rng(8)
    strengths = np.linspace(-1.0, 1.0, 8)
    outcomes = []
    for _ in range(2000):
        seats = rng.choice(8, 4, replace=False)
        order = seats[np.argsort(-(strengths[seats] + rng.gumbel(size=4)))]
        outcomes.append([[f"agent{k}"] for k in order])
    rows = rating_intervals(outcomes, n_boot=200)
    assert [r.agent for r in rows] == [f"agent{k}" for k in range(7, -1, -1)]


# --------------------------------------------------------------------------- deal clustering


def _correlated_deals(
    rng: np.random.Generator, seats: int, deals: int, delta: float, sigma: float
) -> tuple[list, np.ndarray]:
    """Agent a against seats - 1 copies of b, every deal in every rotation.

    A deal's cards favour a by a random log-odds ``u ~ N(0, sigma)`` in all its rotations (some
    deals reward skill, some only luck), so a's results within a deal are positively
    correlated; given the deal, a wins each rotation with ``1 / (1 + (seats-1) e^-(delta+u))``.
    """
    u = rng.normal(0.0, sigma, deals)
    p = 1.0 / (1.0 + (seats - 1) * np.exp(-(delta + u)))
    wins = rng.random((deals, seats)) < p[:, None]
    rest = ["b"] * (seats - 2)
    outcomes = [[["a"], ["b", *rest]] if w else [["b"], ["a", *rest]] for w in wins.ravel()]
    return outcomes, np.repeat(np.arange(deals), seats)


def _true_difference(seats: int, delta: float, sigma: float) -> float:
    """The rating difference the fit converges to: that of a's marginal win rate."""
    u = np.random.default_rng(99).normal(0.0, sigma, 1_000_000)
    p = float(np.mean(1.0 / (1.0 + (seats - 1) * np.exp(-(delta + u)))))
    return 400.0 * math.log10((seats - 1) * p / (1.0 - p))


@pytest.mark.parametrize(
    ("seats", "deals", "sigma", "per_game_at_most"), [(2, 150, 3.5, 0.92), (4, 100, 2.0, 0.88)]
)
def test_deal_clustered_intervals_cover_95_percent_of_correlated_duplicate_data(
    seats: int, deals: int, sigma: float, per_game_at_most: float
) -> None:
    """The coverage study of issue 16: on duplicate deals whose rotations are correlated, the
    deal bootstrap covers the truth 90-98% of the time; the per-game bootstrap, which treats
    the rotations as independent, falls short (printed: 0.90 against 0.96 for the duel, where a
    deal is 2 games; 0.79 against 0.93 at four seats, where it is 4)."""
    truth = _true_difference(seats, 0.4, sigma)
    rng = np.random.default_rng(2026)
    covered = {"deal": 0, "game": 0}
    repetitions = 150
    for repetition in range(repetitions):
        outcomes, deals_of = _correlated_deals(rng, seats, deals, 0.4, sigma)
        for how, clusters in (("deal", deals_of), ("game", None)):
            rows = rating_intervals(
                outcomes, clusters=clusters, n_boot=100, seed=repetition, anchor=("b", 0.0)
            )
            a = next(row for row in rows if row.agent == "a")
            covered[how] += a.lower <= truth <= a.upper
    coverage = {how: count / repetitions for how, count in covered.items()}
    print(f"coverage of 95% intervals, {seats} seats: {coverage}")
    assert 0.90 <= coverage["deal"] <= 0.98
    assert coverage["game"] <= per_game_at_most < coverage["deal"]


def test_clustering_changes_the_intervals_not_the_ratings() -> None:
    outcomes, deals_of = _correlated_deals(np.random.default_rng(3), 4, 60, 0.4, 2.0)
    by_deal = {r.agent: r for r in rating_intervals(outcomes, clusters=deals_of, n_boot=50)}
    by_game = {r.agent: r for r in rating_intervals(outcomes, n_boot=50)}
    for agent in ("a", "b"):
        assert by_deal[agent].rating == pytest.approx(by_game[agent].rating)
        assert by_deal[agent].games == by_game[agent].games == 240
    width = {k: r["a"].upper - r["a"].lower for k, r in (("deal", by_deal), ("game", by_game))}
    assert width["deal"] > width["game"]  # correlated rotations carry less information
    with pytest.raises(ValueError, match="one entry per outcome"):
        rating_intervals(outcomes, clusters=deals_of[:-1])


def test_weights_count_games_in_the_bootstrap_too() -> None:
    outcomes = [[["a"], ["b"]], [["b"], ["a"]]]
    weighted = rating_intervals(outcomes, weights=[30, 10], n_boot=100)
    repeated = rating_intervals([outcomes[0]] * 30 + [outcomes[1]] * 10, n_boot=100)
    assert [r.rating for r in weighted] == pytest.approx([r.rating for r in repeated])
    assert weighted[0].games == 40 and weighted[0].upper > weighted[0].lower


# --------------------------------------------------------------------------- separated agents


def test_a_clean_sweep_gets_a_one_sided_bound_not_plus_minus_zero() -> None:
    """40-0 in 20 deals of two games: a's rating is only bounded below, at the rating where
    such a sweep is 2.5% likely with each deal counted once (q ** 20 = 0.025)."""
    outcomes = [[["a"], ["random"]]] * 40
    rows = {
        r.agent: r
        for r in rating_intervals(
            outcomes, clusters=[i // 2 for i in range(40)], anchor=("random", 0.0)
        )
    }
    q = 0.025 ** (1 / 20)
    assert rows["a"].bound == "lower" and rows["a"].upper == math.inf
    assert rows["a"].rating == rows["a"].lower == pytest.approx(400 * math.log10(q / (1 - q)))
    assert rows["random"].bound == "" and rows["random"].rating == 0.0
    single = rating_intervals(outcomes, anchor=("random", 0.0))[0]  # 40 independent games
    assert single.rating > rows["a"].rating


def test_separated_groups_are_bounded_on_the_side_the_data_allow() -> None:
    outcomes = (
        [[["top"], ["mid"]]] * 8  # top never lost
        + [[["mid"], ["low"]]] * 6
        + [[["low"], ["mid"]]] * 3  # mid and low are connected
        + [[["low"], ["bottom"]]] * 5  # bottom never won
        + [[["x"], ["y"]]] * 4  # never met the others
    )
    rows = {r.agent: r for r in rating_intervals(outcomes, anchor=("low", 0.0), n_boot=50)}
    assert rows["top"].bound == "lower" and rows["top"].upper == math.inf
    beat_all_8 = 0.025 ** (1 / 8)  # each game its own deal: 8 wins, 5 losses
    expected = rows["mid"].rating + 400 * math.log10(beat_all_8 / (1 - beat_all_8))
    assert rows["top"].lower == pytest.approx(expected, abs=0.01)
    assert rows["bottom"].bound == "upper" and rows["bottom"].lower == -math.inf
    lost_all_5 = 0.025 ** (1 / 5)
    expected = 400 * math.log10((1 - lost_all_5) / lost_all_5)  # low is the anchor, at 0
    assert rows["bottom"].upper == pytest.approx(expected, abs=0.01)
    assert rows["mid"].bound == "" and rows["mid"].lower < rows["mid"].upper
    assert rows["x"].bound == rows["y"].bound == "none"
    assert [r.agent for r in rating_intervals(outcomes, n_boot=5)][-2:] == ["x", "y"]
