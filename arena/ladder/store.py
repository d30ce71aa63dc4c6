"""The ladder file (:class:`Ladder`): agents, tournaments and games, committed as they end."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from arena.ladder.rows import (
    GAME_ATTRIBUTES,
    GAME_COLUMNS,
    HEX64,
    JSON_COLUMNS,
    SAME_GAME,
    GameRow,
    LadderConflict,
    TournamentRow,
    agent_label,
    default_db_path,
    differences,
    dump_json,
    stored_game,
)
from arena.ladder.schema import connect, connect_readonly, open_schema

INSERTED = ("tournament_id", "finished_at", "agent_ids", *GAME_COLUMNS)
"""The columns :meth:`Ladder.record_games` fills, in the order of its values."""
INSERT_GAME = (
    f"INSERT INTO games ({', '.join(INSERTED)}) VALUES ({', '.join('?' for _ in INSERTED)})"
    " ON CONFLICT (tournament_id, idx) DO NOTHING"
)
"""A game, unless its index is taken (any other constraint failure is an error)."""
_FIELDS = tuple((a, c in JSON_COLUMNS) for c, a in zip(GAME_COLUMNS, GAME_ATTRIBUTES, strict=True))
"""The :class:`GameRow` attribute of each of :data:`GAME_COLUMNS`, and whether it is JSON."""


def _valid_hash(digest: object) -> bool:
    return isinstance(digest, str) and (digest == "" or HEX64.match(digest) is not None)


class Ladder:
    """A connection to a ladder file.

    Args:
        path: the ladder file; :func:`default_db_path` when None.
        readonly: open without ever writing (URI ``mode=ro``; ``immutable=1`` when the
            directory is read-only, so that no ``-wal``/``-shm`` file can be created). A
            writable ladder is created on first use and upgraded to :data:`SCHEMA_VERSION`.

    Raises:
        ValueError: when the file is not a ladder, was written by a newer version, or its
            tables are not those of its version; read-only, also when it does not exist.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, readonly: bool = False) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        self.readonly = readonly
        self._agent_ids: dict[tuple[str, str], int] = {}
        self._hashes: dict[str, str] = {}
        self._valid: set[str] = set()
        """Content hashes already found well-formed."""
        try:
            self.conn = connect_readonly(self.path) if readonly else connect(self.path)
        except sqlite3.Error as exc:
            raise ValueError(f"cannot open the ladder {self.path}: {exc}") from exc
        try:
            self.version = open_schema(self.conn, self.path, readonly=readonly)
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise ValueError(f"{self.path} is not a usable ladder database: {exc}") from exc
        except BaseException:
            self.conn.close()
            raise

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> Ladder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _require_writable(self) -> None:
        if self.readonly:
            raise ValueError(f"the ladder {self.path} is open read-only")

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """An immediate transaction, committed on success, rolled back on any exception."""
        self._require_writable()
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            self._agent_ids.clear()  # ids registered in the transaction are gone
            raise
        self.conn.execute("COMMIT")

    def _write(self, sql: str, args: Sequence[Any]) -> sqlite3.Cursor:
        """One statement in its own immediate transaction (durable once it returns)."""
        with self._transaction():
            return self.conn.execute(sql, args)

    def agent_id(self, spec: str, digest: str | None = None) -> int:
        """The id of agent ``(spec, digest)``, registered on first use.

        Args:
            spec: the agent spec.
            digest: its content hash (:func:`agents.content_hash.spec_hash`); computed when None.
        """
        digest = self._hash_of(spec) if digest is None else digest
        if (spec, digest) not in self._agent_ids:
            with self._transaction():
                return self._register(spec, digest)
        return self._agent_ids[(spec, digest)]

    def _hash_of(self, spec: str) -> str:
        """The content hash of ``spec``, computed once per connection (rows without hashes)."""
        if spec not in self._hashes:
            from agents.content_hash import spec_hash  # imports torch: only when needed

            self._hashes[spec] = spec_hash(spec)
        return self._hashes[spec]

    def _register(self, spec: str, digest: str) -> int:
        """The agent's id, inserting it if new (inside a transaction)."""
        key = (spec, digest)
        if key not in self._agent_ids:
            self.conn.execute(
                "INSERT INTO agents (spec, content_hash, label, created) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (spec, content_hash) DO NOTHING",
                (spec, digest, agent_label(spec, digest), time.time()),
            )
            row = self.conn.execute(
                "SELECT id FROM agents WHERE spec = ? AND content_hash = ?", key
            ).fetchone()
            self._agent_ids[key] = int(row[0])
        return self._agent_ids[key]

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

    def record_game(self, tournament: TournamentRow, row: GameRow) -> bool:
        """Commit one finished game at once; False if that same game was already recorded."""
        return self.record_games(tournament, [row]) == 1

    def record_games(self, tournament: TournamentRow, rows: Iterable[GameRow]) -> int:
        """Commit finished games in one transaction: all of them are stored, or none.

        Args:
            tournament: their tournament.
            rows: the games (:func:`arena.referee.row_of`); a row's ``hashes`` (each seat's
                content hash) are computed here when None.

        Returns:
            How many games were new; a game already recorded identically is skipped.

        Raises:
            LadderConflict: when an index already holds a different game.
            ValueError: for a malformed row, or a read-only ladder.
            sqlite3.Error: for anything else the database refuses.
        """
        self._require_writable()
        prepared = [(row, self._checked_hashes(tournament, row)) for row in rows]
        with self._transaction():
            now = time.time()
            values = [self._values(tournament, row, hashes, now) for row, hashes in prepared]
            new = self.conn.executemany(INSERT_GAME, values).rowcount
            if new != len(values):  # some indices were taken: only by the same games
                self._check_skipped(tournament, values)
        return new

    def _checked_hashes(self, tournament: TournamentRow, row: GameRow) -> list[str]:
        """The content hash of each seat of ``row`` (computed when the row has none), checked
        with the row's shape."""
        if not isinstance(row, GameRow):
            raise ValueError(
                f"tournament {tournament.name!r}: a game is a GameRow (arena.referee.row_of), "
                f"not a {type(row).__name__}"
            )
        seats = row.seats
        if not len(seats) == len(row.seeds) == len(row.returns):
            raise ValueError(
                f"tournament {tournament.name!r}, game {row.index}: seats, seeds and returns "
                f"must have one entry per seat; got {seats!r}, {row.seeds!r}, {row.returns!r}"
            )
        hashes = [self._hash_of(s) for s in seats] if row.hashes is None else list(row.hashes)
        valid = self._valid
        if len(hashes) != len(seats) or not all(
            isinstance(h, str) and (h in valid or _valid_hash(h)) for h in hashes
        ):
            raise ValueError(
                f"tournament {tournament.name!r}, game {row.index}: hashes must be one per "
                f"seat, each '' or 64 lowercase hex digits; got {hashes!r} for {seats!r}"
            )
        self._valid.update(hashes)
        return hashes

    def _values(
        self, tournament: TournamentRow, row: GameRow, hashes: list[str], now: float
    ) -> tuple[Any, ...]:
        """The values of :data:`INSERT_GAME` for ``row`` (its agents registered on the way)."""
        ids = [self._register(s, h) for s, h in zip(row.seats, hashes, strict=True)]
        return (
            tournament.id,
            now,
            dump_json(ids),
            *[dump_json(getattr(row, a)) if encode else getattr(row, a) for a, encode in _FIELDS],
        )

    def _check_skipped(self, tournament: TournamentRow, values: list[tuple[Any, ...]]) -> None:
        """Every game of ``values`` is now stored (in this batch or before): refuse the batch
        when any was stored with different content.

        Raises:
            LadderConflict: naming the first game that differs.
        """
        at = INSERTED.index("idx")
        indices = [v[at] for v in values]
        stored = {
            r[0]: dict(zip(SAME_GAME, r[1:], strict=True))
            for r in self.conn.execute(
                f"SELECT idx, {', '.join(SAME_GAME)} FROM games"
                " WHERE tournament_id = ? AND idx BETWEEN ? AND ?",
                (tournament.id, min(indices), max(indices)),
            )
        }
        for v in values:
            offered = dict(zip(INSERTED, v, strict=True))
            differ = differences(stored[offered["idx"]], offered)
            if differ:
                raise LadderConflict(
                    f"tournament {tournament.name!r}: game {offered['idx']} is already recorded "
                    f"with a different {', '.join(differ)}; refusing to replace it (did an "
                    "agent or the code change since it was played?)"
                )

    def games(self, *, tournament: str | None = None, key: str | None = None) -> list[GameRow]:
        """Recorded games, optionally of one tournament or one game configuration."""
        return list(self._iter_games(tournament, key))

    def _iter_games(self, tournament: str | None, key: str | None) -> Iterator[GameRow]:
        hashes = self._content_hashes()
        sql = (
            f"SELECT t.name, t.game_key, {', '.join('g.' + c for c in GAME_COLUMNS)}, g.agent_ids"
            " FROM games g JOIN tournaments t ON t.id = g.tournament_id"
            " WHERE (? IS NULL OR t.name = ?) AND (? IS NULL OR t.game_key = ?)"
            " ORDER BY t.id, g.idx"
        )
        for r in self.conn.execute(sql, (tournament, tournament, key, key)):
            yield stored_game(r, hashes)

    def _content_hashes(self) -> dict[int, str]:
        """Every agent's content hash, by id."""
        return dict(self.conn.execute("SELECT id, content_hash FROM agents").fetchall())

    def game_keys(self) -> list[str]:
        """Every game configuration with recorded games."""
        rows = self.conn.execute(
            "SELECT DISTINCT t.game_key FROM tournaments t JOIN games g ON g.tournament_id = t.id"
        ).fetchall()
        return sorted(r[0] for r in rows)
