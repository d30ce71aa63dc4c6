"""Observation encoders for Liar's Dice: named slices of one flat float32 array.

Local observation of seat ``o`` (relative seats: ``r = (seat - o) % players``, so the observer
is 0), version ``liars_dice-obs-v1``:

==============  =====================  ==================================================
slice           size                   meaning
==============  =====================  ==================================================
own_dice        sides * dice           per face, thermometer of how many of own dice show it
dice_counts     players * dice         per relative seat, thermometer of dice held
starter         players                relative seat that opened this round's bidding
to_move         players                relative seat to act (all zero at chance/terminal)
bids            bids * players         bit ``bid*players + r``: bid ``bid`` made by seat r
==============  =====================  ==================================================

Bids strictly increase, so the set of (bid, bidder) bits is the whole bid sequence. The global
state has the same slices in absolute seat order, with ``hands`` (every seat's own_dice) in
place of ``own_dice``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property
from typing import TYPE_CHECKING

import numpy as np

from games.core import named_slices

if TYPE_CHECKING:
    from games.liars_dice.rules import LiarsDiceState


@dataclass(frozen=True)
class Layout:
    """The slices of the local observation and of the global state for one configuration."""

    players: int
    dice: int
    sides: int

    @property
    def num_bids(self) -> int:
        """Number of distinct bids (``players * dice * sides``)."""
        return self.players * self.dice * self.sides

    @cached_property
    def observation_slices(self) -> dict[str, slice]:
        """Named slices of the local observation."""
        p, d, s = self.players, self.dice, self.sides
        return named_slices(
            [("own_dice", s * d), ("dice_counts", p * d), ("starter", p), ("to_move", p),
             ("bids", self.num_bids * p)]
        )  # fmt: skip

    @cached_property
    def state_slices(self) -> dict[str, slice]:
        """Named slices of the global state."""
        p, d, s = self.players, self.dice, self.sides
        return named_slices(
            [("hands", p * s * d), ("dice_counts", p * d), ("starter", p), ("to_move", p),
             ("bids", self.num_bids * p)]
        )  # fmt: skip

    @cached_property
    def observation_size(self) -> int:
        """Length of the local observation."""
        return self.observation_slices["bids"].stop

    @cached_property
    def state_size(self) -> int:
        """Length of the global state."""
        return self.state_slices["bids"].stop

    # -- encoders ------------------------------------------------------------------------------
    # The encoders look up precomputed index tables (per observer, seats already made relative)
    # and set the listed indices of a zero array in one ``put``: no per-slot numpy call.

    @cached_property
    def _observation_tables(self) -> tuple[_Tables, ...]:
        """Per observer: the index tables of the public slices of the local observation."""
        return tuple(
            self._public_tables(self.observation_slices, origin) for origin in range(self.players)
        )

    @cached_property
    def _state_tables(self) -> _Tables:
        """The index tables of the public slices of the global state."""
        return self._public_tables(self.state_slices, 0)

    def _public_tables(self, sl: dict[str, slice], origin: int) -> _Tables:
        """``(counts, starter, to_move, bidder)``, each indexed by ABSOLUTE seat.

        ``counts[seat][n]`` are the indices of the thermometer of ``n`` dice held;
        ``starter[seat]`` and ``to_move[seat]`` the index of that seat's bit; the bit of bid
        ``b`` made by ``seat`` is ``b * players + bidder[seat]``.
        """
        p, d = self.players, self.dice

        def rel(name: str, width: int = 1) -> tuple[int, ...]:  # each absolute seat's block
            return tuple(sl[name].start + ((seat - origin) % p) * width for seat in range(p))

        counts = tuple(
            tuple(tuple(range(b, b + n)) for n in range(d + 1)) for b in rel("dice_counts", d)
        )
        return counts, rel("starter"), rel("to_move"), rel("bids")

    @cached_property
    def _hand_cache(self) -> dict[tuple[int, ...], tuple[int, ...]]:
        """Filled as hands are met: a sorted hand -> the indices of its own_dice encoding."""
        return {}

    def _hand_indices(self, hand: list[int]) -> tuple[int, ...]:
        """Per face, a thermometer of the count of ``hand``'s dice showing it (offset 0)."""
        key = tuple(hand)
        idx = self._hand_cache.get(key)
        if idx is None:
            d, bits = self.dice, []
            prev, run = 0, 0
            for face in hand:
                run = run + 1 if face == prev else 1
                prev = face
                bits.append((face - 1) * d + run - 1)
            idx = self._hand_cache[key] = tuple(bits)
        return idx

    def _public_indices(self, idx: list[int], tables: _Tables, state: LiarsDiceState) -> None:
        """Append to ``idx`` the indices of dice counts, starter, to-move and bids that are 1."""
        counts, starter, to_move, bidder = tables
        for row, n in zip(counts, state.dice_counts, strict=False):  # one item per seat each
            idx += row[n]
        idx.append(starter[state.starter])
        if state._player >= 0:
            idx.append(to_move[state._player])
        if state.bids:
            p = self.players
            idx += [b * p + bidder[s] for b, s in zip(state.bids, state.bidders, strict=True)]

    def observation(self, state: LiarsDiceState, player: int) -> np.ndarray:
        """The local observation of ``player`` (see the module docstring)."""
        idx = list(self._hand_indices(state.hands[player]))
        self._public_indices(idx, self._observation_tables[player], state)
        out = np.zeros(self.observation_size, dtype=np.float32)
        out.put(idx, 1.0)
        return out

    def global_state(self, state: LiarsDiceState) -> np.ndarray:
        """The privileged global state, absolute seats."""
        width = self.sides * self.dice
        idx: list[int] = []
        for seat, hand in enumerate(state.hands):
            offset = seat * width
            idx += [offset + i for i in self._hand_indices(hand)]
        self._public_indices(idx, self._state_tables, state)
        out = np.zeros(self.state_size, dtype=np.float32)
        out.put(idx, 1.0)
        return out


_Tables = tuple[
    tuple[tuple[tuple[int, ...], ...], ...], tuple[int, ...], tuple[int, ...], tuple[int, ...]
]
"""The public index tables of :meth:`Layout._public_tables`."""


@cache
def layout(players: int, dice: int, sides: int) -> Layout:
    """The :class:`Layout` of a configuration, shared by its games (its tables are built once)."""
    return Layout(players, dice, sides)
