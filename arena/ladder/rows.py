"""What the ladder stores, as Python values: tournaments and games (:class:`GameRow`), the key of a
game configuration, agent labels, and the rule that a game offered again must be the same game."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arena.ladder.schema import COLUMNS

ROW_KEYS = tuple(
    k for k in COLUMNS["games"] if k not in ("id", "tournament_id", "agent_ids", "finished_at")
)
"""The keys of a game row given to :meth:`Ladder.record_games` (``hashes`` is optional)."""


JSON_COLUMNS = ("seeds", "seats", "agent_ids", "returns", "ranking", "forfeits", "history")


SAME_GAME = tuple(
    k
    for k in COLUMNS["games"]
    if k not in ("id", "tournament_id", "idx", "duration", "finished_at")
)
"""What must match for a game offered again to be the same game (not duration, finished_at)."""


HEX64 = re.compile(r"^[0-9a-f]{64}$")


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


def differences(stored: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The fields of :data:`SAME_GAME` in which a stored game and a new one differ."""
    out = []
    for name in SAME_GAME:
        a, b = stored[name], new[name]
        if name in JSON_COLUMNS:
            a, b = json.loads(a), json.loads(b)
        if a != b:
            out.append(name)
    return out
