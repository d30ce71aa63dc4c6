"""Agents separated from the field (never ranked below, or above, the agents they are compared
with): honest one-sided bounds instead of an interval that the data cannot give."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from arena.ratings.model import LOG_TO_ELO, Problem, Stats, log_likelihood, statistics
from arena.ratings.outcomes import Ranking, agents_in_order, game_scores

if TYPE_CHECKING:
    from arena.ratings.bootstrap import Clustered


_FAR = 40.0  # log-strength shift (about 7,000 Elo) that stands for infinity


def separated_bounds(
    problem: Problem, data: Clustered, ratings: np.ndarray, anchor_at: int | None, alpha: float
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
    stats = statistics(problem, data.deal_weights[None, :], 0.0)
    log_gamma = ratings / LOG_TO_ELO
    target = math.log(1.0 / alpha)
    out: dict[int, tuple[float, float, str]] = {}
    for label in sorted(set(labels) - {labels[reference]}):
        members = np.flatnonzero(labels == label)
        below = reaches(n, winners, losers, members[0])
        above = reaches(n, losers, winners, members[0])
        if below[reference]:
            shift = _bound_shift(stats, log_gamma, above, target, +1.0)
            bound = (ratings[members] + shift * LOG_TO_ELO, np.inf, "lower")
        elif above[reference]:
            shift = _bound_shift(stats, log_gamma, below, target, -1.0)
            bound = (-np.inf, ratings[members] + shift * LOG_TO_ELO, "upper")
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
    stats: Stats, log_gamma: np.ndarray, moved: np.ndarray, target: float, sign: float
) -> float:
    """The shift ``x`` of the ``moved`` agents at which the log-likelihood is ``target`` below
    its limit at ``sign * inf`` (bisection: it is monotone in ``x``, since ``moved`` is closed
    under "ranked above it" for ``sign > 0``, "below it" for ``sign < 0``)."""

    def loglik(x: float) -> float:
        return float(log_likelihood(stats, (log_gamma + x * moved)[None, :])[0])

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


def games_and_scores(
    rankings: Sequence[Ranking], weights: np.ndarray
) -> tuple[dict[str, int | float], dict[str, float]]:
    """Each agent's (weighted) number of games and its mean per-game pairwise score."""
    games: dict[str, float] = {}
    totals: dict[str, list[float]] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        if weight == 0:
            continue
        for agent, score in game_scores(ranking).items():
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
    agents = agents_in_order(rankings)
    return {a: counts.get(a, 0) for a in agents}, {a: scores.get(a, math.nan) for a in agents}
