"""The ladder: a SQLite store (WAL) of agents, tournaments and games.

Games are committed as soon as they end, alone or in batches (one transaction per batch);
``(tournament, index)`` is unique, so a resumed tournament never duplicates a game (the same
game offered again is skipped, a different one is refused) and two tournaments can write to
the same file at once (WAL, with a busy timeout). Location: ``--db PATH``, else ``$ARENA_DB``,
else ``$XDG_DATA_HOME/bluff-arena/ladder.db`` (``~/.local/share/bluff-arena/ladder.db``).

The schema carries its version in ``PRAGMA user_version`` (:data:`SCHEMA_VERSION`): a file
with ladder tables and version 0 is version 1 (written before versions were recorded); a
writable ladder is upgraded step by step (:data:`MIGRATIONS`), a newer one is refused, and a
read-only ladder (``Ladder(path, readonly=True)``) is never written.

Agents are identified by spec and content hash (:func:`agents.content_hash.spec_hash`: ``""`` for
code, the sha256 of the package's files for a package or ``zoo:NAME``), shown as the label
``spec@1234abcd`` (:func:`agent_label`), so a retrained package at the same path is a new agent.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 2
"""The schema version this code writes (``PRAGMA user_version``); it reads 1 and 2."""

SCHEMA_V1 = """
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
"""Version 1: the tables of ladders written before versions were recorded (user_version 0)."""

SCHEMA = SCHEMA_V1.replace(
    "content_hash TEXT NOT NULL DEFAULT '',\n",
    "content_hash TEXT NOT NULL DEFAULT '',\n    label TEXT NOT NULL DEFAULT '',\n",
    1,
)
"""The current schema (:data:`SCHEMA_VERSION`), for a new ladder."""

MIGRATIONS: dict[int, tuple[str, ...]] = {
    2: (
        "ALTER TABLE agents ADD COLUMN label TEXT NOT NULL DEFAULT ''",
        "UPDATE agents SET label = CASE WHEN content_hash = '' THEN spec"
        " ELSE spec || '@' || substr(content_hash, 1, 8) END",
    ),
}
"""``MIGRATIONS[n]``: the statements that upgrade a version ``n - 1`` ladder to version ``n``."""

COLUMNS: dict[str, tuple[str, ...]] = {
    "agents": ("id", "spec", "content_hash", "label", "created"),
    "tournaments": (
        "id",
        "name",
        "game",
        "game_key",
        "config",
        "total_games",
        "created",
        "finished",
    ),
    "games": (
        "id",
        "tournament_id",
        "idx",
        "pairing",
        "deal_index",
        "rotation",
        "deal",
        "seeds",
        "seats",
        "agent_ids",
        "returns",
        "ranking",
        "winner",
        "moves",
        "duration",
        "forfeits",
        "history",
        "finished_at",
    ),
}
"""The columns of each table at :data:`SCHEMA_VERSION` (version 1 has no ``agents.label``)."""

ROW_KEYS = tuple(
    k for k in COLUMNS["games"] if k not in ("id", "tournament_id", "agent_ids", "finished_at")
)
"""The keys of a game row given to :meth:`Ladder.record_games` (``hashes`` is optional)."""

_JSON_COLUMNS = ("seeds", "seats", "agent_ids", "returns", "ranking", "forfeits", "history")
_SAME_GAME = tuple(
    k
    for k in COLUMNS["games"]
    if k not in ("id", "tournament_id", "idx", "duration", "finished_at")
)
"""What must match for a game offered again to be the same game (not duration, finished_at)."""
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class LadderConflict(ValueError):
    """A game offered for a (tournament, index) that already holds a different game."""


def default_db_path() -> Path:
    """``$ARENA_DB``, else the ladder under the user's data directory."""
    if os.environ.get("ARENA_DB"):
        return Path(os.environ["ARENA_DB"])
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return Path(base) / "bluff-arena" / "ladder.db"


def game_key(game: str, params: dict[str, Any]) -> str:
    """The configuration key: ratings compare only games with the same key."""
    return game + json.dumps(params, sort_keys=True, separators=(",", ":"))


def agent_label(spec: str, digest: str) -> str:
    """The identity label of an agent: ``spec``, or ``spec@<first 8 hex digits of its hash>``."""
    return f"{spec}@{digest[:8]}" if digest else spec


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
    """A game as stored (JSON columns decoded).

    ``seats`` are the agent specs as written; ``agents`` are their identity labels (the spec,
    plus ``@`` and 8 hex digits of the package's content hash for a package): ratings and
    tables key on ``agents``, so a retrained package at the same path is a new agent.
    """

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
    agents: list[str] = field(default_factory=list)
    """The identity label of the agent in each seat (:func:`agent_label`); default the seats."""

    def __post_init__(self) -> None:
        if not self.agents:
            object.__setattr__(self, "agents", list(self.seats))


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
        try:
            self.conn = self._connect_readonly() if readonly else self._connect()
        except sqlite3.Error as exc:
            raise ValueError(f"cannot open the ladder {self.path}: {exc}") from exc
        try:
            self.version = self._open_schema()
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise ValueError(f"{self.path} is not a usable ladder database: {exc}") from exc
        except BaseException:
            self.conn.close()
            raise

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return sqlite3.connect(self.path, timeout=60.0, isolation_level=None)

    def _connect_readonly(self) -> sqlite3.Connection:
        if not self.path.is_file():
            raise ValueError(f"no ladder at {self.path}")
        wal = self.path.with_name(self.path.name + "-wal")
        pending = wal.exists() and wal.stat().st_size > 0
        immutable = not pending and not _writable_dir(self.path.parent)
        uri = self.path.absolute().as_uri() + ("?mode=ro&immutable=1" if immutable else "?mode=ro")
        return sqlite3.connect(uri, uri=True, timeout=60.0, isolation_level=None)

    def _open_schema(self) -> int:
        """Check (and, when writable, create or upgrade) the schema; the version on disk."""
        version = stored_version(self.conn)
        self._refuse_newer(version)
        if self.readonly:
            if version == 0:
                raise ValueError(f"{self.path} is not a ladder (it has no ladder tables)")
            self._check_tables(version, writing=False)
            return version
        self.conn.execute("PRAGMA busy_timeout=60000")
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        if version != SCHEMA_VERSION:
            with self._transaction():
                self._upgrade(stored_version(self.conn))
        self._check_tables(SCHEMA_VERSION, writing=True)
        return SCHEMA_VERSION

    def _refuse_newer(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise ValueError(
                f"{self.path} was written by a newer version of bluff-arena (schema {version}, "
                f"this version reads up to {SCHEMA_VERSION}): upgrade bluff-arena"
            )

    def _upgrade(self, version: int) -> None:
        """Create the schema (version 0) or migrate step by step, inside a transaction."""
        self._refuse_newer(version)
        if version == 0:
            _run_script(self.conn, SCHEMA)
        else:
            if version == 1:
                _run_script(self.conn, SCHEMA_V1)  # tables a partial version-1 file lacks
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[step]:
                    self.conn.execute(statement)
        self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _check_tables(self, version: int, *, writing: bool) -> None:
        """Refuse tables that lack a column of ``version`` or, to write, have one we never fill.

        A NOT NULL column without a default that this code does not know would make every
        insert fail: better to say so when the ladder is opened.
        """
        for table, expected in COLUMNS.items():
            if version < 2 and table == "agents":
                expected = tuple(c for c in expected if c != "label")
            info = self.conn.execute(f"PRAGMA table_info({table})").fetchall()
            names = [row[1] for row in info]
            missing = [c for c in expected if c not in names]
            if missing:
                raise ValueError(
                    f"{self.path}: table {table} lacks column(s) {', '.join(missing)} of "
                    f"ladder schema {version}: the file was not written by bluff-arena"
                )
            unfilled = [
                row[1] for row in info if row[1] not in expected and row[3] and row[4] is None
            ]
            if writing and unfilled:
                raise ValueError(
                    f"{self.path}: table {table} has NOT NULL column(s) {', '.join(unfilled)} "
                    f"without a default that schema {version} does not have: this version "
                    "of bluff-arena cannot store games there"
                )

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

    def record_game(self, tournament: TournamentRow, row: dict[str, Any]) -> bool:
        """Commit one finished game at once; False if that same game was already recorded."""
        return self.record_games(tournament, [row]) == 1

    def record_games(self, tournament: TournamentRow, rows: Iterable[dict[str, Any]]) -> int:
        """Commit finished games in one transaction: all of them are stored, or none.

        Args:
            tournament: their tournament.
            rows: game rows (:data:`ROW_KEYS`, and ``hashes``: each seat's
                :func:`content_hash`, computed here when absent).

        Returns:
            How many games were new; a game already recorded identically is skipped.

        Raises:
            LadderConflict: when an index already holds a different game.
            ValueError: for a malformed row, or a read-only ladder.
            sqlite3.Error: for anything else the database refuses.
        """
        self._require_writable()
        prepared = [self._prepare(tournament, row) for row in rows]
        new = 0
        with self._transaction():
            for cols, hashes in prepared:
                ids = [self._register(s, h) for s, h in zip(cols["seats"], hashes, strict=True)]
                new += self._insert_game(tournament, {**cols, "agent_ids": ids})
        return new

    def _prepare(
        self, tournament: TournamentRow, row: dict[str, Any]
    ) -> tuple[dict[str, Any], list[str]]:
        """The row's columns (not yet JSON-encoded) and its seats' hashes, checked."""
        missing = [k for k in ROW_KEYS if k not in row]
        unknown = sorted(set(row) - set(ROW_KEYS) - {"hashes"})
        if missing or unknown:
            raise ValueError(
                f"tournament {tournament.name!r}: a game row needs exactly the keys "
                f"{', '.join(ROW_KEYS)} (and optionally hashes); missing {missing}, "
                f"unknown {unknown}"
            )
        seats = list(row["seats"])
        hashes = row.get("hashes")
        hashes = [self._hash_of(s) for s in seats] if hashes is None else list(hashes)
        if len(hashes) != len(seats) or not all(
            isinstance(h, str) and (h == "" or _HEX64.match(h)) for h in hashes
        ):
            raise ValueError(
                f"tournament {tournament.name!r}, game {row['idx']}: hashes must be one per "
                f"seat, each '' or 64 lowercase hex digits; got {hashes!r} for {seats!r}"
            )
        return {k: row[k] for k in ROW_KEYS}, hashes

    def _insert_game(self, tournament: TournamentRow, cols: dict[str, Any]) -> int:
        """Insert one game (in a transaction): 1 if new, 0 if the same game is there."""
        values = {**cols, "tournament_id": tournament.id, "finished_at": time.time()}
        for key in _JSON_COLUMNS:
            values[key] = json.dumps(values[key])
        names = list(values)
        try:
            self.conn.execute(
                f"INSERT INTO games ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
                [values[n] for n in names],
            )
        except sqlite3.IntegrityError:
            stored = self.conn.execute(
                f"SELECT {', '.join(_SAME_GAME)} FROM games WHERE tournament_id = ? AND idx = ?",
                (tournament.id, cols["idx"]),
            ).fetchone()
            if stored is None:
                raise
            differ = _differences(dict(zip(_SAME_GAME, stored, strict=True)), values)
            if differ:
                raise LadderConflict(
                    f"tournament {tournament.name!r}: game {cols['idx']} is already recorded "
                    f"with a different {', '.join(differ)}; refusing to replace it (did an "
                    "agent or the code change since it was played?)"
                ) from None
            return 0
        return 1

    def games(self, *, tournament: str | None = None, key: str | None = None) -> list[GameRow]:
        """Recorded games, optionally of one tournament or one game configuration."""
        return list(self._iter_games(tournament, key))

    def _iter_games(self, tournament: str | None, key: str | None) -> Iterator[GameRow]:
        labels = self._labels()
        sql = (
            "SELECT t.name, t.game_key, g.idx, g.pairing, g.deal_index, g.rotation, g.deal,"
            " g.seeds, g.seats, g.returns, g.ranking, g.winner, g.moves, g.duration,"
            " g.forfeits, g.history, g.agent_ids"
            " FROM games g JOIN tournaments t ON t.id = g.tournament_id"
            " WHERE (? IS NULL OR t.name = ?) AND (? IS NULL OR t.game_key = ?)"
            " ORDER BY t.id, g.idx"
        )
        for r in self.conn.execute(sql, (tournament, tournament, key, key)):
            decoded = [json.loads(r[i]) for i in (7, 8, 9, 10)]
            agents = [labels[i] for i in json.loads(r[16])]
            yield GameRow(*r[:7], *decoded, *r[11:14], json.loads(r[14]), json.loads(r[15]), agents)

    def _labels(self) -> dict[int, str]:
        """Every agent's identity label, by id (computed, so version-1 ladders read too)."""
        rows = self.conn.execute("SELECT id, spec, content_hash FROM agents").fetchall()
        return {i: agent_label(spec, digest) for i, spec, digest in rows}

    def game_keys(self) -> list[str]:
        """Every game configuration with recorded games."""
        rows = self.conn.execute(
            "SELECT DISTINCT t.game_key FROM tournaments t JOIN games g ON g.tournament_id = t.id"
        ).fetchall()
        return sorted(r[0] for r in rows)


def stored_version(conn: sqlite3.Connection) -> int:
    """The schema version of a ladder: its ``user_version``; 1 when that is 0 but it has
    ladder tables (written before versions were recorded); 0 for an empty file."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version:
        return version
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return 1 if tables & set(COLUMNS) else 0


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run each statement of ``script`` (no ``executescript``: it would commit)."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _writable_dir(directory: Path) -> bool:
    """Whether files may be created in ``directory`` (its mode is honoured even for root)."""
    try:
        mode = directory.stat().st_mode
    except OSError:
        return False
    return os.access(directory, os.W_OK) and bool(
        mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    )


def _differences(stored: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The fields of :data:`_SAME_GAME` in which a stored game and a new one differ."""
    out = []
    for name in _SAME_GAME:
        a, b = stored[name], new[name]
        if name in _JSON_COLUMNS:
            a, b = json.loads(a), json.loads(b)
        if a != b:
            out.append(name)
    return out
