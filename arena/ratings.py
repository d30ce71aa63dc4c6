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
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
from scipy.sparse import csr_matrix

from arena.match import ranking_of

Outcome: TypeAlias = Sequence[Sequence[str]]
"""A ranking: tie groups of agent ids, best first."""

Ranking: TypeAlias = tuple[tuple[str, ...], ...]
"""A validated ranking, as returned by :func:`ranking_from_returns`."""

ELO_SCALE = 400.0
"""Elo points per factor of 10 in strength."""

DEFAULT_PRIOR_GAMES = 2.0
"""Virtual games of every agent against a rating-0 player (one virtual win, one loss)."""

DEFAULT_MAX_ITER = 10_000
"""Most iterations of one fit (each is three MM steps, SQUAREM-accelerated)."""

DEFAULT_TOL = 1e-6
"""A fit stops when no rating moves by more than this many Elo points in one iteration."""

_LOG_TO_ELO = ELO_SCALE / math.log(10.0)
_MAX_BOOT_CELLS = 4_000_000  # bounds the memory of one batch of bootstrap resamples


# --------------------------------------------------------------------------- outcomes


def ranking_from_returns(
    agents: Sequence[str], returns: Sequence[float], *, tol: float = 1e-9
) -> Ranking:
    """Groups the seats of one game into a ranking by their returns.

    Args:
        agents: The agent id in each seat.
        returns: The return of each seat, same length as ``agents``.
        tol: Returns within ``tol`` of a group's best return join that group.

    Returns:
        Tie groups of agent ids, best first; within a group, seats keep their order.

    Raises:
        ValueError: If the lengths differ, there are fewer than 2 seats, or a return is not
            finite.
    """
    if len(agents) != len(returns):
        raise ValueError(f"got {len(agents)} agents but {len(returns)} returns; one per seat")
    if len(agents) < 2:
        raise ValueError(f"a ranking needs at least 2 seats, got {len(agents)}")
    values = [float(r) for r in returns]
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"returns must be finite, got {list(returns)!r}")
    groups = ranking_of(values, tol)  # the referee's own grouping: one definition of a ranking
    return tuple(tuple(_checked_agent(agents[seat]) for seat in sorted(g)) for g in groups)


def _checked_agent(agent: object) -> str:
    if not isinstance(agent, str):
        raise ValueError(f"agent ids must be str, got {agent!r}")
    return agent


def _checked_ranking(outcome: Outcome, index: int = 0) -> Ranking:
    """Validates one ranking and returns it as tuples."""
    if isinstance(outcome, str) or not isinstance(outcome, Sequence):
        raise ValueError(f"outcome {index}: a ranking is a sequence of tie groups, got {outcome!r}")
    groups = []
    for group in outcome:
        if isinstance(group, str) or not isinstance(group, Sequence) or len(group) == 0:
            raise ValueError(
                f"outcome {index}: each tie group must be a non-empty sequence of agent ids "
                f"(str), got {group!r}"
            )
        groups.append(tuple(_checked_agent(agent) for agent in group))
    if sum(len(group) for group in groups) < 2:
        raise ValueError(f"outcome {index}: a ranking needs at least 2 seats, got {outcome!r}")
    return tuple(groups)


def _checked_rankings(outcomes: Sequence[Outcome]) -> list[Ranking]:
    if len(outcomes) == 0:
        raise ValueError("no outcomes: at least one ranking is needed")
    return [_checked_ranking(outcome, index) for index, outcome in enumerate(outcomes)]


def _agents_in_order(rankings: Sequence[Ranking]) -> tuple[str, ...]:
    """All agent ids, in order of first appearance."""
    seen: dict[str, None] = {}
    for ranking in rankings:
        for group in ranking:
            seen.update(dict.fromkeys(group))
    return tuple(seen)


# --------------------------------------------------------------------------- online Elo


class EloTracker:
    """Online Elo ratings for live display, updated one game at a time.

    A game of ``n`` seats is decomposed into its pairs of seats: a pair in different groups is a
    win for the better-ranked seat, a pair in the same group a draw. Each pair moves both
    ratings by ``k_factor / (n - 1) * (score - expected)``, computed from the ratings before
    the game, so a two-player game gives the classic update and every game is zero-sum. Pairs of
    seats held by the same agent are skipped (no agent is updated against itself).

    The defaults put the live ratings on the scale of the final tables: every agent starts at
    0 (so the mean stays 0), and once ``random`` has played it reads 0.

    Args:
        k_factor: The classic K of a two-player game.
        initial_rating: The rating of an agent before its first game.
        anchor: ``(agent, value)``: :meth:`ratings` shifts every rating so that ``agent``
            reads ``value`` once it has played; None never shifts.
    """

    def __init__(
        self,
        k_factor: float = 32.0,
        initial_rating: float = 0.0,
        anchor: tuple[str, float] | None = ("random", 0.0),
    ) -> None:
        if not (math.isfinite(k_factor) and k_factor > 0):
            raise ValueError(f"k_factor must be a positive number, got {k_factor!r}")
        if not math.isfinite(initial_rating):
            raise ValueError(f"initial_rating must be finite, got {initial_rating!r}")
        if anchor is not None and not math.isfinite(anchor[1]):
            raise ValueError(f"the anchor's rating must be finite, got {anchor!r}")
        self.k_factor = float(k_factor)
        self.initial_rating = float(initial_rating)
        self.anchor = anchor
        self._ratings: dict[str, float] = {}

    def update(self, outcome: Outcome) -> dict[str, float]:
        """Applies one game.

        Args:
            outcome: The game's ranking.

        Returns:
            The change of rating of every agent in the game.

        Raises:
            ValueError: If the ranking is malformed or has fewer than 2 seats.
        """
        seats = [
            (agent, rank) for rank, group in enumerate(_checked_ranking(outcome)) for agent in group
        ]
        before = {agent: self._ratings.get(agent, self.initial_rating) for agent, _ in seats}
        delta = dict.fromkeys(before, 0.0)
        step = self.k_factor / (len(seats) - 1)
        for first, (agent, rank) in enumerate(seats):
            for other, other_rank in seats[first + 1 :]:
                if other == agent:
                    continue
                score = _pair_score(rank, other_rank)
                change = step * (score - expected_score(before[agent], before[other]))
                delta[agent] += change
                delta[other] -= change
        for agent, change in delta.items():
            self._ratings[agent] = before[agent] + change
        return delta

    def ratings(self) -> dict[str, float]:
        """Returns the current rating of every agent seen so far.

        When the anchor agent has played, every rating is shifted so that it reads the
        anchor's value, as in the final tables (:func:`rating_intervals`); otherwise the
        ratings are as updated (mean ``initial_rating``, since every update is zero-sum).
        """
        if self.anchor is None or self.anchor[0] not in self._ratings:
            return dict(self._ratings)
        return anchor(self._ratings, *self.anchor)


def _pair_score(rank: int, other_rank: int) -> float:
    """1 for the better group index (lower), 0.5 for the same group, 0 for the worse."""
    return 1.0 if rank < other_rank else 0.5 if rank == other_rank else 0.0


def expected_score(rating: float, opponent: float) -> float:
    """Returns the Elo probability that a player of ``rating`` beats one of ``opponent``."""
    return 1.0 / (1.0 + 10.0 ** ((opponent - rating) / ELO_SCALE))


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class _Problem:
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


def _stages(ranking: Ranking) -> list[tuple[tuple[str, ...], tuple[str, ...], float, float]]:
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


def _compile(rankings: Sequence[Ranking]) -> _Problem:
    """Turns validated rankings into the arrays of the MM algorithm."""
    agents = _agents_in_order(rankings)
    index = {agent: i for i, agent in enumerate(agents)}
    set_ids: dict[tuple[int, ...], int] = {}
    stage_rows: list[tuple[int, int, float]] = []
    choice_rows: list[tuple[int, int, float]] = []
    edges: set[tuple[int, int, int]] = set()
    for game, ranking in enumerate(rankings):
        for members, chosen, weight, total in _stages(ranking):
            key = tuple(sorted(index[agent] for agent in members))
            stage_rows.append((game, set_ids.setdefault(key, len(set_ids)), total))
            for agent in chosen:
                choice_rows.append((game, index[agent], weight))
                edges.update((game, index[agent], k) for k in key if k != index[agent])
    sets = np.zeros((len(set_ids), len(agents)))
    for key, row in set_ids.items():
        np.add.at(sets[row], list(key), 1.0)
    stage, choice = np.array(stage_rows).T, np.array(choice_rows).T
    return _Problem(
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


def _grouped_sum(values: np.ndarray, groups: np.ndarray, size: int) -> np.ndarray:
    """Sums the columns of ``values`` (B, K) into ``size`` groups, row by row: (B, size)."""
    rows = values.shape[0]
    flat = (groups[None, :] + size * np.arange(rows)[:, None]).ravel()
    summed = np.bincount(flat, weights=values.ravel(), minlength=rows * size)
    return summed.reshape(rows, size)


@dataclass(frozen=True)
class _Stats:
    """Sufficient statistics of B weightings of the games (see :func:`_statistics`)."""

    sets: np.ndarray  # (U + n, n + 1) choice sets, the virtual player as last column
    set_weights: np.ndarray  # (B, U + n) total choice weight of each set
    wins: np.ndarray  # (B, n) total weight with which each agent was chosen
    has_prior: bool


def _statistics(problem: _Problem, game_weights: np.ndarray, prior_games: float) -> _Stats:
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
    set_weights = _grouped_sum(stage_w, problem.stage_set, n_sets)
    choice_w = game_weights[:, problem.choice_game] * problem.choice_weight
    wins = _grouped_sum(choice_w, problem.choice_agent, n) + prior_games / 2.0
    virtual = np.hstack([np.eye(n), np.ones((n, 1))])
    sets = np.vstack([np.hstack([problem.sets, np.zeros((n_sets, 1))]), virtual])
    set_weights = np.hstack([set_weights, np.full((rows, n), float(prior_games))])
    return _Stats(sets, set_weights, wins, has_prior=prior_games > 0)


def _set_totals(stats: _Stats, log_gamma: np.ndarray) -> np.ndarray:
    """Sum of strengths over each choice set (B, U + n); the virtual player has strength 1."""
    gamma = np.hstack([np.exp(log_gamma), np.ones((log_gamma.shape[0], 1))])
    return gamma @ stats.sets.T


def _mm_step(stats: _Stats, log_gamma: np.ndarray) -> np.ndarray:
    """One MM update of Hunter (2004), then the best common shift of all log-strengths.

    ``gamma_i <- wins_i / sum_sets weight * seats_i / sum(gamma over the set)``. The data are
    blind to a common shift, so only the prior sets it, and plain MM would crawl along that flat
    direction: the shift is solved exactly instead. Without a prior, the shift centres.
    """
    ratios = stats.set_weights / _set_totals(stats, log_gamma)
    new_log = np.log(stats.wins) - np.log(ratios @ stats.sets[:, :-1])
    if stats.has_prior:
        return _best_prior_shift(new_log)
    return new_log - new_log.mean(axis=1, keepdims=True)


def _log_likelihood(stats: _Stats, log_gamma: np.ndarray) -> np.ndarray:
    """Log-likelihood plus log-prior of each row, up to a constant (B,)."""
    totals = np.log(_set_totals(stats, log_gamma))
    return (stats.wins * log_gamma).sum(axis=1) - (stats.set_weights * totals).sum(axis=1)


def _maximise(
    stats: _Stats, log_gamma: np.ndarray, *, max_iter: int, tol: float
) -> tuple[np.ndarray, bool]:
    """Maximises the likelihood of B rows at once by MM, accelerated by SQUAREM.

    Each iteration extrapolates two MM steps (Varadhan & Roland 2008, scheme S3), takes one MM
    step from there, and falls back to the plain double MM step where that is not better, so
    the likelihood never decreases.

    Returns:
        The log-strengths (B, n) and whether every row moved by less than ``tol`` Elo points.
    """
    for _ in range(max_iter):
        first = _mm_step(stats, log_gamma)
        second = _mm_step(stats, first)
        r, v = first - log_gamma, second - 2.0 * first + log_gamma
        norm_v = np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-300)
        alpha = np.minimum(-np.linalg.norm(r, axis=1, keepdims=True) / norm_v, -1.0)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            jumped = _mm_step(stats, log_gamma - 2.0 * alpha * r + alpha**2 * v)
            better = _log_likelihood(stats, jumped) >= _log_likelihood(stats, second)
        new_log = np.where((better & np.isfinite(jumped).all(axis=1))[:, None], jumped, second)
        change = np.abs(new_log - log_gamma).max(initial=0.0)
        log_gamma = new_log
        if change * _LOG_TO_ELO < tol:
            return log_gamma, True
    return log_gamma, False


def _best_prior_shift(log_gamma: np.ndarray, steps: int = 50) -> np.ndarray:
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


def _strongly_connected(n: int, winners: np.ndarray, losers: np.ndarray) -> bool:
    """Whether every agent is reachable from every other along "chosen over" edges."""
    from arena.stats.separation import components

    return len(set(components(n, winners, losers))) == 1


def _check_identifiable(problem: _Problem, game_weights: np.ndarray) -> None:
    """Raises unless the maximum-likelihood estimate without prior exists for every row."""
    games, winners, losers = problem.edges.T
    for row, weights in enumerate(game_weights):
        used = weights[games] > 0
        if not _strongly_connected(len(problem.agents), winners[used], losers[used]):
            which = "the data" if len(game_weights) == 1 else f"bootstrap resample {row}"
            raise ValueError(
                f"prior_games=0 needs every agent to have been ranked both above and below the "
                f"rest (a strongly connected comparison graph), but {which} is not; some rating "
                "would be infinite. Use prior_games > 0."
            )


def _fit_batch(
    problem: _Problem,
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
        _check_identifiable(problem, game_weights)
    stats = _statistics(problem, game_weights, prior_games)
    log_gamma = np.zeros(stats.wins.shape) if start is None else start / _LOG_TO_ELO
    log_gamma, converged = _maximise(stats, log_gamma, max_iter=max_iter, tol=tol)
    if not converged:
        warnings.warn(
            f"rating fit did not converge to {tol} Elo in {max_iter} iterations",
            RuntimeWarning,
            stacklevel=stacklevel,
        )
    ratings = log_gamma * _LOG_TO_ELO
    return ratings - ratings.mean(axis=1, keepdims=True)


def _check_fit_options(prior_games: float, max_iter: int, tol: float) -> None:
    if not (math.isfinite(prior_games) and prior_games >= 0):
        raise ValueError(f"prior_games must be a finite number >= 0, got {prior_games!r}")
    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1, got {max_iter!r}")
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol!r}")


# --------------------------------------------------------------------------- public fits


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
    _check_fit_options(prior_games, max_iter, tol)
    problem = _compile(_checked_rankings(outcomes))
    game_weights = _checked_weights(weights, problem.n_games)
    ratings = _fit_batch(
        problem, game_weights, prior_games=prior_games, max_iter=max_iter, tol=tol
    )[0]
    return {agent: float(r) for agent, r in zip(problem.agents, ratings, strict=True)}


def _checked_weights(weights: Sequence[float] | None, n_games: int) -> np.ndarray:
    """Returns the game weights as a (1, G) array."""
    if weights is None:
        return np.ones((1, n_games))
    array = np.asarray(weights, dtype=float)
    if array.shape != (n_games,):
        raise ValueError(f"weights must have one entry per outcome ({n_games}), got {array.shape}")
    if not (np.isfinite(array).all() and (array >= 0).all()):
        raise ValueError("weights must be finite and >= 0")
    return array[None, :]


def anchor(ratings: Mapping[str, float], agent: str, value: float) -> dict[str, float]:
    """Shifts all ratings by the same amount so that ``agent`` is rated ``value``.

    Args:
        ratings: Ratings by agent.
        agent: The anchor agent.
        value: Its rating after the shift.

    Returns:
        The shifted ratings, in the same order.

    Raises:
        ValueError: If ``agent`` has no rating.
    """
    if agent not in ratings:
        raise ValueError(f"unknown anchor agent {agent!r}; rated agents: {sorted(ratings)}")
    shift = value - ratings[agent]
    return {name: rating + shift for name, rating in ratings.items()}


# --------------------------------------------------------------------------- bootstrap


@dataclass(frozen=True)
class RatingRow:
    """One agent's line of a rating table.

    Attributes:
        agent: The agent id.
        rating: Maximum-likelihood rating on all games (Elo scale); for a separated agent
            (``bound`` not empty) the finite end of its one-sided bound.
        lower: Lower end of the interval (``-inf`` when nothing bounds it below).
        upper: Upper end of the interval (``inf`` when nothing bounds it above).
        games: Number of games the agent appears in.
        score: Mean over its games of its pairwise score against the other agents' seats
            (1 win, 0.5 draw, 0 loss); NaN if it only ever played copies of itself.
        bound: ``""`` for a two-sided bootstrap interval. ``"lower"``: the agent was never
            ranked below the agents it is compared with (its group of the comparison graph
            only ever beat the reference group), so no data bound its rating above and
            ``rating == lower`` is a one-sided lower bound at the interval's confidence
            (``upper == inf``). ``"upper"``: the mirror image. ``"none"``: never compared with
            the reference group, in either direction (``-inf``, ``inf``).
    """

    agent: str
    rating: float
    lower: float
    upper: float
    games: int | float
    score: float
    bound: str = ""


@dataclass(frozen=True)
class Clustered:
    """Games as distinct rankings weighted by deal patterns: what the bootstrap resamples.

    A *cluster* is a deal: every seat rotation of one deal is played on the same chance stream,
    so its games are correlated and are resampled together. Deals that produced the same games
    share a *pattern*; a resample draws the number of deals of each pattern from a multinomial,
    which is the same as drawing deals with replacement, at the cost of the distinct patterns
    rather than of the games.

    Attributes:
        rankings: The distinct rankings ``(G,)``.
        patterns: ``(P, G)`` sparse: how many times (or with what weight) each distinct ranking
            occurs in one deal of each pattern.
        counts: ``(P,)`` how many deals have each pattern.
    """

    rankings: list[Ranking]
    patterns: csr_matrix
    counts: np.ndarray

    @property
    def game_weights(self) -> np.ndarray:
        """The total weight of each distinct ranking ``(G,)``."""
        return np.asarray(self.patterns.T @ self.counts.astype(float)).ravel()

    @property
    def deal_weights(self) -> np.ndarray:
        """Each distinct ranking's weight with every deal counted once ``(G,)``: a game of a
        deal of ``k`` games counts ``1 / k``."""
        sizes = np.asarray(self.patterns.sum(axis=1)).ravel()
        per_deal = self.counts / np.where(sizes > 0, sizes, 1.0)
        return np.asarray(self.patterns.T @ per_deal).ravel()


def clustered(
    outcomes: Sequence[Outcome],
    clusters: Sequence[Hashable] | None = None,
    weights: Sequence[float] | None = None,
) -> Clustered:
    """Groups games into deals and deals into patterns.

    Args:
        outcomes: One ranking per game.
        clusters: The deal of each game (any hashable id); games of one deal are resampled
            together. Default: every game is its own deal (the per-game bootstrap).
        weights: How many times each game counts (non-negative); default 1.

    Raises:
        ValueError: On malformed outcomes, or clusters or weights of the wrong length.
    """
    rankings = _checked_rankings(outcomes)
    game_w = _checked_weights(weights, len(rankings))[0]
    if clusters is not None and len(clusters) != len(rankings):
        raise ValueError(
            f"clusters must have one entry per outcome ({len(rankings)}), got {len(clusters)}"
        )
    distinct: dict[Ranking, int] = {}
    deals: dict[Hashable, dict[int, float]] = {}
    for i, ranking in enumerate(rankings):
        game = distinct.setdefault(ranking, len(distinct))
        deal = deals.setdefault(i if clusters is None else ("deal", clusters[i]), {})
        deal[game] = deal.get(game, 0.0) + float(game_w[i])
    return from_deals(list(distinct), [tuple(sorted(d.items())) for d in deals.values()])


def from_deals(
    rankings: Sequence[Ranking], deals: Sequence[tuple[tuple[int, float], ...]]
) -> Clustered:
    """Builds :class:`Clustered` from distinct rankings and, per deal, its ``(game, weight)``s.

    ``deals`` may repeat a deal's tuple (that is a second deal with the same games); equal
    tuples become one pattern.
    """
    pattern_ids: dict[tuple[tuple[int, float], ...], int] = {}
    counts: list[int] = []
    for deal in deals:
        p = pattern_ids.setdefault(deal, len(pattern_ids))
        if p == len(counts):
            counts.append(0)
        counts[p] += 1
    return from_patterns(rankings, list(pattern_ids), np.array(counts, dtype=np.int64))


def from_patterns(
    rankings: Sequence[Ranking],
    patterns: Sequence[Sequence[tuple[int, float]]],
    counts: np.ndarray,
) -> Clustered:
    """Builds :class:`Clustered` from distinct rankings, the ``(game, weight)`` pairs of each
    distinct pattern, and how many deals had each pattern."""
    rows = [p for p, pattern in enumerate(patterns) for _ in pattern]
    cols = [g for pattern in patterns for g, _ in pattern]
    vals = [w for pattern in patterns for _, w in pattern]
    matrix = csr_matrix((vals, (rows, cols)), shape=(len(patterns), len(rankings)))
    return Clustered(list(rankings), matrix, np.asarray(counts, dtype=np.int64))


def rating_intervals(
    outcomes: Sequence[Outcome],
    *,
    clusters: Sequence[Hashable] | None = None,
    weights: Sequence[float] | None = None,
    n_boot: int = 200,
    confidence: float = 0.95,
    seed: int = 0,
    anchor: tuple[str, float] | None = None,
    prior_games: float = DEFAULT_PRIOR_GAMES,
    max_iter: int = DEFAULT_MAX_ITER,
    tol: float = DEFAULT_TOL,
) -> list[RatingRow]:
    """Ratings with bootstrap percentile intervals, resampling whole deals with replacement.

    Args:
        outcomes: One ranking per game.
        clusters: The deal of each game: all games of a deal (its seat rotations, played on
            the same cards) are resampled together, since they are correlated. Default: each
            game alone, which is right only for independent games.
        weights: How many times each game counts; default 1 each.
        n_boot: Number of bootstrap resamples.
        confidence: Coverage of the percentile interval, in (0, 1).
        seed: Seed of the ``np.random.default_rng`` that draws the resamples.
        anchor: ``(agent, value)``: every fit, the full one and each resample, is shifted so
            that ``agent`` is rated ``value`` (its interval has zero width). Default: every
            fit is centred on mean 0.
        prior_games: See :func:`fit_ratings`. With 0, a resample in which some rating would be
            infinite raises ``ValueError``.
        max_iter: See :func:`fit_ratings`.
        tol: See :func:`fit_ratings`.

    Returns:
        One row per agent, best rating first. Agents separated from the reference group (see
        :attr:`RatingRow.bound`) get a one-sided bound instead of a bootstrap interval, which
        would have zero width.

    Raises:
        ValueError: On bad outcomes or options, or an unknown anchor agent.
    """
    data = clustered(outcomes, clusters, weights)
    return interval_rows(
        data,
        n_boot=n_boot,
        confidence=confidence,
        seed=seed,
        anchor=anchor,
        prior_games=prior_games,
        max_iter=max_iter,
        tol=tol,
    )


def interval_rows(
    data: Clustered,
    *,
    n_boot: int = 200,
    confidence: float = 0.95,
    seed: int = 0,
    anchor: tuple[str, float] | None = None,
    prior_games: float = DEFAULT_PRIOR_GAMES,
    max_iter: int = DEFAULT_MAX_ITER,
    tol: float = DEFAULT_TOL,
) -> list[RatingRow]:
    """:func:`rating_intervals` of games already grouped by deal (:class:`Clustered`)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    options: dict[str, Any] = {"prior_games": prior_games, "max_iter": max_iter, "tol": tol}
    problem, full, boot = _fit_and_resample(data, n_boot, seed, options)
    anchor_at = _anchor_index(problem.agents, anchor)
    game_weights = data.game_weights
    alpha = (1.0 - confidence) / 2.0
    frame = boot if anchor_at is None else boot - boot[:, [anchor_at]] + full[0, anchor_at]
    lower, upper = np.quantile(frame, [alpha, 1.0 - alpha], axis=0)
    rating, kind = full[0].copy(), [""] * len(problem.agents)
    bounds = _separated_bounds(problem, data, full[0], anchor_at, alpha)
    for i, (low, high, how) in bounds.items():
        lower[i], upper[i], kind[i] = low, high, how
        rating[i] = low if how == "lower" else high if how == "upper" else rating[i]
    if anchor is not None and anchor_at is not None:
        shift = anchor[1] - full[0, anchor_at]
        rating, lower, upper = rating + shift, lower + shift, upper + shift
    games, scores = _games_and_scores(data.rankings, game_weights)
    rows = [
        RatingRow(
            agent,
            float(rating[i]),
            float(lower[i]),
            float(upper[i]),
            games[agent],
            scores[agent],
            kind[i],
        )
        for i, agent in enumerate(problem.agents)
    ]
    return sorted(rows, key=lambda row: (row.bound == "none", -row.rating, row.agent))


def _fit_and_resample(
    data: Clustered, n_boot: int, seed: int, options: dict[str, Any]
) -> tuple[_Problem, np.ndarray, np.ndarray]:
    """The compiled games, the full fit (1, n) and ``n_boot`` deal-resampled fits (B, n)."""
    _check_fit_options(**options)
    if n_boot < 1:
        raise ValueError(f"n_boot must be >= 1, got {n_boot!r}")
    if not data.rankings or data.counts.sum() == 0:
        raise ValueError("no outcomes: at least one ranking is needed")
    problem = _compile(data.rankings)
    full = _fit_batch(problem, data.game_weights[None, :], **options)
    boot = _bootstrap(problem, data, n_boot, np.random.default_rng(seed), full[0], **options)
    return problem, full, boot


def difference_widths(
    data: Clustered, *, n_boot: int = 200, confidence: float = 0.95, seed: int = 0
) -> dict[tuple[str, str], float]:
    """The width of the bootstrap interval of every rating difference ``r_a - r_b``.

    What an adaptive tournament (``arena tournament --until-ci``) asks to find the pairings
    that are least resolved; a pair of agents never compared gets ``inf``.

    Returns:
        ``{(a, b): width}`` for every ordered pair of distinct agents.
    """
    options: dict[str, Any] = {
        "prior_games": DEFAULT_PRIOR_GAMES,
        "max_iter": DEFAULT_MAX_ITER,
        "tol": DEFAULT_TOL,
    }
    problem, full, boot = _fit_and_resample(data, n_boot, seed, options)
    alpha = (1.0 - confidence) / 2.0
    separated = _separated_bounds(problem, data, full[0], None, alpha)
    out = {}
    for i, a in enumerate(problem.agents):
        for j, b in enumerate(problem.agents):
            if i != j:
                low, high = np.quantile(boot[:, i] - boot[:, j], [alpha, 1.0 - alpha])
                apart = i in separated or j in separated
                out[(a, b)] = math.inf if apart else float(high - low)
    return out


def _anchor_index(agents: tuple[str, ...], anchor: tuple[str, float] | None) -> int | None:
    if anchor is None:
        return None
    agent, value = anchor
    if agent not in agents:
        raise ValueError(f"unknown anchor agent {agent!r}; rated agents: {sorted(agents)}")
    if not math.isfinite(value):
        raise ValueError(f"anchor value must be finite, got {value!r}")
    return agents.index(agent)


def _bootstrap(
    problem: _Problem,
    data: Clustered,
    n_boot: int,
    rng: np.random.Generator,
    start: np.ndarray,
    *,
    prior_games: float,
    max_iter: int,
    tol: float,
) -> np.ndarray:
    """Fits ``n_boot`` resamples of the deals, in batches; returns centred ratings (B, n).

    Each resample draws as many deals as there are, with replacement: the number of deals of
    each pattern is multinomial.
    """
    n_deals = int(data.counts.sum())
    probs = data.counts / n_deals
    width = max(len(problem.stage_game), problem.n_games, len(probs))
    batch = max(1, _MAX_BOOT_CELLS // width)
    fits = []
    for first in range(0, n_boot, batch):
        draws = rng.multinomial(n_deals, probs, size=min(batch, n_boot - first))
        weights = np.asarray((data.patterns.T @ draws.T.astype(float)).T)
        starts = np.broadcast_to(start, (len(weights), len(start)))
        fits.append(
            _fit_batch(
                problem,
                weights,
                prior_games=prior_games,
                max_iter=max_iter,
                tol=tol,
                start=starts,
                stacklevel=5,
            )
        )
    return np.vstack(fits)


# --------------------------------------------------------------------------- separated agents

_FAR = 40.0  # log-strength shift (about 7,000 Elo) that stands for infinity


def _separated_bounds(
    problem: _Problem, data: Clustered, ratings: np.ndarray, anchor_at: int | None, alpha: float
) -> dict[int, tuple[float, float, str]]:
    """One-sided bounds of the agents outside the reference group of the comparison graph.

    The reference group is the strongly connected component of the anchor (default: the
    largest). An agent whose component only ever ranked above it (directly or through others)
    has no upper bound; its lower bound is the rating at which the sweeps it made (every stage
    where its component was chosen over agents outside it) would have had probability
    ``alpha``, counting each deal once (the geometric mean of its games) and holding the other
    ratings at the fit. The mirror image gives upper bounds; an agent never compared with the
    reference group, in either direction, gets ``(-inf, inf)``.

    Returns:
        ``{agent index: (lower, upper, "lower" | "upper" | "none")}`` in the frame of
        ``ratings``; empty when the graph is strongly connected.
    """
    from arena.stats.separation import components, reaches

    n = len(problem.agents)
    used = data.game_weights[problem.edges[:, 0]] > 0
    winners, losers = problem.edges[used, 1], problem.edges[used, 2]
    labels = components(n, winners, losers)
    if len(set(labels)) == 1:
        return {}
    reference = anchor_at if anchor_at is not None else int(np.argmax(np.bincount(labels)[labels]))
    stats = _statistics(problem, data.deal_weights[None, :], 0.0)
    log_gamma = ratings / _LOG_TO_ELO
    target = math.log(1.0 / alpha)
    out: dict[int, tuple[float, float, str]] = {}
    for label in sorted(set(labels) - {labels[reference]}):
        members = np.flatnonzero(labels == label)
        below = reaches(n, winners, losers, members[0])
        above = reaches(n, losers, winners, members[0])
        if below[reference]:
            shift = _bound_shift(stats, log_gamma, above, target, +1.0)
            bound = (ratings[members] + shift * _LOG_TO_ELO, np.inf, "lower")
        elif above[reference]:
            shift = _bound_shift(stats, log_gamma, below, target, -1.0)
            bound = (-np.inf, ratings[members] + shift * _LOG_TO_ELO, "upper")
        else:
            bound = (-np.inf, np.inf, "none")
        for k, i in enumerate(members):
            low, high, how = bound
            out[int(i)] = (
                float(low if np.isscalar(low) else low[k]),
                float(high if np.isscalar(high) else high[k]),
                how,
            )
    return out


def _bound_shift(
    stats: _Stats, log_gamma: np.ndarray, moved: np.ndarray, target: float, sign: float
) -> float:
    """The shift ``x`` of the ``moved`` agents at which the log-likelihood is ``target`` below
    its limit at ``sign * inf`` (bisection: it is monotone in ``x``, since ``moved`` is closed
    under "ranked above it" for ``sign > 0``, "below it" for ``sign < 0``)."""

    def loglik(x: float) -> float:
        return float(_log_likelihood(stats, (log_gamma + x * moved)[None, :])[0])

    limit = loglik(sign * _FAR)
    low, high = -_FAR, _FAR  # the answer is where limit - loglik crosses target
    for _ in range(80):
        middle = 0.5 * (low + high)
        gap = limit - loglik(middle)
        if (gap > target) == (sign > 0):
            low = middle
        else:
            high = middle
    return 0.5 * (low + high)


def _games_and_scores(
    rankings: Sequence[Ranking], weights: np.ndarray
) -> tuple[dict[str, int | float], dict[str, float]]:
    """Each agent's (weighted) number of games and its mean per-game pairwise score."""
    games: dict[str, float] = {}
    totals: dict[str, list[float]] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        if weight == 0:
            continue
        for agent, score in _game_scores(ranking).items():
            sums = totals.setdefault(agent, [0.0, 0.0])
            sums[0] += weight * score
            sums[1] += weight
        for agent in {agent for group in ranking for agent in group}:
            games[agent] = games.get(agent, 0.0) + weight
    scores = {
        agent: float(totals[agent][0] / totals[agent][1]) if agent in totals else math.nan
        for agent in games
    }
    counts = {agent: int(n) if float(n).is_integer() else n for agent, n in games.items()}
    agents = _agents_in_order(rankings)
    return {a: counts.get(a, 0) for a in agents}, {a: scores.get(a, math.nan) for a in agents}


def _game_scores(ranking: Ranking) -> dict[str, float]:
    """Each agent's mean pairwise score against the seats of other agents in one game."""
    seats = [(agent, rank) for rank, group in enumerate(ranking) for agent in group]
    results: dict[str, list[float]] = {}
    for agent, rank in seats:
        for other, other_rank in seats:
            if other != agent:
                results.setdefault(agent, []).append(_pair_score(rank, other_rank))
    return {agent: sum(scores) / len(scores) for agent, scores in results.items()}
