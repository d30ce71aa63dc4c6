"""Reports over ladder games as pandas DataFrames: ratings, head-to-head, seats; CSV; plots.

How a game becomes a ranking: seats are grouped by their return, best first (see
``arena.match.ranking_of``). A two-player game is a win and a loss; a Skull or elimination
Liar's Dice game is one winner ahead of an unordered rest; a single-round Liar's Dice game with
more players is the one loser behind an unordered rest; a forfeiting seat is last. The ratings
are a Plackett-Luce fit of those rankings (``arena.ratings``), which is Bradley-Terry for two
seats, on the Elo scale, with 95% bootstrap intervals that resample whole deals (every seat
rotation of a deal together: they share the cards, so they are correlated).

Every table takes the games as :class:`arena.ladder.GameRow` objects or as a
:class:`arena.stats.tally.Tally` (distinct games with counts, grouped by deal), which is what
the ``ladder`` and ``report`` commands read from a large ladder
(:func:`arena.stats.tally.load_tallies`).

Ratings only compare games of one configuration (game and parameters): callers pass the games
of one ``game_key``. Agents are keyed by their identity labels (``GameRow.agents``: the spec,
plus ``@`` and 8 hex digits of the content hash for a package), so a retrained package at the
same path is a new agent; an anchor may name a label, or a bare spec held by one label only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from arena.ladder import GameRow
from arena.ratings import Ranking, interval_rows
from arena.stats import RATING_COLUMNS  # noqa: F401  (re-exported: the columns' legend)
from arena.stats.intervals import clustered_rates
from arena.stats.tally import Tally

DEFAULT_ANCHOR = ("random", 0.0)

Games = Sequence[GameRow] | Tally
"""The games of one configuration: ladder rows, or their tally."""


def tally_of(games: Games) -> Tally:
    """The tally of ``games`` (rows are grouped by deal; a tally is returned as it is)."""
    return games if isinstance(games, Tally) else Tally.from_rows(games)


def outcome_of(game: GameRow) -> Ranking:
    """The ranking of agent labels of one game (seat groups mapped to their labels)."""
    return tuple(tuple(game.agents[s] for s in group) for group in game.ranking)


def check_one_configuration(games: Sequence[GameRow]) -> None:
    """Refuse to mix game configurations in one rating table."""
    keys = {g.game_key for g in games}
    if len(keys) > 1:
        raise ValueError(f"games of several configurations cannot be rated together: {keys}")


def ratings_table(
    games: Games,
    *,
    anchor: tuple[str, float] | None = None,
    n_boot: int = 200,
    seed: int = 0,
    by_deal: bool = True,
) -> pd.DataFrame:
    """Rank, agent, rating, -/+ 95% interval, games, score, win rate, bound (best first).

    Args:
        games: games of one configuration (rows or their tally).
        anchor: ``(agent, rating)``, the agent a label or a spec held by one label only;
            default ``random=0`` when random played, else mean 0.
        n_boot: bootstrap resamples for the intervals.
        seed: bootstrap seed.
        by_deal: resample whole deals (default); False resamples single games (too narrow
            when the rotations of a deal are correlated; kept for comparison).

    Returns:
        One row per agent. ``minus``/``plus`` reach from the rating to the interval's ends;
        ``bound`` is ``""`` for a two-sided interval, ``"lower"`` when the rating is a one-sided
        lower bound (``plus`` is inf), ``"upper"`` for an upper bound (``minus`` is inf),
        ``"none"`` when the agent was never compared with the reference group (see
        :class:`arena.ratings.RatingRow`).
    """
    tally = tally_of(games)
    if tally.n_games == 0:
        raise ValueError("no games to rate")
    if anchor is None and DEFAULT_ANCHOR[0] in tally.agents:
        anchor = DEFAULT_ANCHOR
    if anchor is not None:
        anchor = (resolve_anchor(tally, anchor[0]), anchor[1])
    rows = interval_rows(tally.clustered(by_deal=by_deal), n_boot=n_boot, seed=seed, anchor=anchor)
    wins = win_counts(tally)
    return pd.DataFrame(
        {
            "rank": range(1, len(rows) + 1),
            "agent": [r.agent for r in rows],
            "rating": [r.rating for r in rows],
            "minus": [r.rating - r.lower for r in rows],
            "plus": [r.upper - r.rating for r in rows],
            "games": [r.games for r in rows],
            "score": [r.score for r in rows],
            "win_rate": [wins.get(r.agent, 0) / r.games for r in rows],
            "bound": [r.bound for r in rows],
        }
    )


def format_ratings(table: pd.DataFrame, marked: Sequence[str] = ()) -> str:
    """The ratings table as aligned text; agents in ``marked`` get a ``*`` before their rank.

    A separated agent's rating reads ``>R`` (or ``<R``) with no -/+, and a line under the
    table says what the bound means; ``?`` marks an agent never compared with the others.
    """
    width = max([28, *(len(str(agent)) for agent in table["agent"])])
    lines = [
        f"{'rank':>5}  {'agent':<{width}} {'rating':>7} {'-':>5} {'+':>5} {'games':>7} "
        f"{'score':>6} {'win%':>6}"
    ]
    for r in table.itertuples():
        rank = f"{'*' if r.agent in marked else ''}{r.rank}"
        bound = getattr(r, "bound", "")
        if bound:
            rating = {"lower": f">{r.rating:.0f}", "upper": f"<{r.rating:.0f}"}.get(bound, "?")
            spread = f"{'':>5} {'':>5}"
        else:
            rating, spread = f"{round(r.rating)}", f"{r.minus:>5.0f} {r.plus:>5.0f}"  # no "-0"
        lines.append(
            f"{rank:>5}  {r.agent:<{width}} {rating:>7} {spread} {_count(r.games):>7} "
            f"{r.score:>6.3f} {100 * r.win_rate:>5.1f}%"
        )
    lines += _bound_notes(table)
    return "\n".join(lines)


def json_ratings(table: pd.DataFrame) -> list[dict[str, Any]]:
    """A ratings table as JSON records: an unbounded side (inf) is null (JSON has no inf)."""
    records = table.to_dict(orient="records")
    for record in records:
        for name in ("minus", "plus"):
            if record[name] == float("inf"):
                record[name] = None
    return records


def _count(games: float) -> str:
    return f"{games:.0f}" if float(games).is_integer() else f"{games:.1f}"


def _bound_notes(table: pd.DataFrame) -> list[str]:
    """The sentences under a table with separated agents."""
    kinds = set(table["bound"]) if "bound" in table else set()
    notes = []
    if "lower" in kinds:
        notes.append(
            ">R: never ranked below the agents it is compared with, so no data bound its "
            "rating above; R is a one-sided 97.5% lower bound (a sweep like the one observed "
            "is less than 2.5% likely at any lower rating, each deal counted once)."
        )
    if "upper" in kinds:
        notes.append(
            "<R: never ranked above the agents it is compared with; R is a one-sided 97.5% "
            "upper bound (the mirror image of >R)."
        )
    if "none" in kinds:
        notes.append("?: never compared, in either direction, with the anchored agents.")
    return notes


def resolve_anchor(games: Games, agent: str) -> str:
    """The label of the anchor ``agent``: a label, or a spec that exactly one label has.

    Raises:
        ValueError: when no agent, or several agents of that spec, played.
    """
    tally = tally_of(games)
    specs = {label: tally.specs.get(label, label) for label in tally.agents}
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


def win_counts(games: Games) -> dict[str, int]:
    """Games won outright (sole winner) by each agent label."""
    tally = tally_of(games)
    out: dict[str, int] = {}
    for (seats, _, winner), count in zip(tally.games, tally.game_counts, strict=True):
        if winner is not None and count:
            out[seats[winner]] = out.get(seats[winner], 0) + int(count)
    return out


def _pairwise(
    seats: Sequence[str], ranking: Sequence[Sequence[int]]
) -> list[tuple[str, str, float]]:
    """``(a, b, score of a against b)`` for every pair of seats with different agents."""
    place = {seat: i for i, group in enumerate(ranking) for seat in group}
    out = []
    for a, agent_a in enumerate(seats):
        for b, agent_b in enumerate(seats):
            if agent_a != agent_b:
                diff = place[b] - place[a]
                out.append((agent_a, agent_b, 1.0 if diff > 0 else 0.5 if diff == 0 else 0.0))
    return out


def crosstable(games: Games) -> pd.DataFrame:
    """Head-to-head: for each ordered pair, A's pairwise score against B, games, fraction.

    Seats of different agents at one table are compared by their places: above scores 1,
    level 0.5, below 0.
    """
    tally = tally_of(games)
    sums: dict[tuple[str, str], list[float]] = {}
    for (seats, ranking, _), count in zip(tally.games, tally.game_counts, strict=True):
        met = set()
        for a, b, score in _pairwise(seats, ranking):
            cell = sums.setdefault((a, b), [0.0, 0, 0])
            cell[0] += count * score
            cell[1] += count
            if (a, b) not in met:
                cell[2] += count
                met.add((a, b))
    frame = pd.DataFrame(
        [(a, b, s, int(p), int(g)) for (a, b), (s, p, g) in sorted(sums.items())],
        columns=["agent", "opponent", "score", "pairs", "games"],
    )
    frame["fraction"] = frame["score"] / frame["pairs"]
    return frame


def crosstable_matrix(games: Games) -> pd.DataFrame:
    """The crosstable as a square matrix of fractions (row agent against column agent)."""
    table = crosstable(games)
    return table.pivot(index="agent", columns="opponent", values="fraction")


def seat_table(games: Games, confidence: float = 0.95) -> pd.DataFrame:
    """Win rate by seat (all agents) with a deal-clustered interval, and the fair share.

    A seat keeps its cards across the rotations of a deal, so its wins in one deal are
    correlated: the interval (``lower``, ``upper``) is Wilson's with the games divided by the
    design effect of deals (:func:`arena.stats.intervals.clustered_rates`).
    """
    tally = tally_of(games)
    seats = max((len(s) for s, _, _ in tally.games), default=0)
    won = np.zeros((len(tally.games), seats))
    played = np.zeros((len(tally.games), seats))
    for g, (labels, _, winner) in enumerate(tally.games):
        played[g, : len(labels)] = 1.0
        if winner is not None:
            won[g, winner] = 1.0
    per_deal = tally.patterns.astype(float)
    rates = clustered_rates(per_deal @ won, per_deal @ played, tally.counts, confidence)
    return pd.DataFrame(
        {
            "seat": range(seats),
            "games": rates["trials"].astype(np.int64),
            "wins": rates["successes"].astype(np.int64),
            "win_rate": rates["rate"],
            "lower": rates["lower"],
            "upper": rates["upper"],
            "fair_share": 1.0 / seats if seats else math.nan,
        }
    )


def games_frame(games: Sequence[GameRow]) -> pd.DataFrame:
    """One row per game, ready for CSV export (lists joined as text).

    ``seats`` are the specs as written, ``agents`` their identity labels, ``winner`` a label.
    """
    return pd.DataFrame(
        [
            {
                "tournament": g.tournament,
                "config": g.game_key,
                "index": g.index,
                "deal": g.deal,
                "rotation": g.rotation,
                "seats": " ".join(g.seats),
                "agents": " ".join(g.agents),
                "returns": " ".join(f"{r:.6g}" for r in g.returns),
                "winner": g.agents[g.winner] if g.winner is not None else "",
                "moves": g.moves,
                "duration_s": round(g.duration, 6),
                "forfeits": "; ".join(f"seat {s}: {why}" for s, why in g.forfeits),
            }
            for g in games
        ]
    )


def plot_ratings(table: pd.DataFrame, path: str | Path, title: str = "Ratings") -> Path:
    """A PNG of the ratings with their 95% intervals as error bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ordered = table.iloc[::-1]
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(table) + 1.5))
    finite = [
        np.where(np.isfinite(ordered[side]), ordered[side], 0.0) for side in ("minus", "plus")
    ]
    ax.errorbar(ordered["rating"], range(len(ordered)), xerr=finite, fmt="o", capsize=4)
    for y, (rating, bound) in enumerate(
        zip(ordered["rating"], ordered.get("bound", ""), strict=False)
    ):
        if bound in ("lower", "upper"):  # one-sided: an arrow towards the open side
            ax.annotate(
                "",
                (rating + (60 if bound == "lower" else -60), y),
                (rating, y),
                arrowprops={"arrowstyle": "->"},
            )
    ax.set_yticks(range(len(ordered)), ordered["agent"])
    ax.set_xlabel("rating (Elo scale, 95% bootstrap interval)")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
