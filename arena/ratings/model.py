"""Ratings from game outcomes: live Elo, and Plackett-Luce maximum likelihood with bootstrap CIs.

Outcomes are rankings. A ranking is a sequence of tie groups, best first, each group a sequence
of agent ids; the same agent may sit in several seats of one game::

    [["a"], ["b"]]                              # two-player game, a won
    [["cand"], ["opp", "opp", "opp"]]           # one candidate against three copies
    [["w"], ["x", "y", "z"]]                    # Skull: one winner, the rest unordered
    [["w"], ["second"], ["third"], ["out"]]     # Liar's Dice elimination order

All ratings are on the Elo scale: rating ``r`` means strength ``10 ** (r / 400)``, so that
``P(i beats j) = 1 / (1 + 10 ** ((r_j - r_i) / 400))``.

Likelihood used by :func:`fit_ratings` (Plackett-Luce, which is Bradley-Terry for two seats).
A ranking is read as a sequence of choices ("stages"): the first group is chosen from all seats,
the next from the seats left, and so on. With ``gamma`` the strengths and ``R`` the seats left:

* a group of one seat ``i`` contributes ``gamma_i / sum(gamma_R)`` (exact Plackett-Luce);
* a tie group ``G`` of ``m`` seats that is not the last group uses Breslow's approximation,
  ``prod_{i in G} gamma_i / sum(gamma_R) ** m`` (every member chosen from the same set ``R``);
* the last group is the unordered rest of the field and contributes nothing (Skull's losers
  share one return because the game does not order them, not because they drew);
* a ranking with a single group (every seat tied: a draw) contributes
  ``prod_{i} gamma_i ** (1 / m) / sum(gamma)``: each seat takes a ``1/m`` share of the win.
  For two seats this is the usual half win each, as in OpenSpiel's Elo.

Seats of the same agent enter ``sum(gamma_R)`` once per seat. A game against copies of oneself
carries no information and leaves the fit unchanged.

Prior: every agent plays ``prior_games`` virtual games against a virtual player of rating 0,
winning half of them (``prior_games / 2`` virtual wins and as many losses). This keeps the
rating of an undefeated (or winless) agent finite and shrinks ratings built on few games
towards the field. ``prior_games=0`` gives the plain maximum-likelihood estimate, which exists
only when the comparison graph (an edge i -> j whenever i is chosen while j is still in the
choice set) is strongly connected; otherwise a
``ValueError`` says so. OpenSpiel's ``smoothing_factor`` is a different pseudo-count (``s``
wins of every agent over every other one); it can be reproduced exactly with ``prior_games=0``
and one extra two-seat outcome of weight ``s`` per ordered pair (see ``weights``).

The maximiser is Hunter's (2004) MM algorithm for generalized Bradley-Terry models, vectorised
over the distinct choice sets and over bootstrap resamples, accelerated by SQUAREM (Varadhan &
Roland 2008) with a fallback that keeps every step uphill; the common shift of all ratings,
which only the prior decides, is solved exactly after each MM step.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from arena.ratings.elo import ELO_SCALE
from arena.ratings.outcomes import Outcome, Ranking, agents_in_order, checked_rankings

DEFAULT_PRIOR_GAMES = 2.0
"""Virtual games of every agent against a rating-0 player (one virtual win, one loss)."""


DEFAULT_MAX_ITER = 10_000
"""Most iterations of one fit (each is three MM steps, SQUAREM-accelerated)."""


DEFAULT_TOL = 1e-6
"""A fit stops when no rating moves by more than this many Elo points in one iteration."""


LOG_TO_ELO = ELO_SCALE / math.log(10.0)


@dataclass(frozen=True)
class Problem:
    """The Plackett-Luce likelihood of a list of games, in arrays.

    A stage is one choice of a ranking (see the module docstring); ``S`` stages, ``U`` distinct
    choice sets, ``C`` chosen seats, ``E`` comparison edges, ``n`` agents, ``G`` games.
    """

    agents: tuple[str, ...]
    sets: np.ndarray  # (U, n) seats of each agent in each distinct choice set
    stage_game: np.ndarray  # (S,) game of each stage
    stage_set: np.ndarray  # (S,) choice set of each stage
    stage_weight: np.ndarray  # (S,) total choice weight of each stage (power of its denominator)
    choice_game: np.ndarray  # (C,)
    choice_agent: np.ndarray  # (C,)
    choice_weight: np.ndarray  # (C,)
    edges: np.ndarray  # (E, 3) rows (game, winner, loser): "winner was chosen over loser"

    @property
    def n_games(self) -> int:
        """The number of games."""
        return int(self.stage_game.max(initial=-1)) + 1


def stages(ranking: Ranking) -> list[tuple[tuple[str, ...], tuple[str, ...], float, float]]:
    """Returns ``(choice set, chosen seats, weight per chosen seat, total weight)`` per stage."""
    if len(ranking) == 1:
        seats = ranking[0]
        return [(seats, seats, 1.0 / len(seats), 1.0)]
    stages = []
    remaining = tuple(agent for group in ranking for agent in group)
    for group in ranking[:-1]:
        stages.append((remaining, group, 1.0, float(len(group))))
        remaining = remaining[len(group) :]
    return stages


def compile_rankings(rankings: Sequence[Ranking]) -> Problem:
    """Turns validated rankings into the arrays of the MM algorithm."""
    agents = agents_in_order(rankings)
    index = {agent: i for i, agent in enumerate(agents)}
    set_ids: dict[tuple[int, ...], int] = {}
    stage_rows: list[tuple[int, int, float]] = []
    choice_rows: list[tuple[int, int, float]] = []
    edges: set[tuple[int, int, int]] = set()
    for game, ranking in enumerate(rankings):
        for members, chosen, weight, total in stages(ranking):
            key = tuple(sorted(index[agent] for agent in members))
            stage_rows.append((game, set_ids.setdefault(key, len(set_ids)), total))
            for agent in chosen:
                choice_rows.append((game, index[agent], weight))
                edges.update((game, index[agent], k) for k in key if k != index[agent])
    sets = np.zeros((len(set_ids), len(agents)))
    for key, row in set_ids.items():
        np.add.at(sets[row], list(key), 1.0)
    stage, choice = np.array(stage_rows).T, np.array(choice_rows).T
    return Problem(
        agents=agents,
        sets=sets,
        stage_game=stage[0].astype(np.intp),
        stage_set=stage[1].astype(np.intp),
        stage_weight=stage[2],
        choice_game=choice[0].astype(np.intp),
        choice_agent=choice[1].astype(np.intp),
        choice_weight=choice[2],
        edges=np.array(sorted(edges), dtype=np.intp).reshape(-1, 3),
    )


def grouped_sum(values: np.ndarray, groups: np.ndarray, size: int) -> np.ndarray:
    """Sums the columns of ``values`` (B, K) into ``size`` groups, row by row: (B, size)."""
    rows = values.shape[0]
    flat = (groups[None, :] + size * np.arange(rows)[:, None]).ravel()
    summed = np.bincount(flat, weights=values.ravel(), minlength=rows * size)
    return summed.reshape(rows, size)


@dataclass(frozen=True)
class Stats:
    """Sufficient statistics of B weightings of the games (see :func:`statistics`)."""

    sets: np.ndarray  # (U + n, n + 1) choice sets, the virtual player as last column
    set_weights: np.ndarray  # (B, U + n) total choice weight of each set
    wins: np.ndarray  # (B, n) total weight with which each agent was chosen
    has_prior: bool


def statistics(problem: Problem, game_weights: np.ndarray, prior_games: float) -> Stats:
    """Returns the MM sufficient statistics of weighted games, prior included.

    Args:
        problem: The compiled games.
        game_weights: (B, G) weight of every game in each of B fits.
        prior_games: Virtual games of every agent against a rating-0 player.

    Returns:
        The statistics; the prior adds one two-seat choice set per agent (the agent and the
        virtual player) of weight ``prior_games``, and ``prior_games / 2`` to its wins.
    """
    rows, n = game_weights.shape[0], len(problem.agents)
    n_sets = problem.sets.shape[0]
    stage_w = game_weights[:, problem.stage_game] * problem.stage_weight
    set_weights = grouped_sum(stage_w, problem.stage_set, n_sets)
    choice_w = game_weights[:, problem.choice_game] * problem.choice_weight
    wins = grouped_sum(choice_w, problem.choice_agent, n) + prior_games / 2.0
    virtual = np.hstack([np.eye(n), np.ones((n, 1))])
    sets = np.vstack([np.hstack([problem.sets, np.zeros((n_sets, 1))]), virtual])
    set_weights = np.hstack([set_weights, np.full((rows, n), float(prior_games))])
    return Stats(sets, set_weights, wins, has_prior=prior_games > 0)


def set_totals(stats: Stats, log_gamma: np.ndarray) -> np.ndarray:
    """Sum of strengths over each choice set (B, U + n); the virtual player has strength 1."""
    gamma = np.hstack([np.exp(log_gamma), np.ones((log_gamma.shape[0], 1))])
    return gamma @ stats.sets.T


def mm_step(stats: Stats, log_gamma: np.ndarray) -> np.ndarray:
    """One MM update of Hunter (2004), then the best common shift of all log-strengths.

    ``gamma_i <- wins_i / sum_sets weight * seats_i / sum(gamma over the set)``. The data are
    blind to a common shift, so only the prior sets it, and plain MM would crawl along that flat
    direction: the shift is solved exactly instead. Without a prior, the shift centres.
    """
    ratios = stats.set_weights / set_totals(stats, log_gamma)
    new_log = np.log(stats.wins) - np.log(ratios @ stats.sets[:, :-1])
    if stats.has_prior:
        return best_prior_shift(new_log)
    return new_log - new_log.mean(axis=1, keepdims=True)


def log_likelihood(stats: Stats, log_gamma: np.ndarray) -> np.ndarray:
    """Log-likelihood plus log-prior of each row, up to a constant (B,)."""
    totals = np.log(set_totals(stats, log_gamma))
    return (stats.wins * log_gamma).sum(axis=1) - (stats.set_weights * totals).sum(axis=1)


def maximise(
    stats: Stats, log_gamma: np.ndarray, *, max_iter: int, tol: float
) -> tuple[np.ndarray, bool]:
    """Maximises the likelihood of B rows at once by MM, accelerated by SQUAREM.

    Each iteration extrapolates two MM steps (Varadhan & Roland 2008, scheme S3), takes one MM
    step from there, and falls back to the plain double MM step where that is not better, so
    the likelihood never decreases.

    Returns:
        The log-strengths (B, n) and whether every row moved by less than ``tol`` Elo points.
    """
    for _ in range(max_iter):
        first = mm_step(stats, log_gamma)
        second = mm_step(stats, first)
        r, v = first - log_gamma, second - 2.0 * first + log_gamma
        norm_v = np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-300)
        alpha = np.minimum(-np.linalg.norm(r, axis=1, keepdims=True) / norm_v, -1.0)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            jumped = mm_step(stats, log_gamma - 2.0 * alpha * r + alpha**2 * v)
            better = log_likelihood(stats, jumped) >= log_likelihood(stats, second)
        new_log = np.where((better & np.isfinite(jumped).all(axis=1))[:, None], jumped, second)
        change = np.abs(new_log - log_gamma).max(initial=0.0)
        log_gamma = new_log
        if change * LOG_TO_ELO < tol:
            return log_gamma, True
    return log_gamma, False


def best_prior_shift(log_gamma: np.ndarray, steps: int = 50) -> np.ndarray:
    """Shifts each row by the ``c`` that maximises the prior: ``sum_i sigmoid(x_i + c) = n / 2``.

    Newton's method on a monotone function, steps clipped to 1 (174 Elo) for safety.
    """
    shift = -np.median(log_gamma, axis=1, keepdims=True)
    half = log_gamma.shape[1] / 2.0
    for _ in range(steps):
        p = 0.5 + 0.5 * np.tanh(0.5 * (log_gamma + shift))  # sigmoid, without overflow
        slope = np.maximum((p * (1.0 - p)).sum(axis=1, keepdims=True), 1e-300)
        step = np.clip((half - p.sum(axis=1, keepdims=True)) / slope, -1.0, 1.0)
        shift += step
        if np.abs(step).max(initial=0.0) < 1e-13:
            break
    return log_gamma + shift


def strongly_connected(n: int, winners: np.ndarray, losers: np.ndarray) -> bool:
    """Whether every agent is reachable from every other along "chosen over" edges."""
    from arena.stats.separation import components

    return len(set(components(n, winners, losers))) == 1


def check_identifiable(problem: Problem, game_weights: np.ndarray) -> None:
    """Raises unless the maximum-likelihood estimate without prior exists for every row."""
    games, winners, losers = problem.edges.T
    for row, weights in enumerate(game_weights):
        used = weights[games] > 0
        if not strongly_connected(len(problem.agents), winners[used], losers[used]):
            which = "the data" if len(game_weights) == 1 else f"bootstrap resample {row}"
            raise ValueError(
                f"prior_games=0 needs every agent to have been ranked both above and below the "
                f"rest (a strongly connected comparison graph), but {which} is not; some rating "
                "would be infinite. Use prior_games > 0."
            )


def fit_batch(
    problem: Problem,
    game_weights: np.ndarray,
    *,
    prior_games: float,
    max_iter: int,
    tol: float,
    start: np.ndarray | None = None,
    stacklevel: int = 3,
) -> np.ndarray:
    """Fits B weightings of the same games; returns centred Elo ratings (B, n).

    ``start`` (B, n) are starting ratings; ``stacklevel`` points the non-convergence warning
    at the public caller.
    """
    if prior_games == 0:
        check_identifiable(problem, game_weights)
    stats = statistics(problem, game_weights, prior_games)
    log_gamma = np.zeros(stats.wins.shape) if start is None else start / LOG_TO_ELO
    log_gamma, converged = maximise(stats, log_gamma, max_iter=max_iter, tol=tol)
    if not converged:
        warnings.warn(
            f"rating fit did not converge to {tol} Elo in {max_iter} iterations",
            RuntimeWarning,
            stacklevel=stacklevel,
        )
    ratings = log_gamma * LOG_TO_ELO
    return ratings - ratings.mean(axis=1, keepdims=True)


def check_fit_options(prior_games: float, max_iter: int, tol: float) -> None:
    if not (math.isfinite(prior_games) and prior_games >= 0):
        raise ValueError(f"prior_games must be a finite number >= 0, got {prior_games!r}")
    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1, got {max_iter!r}")
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol!r}")


def fit_ratings(
    outcomes: Sequence[Outcome],
    *,
    weights: Sequence[float] | None = None,
    prior_games: float = DEFAULT_PRIOR_GAMES,
    max_iter: int = DEFAULT_MAX_ITER,
    tol: float = DEFAULT_TOL,
) -> dict[str, float]:
    """Fits Plackett-Luce (Bradley-Terry for two seats) ratings by maximum likelihood.

    See the module docstring for the likelihood of ties and of the last group, and the prior.

    Args:
        outcomes: One ranking per game.
        weights: How many times each outcome counts (non-negative, fractional allowed);
            default 1 each.
        prior_games: Virtual games of every agent against a rating-0 player, half of them won.
            0 gives the plain maximum-likelihood estimate, which needs connected data.
        max_iter: Most iterations (each three MM steps, SQUAREM-accelerated); a
            ``RuntimeWarning`` is issued if they run out.
        tol: Stop when no rating moves by more than ``tol`` Elo points in one iteration.

    Returns:
        Ratings on the Elo scale, mean 0, in order of the agents' first appearance.

    Raises:
        ValueError: On empty or malformed outcomes, bad weights or options, or, with
            ``prior_games=0``, data in which some rating would be infinite.
    """
    check_fit_options(prior_games, max_iter, tol)
    problem = compile_rankings(checked_rankings(outcomes))
    game_weights = checked_weights(weights, problem.n_games)
    ratings = fit_batch(problem, game_weights, prior_games=prior_games, max_iter=max_iter, tol=tol)[
        0
    ]
    return {agent: float(r) for agent, r in zip(problem.agents, ratings, strict=True)}


def checked_weights(weights: Sequence[float] | None, n_games: int) -> np.ndarray:
    """Returns the game weights as a (1, G) array."""
    if weights is None:
        return np.ones((1, n_games))
    array = np.asarray(weights, dtype=float)
    if array.shape != (n_games,):
        raise ValueError(f"weights must have one entry per outcome ({n_games}), got {array.shape}")
    if not (np.isfinite(array).all() and (array >= 0).all()):
        raise ValueError("weights must be finite and >= 0")
    return array[None, :]
