"""The ladder and report commands as they were before deal-clustered tallies (for the bench).

``bench/ladder_scale.py`` times these next to the current commands in the same run: every row
decoded (``Ladder.games``), the per-game bootstrap with its ``n_boot x games`` index matrix,
and the head-to-head and seat tables built from one pandas record per pair of seats. The
model (the MM fit) is the current one, which did not change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from arena.ladder import GameRow
from arena.ratings.bootstrap import MAX_BOOT_CELLS as _MAX_BOOT_CELLS
from arena.ratings.bootstrap import RatingRow
from arena.ratings.model import (
    DEFAULT_MAX_ITER,
    DEFAULT_PRIOR_GAMES,
    DEFAULT_TOL,
)
from arena.ratings.model import Problem as _Problem
from arena.ratings.model import check_fit_options as _check_fit_options
from arena.ratings.model import compile_rankings as _compile
from arena.ratings.model import fit_batch as _fit_batch
from arena.ratings.outcomes import Outcome, Ranking
from arena.ratings.outcomes import checked_rankings as _checked_rankings
from arena.ratings.outcomes import pair_score as _pair_score
from arena.report import DEFAULT_ANCHOR, check_one_configuration, outcome_of


def rating_intervals(
    outcomes: Sequence[Outcome],
    *,
    n_boot: int = 200,
    confidence: float = 0.95,
    seed: int = 0,
    anchor: tuple[str, float] | None = None,
    prior_games: float = DEFAULT_PRIOR_GAMES,
    max_iter: int = DEFAULT_MAX_ITER,
    tol: float = DEFAULT_TOL,
) -> list[RatingRow]:
    """Ratings with bootstrap percentile intervals, resampling whole games with replacement.

    Args:
        outcomes: One ranking per game.
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
        One row per agent, best rating first.

    Raises:
        ValueError: On bad outcomes or options, or an unknown anchor agent.
    """
    _check_fit_options(prior_games, max_iter, tol)
    if n_boot < 1:
        raise ValueError(f"n_boot must be >= 1, got {n_boot!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    rankings = _checked_rankings(outcomes)
    problem = _compile(rankings)
    anchor_at = _anchor_index(problem.agents, anchor)
    options: dict[str, Any] = {"prior_games": prior_games, "max_iter": max_iter, "tol": tol}
    full = _fit_batch(problem, np.ones((1, len(rankings))), **options)
    boot = _bootstrap(problem, n_boot, np.random.default_rng(seed), full[0], **options)
    if anchor is not None and anchor_at is not None:
        full, boot = (
            _shift_rows(full, anchor_at, anchor[1]),
            _shift_rows(boot, anchor_at, anchor[1]),
        )
    alpha = (1.0 - confidence) / 2.0
    lower, upper = np.quantile(boot, [alpha, 1.0 - alpha], axis=0)
    games, scores = _games_and_scores(rankings)
    rows = [
        RatingRow(
            agent, float(full[0, i]), float(lower[i]), float(upper[i]), games[agent], scores[agent]
        )
        for i, agent in enumerate(problem.agents)
    ]
    return sorted(rows, key=lambda row: (-row.rating, row.agent))


def _anchor_index(agents: tuple[str, ...], anchor: tuple[str, float] | None) -> int | None:
    if anchor is None:
        return None
    agent, value = anchor
    if agent not in agents:
        raise ValueError(f"unknown anchor agent {agent!r}; rated agents: {sorted(agents)}")
    if not math.isfinite(value):
        raise ValueError(f"anchor value must be finite, got {value!r}")
    return agents.index(agent)


def _shift_rows(ratings: np.ndarray, column: int, value: float) -> np.ndarray:
    """Shifts each row of (B, n) ratings so that ``column`` equals ``value``."""
    return ratings - ratings[:, column : column + 1] + value


def _bootstrap(
    problem: _Problem,
    n_boot: int,
    rng: np.random.Generator,
    start: np.ndarray,
    *,
    prior_games: float,
    max_iter: int,
    tol: float,
) -> np.ndarray:
    """Fits ``n_boot`` resamples of the games, in batches; returns centred ratings (B, n)."""
    n_games = problem.n_games
    draws = rng.integers(0, n_games, size=(n_boot, n_games))
    batch = max(1, _MAX_BOOT_CELLS // max(len(problem.stage_game), n_games))
    fits = []
    for first in range(0, n_boot, batch):
        chunk = draws[first : first + batch]
        offsets = n_games * np.arange(len(chunk))[:, None]
        counts = np.bincount((chunk + offsets).ravel(), minlength=chunk.size)
        counts = counts.reshape(chunk.shape).astype(float)
        starts = np.broadcast_to(start, (len(chunk), len(start)))
        fits.append(
            _fit_batch(
                problem,
                counts,
                prior_games=prior_games,
                max_iter=max_iter,
                tol=tol,
                start=starts,
                stacklevel=4,
            )
        )
    return np.vstack(fits)


def _games_and_scores(rankings: Sequence[Ranking]) -> tuple[dict[str, int], dict[str, float]]:
    """Counts each agent's games and averages its per-game pairwise score."""
    games: dict[str, int] = {}
    totals: dict[str, list[float]] = {}
    for ranking in rankings:
        for agent, score in _game_scores(ranking).items():
            totals.setdefault(agent, []).append(score)
        for agent in {agent for group in ranking for agent in group}:
            games[agent] = games.get(agent, 0) + 1
    scores = {
        agent: float(np.mean(totals[agent])) if agent in totals else math.nan for agent in games
    }
    return games, scores


def _game_scores(ranking: Ranking) -> dict[str, float]:
    """Each agent's mean pairwise score against the seats of other agents in one game."""
    seats = [(agent, rank) for rank, group in enumerate(ranking) for agent in group]
    results: dict[str, list[float]] = {}
    for agent, rank in seats:
        for other, other_rank in seats:
            if other != agent:
                results.setdefault(agent, []).append(_pair_score(rank, other_rank))
    return {agent: sum(scores) / len(scores) for agent, scores in results.items()}


def ratings_table(
    games: Sequence[GameRow],
    *,
    anchor: tuple[str, float] | None = None,
    n_boot: int = 200,
    seed: int = 0,
) -> pd.DataFrame:
    """Rank, agent, rating, -/+ 95% interval, games, score, win rate (best first).

    Args:
        games: games of one configuration.
        anchor: ``(agent, rating)``, the agent a label or a spec held by one label only;
            default ``random=0`` when random played, else mean 0.
        n_boot: bootstrap resamples for the intervals.
        seed: bootstrap seed.
    """
    if not games:
        raise ValueError("no games to rate")
    check_one_configuration(games)
    agents = {label for g in games for label in g.agents}
    if anchor is None and DEFAULT_ANCHOR[0] in agents:
        anchor = DEFAULT_ANCHOR
    if anchor is not None:
        anchor = (resolve_anchor(games, anchor[0]), anchor[1])
    rows = rating_intervals([outcome_of(g) for g in games], n_boot=n_boot, seed=seed, anchor=anchor)
    wins = win_counts(games)
    table = pd.DataFrame(
        {
            "rank": range(1, len(rows) + 1),
            "agent": [r.agent for r in rows],
            "rating": [r.rating for r in rows],
            "minus": [r.rating - r.lower for r in rows],
            "plus": [r.upper - r.rating for r in rows],
            "games": [r.games for r in rows],
            "score": [r.score for r in rows],
            "win_rate": [wins.get(r.agent, 0) / r.games for r in rows],
        }
    )
    return table


def resolve_anchor(games: Sequence[GameRow], agent: str) -> str:
    """The label of the anchor ``agent``: a label, or a spec that exactly one label has.

    Raises:
        ValueError: when no agent, or several agents of that spec, played.
    """
    specs = {label: spec for g in games for label, spec in zip(g.agents, g.seats, strict=True)}
    if agent in specs:
        return agent
    matches = sorted(label for label, spec in specs.items() if spec == agent)
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ValueError(
            f"anchor {agent!r} is several agents (its package changed): give one of "
            f"{', '.join(matches)}"
        )
    raise ValueError(f"anchor {agent!r} did not play: agents are {sorted(specs)}")


def win_counts(games: Sequence[GameRow]) -> dict[str, int]:
    """Games won outright (sole winner) by each agent label."""
    out: dict[str, int] = {}
    for g in games:
        if g.winner is not None:
            label = g.agents[g.winner]
            out[label] = out.get(label, 0) + 1
    return out


def _pairwise(game: GameRow) -> list[tuple[str, str, float]]:
    """``(a, b, score of a against b)`` for every pair of seats with different agents."""
    place = {seat: i for i, group in enumerate(game.ranking) for seat in group}
    out = []
    for a, agent_a in enumerate(game.agents):
        for b, agent_b in enumerate(game.agents):
            if agent_a != agent_b:
                diff = place[b] - place[a]
                out.append((agent_a, agent_b, 1.0 if diff > 0 else 0.5 if diff == 0 else 0.0))
    return out


def crosstable(games: Sequence[GameRow]) -> pd.DataFrame:
    """Head-to-head: for each ordered pair, A's pairwise score against B, games, fraction.

    Seats of different agents at one table are compared by their places: above scores 1,
    level 0.5, below 0.
    """
    check_one_configuration(games)
    records = [
        {"agent": a, "opponent": b, "score": s, "game": i}
        for i, g in enumerate(games)
        for a, b, s in _pairwise(g)
    ]
    frame = pd.DataFrame(records, columns=["agent", "opponent", "score", "game"])
    grouped = frame.groupby(["agent", "opponent"]).agg(
        score=("score", "sum"), games=("game", "nunique")
    )
    pairs = frame.groupby(["agent", "opponent"]).size().rename("pairs")
    out = grouped.join(pairs).reset_index()
    out["fraction"] = out["score"] / out["pairs"]
    return out[["agent", "opponent", "score", "pairs", "games", "fraction"]]


def crosstable_matrix(games: Sequence[GameRow]) -> pd.DataFrame:
    """The crosstable as a square matrix of fractions (row agent against column agent)."""
    table = crosstable(games)
    return table.pivot(index="agent", columns="opponent", values="fraction")


def seat_table(games: Sequence[GameRow]) -> pd.DataFrame:
    """Win rate by seat (all agents), and the fair share 1/players."""
    check_one_configuration(games)
    records = [
        {"seat": seat, "win": g.winner == seat, "forfeit": any(f[0] == seat for f in g.forfeits)}
        for g in games
        for seat in range(len(g.seats))
    ]
    frame = pd.DataFrame(records, columns=["seat", "win", "forfeit"])
    out = frame.groupby("seat").agg(games=("win", "size"), wins=("win", "sum"))
    out["win_rate"] = out["wins"] / out["games"]
    out["fair_share"] = 1.0 / len(out) if len(out) else float("nan")
    return out.reset_index()
