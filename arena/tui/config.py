"""What ``arena play`` plays: the table, the opponents, the human's seat; validated up front.

:func:`make_config` checks everything that can be wrong on the command line (unknown game,
parameter or agent, a seat out of range, an opponent that cannot play the game) and raises a
``ValueError`` with one line saying what was wrong, before any window opens.
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import games
from agents.base import AgentSpecError, check_agent
from arena.tui.registry import GAME_MODULES

DEFAULT_PARAMS: dict[str, dict[str, Any]] = {
    "liars_dice": {"players": 4, "dice": 5, "mode": "elimination"},
    "skull": {"players": 4},
}
"""The table ``arena play GAME`` sets up when no parameter is given (the game people play)."""

DEFAULT_OPPONENTS: tuple[str, ...] = (
    "zoo:liars-dice-duel",
    "zoo:skull",
    "zoo:liars-dice",
    "heuristic",
    "random",
)
"""Opponents when ``--opponents`` is not given: the first of these specs that can play the game.

Strongest first, as measured by ``bench/strength.py`` (docs/results.md): the zoo's duel, Skull
and Liar's Dice table agents all beat ``heuristic`` (the 4-player table agent wins 0.52 against
three heuristic players, a fair share being 0.25). A zoo agent plays only the configurations it
was trained for; ``heuristic`` plays the rest.
"""

DEFAULT_DELAY = 0.6
"""Seconds an agent's move takes at least, so that a person can follow the table."""

HUMAN_PREFIX = "human:"
"""Agent spec prefix of a person in the ladder (``human:NAME``)."""


@dataclass(frozen=True)
class PlayConfig:
    """One ``arena play`` session: the game, who sits where, and how to record it.

    Attributes:
        game: the game name (``games.make``).
        params: the complete game parameters (defaults filled in).
        seat: the human's absolute seat.
        opponents: the agent spec of every other seat, in seat order (skipping the human).
        name: the human's name; the ladder spec is ``human:NAME``.
        seed: seed of the first game's chance and agents (later games use ``seed + k``);
            ``None`` draws one.
        db: the ladder database (``None``: the default location).
        delay: seconds an agent's move takes at least (0 in tests).
    """

    game: str
    params: dict[str, Any]
    seat: int
    opponents: tuple[str, ...]
    name: str
    seed: int | None = None
    db: str | None = None
    delay: float = DEFAULT_DELAY

    @property
    def players(self) -> int:
        """Seats at the table."""
        return int(self.params["players"])

    @property
    def human_spec(self) -> str:
        """The human's agent spec in the ladder."""
        return HUMAN_PREFIX + self.name

    @property
    def seats(self) -> tuple[str, ...]:
        """The spec in every seat, the human's included."""
        others = list(self.opponents)
        return tuple(
            self.human_spec if s == self.seat else others.pop(0) for s in range(self.players)
        )

    def make_game(self) -> games.Game:
        """The game configuration."""
        return games.make(self.game, **self.params)


def default_name() -> str:
    """The login name, or ``player`` when there is none."""
    try:
        return getpass.getuser() or "player"
    except (KeyError, OSError):  # no passwd entry, no LOGNAME
        return "player"


def best_default_opponent(game: games.Game) -> str:
    """The first of :data:`DEFAULT_OPPONENTS` that can play ``game``.

    Raises:
        ValueError: when none can.
    """
    reasons = []
    for spec in DEFAULT_OPPONENTS:
        try:
            check_agent(spec, game)
        except AgentSpecError as exc:
            reasons.append(str(exc))
            continue
        return spec
    raise ValueError("no bundled agent can play this game: " + "; ".join(reasons))


def _opponent_specs(text: str | None, game: games.Game) -> tuple[str, ...]:
    """One spec per opponent seat from ``--opponents`` (one spec for all, or one each)."""
    wanted = game.num_players - 1
    if text is None:
        return (best_default_opponent(game),) * wanted
    specs = tuple(s.strip() for s in text.split(",") if s.strip())
    if len(specs) == 1:
        specs = specs * wanted
    if len(specs) != wanted:
        raise ValueError(
            f"--opponents takes one spec for every opponent or exactly {wanted} "
            f"(one per other seat), got {len(specs)}"
        )
    for spec in dict.fromkeys(specs):
        if spec.startswith(HUMAN_PREFIX):
            raise ValueError(f"opponent {spec!r}: only one person plays at a time")
        check_agent(spec, game)
    return specs


def make_config(
    game: str,
    *,
    players: int | None = None,
    params: Mapping[str, Any] | None = None,
    opponents: str | None = None,
    seat: int = 0,
    seed: int | None = None,
    name: str | None = None,
    db: str | None = None,
    delay: float | None = None,
) -> PlayConfig:
    """A validated :class:`PlayConfig` from command-line values.

    Args:
        game: the game name.
        players: seats at the table (overrides ``params["players"]``).
        params: game parameters, on top of :data:`DEFAULT_PARAMS` for the game.
        opponents: comma-separated agent specs: one for every opponent, or one per other seat.
        seat: the human's seat, ``0..players-1``.
        seed: the seed of the first game (``None``: a fresh one).
        name: the human's name (default: the login name).
        db: the ladder path (default: the ladder's default location).
        delay: the least seconds an agent's move takes, ``>= 0`` (default
            :data:`DEFAULT_DELAY`).

    Raises:
        ValueError: unknown game, parameter or agent; a value out of range; an opponent that
            cannot play the game (the message says what is allowed).
    """
    games.game_class(game)  # unknown game -> ValueError listing the games
    if game not in GAME_MODULES:
        raise ValueError(f"arena play has no table for {game!r}; it plays {sorted(GAME_MODULES)}")
    merged: dict[str, Any] = {**DEFAULT_PARAMS.get(game, {}), **dict(params or {})}
    if players is not None:
        merged["players"] = players
    table = games.make(game, **merged)
    if not 0 <= seat < table.num_players:
        raise ValueError(f"--seat must be in 0..{table.num_players - 1}, got {seat}")
    delay = DEFAULT_DELAY if delay is None else delay
    if not delay >= 0:
        raise ValueError(f"--delay must be >= 0 seconds, got {delay}")
    name = (name if name is not None else default_name()).strip()
    if not name or any(c in name for c in ",\n\t"):
        raise ValueError(f"--name must be a non-empty word without commas, got {name!r}")
    return PlayConfig(
        game=game,
        params=table.params,
        seat=seat,
        opponents=_opponent_specs(opponents, table),
        name=name,
        seed=seed,
        db=db,
        delay=float(delay),
    )
