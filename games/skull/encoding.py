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
phase               8             one-hot :class:`~games.skull.constants.Phase`
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

import itertools
from dataclasses import dataclass
from functools import cache, cached_property
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from games.core import named_slices
from games.skull.constants import NUM_PHASES

if TYPE_CHECKING:
    from games.skull.rules import SkullState


_Row = tuple[int, ...]
_PrivateTable = tuple[dict[tuple[int, ...], _Row], int, int, int, int]
"""One seat's private tables (see :meth:`Layout._private_table`)."""
_SizesTable = tuple[tuple[tuple[tuple[tuple[_Row, ...], ...], ...], ...], ...]
"""Per seat, by hand size, mat size, discs lost and points: the indices of their encodings."""


def _size_indices(sizes: _SizesTable, state: SkullState, points: list[int]) -> list[int]:
    """The indices of every seat's hand size, mat size, discs lost and points.

    See :meth:`Layout._public_tables`; every zipped sequence has one item per seat.
    """
    idx: list[int] = []
    seats = zip(
        state.hand_roses,
        state.hand_skulls,
        state.stacks,
        state.lost_roses,
        state.lost_skulls,
        strict=True,
    )
    for row, (h_r, h_s, stack, l_r, l_s), n in zip(sizes, seats, points, strict=False):
        idx += row[h_r + h_s][len(stack)][l_r + l_s][n]
    return idx


class _PublicTables(NamedTuple):
    """Index tables of the public slices for one origin (see :meth:`Layout._public_tables`)."""

    sizes: _SizesTable
    out: _Row
    passed: _Row
    roses: tuple[tuple[_Row, ...], ...]
    skull: _Row
    bids: tuple[_Row, ...]
    no_bids: _Row
    to_move: _Row
    first_player: _Row
    challenger: _Row
    phase: int
    high_bid: int


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

    # -- encoders ------------------------------------------------------------------------------
    # The encoders look up precomputed index tables (per observer, seats already made relative)
    # and set the listed indices of a zero array in one ``put``: no per-slot numpy call.

    @cached_property
    def _observation_tables(self) -> tuple[tuple[_PublicTables, _PrivateTable], ...]:
        """Per observer: the index tables of the local observation."""
        sl = self.observation_slices
        own = self._private_table(
            sl["own_stack"].start,
            sl["own_hand_roses"].start,
            sl["own_hand_skulls"].start,
            sl["own_lost_roses"].start,
            sl["own_lost_skulls"].start,
        )
        return tuple((self._public_tables(sl, origin), own) for origin in range(self.players))

    @cached_property
    def _state_tables(self) -> tuple[_PublicTables, tuple[_PrivateTable, ...]]:
        """The index tables of the global state: public ones, then every seat's private one."""
        sl = self.state_slices
        r, s, d = self.roses, self.skulls, self.discs
        private = tuple(
            self._private_table(
                sl["stacks"].start + seat * d * 2,
                sl["hand_roses"].start + seat * (r + 1),
                sl["hand_skulls"].start + seat * (s + 1),
                sl["lost_roses"].start + seat * (r + 1),
                sl["lost_skulls"].start + seat * (s + 1),
            )
            for seat in range(self.players)
        )
        return self._public_tables(sl, 0), private

    def _public_tables(self, sl: dict[str, slice], origin: int) -> _PublicTables:
        """Index tables of the public slices, seats taken relative to ``origin``.

        Every per-seat table is a tuple indexed by ABSOLUTE seat (the rotation is built in):
        ``sizes[seat][h][m][x][k]`` holds the indices of "``h`` discs in hand, ``m`` on the
        mat, ``x`` lost (a thermometer), ``k`` points"; ``roses[seat][n]`` the indices of a
        thermometer of ``n``; ``bids[seat][n]`` the index of "highest bid ``n``"; ``out[seat]``
        etc. the index of a per-seat flag. ``phase`` and ``high_bid`` are slice starts.
        """
        p, d, w, m = self.players, self.discs, self.wins_needed, self.max_bid

        def rel(name: str, width: int = 1) -> tuple[int, ...]:  # each absolute seat's block
            return tuple(sl[name].start + ((seat - origin) % p) * width for seat in range(p))

        def thermometer(name: str) -> tuple[tuple[tuple[int, ...], ...], ...]:
            return tuple(tuple(tuple(range(b, b + n)) for n in range(d + 1)) for b in rel(name, d))

        lost = thermometer("lost")
        sizes = tuple(
            tuple(
                tuple(
                    tuple(
                        tuple((hand + h, mat + k, pts + n, *lost[seat][x]) for n in range(w + 1))
                        for x in range(d + 1)
                    )
                    for k in range(d + 1)
                )
                for h in range(d + 1)
            )
            for seat, (hand, mat, pts) in enumerate(
                zip(
                    rel("hand_size", d + 1),
                    rel("mat_size", d + 1),
                    rel("points", w + 1),
                    strict=True,
                )
            )
        )
        bids = tuple(tuple(range(b, b + m + 1)) for b in rel("seat_bid", m + 1))
        return _PublicTables(
            sizes=sizes,
            out=rel("out"),
            passed=rel("passed"),
            roses=thermometer("revealed_roses"),
            skull=rel("skull_revealed"),
            bids=bids,
            no_bids=tuple(row[0] for row in bids),
            to_move=rel("to_move"),
            first_player=rel("first_player"),
            challenger=rel("challenger"),
            phase=sl["phase"].start,
            high_bid=sl["high_bid"].start,
        )

    def _private_table(
        self, stack: int, hand_r: int, hand_s: int, lost_r: int, lost_s: int
    ) -> _PrivateTable:
        """One seat's private tables, from the starts of its slices.

        The first item maps every possible stack (a tuple of kinds, bottom first) to the
        indices of its encoding; the others are the starts of the one-hot slices.
        """
        stacks = {
            kinds: tuple(stack + 2 * pos + kind for pos, kind in enumerate(kinds))
            for n in range(self.discs + 1)
            for kinds in itertools.product((0, 1), repeat=n)
        }
        return stacks, hand_r, hand_s, lost_r, lost_s

    @staticmethod
    def _public_indices(t: _PublicTables, state: SkullState) -> list[int]:
        """The indices of the public slices that are 1."""
        try:
            idx = _size_indices(t.sizes, state, state.points)
        except IndexError:  # more points than wins_needed (not reached by the rules): clip
            w = len(t.sizes[0][0][0][0]) - 1
            idx = _size_indices(t.sizes, state, [min(n, w) for n in state.points])
        if any(state.out):
            idx += [i for i, flag in zip(t.out, state.out, strict=True) if flag]
        if any(state.passed):
            idx += [i for i, flag in zip(t.passed, state.passed, strict=True) if flag]
        if any(state.revealed):
            for seat, n in enumerate(state.revealed):
                if n:
                    stack = state.stacks[seat]
                    shown = stack[len(stack) - n :]
                    n_roses = shown.count(0)
                    idx += t.roses[seat][n_roses]
                    if len(shown) > n_roses:
                        idx.append(t.skull[seat])
        if state.auction:
            highest = [0] * len(t.bids)
            for seat, n in state.auction:  # n = 0 for a pass
                if n > highest[seat]:
                    highest[seat] = n
            idx += [row[n] for row, n in zip(t.bids, highest, strict=True)]
        else:
            idx += t.no_bids
        idx += (t.phase + state.phase, t.first_player[state.first_player], t.high_bid + state.bid)
        if state._player >= 0:
            idx.append(t.to_move[state._player])
        if state.challenger >= 0:
            idx.append(t.challenger[state.challenger])
        return idx

    @staticmethod
    def _private_indices(
        idx: list[int], table: _PrivateTable, state: SkullState, seat: int
    ) -> None:
        """Append to ``idx`` the indices of ``seat``'s private data that are 1."""
        stacks, hand_r, hand_s, lost_r, lost_s = table
        idx += stacks[tuple(state.stacks[seat])]
        idx += (
            hand_r + state.hand_roses[seat],
            hand_s + state.hand_skulls[seat],
            lost_r + state.lost_roses[seat],
            lost_s + state.lost_skulls[seat],
        )

    def observation(self, state: SkullState, player: int) -> np.ndarray:
        """The local observation of ``player`` (see the module docstring)."""
        public, private = self._observation_tables[player]
        idx = self._public_indices(public, state)
        self._private_indices(idx, private, state, player)
        out = np.zeros(self.observation_size, dtype=np.float32)
        out.put(idx, 1.0)
        return out

    def global_state(self, state: SkullState) -> np.ndarray:
        """The privileged global state, absolute seats (see the module docstring)."""
        public, private = self._state_tables
        idx = self._public_indices(public, state)
        for seat, table in enumerate(private):
            self._private_indices(idx, table, state, seat)
        out = np.zeros(self.state_size, dtype=np.float32)
        out.put(idx, 1.0)
        return out


@cache
def layout(players: int, roses: int, skulls: int, wins_needed: int) -> Layout:
    """The :class:`Layout` of a configuration, shared by its games (its tables are built once)."""
    return Layout(players, roses, skulls, wins_needed)
