"""The view model of ``arena play``: plain data of what ONE seat may know, and nothing else.

Each game's package has its own view module (:mod:`arena.tui.liars_dice.view`,
:mod:`arena.tui.skull.view`); this module holds what they share: the shape every view has
(:class:`GameView`), the helpers they use, and :func:`make_view` / :func:`round_views`, which
find the game's view functions by the game's name (:mod:`arena.tui.registry`).

A view reads a state in two ways only: the viewer's own private data from
``state.observation(seat)`` -- the seat's local observation tensor, decoded through the
encoding's named slices, and its legal mask -- and public fields. It never touches another seat's
hidden information, so its output is the same for every assignment of the other seats' hidden
information (``tests/arena/tui/test_view.py`` checks exactly that). Legal moves are action ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from arena.tui.registry import game_ui
from games.core import CHANCE, TERMINAL, State


class SeatView(Protocol):
    """One seat at the table, as anybody sees it."""

    @property
    def seat(self) -> int:
        """The absolute seat."""
        ...

    @property
    def you(self) -> bool:
        """Whether it is the viewer."""
        ...

    @property
    def to_move(self) -> bool:
        """Whether it acts now."""
        ...


class GameView(Protocol):
    """What the viewer may know of a position, whatever the game."""

    @property
    def seat(self) -> int:
        """The viewer."""
        ...

    @property
    def seats(self) -> Sequence[SeatView]:
        """Every seat's public data."""
        ...

    @property
    def your_turn(self) -> bool:
        """Whether the viewer acts now."""
        ...

    @property
    def legal_actions(self) -> tuple[int, ...]:
        """The viewer's legal action ids (empty when it is not the viewer's turn)."""
        ...


class RoundView(Protocol):
    """A finished round as the viewer saw it."""

    @property
    def number(self) -> int:
        """The round number, from 1."""
        ...


def to_move(state: State) -> int | None:
    """The seat to act, or ``None`` at a chance node or once the game is over."""
    player = state.current_player()
    return None if player in (CHANCE, TERMINAL) else player


def legal_ids(mask: np.ndarray) -> tuple[int, ...]:
    """The action ids of a legal mask."""
    return tuple(int(a) for a in np.flatnonzero(mask))


def make_view(state: State, seat: int) -> GameView:
    """The view of ``seat`` for a state of any game the app plays."""
    return game_ui(state.game.name).view(state, seat)


def round_views(state: State, seat: int, start: int = 0) -> list[RoundView]:
    """The finished rounds ``start..`` of ``state`` as ``seat`` saw them."""
    return game_ui(state.game.name).round_views(state, seat, start)
