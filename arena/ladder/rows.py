"""What the ladder stores, as Python values: tournaments and games (:class:`GameRow`), the key of a
game configuration, agent labels, and the rule that a game offered again must be the same game."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from arena.ladder.schema import COLUMNS

GAME_COLUMNS = tuple(
    k for k in COLUMNS["games"] if k not in ("id", "tournament_id", "agent_ids", "finished_at")
)
"""The columns a :class:`GameRow` fills (``idx`` is its ``index``)."""
GAME_ATTRIBUTES = tuple("index" if c == "idx" else c for c in GAME_COLUMNS)
"""The :class:`GameRow` attribute holding each of :data:`GAME_COLUMNS`."""


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
    """One played game: the record the referee makes (:func:`arena.referee.row_of`), the
    executors carry back, the driver gives the ladder (:meth:`Ladder.record_games`) and the ladder
    returns (:meth:`Ladder.games`) to the reports, the replays and the TUI.

    ``seats`` are the agent specs as written; ``hashes`` their content hashes
    (:func:`agents.content_hash.spec_hash`), added by the driver (the ladder computes them when
    None); ``agents`` their identity labels (the spec, plus ``@`` and 8 hex digits of the
    package's content hash for a package): ratings and tables key on ``agents``, so a retrained
    package at the same path is a new agent. ``tournament`` and ``game_key`` are filled by the
    ladder for the games it returns.

    Attributes:
        index: position in the schedule (unique in its tournament).
        pairing: index of its table in the tournament's pairings.
        deal_index: which deal of the pairing.
        rotation: which cyclic rotation of the table.
        deal: seed of the chance stream.
        seeds: per-seat agent seeds.
        seats: the agent spec in each seat.
        returns: per seat, summing to zero.
        ranking: tie groups of seats, best first.
        winner: the single best seat, or None when several tie at the top.
        moves: decisions made (chance nodes not counted).
        duration: wall-clock seconds.
        forfeits: ``[seat, reason]`` pairs.
        history: every action of the game, chance outcomes included.
        hashes: each seat's content hash (``""`` for code), or None until the driver adds them.
        tournament: the tournament's name (``""`` before the game is stored).
        game_key: its configuration key (:func:`game_key`; ``""`` before it is stored).
    """

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
    hashes: list[str] | None = None
    tournament: str = ""
    game_key: str = ""
    agents: list[str] = field(init=False, compare=False)
    """The identity label of the agent in each seat (:func:`agent_label`); the seats while the
    hashes are unknown. Derived from ``seats`` and ``hashes``."""

    def __post_init__(self) -> None:
        if self.hashes is None:
            agents = list(self.seats)
        elif len(self.hashes) != len(self.seats):
            raise ValueError(
                f"game {self.index}: hashes must be one per seat; got {self.hashes!r} for "
                f"{self.seats!r}"
            )
        else:
            agents = [agent_label(s, h) for s, h in zip(self.seats, self.hashes, strict=True)]
        object.__setattr__(self, "agents", agents)

    def columns(self) -> dict[str, Any]:
        """The ladder columns of :data:`GAME_COLUMNS` (JSON columns not yet encoded)."""
        return {k: getattr(self, a) for k, a in zip(GAME_COLUMNS, GAME_ATTRIBUTES, strict=True)}


def stored_game(r: Sequence[Any], hashes: dict[int, str]) -> GameRow:
    """The game of a ladder row ``(tournament name, game key, *GAME_COLUMNS, agent_ids)``.

    Args:
        r: the selected values (JSON columns still encoded).
        hashes: every agent's content hash, by agent id.
    """
    name, key, *values, agent_ids = r
    cols = dict(zip(GAME_COLUMNS, values, strict=True))
    for k in JSON_COLUMNS:
        if k in cols:
            cols[k] = orjson.loads(cols[k])
    cols["index"] = cols.pop("idx")
    seat_hashes = [hashes[i] for i in orjson.loads(agent_ids)]
    return GameRow(**cols, hashes=seat_hashes, tournament=name, game_key=key)


def dump_json(value: Any) -> str:
    """``value`` as compact JSON text, as the ladder's JSON columns store it (numpy numbers
    included)."""
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY).decode()


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
