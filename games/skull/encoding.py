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
from typing import TYPE_CHECKING, Any

import numpy as np

from games.core import named_slices

if TYPE_CHECKING:
    from games.skull.rules import SkullState

NUM_PHASES = 8
"""Number of :class:`~games.skull.rules.Phase` values."""

_PrivateTable = tuple[tuple[int, ...], int, int, int, int]
"""Offsets of one seat's private data: stack positions, hand roses/skulls, lost roses/skulls."""
_Tables = tuple[Any, ...]
"""The public index tables of :meth:`Layout._public_tables`, then a :data:`_PrivateTable`."""


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

    @cached_property
    def _observation_tables(self) -> tuple[_Tables, ...]:
        """Per observer: the index tables of the local observation (public block at 0)."""
        sl = self.observation_slices
        own = (
            sl["own_stack"].start,
            sl["own_hand_roses"].start,
            sl["own_hand_skulls"].start,
            sl["own_lost_roses"].start,
            sl["own_lost_skulls"].start,
        )
        return tuple(
            (*self._public_tables(sl, origin), self._private_table(own))
            for origin in range(self.players)
        )

    @cached_property
    def _state_tables(self) -> tuple[_Tables, tuple[_PrivateTable, ...]]:
        """The index tables of the global state: public ones, then every seat's private one."""
        sl = self.state_slices
        r, s, d = self.roses, self.skulls, self.discs
        private = tuple(
            self._private_table(
                (
                    sl["stacks"].start + seat * d * 2,
                    sl["hand_roses"].start + seat * (r + 1),
                    sl["hand_skulls"].start + seat * (s + 1),
                    sl["lost_roses"].start + seat * (r + 1),
                    sl["lost_skulls"].start + seat * (s + 1),
                )
            )
            for seat in range(self.players)
        )
        return (*self._public_tables(sl, 0), None), private

    def _public_tables(self, sl: dict[str, slice], origin: int) -> tuple[Any, ...]:
        """Index tables of the public slices, seats taken relative to ``origin``.

        Each per-seat table is a tuple indexed by ABSOLUTE seat, so the encoder never computes
        a relative seat: ``hand[seat][n]`` is the index of "``seat`` holds ``n`` discs",
        ``lost[seat][n]`` the indices of the thermometer of ``n`` discs lost, and so on.
        """
        p, d, w, m = self.players, self.discs, self.wins_needed, self.max_bid

        def rel(name: str, width: int) -> list[int]:  # start of each absolute seat's block
            return [sl[name].start + ((seat - origin) % p) * width for seat in range(p)]

        def one_hot(name: str, width: int) -> tuple[tuple[int, ...], ...]:
            return tuple(tuple(range(b, b + width)) for b in rel(name, width))

        def thermometer(name: str) -> tuple[tuple[tuple[int, ...], ...], ...]:
            return tuple(tuple(tuple(range(b, b + n)) for n in range(d + 1)) for b in rel(name, d))

        return (
            one_hot("hand_size", d + 1),
            one_hot("mat_size", d + 1),
            one_hot("points", w + 1),
            tuple(rel("out", 1)),
            thermometer("lost"),
            tuple(rel("passed", 1)),
            thermometer("revealed_roses"),
            tuple(rel("skull_revealed", 1)),
            one_hot("seat_bid", m + 1),
            tuple(rel("to_move", 1)),
            tuple(rel("first_player", 1)),
            tuple(rel("challenger", 1)),
            sl["phase"].start,
            sl["high_bid"].start,
        )

    def _private_table(self, offsets: tuple[int, int, int, int, int]) -> _PrivateTable:
        """``(stack positions, hand roses, hand skulls, lost roses, lost skulls)`` offsets.

        ``stack positions[pos]`` is the index of "a rose at ``pos``" (a skull is the next one).
        """
        stack, hand_r, hand_s, lost_r, lost_s = offsets
        return (
            tuple(stack + 2 * pos for pos in range(self.discs)),
            hand_r,
            hand_s,
            lost_r,
            lost_s,
        )

    @staticmethod
    def _public_indices(tables: _Tables, state: SkullState) -> list[int]:
        """The indices of the public slices that are 1 (see :meth:`_public_tables`)."""
        (hand, mat, pts, gone, lost, passed, roses, skull, seat_bid, to_move, first, challenger,
         phase, high_bid, _) = tables  # fmt: skip
        stacks = state.stacks
        idx = [row[r + s] for row, r, s in zip(hand, state.hand_roses, state.hand_skulls)]
        idx += [row[len(stack)] for row, stack in zip(mat, stacks)]
        idx += [row[min(n, len(row) - 1)] for row, n in zip(pts, state.points)]
        if any(state.out):
            idx += [i for i, flag in zip(gone, state.out) if flag]
        if any(state.lost_roses) or any(state.lost_skulls):
            for row, r, s in zip(lost, state.lost_roses, state.lost_skulls):
                idx += row[r + s]
        if any(state.passed):
            idx += [i for i, flag in zip(passed, state.passed) if flag]
        if any(state.revealed):
            for seat, n in enumerate(state.revealed):
                if n:
                    stack = stacks[seat]
                    shown = stack[len(stack) - n :]
                    n_roses = shown.count(0)
                    idx += roses[seat][n_roses]
                    if len(shown) > n_roses:
                        idx.append(skull[seat])
        highest = [0] * len(seat_bid)
        for seat, n in state.auction:  # n = 0 for a pass
            if n > highest[seat]:
                highest[seat] = n
        idx += [row[n] for row, n in zip(seat_bid, highest)]
        idx.append(phase + state.phase)
        idx.append(first[state.first_player])
        idx.append(high_bid + state.bid)
        player = state._player
        if player >= 0:
            idx.append(to_move[player])
        if state.challenger >= 0:
            idx.append(challenger[state.challenger])
        return idx

    @staticmethod
    def _private_indices(
        idx: list[int], table: _PrivateTable, state: SkullState, seat: int
    ) -> None:
        """Append to ``idx`` the indices of ``seat``'s private data that are 1."""
        stack_pos, hand_r, hand_s, lost_r, lost_s = table
        idx += [pos + kind for pos, kind in zip(stack_pos, state.stacks[seat])]
        idx += (
            hand_r + state.hand_roses[seat],
            hand_s + state.hand_skulls[seat],
            lost_r + state.lost_roses[seat],
            lost_s + state.lost_skulls[seat],
        )

    def observation(self, state: SkullState, player: int) -> np.ndarray:
        """The local observation of ``player`` (see the module docstring)."""
        tables = self._observation_tables[player]
        idx = self._public_indices(tables, state)
        self._private_indices(idx, tables[-1], state, player)
        out = np.zeros(self.observation_size, dtype=np.float32)
        out.put(idx, 1.0)
        return out

    def global_state(self, state: SkullState) -> np.ndarray:
        """The privileged global state, absolute seats (see the module docstring)."""
        tables, private = self._state_tables
        idx = self._public_indices(tables, state)
        for seat, table in enumerate(private):
            self._private_indices(idx, table, state, seat)
        out = np.zeros(self.state_size, dtype=np.float32)
        out.put(idx, 1.0)
        return out
