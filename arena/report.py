"""Reports over ladder games as pandas DataFrames: ratings, head-to-head, seats; CSV; plots.

How a game becomes a ranking: seats are grouped by their return, best first (see
``arena.match.ranking_of``). A two-player game is a win and a loss; a Skull or elimination
Liar's Dice game is one winner ahead of an unordered rest; a single-round Liar's Dice game with
more players is the one loser behind an unordered rest; a forfeiting seat is last. The ratings
are a Plackett-Luce fit of those rankings (``arena.ratings``), which is Bradley-Terry for two
seats, on the Elo scale, with bootstrap 95% intervals over games.

Ratings only compare games of one configuration (game and parameters): callers pass the games
of one ``game_key``. Agents are keyed by their identity labels (``GameRow.agents``: the spec,
plus ``@`` and 8 hex digits of the content hash for a package), so a retrained package at the
same path is a new agent; an anchor may name a label, or a bare spec held by one label only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from arena.ladder import GameRow
from arena.ratings import Ranking, rating_intervals

DEFAULT_ANCHOR = ("random", 0.0)


def outcome_of(game: GameRow) -> Ranking:
    """The ranking of agent labels of one game (seat groups mapped to their labels)."""
    return tuple(tuple(game.agents[s] for s in group) for group in game.ranking)


def check_one_configuration(games: Sequence[GameRow]) -> None:
    """Refuse to mix game configurations in one rating table."""
    keys = {g.game_key for g in games}
    if len(keys) > 1:
        raise ValueError(f"games of several configurations cannot be rated together: {keys}")


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
    ax.errorbar(
        ordered["rating"],
        range(len(ordered)),
        xerr=[ordered["minus"], ordered["plus"]],
        fmt="o",
        capsize=4,
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
