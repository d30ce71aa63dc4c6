"""The ladder's SQLite schema, its version (``PRAGMA user_version``) and migrations; opening a
file read-only or for writing, creating or upgrading it, refusing one from a newer version."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

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


def stored_version(conn: sqlite3.Connection) -> int:
    """The schema version of a ladder: its ``user_version``; 1 when that is 0 but it has
    ladder tables (written before versions were recorded); 0 for an empty file."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version:
        return version
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return 1 if tables & set(COLUMNS) else 0


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run each statement of ``script`` (no ``executescript``: it would commit)."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def writable_dir(directory: Path) -> bool:
    """Whether files may be created in ``directory`` (its mode is honoured even for root)."""
    try:
        mode = directory.stat().st_mode
    except OSError:
        return False
    return os.access(directory, os.W_OK) and bool(
        mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    )


def connect(path: Path) -> sqlite3.Connection:
    """A writable connection (the file and its directory are created on first use)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return sqlite3.connect(path, timeout=60.0, isolation_level=None)


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A connection that never writes (``immutable`` when nothing could be written there).

    Raises:
        ValueError: no file at ``path``.
    """
    if not path.is_file():
        raise ValueError(f"no ladder at {path}")
    wal = path.with_name(path.name + "-wal")
    pending = wal.exists() and wal.stat().st_size > 0
    immutable = not pending and not writable_dir(path.parent)
    uri = path.absolute().as_uri() + ("?mode=ro&immutable=1" if immutable else "?mode=ro")
    return sqlite3.connect(uri, uri=True, timeout=60.0, isolation_level=None)


def open_schema(conn: sqlite3.Connection, path: Path, *, readonly: bool) -> int:
    """Check (and, when writable, create or upgrade) the schema; the version on disk.

    Raises:
        ValueError: not a ladder, written by a newer version, or tables of another schema.
    """
    version = stored_version(conn)
    refuse_newer(path, version)
    if readonly:
        if version == 0:
            raise ValueError(f"{path} is not a ladder (it has no ladder tables)")
        check_tables(conn, path, version, writing=False)
        return version
    conn.execute("PRAGMA busy_timeout=60000")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    if version != SCHEMA_VERSION:
        conn.execute("BEGIN IMMEDIATE")
        try:
            upgrade(conn, path, stored_version(conn))
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    check_tables(conn, path, SCHEMA_VERSION, writing=True)
    return SCHEMA_VERSION


def refuse_newer(path: Path, version: int) -> None:
    """Refuse a ladder written by a newer version of this code."""
    if version > SCHEMA_VERSION:
        raise ValueError(
            f"{path} was written by a newer version of bluff-arena (schema {version}, "
            f"this version reads up to {SCHEMA_VERSION}): upgrade bluff-arena"
        )


def upgrade(conn: sqlite3.Connection, path: Path, version: int) -> None:
    """Create the schema (version 0) or migrate step by step, inside the caller's transaction."""
    refuse_newer(path, version)
    if version == 0:
        run_script(conn, SCHEMA)
    else:
        if version == 1:
            run_script(conn, SCHEMA_V1)  # tables a partial version-1 file lacks
        for step in range(version + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[step]:
                conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def check_tables(conn: sqlite3.Connection, path: Path, version: int, *, writing: bool) -> None:
    """Refuse tables that lack a column of ``version`` or, to write, have one we never fill.

    A NOT NULL column without a default that this code does not know would make every
    insert fail: better to say so when the ladder is opened.
    """
    for table, expected in COLUMNS.items():
        if version < 2 and table == "agents":
            expected = tuple(c for c in expected if c != "label")
        info = conn.execute(f"PRAGMA table_info({table})").fetchall()
        names = [row[1] for row in info]
        missing = [c for c in expected if c not in names]
        if missing:
            raise ValueError(
                f"{path}: table {table} lacks column(s) {', '.join(missing)} of "
                f"ladder schema {version}: the file was not written by bluff-arena"
            )
        unfilled = [row[1] for row in info if row[1] not in expected and row[3] and row[4] is None]
        if writing and unfilled:
            raise ValueError(
                f"{path}: table {table} has NOT NULL column(s) {', '.join(unfilled)} "
                f"without a default that schema {version} does not have: this version "
                "of bluff-arena cannot store games there"
            )
