"""The ladder: a SQLite store (WAL) of agents, tournaments and games.

One row per game, committed as soon as the game ends; ``(tournament, index)`` is unique, so a
resumed tournament never duplicates a game and two tournaments can write to the same file at
once (WAL, with a busy timeout). Location: ``--db PATH``, else ``$ARENA_DB``, else
``$XDG_DATA_HOME/bluff-arena/ladder.db`` (``~/.local/share/bluff-arena/ladder.db``).

Agents are identified by spec and, when the spec is a file or directory (an agent package), by
the sha256 of its content, so a retrained package at the same path is a new agent.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS agents (
    id INTEGER PRIMARY KEY,
    spec TEXT NOT NULL,
    content_hash TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL,
    UNIQUE (spec, content_hash)
);
CREATE TABLE IF NOT EXISTS tournaments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    game TEXT NOT NULL,
    game_key TEXT NOT NULL,
    config TEXT NOT NULL,
    total_games INTEGER NOT NULL,
    created REAL NOT NULL,
    finished REAL
);
CREATE TABLE IF NOT EXISTS games (
    id INTEGER PRIMARY KEY,
    tournament_id INTEGER NOT NULL REFERENCES tournaments(id),
    idx INTEGER NOT NULL,
    pairing INTEGER NOT NULL,
    deal_index INTEGER NOT NULL,
    rotation INTEGER NOT NULL,
    deal INTEGER NOT NULL,
    seeds TEXT NOT NULL,
    seats TEXT NOT NULL,
    agent_ids TEXT NOT NULL,
    returns TEXT NOT NULL,
    ranking TEXT NOT NULL,
    winner INTEGER,
    moves INTEGER NOT NULL,
    duration REAL NOT NULL,
    forfeits TEXT NOT NULL,
    history TEXT NOT NULL,
    finished_at REAL NOT NULL,
    UNIQUE (tournament_id, idx)
);
CREATE INDEX IF NOT EXISTS games_by_tournament ON games (tournament_id);
"""


def default_db_path() -> Path:
    """``$ARENA_DB``, else the ladder under the user's data directory."""
    if os.environ.get("ARENA_DB"):
        return Path(os.environ["ARENA_DB"])
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return Path(base) / "bluff-arena" / "ladder.db"


def game_key(game: str, params: dict[str, Any]) -> str:
    """The configuration key: ratings compare only games with the same key."""
    return game + json.dumps(params, sort_keys=True, separators=(",", ":"))


def content_hash(spec: str) -> str:
    """sha256 of a file or directory spec's content ('' for other specs)."""
    path = Path(spec)
    if not path.exists():
        return ""
    digest = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        digest.update(str(file.relative_to(path if path.is_dir() else path.parent)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class TournamentRow:
    """A tournament as stored."""

    id: int
    name: str
    game: str
    game_key: str
    config: dict[str, Any]
    total_games: int
    created: float
    finished: float | None


@dataclass(frozen=True)
class GameRow:
    """A game as stored (JSON columns decoded)."""

    tournament: str
    game_key: str
    index: int
    pairing: int
    deal_index: int
    rotation: int
    deal: int
    seeds: list[int]
    seats: list[str]
    returns: list[float]
    ranking: list[list[int]]
    winner: int | None
    moves: int
    duration: float
    forfeits: list[list[Any]]
    history: list[int]


class Ladder:
    """A connection to a ladder file (created on first use)."""

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._agent_ids: dict[str, int] = {}
        try:
            self.conn = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA busy_timeout=60000")
            self.conn.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"{self.path} is not a usable ladder database: {exc}") from exc

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> Ladder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self, sql: str, args: Sequence[Any]) -> sqlite3.Cursor:
        """One statement in its own immediate transaction (durable once it returns)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            cur = self.conn.execute(sql, args)
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")
        return cur

    def agent_id(self, spec: str) -> int:
        """The id of ``spec`` (registered on first use; file specs by content hash)."""
        if spec in self._agent_ids:
            return self._agent_ids[spec]
        digest = content_hash(spec)
        self._write(
            "INSERT OR IGNORE INTO agents (spec, content_hash, created) VALUES (?, ?, ?)",
            (spec, digest, time.time()),
        )
        row = self.conn.execute(
            "SELECT id FROM agents WHERE spec = ? AND content_hash = ?", (spec, digest)
        ).fetchone()
        self._agent_ids[spec] = int(row[0])
        return self._agent_ids[spec]

    def create_tournament(
        self, name: str, game: str, key: str, config: dict[str, Any], total: int
    ) -> TournamentRow:
        """Register a new tournament.

        Raises:
            ValueError: when a tournament with that name exists.
        """
        if self.tournament(name) is not None:
            raise ValueError(f"a tournament named {name!r} exists: use --resume {name}")
        self._write(
            "INSERT INTO tournaments (name, game, game_key, config, total_games, created)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (name, game, key, json.dumps(config, sort_keys=True), total, time.time()),
        )
        return self.tournament(name)

    def tournament(self, name: str) -> TournamentRow | None:
        """The tournament called ``name``, if any."""
        row = self.conn.execute(
            "SELECT id, name, game, game_key, config, total_games, created, finished"
            " FROM tournaments WHERE name = ?",
            (name,),
        ).fetchone()
        if row is None:
            return None
        return TournamentRow(*row[:4], json.loads(row[4]), *row[5:])

    def tournaments(self) -> list[TournamentRow]:
        """Every tournament, oldest first."""
        names = self.conn.execute("SELECT name FROM tournaments ORDER BY id").fetchall()
        return [self.tournament(n) for (n,) in names]

    def mark_finished(self, tournament: TournamentRow) -> None:
        """Record that every scheduled game of ``tournament`` was played."""
        self._write(
            "UPDATE tournaments SET finished = ? WHERE id = ?", (time.time(), tournament.id)
        )

    def done_indices(self, tournament: TournamentRow) -> set[int]:
        """Schedule indices of the games already recorded."""
        rows = self.conn.execute(
            "SELECT idx FROM games WHERE tournament_id = ?", (tournament.id,)
        ).fetchall()
        return {r[0] for r in rows}

    def record_game(self, tournament: TournamentRow, row: dict[str, Any]) -> bool:
        """Commit one finished game at once; False if that index was already recorded."""
        agent_ids = [self.agent_id(spec) for spec in row["seats"]]
        cols = {**row, "agent_ids": agent_ids, "tournament_id": tournament.id}
        cols["finished_at"] = time.time()
        for key in ("seeds", "seats", "agent_ids", "returns", "ranking", "forfeits", "history"):
            cols[key] = json.dumps(cols[key])
        names = list(cols)
        cur = self._write(
            f"INSERT OR IGNORE INTO games ({', '.join(names)})"
            f" VALUES ({', '.join('?' for _ in names)})",
            [cols[n] for n in names],
        )
        return cur.rowcount == 1

    def games(self, *, tournament: str | None = None, key: str | None = None) -> list[GameRow]:
        """Recorded games, optionally of one tournament or one game configuration."""
        return list(self._iter_games(tournament, key))

    def _iter_games(self, tournament: str | None, key: str | None) -> Iterator[GameRow]:
        sql = (
            "SELECT t.name, t.game_key, g.idx, g.pairing, g.deal_index, g.rotation, g.deal,"
            " g.seeds, g.seats, g.returns, g.ranking, g.winner, g.moves, g.duration,"
            " g.forfeits, g.history FROM games g JOIN tournaments t ON t.id = g.tournament_id"
            " WHERE (? IS NULL OR t.name = ?) AND (? IS NULL OR t.game_key = ?)"
            " ORDER BY t.id, g.idx"
        )
        for r in self.conn.execute(sql, (tournament, tournament, key, key)):
            decoded = [json.loads(r[i]) for i in (7, 8, 9, 10)]
            yield GameRow(*r[:7], *decoded, *r[11:14], json.loads(r[14]), json.loads(r[15]))

    def game_keys(self) -> list[str]:
        """Every game configuration with recorded games."""
        rows = self.conn.execute(
            "SELECT DISTINCT t.game_key FROM tournaments t JOIN games g ON g.tournament_id = t.id"
        ).fetchall()
        return sorted(r[0] for r in rows)
