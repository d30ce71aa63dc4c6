"""Rating tables with confidence intervals: a bootstrap that resamples whole deals (every seat
rotation of a deal together, since they share the chance stream), as weighted deal patterns."""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from arena.ratings.model import (
    DEFAULT_MAX_ITER,
    DEFAULT_PRIOR_GAMES,
    DEFAULT_TOL,
    Problem,
    check_fit_options,
    checked_weights,
    compile_rankings,
    fit_batch,
)
from arena.ratings.outcomes import Outcome, Ranking, checked_rankings
from arena.ratings.separated import games_and_scores, separated_bounds

MAX_BOOT_CELLS = 4_000_000  # bounds the memory of one batch of bootstrap resamples


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
    rankings = checked_rankings(outcomes)
    game_w = checked_weights(weights, len(rankings))[0]
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
    bounds = separated_bounds(problem, data, full[0], anchor_at, alpha)
    for i, (low, high, how) in bounds.items():
        lower[i], upper[i], kind[i] = low, high, how
        rating[i] = low if how == "lower" else high if how == "upper" else rating[i]
    if anchor is not None and anchor_at is not None:
        shift = anchor[1] - full[0, anchor_at]
        rating, lower, upper = rating + shift, lower + shift, upper + shift
    games, scores = games_and_scores(data.rankings, game_weights)
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
) -> tuple[Problem, np.ndarray, np.ndarray]:
    """The compiled games, the full fit (1, n) and ``n_boot`` deal-resampled fits (B, n)."""
    check_fit_options(**options)
    if n_boot < 1:
        raise ValueError(f"n_boot must be >= 1, got {n_boot!r}")
    if not data.rankings or data.counts.sum() == 0:
        raise ValueError("no outcomes: at least one ranking is needed")
    problem = compile_rankings(data.rankings)
    full = fit_batch(problem, data.game_weights[None, :], **options)
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
    separated = separated_bounds(problem, data, full[0], None, alpha)
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
    problem: Problem,
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
    batch = max(1, MAX_BOOT_CELLS // width)
    fits = []
    for first in range(0, n_boot, batch):
        draws = rng.multinomial(n_deals, probs, size=min(batch, n_boot - first))
        weights = np.asarray((data.patterns.T @ draws.T.astype(float)).T)
        starts = np.broadcast_to(start, (len(weights), len(start)))
        fits.append(
            fit_batch(
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
