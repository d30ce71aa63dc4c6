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

from arena.ladder.rows import (
    GAME_COLUMNS,
    GameRow,
    LadderConflict,
    TournamentRow,
    agent_label,
    default_db_path,
    game_key,
)
from arena.ladder.schema import MIGRATIONS, SCHEMA, SCHEMA_V1, SCHEMA_VERSION, stored_version
from arena.ladder.store import Ladder

__all__ = [
    "GAME_COLUMNS",
    "MIGRATIONS",
    "SCHEMA",
    "SCHEMA_V1",
    "SCHEMA_VERSION",
    "GameRow",
    "Ladder",
    "LadderConflict",
    "TournamentRow",
    "agent_label",
    "default_db_path",
    "game_key",
    "stored_version",
]
