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
from functools import cached_property
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

    @property
    def observation_size(self) -> int:
        """Length of the local observation."""
        return self.observation_slices["bids"].stop

    @property
    def state_size(self) -> int:
        """Length of the global state."""
        return self.state_slices["bids"].stop

    def _hand_bits(self, out: np.ndarray, offset: int, hand: list[int]) -> None:
        """Per face, a thermometer of the count of ``hand``'s dice showing it."""
        d = self.dice
        prev, run = 0, 0
        for face in hand:
            run = run + 1 if face == prev else 1
            prev = face
            out[offset + (face - 1) * d + run - 1] = 1.0

    def _public(
        self, out: np.ndarray, sl: dict[str, slice], state: LiarsDiceState, origin: int
    ) -> None:
        """Fill dice counts, starter, to-move and bids, seats taken relative to ``origin``."""
        p, d = self.players, self.dice
        base = sl["dice_counts"].start
        for seat, count in enumerate(state.dice_counts):
            r = (seat - origin) % p
            out[base + r * d : base + r * d + count] = 1.0
        out[sl["starter"].start + (state.starter - origin) % p] = 1.0
        player = state.current_player()
        if player >= 0:
            out[sl["to_move"].start + (player - origin) % p] = 1.0
        base = sl["bids"].start
        for bid, bidder in zip(state.bids, state.bidders, strict=True):
            out[base + bid * p + (bidder - origin) % p] = 1.0

    def observation(self, state: LiarsDiceState, player: int) -> np.ndarray:
        """The local observation of ``player`` (see the module docstring)."""
        sl = self.observation_slices
        out = np.zeros(self.observation_size, dtype=np.float32)
        self._hand_bits(out, 0, state.hands[player])
        self._public(out, sl, state, player)
        return out

    def global_state(self, state: LiarsDiceState) -> np.ndarray:
        """The privileged global state, absolute seats."""
        sl = self.state_slices
        out = np.zeros(self.state_size, dtype=np.float32)
        width = self.sides * self.dice
        for seat, hand in enumerate(state.hands):
            self._hand_bits(out, seat * width, hand)
        self._public(out, sl, state, 0)
        return out
