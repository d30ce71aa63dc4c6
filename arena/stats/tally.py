"""Games as a tally: the distinct games of one configuration, with counts, grouped by deal.

A ladder of a million games holds few distinct games: a duel between two agents has four
(either agent in seat 0, either one winning), and the deals of a tournament repeat a handful of
*patterns* (which games their seat rotations produced). Ratings, their deal-clustered bootstrap
(:class:`arena.ratings.Clustered`), head-to-head and seat tables only need those patterns and
how many deals had each. :func:`load_tallies` lets SQLite group the rows by deal and count the
patterns, so no row is decoded in Python; :meth:`Tally.from_rows` builds the same tally from
:class:`arena.ladder.GameRow` objects.

A deal is ``(tournament, pairing, deal_index)``: the seat rotations of one table on one chance
stream (see :mod:`arena.schedule`). A game played alone (``arena play``) is a deal of one game.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix

from arena.ratings import Clustered, Ranking, from_patterns

SeatRanking = tuple[tuple[int, ...], ...]
"""Seat indices grouped by place, best first (``GameRow.ranking``)."""

GameKey = tuple[tuple[str, ...], SeatRanking, int | None]
"""A distinct game: the agent label in each seat, the seat ranking, the winning seat."""


@dataclass(frozen=True)
class Tally:
    """The games of one configuration as distinct games and deal patterns.

    Attributes:
        key: The game configuration key (``game{json}``), or ``""``.
        games: The distinct games ``(G,)``: agent label per seat, seat ranking, winner seat.
        patterns: ``(P, G)`` sparse: how many times each distinct game occurs in one deal of
            each pattern.
        counts: ``(P,)``: how many deals had each pattern.
        specs: The spec of every agent label (``spec`` or ``spec@hash``).
    """

    key: str
    games: tuple[GameKey, ...]
    patterns: csr_matrix
    counts: np.ndarray
    specs: dict[str, str] = field(default_factory=dict)

    @property
    def n_games(self) -> int:
        """The number of games."""
        return int(self.game_counts.sum())

    @property
    def n_deals(self) -> int:
        """The number of deals."""
        return int(self.counts.sum())

    @property
    def game_counts(self) -> np.ndarray:
        """How many times each distinct game was played ``(G,)``."""
        return np.asarray(self.patterns.T @ self.counts).ravel().astype(np.int64)

    @property
    def agents(self) -> list[str]:
        """Every agent label, in order of first appearance."""
        return list(dict.fromkeys(label for seats, _, _ in self.games for label in seats))

    def outcome(self, game: int) -> Ranking:
        """The ranking of agent labels of distinct game ``game``."""
        seats, ranking, _ = self.games[game]
        return tuple(tuple(seats[s] for s in group) for group in ranking)

    def clustered(self, *, by_deal: bool = True) -> Clustered:
        """The rating data: distinct rankings of labels, grouped by deal (``by_deal``) or with
        every game its own cluster (the per-game bootstrap, for comparison)."""
        distinct: dict[Ranking, int] = {}
        column = np.array(
            [distinct.setdefault(self.outcome(g), len(distinct)) for g in range(len(self.games))]
        )
        rankings = list(distinct)
        if not by_deal:
            counts = self.game_counts
            keep = np.flatnonzero(counts)
            return from_patterns(rankings, [[(int(column[g]), 1.0)] for g in keep], counts[keep])
        merged = self.patterns.tocoo()
        patterns: list[list[tuple[int, float]]] = [[] for _ in range(self.patterns.shape[0])]
        for row, col, value in zip(merged.row, merged.col, merged.data, strict=True):
            patterns[row].append((int(column[col]), float(value)))
        return from_patterns(rankings, patterns, self.counts)

    @classmethod
    def from_rows(cls, rows: Iterable) -> Tally:
        """The tally of :class:`arena.ladder.GameRow` objects of one configuration.

        Raises:
            ValueError: When the rows hold several configurations.
        """
        builder = _Builder()
        deals: dict[tuple[str, int, int], list[int]] = {}
        keys, specs = set(), {}
        for row in rows:
            keys.add(row.game_key)
            specs.update(zip(row.agents, row.seats, strict=True))
            game = builder.game(
                (tuple(row.agents), tuple(tuple(g) for g in row.ranking), row.winner)
            )
            deals.setdefault((row.tournament, row.pairing, row.deal_index), []).append(game)
        if len(keys) > 1:
            raise ValueError(f"games of several configurations cannot be rated together: {keys}")
        for games in deals.values():
            builder.deal(games)
        return builder.build(keys.pop() if keys else "", specs)


class _Builder:
    """Collects distinct games and deal patterns."""

    def __init__(self) -> None:
        self.ids: dict[GameKey, int] = {}
        self.patterns: Counter[tuple[tuple[int, int], ...]] = Counter()

    def game(self, key: GameKey) -> int:
        return self.ids.setdefault(key, len(self.ids))

    def deal(self, games: Sequence[int], count: int = 1) -> None:
        self.patterns[tuple(sorted(Counter(games).items()))] += count

    def build(self, key: str, specs: dict[str, str]) -> Tally:
        """The tally, in a canonical order (games and patterns sorted), so that the same games
        give the same tally, and the same bootstrap, however they were read."""
        order = sorted(self.ids, key=_sort_key)
        new_id = {self.ids[game]: i for i, game in enumerate(order)}
        renamed: Counter[tuple[tuple[int, int], ...]] = Counter()
        for pattern, count in self.patterns.items():
            renamed[tuple(sorted((new_id[g], m) for g, m in pattern))] += count
        patterns = sorted(renamed)
        rows = [p for p, pattern in enumerate(patterns) for _ in pattern]
        cols = [g for pattern in patterns for g, _ in pattern]
        vals = [m for pattern in patterns for _, m in pattern]
        matrix = csr_matrix(
            (np.array(vals, dtype=np.int64), (rows, cols)), shape=(len(patterns), len(order))
        )
        counts = np.array([renamed[p] for p in patterns], dtype=np.int64)
        return Tally(key, tuple(order), matrix, counts, specs)


def _sort_key(game: GameKey) -> tuple:
    seats, ranking, winner = game
    return seats, ranking, -1 if winner is None else winner


_PATTERNS_SQL = """
SELECT t.game_key, d.pattern, COUNT(*) FROM (
    SELECT tournament_id,
           group_concat(agent_ids || '|' || ranking || '|' || coalesce(winner, ''), ';')
               AS pattern
    FROM games
    WHERE (? IS NULL OR tournament_id = (SELECT id FROM tournaments WHERE name = ?))
    GROUP BY tournament_id, pairing, deal_index
) d JOIN tournaments t ON t.id = d.tournament_id
GROUP BY t.game_key, d.pattern
"""


def load_tallies(ladder, tournament: str | None = None) -> dict[str, Tally]:
    """The tally of every game configuration in ``ladder`` (optionally of one tournament).

    SQLite groups the games by deal and counts the deal patterns; only the distinct patterns
    reach Python, and only their distinct games are decoded.

    Args:
        ladder: An open :class:`arena.ladder.Ladder` (read-only is fine).
        tournament: Only the games of this tournament.
    """
    from arena.ladder import agent_label

    agents = {
        i: (agent_label(spec, digest), spec)
        for i, spec, digest in ladder.conn.execute("SELECT id, spec, content_hash FROM agents")
    }
    builders: dict[str, _Builder] = {}
    parsed: dict[str, GameKey] = {}
    for key, pattern, count in ladder.conn.execute(_PATTERNS_SQL, (tournament, tournament)):
        builder = builders.setdefault(key, _Builder())
        games = []
        for text in pattern.split(";"):
            if text not in parsed:
                parsed[text] = _parse_game(text, agents)
            games.append(builder.game(parsed[text]))
        builder.deal(games, count)
    specs = {label: spec for label, spec in agents.values()}
    out = {}
    for key in sorted(builders):
        tally = builders[key].build(key, {})
        used = {label for seats, _, _ in tally.games for label in seats}
        out[key] = Tally(key, tally.games, tally.patterns, tally.counts, _subset(specs, used))
    return out


def _subset(specs: dict[str, str], labels: set[str]) -> dict[str, str]:
    return {label: spec for label, spec in specs.items() if label in labels}


def _parse_game(text: str, agents: dict[int, tuple[str, str]]) -> GameKey:
    """``agent_ids|ranking|winner`` (JSON, JSON, integer or empty) as a :data:`GameKey`."""
    ids, ranking, winner = text.split("|")
    seats = tuple(agents[i][0] for i in json.loads(ids))
    groups = tuple(tuple(group) for group in json.loads(ranking))
    return seats, groups, int(winner) if winner else None


_EDGE_SQL = """
SELECT t.name, t.game_key, {columns}, g.agent_ids
FROM games g JOIN tournaments t ON t.id = g.tournament_id
WHERE t.game_key = ? AND (? IS NULL OR t.name = ?)
ORDER BY t.id {order}, g.idx {order} LIMIT 1
"""


def edge_games(ladder, key: str, tournament: str | None = None) -> list:
    """The first and the last game (in ladder order) of configuration ``key``, as
    :class:`arena.ladder.GameRow` objects, without reading the others."""
    from arena.ladder.rows import GAME_COLUMNS, stored_game

    hashes = dict(ladder.conn.execute("SELECT id, content_hash FROM agents").fetchall())
    columns = ", ".join("g." + c for c in GAME_COLUMNS)
    out = []
    for order in ("ASC", "DESC"):
        sql = _EDGE_SQL.format(columns=columns, order=order)
        r = ladder.conn.execute(sql, (key, tournament, tournament)).fetchone()
        if r is None:
            return []
        out.append(stored_game(r, hashes))
    return out[:1] if out[0] == out[1] else out
