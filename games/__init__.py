"""Rules engines for Skull and Liar's Dice, OpenSpiel-style (see ``games.core``).

>>> import games
>>> game = games.make("liars_dice", players=2, dice=1, mode="single_round")
>>> state = game.new_initial_state()
>>> state.current_player()  # chance: the dice are rolled first
-1
"""

from __future__ import annotations

import importlib
from typing import Any

from games.core import (
    CHANCE,
    TERMINAL,
    Game,
    IllegalActionError,
    Observation,
    ParamSpec,
    State,
)

__all__ = [
    "CHANCE",
    "TERMINAL",
    "Game",
    "IllegalActionError",
    "Observation",
    "ParamSpec",
    "State",
    "game_class",
    "list_games",
    "make",
]


_REGISTRY: dict[str, str] = {
    "liars_dice": "games.liars_dice:LiarsDiceGame",
    "skull": "games.skull:SkullGame",
}
"""Game name -> ``module:class``, imported on first use."""


def _load(name: str) -> type[Game]:
    module, _, attr = _REGISTRY[name].partition(":")
    return getattr(importlib.import_module(module), attr)


def list_games() -> list[type[Game]]:
    """The game classes, by name; each has ``name``, ``PARAMS`` and a docstring."""
    return [_load(name) for name in sorted(_REGISTRY)]


def game_class(name: str) -> type[Game]:
    """The game class registered as ``name``.

    Raises:
        ValueError: for an unknown name, listing the known ones.
    """
    if name not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY))
        raise ValueError(f"unknown game {name!r}: games are {known}")
    return _load(name)


def make(name: str, **params: Any) -> Game:
    """The game ``name`` with ``params`` (defaults for the rest).

    Raises:
        ValueError: for an unknown game, an unknown parameter, or a value outside the allowed
            values (the message names the parameter and what is allowed).
    """
    return game_class(name)(**params)
