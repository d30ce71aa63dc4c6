"""Observation encoders for Skull: named slices of one flat float32 array.

Notation: ``P`` players, ``D = roses + skulls``, ``M = P * D`` (the highest bid), ``W`` =
``wins_needed``, ``R`` = roses, ``S`` = skulls. Per-seat features are seat-major: the block of
relative seat ``r`` starts at ``slice.start + r * width``.

Local observation of seat ``o`` (relative seats ``r = (seat - o) % P``, the observer is 0),
version ``skull-obs-v1``:

==================  ============  ==========================================================
slice               size          meaning
==================  ============  ==========================================================
hand_size           P * (D+1)     per seat, one-hot discs in hand (0..D)
mat_size            P * (D+1)     per seat, one-hot discs on the mat (0..D)
points              P * (W+1)     per seat, one-hot successful challenges (0..W)
out                 P             per seat, 1 if out
lost                P * D         per seat, thermometer of discs lost (the count is public)
passed              P             per seat, 1 if passed in this round's bidding
seat_bid            P * (M+1)     per seat, one-hot its highest bid this round (0 = none)
revealed_roses      P * D         per seat, thermometer of roses revealed on its stack
skull_revealed      P             per seat, 1 if the skull on its stack has been revealed
phase               8             one-hot :class:`~games.skull.rules.Phase`
to_move             P             relative seat to act (all zero at chance/terminal nodes)
first_player        P             relative seat that started this round
challenger          P             relative seat of the challenger (all zero before)
high_bid            M+1           one-hot of the highest bid this round (0 = none)
own_stack           D * 2         own stack bottom first: per position one-hot rose/skull
own_hand_roses      R+1           one-hot roses in own hand
own_hand_skulls     S+1           one-hot skulls in own hand
own_lost_roses      R+1           one-hot roses the observer has lost
own_lost_skulls     S+1           one-hot skulls the observer has lost
==================  ============  ==========================================================

Only the ``own_*`` slices are private, and they are the observer's own: another seat's
unrevealed discs, hand kinds and lost kinds never appear.

The global state (privileged, absolute seats) starts with every seat's private data --
``stacks`` (``P * D * 2``), ``hand_roses`` (``P * (R+1)``), ``hand_skulls`` (``P * (S+1)``),
``lost_roses`` (``P * (R+1)``), ``lost_skulls`` (``P * (S+1)``), each the ``own_*`` encoding
per seat -- followed by the public slices above (``hand_size`` .. ``high_bid``) in absolute
seat order, ``to_move`` being the absolute seat to act.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from games.core import named_slices

if TYPE_CHECKING:
    from games.skull.rules import SkullState

NUM_PHASES = 8
"""Number of :class:`~games.skull.rules.Phase` values."""


@dataclass(frozen=True)
class Layout:
    """The slices of the local observation and of the global state for one configuration."""

    players: int
    roses: int
    skulls: int
    wins_needed: int

    @property
    def discs(self) -> int:
        """``D``: discs per player."""
        return self.roses + self.skulls

    @property
    def max_bid(self) -> int:
        """``M``: the highest possible bid."""
        return self.players * self.discs

    def _public_sizes(self) -> list[tuple[str, int]]:
        p, d, m, w = self.players, self.discs, self.max_bid, self.wins_needed
        return [
            ("hand_size", p * (d + 1)), ("mat_size", p * (d + 1)), ("points", p * (w + 1)),
            ("out", p), ("lost", p * d), ("passed", p), ("seat_bid", p * (m + 1)),
            ("revealed_roses", p * d), ("skull_revealed", p), ("phase", NUM_PHASES),
            ("to_move", p), ("first_player", p), ("challenger", p), ("high_bid", m + 1),
        ]  # fmt: skip

    @cached_property
    def observation_slices(self) -> dict[str, slice]:
        """Named slices of the local observation."""
        r, s, d = self.roses, self.skulls, self.discs
        return named_slices(
            [*self._public_sizes(), ("own_stack", d * 2), ("own_hand_roses", r + 1),
             ("own_hand_skulls", s + 1), ("own_lost_roses", r + 1), ("own_lost_skulls", s + 1)]
        )  # fmt: skip

    @cached_property
    def state_slices(self) -> dict[str, slice]:
        """Named slices of the global state."""
        p, r, s, d = self.players, self.roses, self.skulls, self.discs
        return named_slices(
            [("stacks", p * d * 2), ("hand_roses", p * (r + 1)), ("hand_skulls", p * (s + 1)),
             ("lost_roses", p * (r + 1)), ("lost_skulls", p * (s + 1)), *self._public_sizes()]
        )  # fmt: skip

    @cached_property
    def observation_size(self) -> int:
        """Length of the local observation."""
        return self.observation_slices["own_lost_skulls"].stop

    @cached_property
    def state_size(self) -> int:
        """Length of the global state."""
        return self.state_slices["high_bid"].stop

    def _public(
        self, out: np.ndarray, sl: dict[str, slice], state: SkullState, origin: int
    ) -> None:
        """Fill the public slices, seats taken relative to ``origin``."""
        self._public_seats(out, sl, state, origin)
        self._public_round(out, sl, state, origin)

    def _public_seats(
        self, out: np.ndarray, sl: dict[str, slice], state: SkullState, origin: int
    ) -> None:
        """Per-seat public features: sizes, points, out, lost, passes, reveals."""
        p, d, w = self.players, self.discs, self.wins_needed
        hand, mat, pts = sl["hand_size"].start, sl["mat_size"].start, sl["points"].start
        gone, lost, passed = sl["out"].start, sl["lost"].start, sl["passed"].start
        roses, skull = sl["revealed_roses"].start, sl["skull_revealed"].start
        for seat in range(p):
            r = (seat - origin) % p
            stack = state.stacks[seat]
            out[hand + r * (d + 1) + state.hand_roses[seat] + state.hand_skulls[seat]] = 1.0
            out[mat + r * (d + 1) + len(stack)] = 1.0
            out[pts + r * (w + 1) + min(state.points[seat], w)] = 1.0
            out[gone + r] = state.out[seat]
            n_lost = state.lost_roses[seat] + state.lost_skulls[seat]
            out[lost + r * d : lost + r * d + n_lost] = 1.0
            out[passed + r] = state.passed[seat]
            shown = stack[len(stack) - state.revealed[seat] :] if state.revealed[seat] else []
            n_roses = shown.count(0)
            out[roses + r * d : roses + r * d + n_roses] = 1.0
            out[skull + r] = len(shown) > n_roses

    def _public_round(
        self, out: np.ndarray, sl: dict[str, slice], state: SkullState, origin: int
    ) -> None:
        """Round-level public features: bids, phase, to-move, first player, challenger."""
        p, m = self.players, self.max_bid
        highest = [0] * p
        for seat, n in state.auction:  # n = 0 for a pass
            highest[seat] = max(highest[seat], n)
        base = sl["seat_bid"].start
        for seat, n in enumerate(highest):
            out[base + ((seat - origin) % p) * (m + 1) + n] = 1.0
        out[sl["phase"].start + int(state.phase)] = 1.0
        player = state.current_player()
        if player >= 0:
            out[sl["to_move"].start + (player - origin) % p] = 1.0
        out[sl["first_player"].start + (state.first_player - origin) % p] = 1.0
        if state.challenger >= 0:
            out[sl["challenger"].start + (state.challenger - origin) % p] = 1.0
        out[sl["high_bid"].start + state.bid] = 1.0

    def _private(
        self, out: np.ndarray, offsets: tuple[int, int, int, int, int], state: SkullState, seat: int
    ) -> None:
        """One seat's private data at ``offsets`` (stack, hand roses/skulls, lost roses/skulls)."""
        stack, hand_r, hand_s, lost_r, lost_s = offsets
        for pos, kind in enumerate(state.stacks[seat]):
            out[stack + 2 * pos + kind] = 1.0
        out[hand_r + state.hand_roses[seat]] = 1.0
        out[hand_s + state.hand_skulls[seat]] = 1.0
        out[lost_r + state.lost_roses[seat]] = 1.0
        out[lost_s + state.lost_skulls[seat]] = 1.0

    def observation(self, state: SkullState, player: int) -> np.ndarray:
        """The local observation of ``player`` (see the module docstring)."""
        sl = self.observation_slices
        out = np.zeros(self.observation_size, dtype=np.float32)
        self._public(out, sl, state, player)
        offsets = (
            sl["own_stack"].start,
            sl["own_hand_roses"].start,
            sl["own_hand_skulls"].start,
            sl["own_lost_roses"].start,
            sl["own_lost_skulls"].start,
        )
        self._private(out, offsets, state, player)
        return out

    def global_state(self, state: SkullState) -> np.ndarray:
        """The privileged global state, absolute seats (see the module docstring)."""
        sl = self.state_slices
        out = np.zeros(self.state_size, dtype=np.float32)
        r, s, d = self.roses, self.skulls, self.discs
        for seat in range(self.players):
            offsets = (
                sl["stacks"].start + seat * d * 2,
                sl["hand_roses"].start + seat * (r + 1),
                sl["hand_skulls"].start + seat * (s + 1),
                sl["lost_roses"].start + seat * (r + 1),
                sl["lost_skulls"].start + seat * (s + 1),
            )
            self._private(out, offsets, state, seat)
        self._public(out, sl, state, 0)
        return out
