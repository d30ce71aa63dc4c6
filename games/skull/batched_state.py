"""The state of many Skull games as numpy arrays, and every query of it.

:class:`SkullBatchState` holds ``capacity`` games of one configuration, one per row, and answers
the queries of :class:`~games.skull.batched.SkullBatch` (seat to act, legal masks, observations,
global states, returns, chance outcomes) for any subset of rows; :class:`~games.skull.batched.
SkullBatch` adds the transitions that step them. Reads only: nothing here changes a game.

State, per row ``e`` (int64 arrays, ``P`` players, ``D = roses + skulls`` discs each, ``M =
P * D``, ``W = wins_needed``; seats absolute):

* ``phase[e]`` (:class:`~games.skull.constants.Phase`), ``player[e]`` (the seat to act,
  ``CHANCE`` or ``TERMINAL``), ``first[e]`` (the round's first player), ``challenger[e]`` (-1
  outside an attempt), ``owner[e]`` (the owner of the last disc revealed: the skull's owner on
  a failure), ``winner[e]`` (-1 until the end), ``out_bits[e]`` (bit ``seat`` set when out);
* cleared at the end of a round, packed in ``_round[e]``: ``passed_bits`` (bit ``seat`` set
  when passed), ``bid`` / ``bidder`` (0 / -1 before the bidding), ``found`` (roses revealed by
  the challenger), ``on_mats`` (discs on all mats);
* per seat, cleared at the end of a round, packed in ``_mats[e]``: ``stack[e, seat]``, the mat
  as a binary code (:data:`~games.skull.batched_tables.EMPTY`); ``revealed[e, seat]``, discs
  revealed from the top; ``bids_code[e, seat]`` (see below);
* per seat, remade from the losses at the end of a round, packed in ``_held[e]``: ``hand[e,
  seat, kind]`` (kind 0 rose, 1 skull), ``sizes_code[e, seat]``, ``private_code[e, seat]``;
* per seat, for the whole game: ``lost_code[e, seat] = lost roses * (S+1) + lost skulls``,
  ``points[e, seat]``; ``returns_[e, seat]`` (zeros until the end).

The three codes (defined in :mod:`games.skull.batched_tables`, which makes every table once
per configuration) fold what the observation shows of a seat into one small integer each, kept
up to date by every transition: an observation is then a few table look-ups by code and one
scatter of all rows' indices; a legal mask is one row of a table, keyed by phase and sub-code.

Per-seat arrays are also read and written through flat views (``row * P + seat``), since a
single index array is cheaper than two.
"""

from __future__ import annotations

import numpy as np

from games.core import TERMINAL
from games.skull.batched_tables import PublicTables, build_tables, scatter_ones
from games.skull.constants import Phase
from games.skull.rules import SkullGame

_BIDDING = int(Phase.BIDDING)
_ATTEMPT = int(Phase.ATTEMPT)
_DISCARD = int(Phase.DISCARD)


class SkullBatchState:
    """The arrays of ``capacity`` games of ``game`` and their queries (see the module
    docstring); the rows are zeros until :meth:`~games.skull.batched.SkullBatch.reset` makes
    them initial states.

    Args:
        game: the configuration (any that :class:`~games.skull.rules.SkullGame` accepts).
        capacity: the number of rows.
    """

    def __init__(self, game: SkullGame, capacity: int) -> None:
        if not isinstance(game, SkullGame):
            raise ValueError(f"SkullBatch plays Skull, got the game {game.name!r}")
        self.game, self.capacity = game, capacity
        p = self.players = game.num_players
        self.discs, self.max_bid, self.wins_needed = game.discs, game.max_bid, game.wins_needed
        self._tables = build_tables(game)  # every precomputed table (read only)
        # The arrays cleared together at the end of a round are packed, so that one assignment
        # clears them; the named attributes are views of them.
        self._round = np.zeros((capacity, 5), dtype=np.int64)
        self.passed_bits, self.bid, self.bidder, self.found, self.on_mats = self._round.T
        self._mats = np.zeros((capacity, 3, p), dtype=np.int64)
        self.stack, self.revealed, self.bids_code = self._mats.transpose(1, 0, 2)
        self._held = np.zeros((capacity, p, 4), dtype=np.int64)
        self.hand = self._held[:, :, :2]
        self.sizes_code, self.private_code = self._held[:, :, 2], self._held[:, :, 3]
        self.lost_code = np.zeros((capacity, p), dtype=np.int64)
        self.points = np.zeros((capacity, p), dtype=np.int64)
        self.returns_ = np.zeros((capacity, p), dtype=np.float64)
        self.out_bits = np.zeros(capacity, dtype=np.int64)
        self.phase = np.zeros(capacity, dtype=np.int64)
        self.player = np.zeros(capacity, dtype=np.int64)
        self.first = np.zeros(capacity, dtype=np.int64)
        self.challenger = np.full(capacity, -1, dtype=np.int64)
        self.owner = np.full(capacity, -1, dtype=np.int64)
        self.winner = np.full(capacity, -1, dtype=np.int64)
        # flat views (one index array is faster than two): ``_mats_f[row * 3P + seat]`` is the
        # stack code (+P: revealed, +2P: bids code), ``_held_f[(row * P + seat) * 4 + j]`` the
        # hand's roses (j=0) and skulls (1), the sizes code (2), the private code (3)
        self._mats_f, self._held_f = self._mats.reshape(-1), self._held.reshape(-1)
        self._lost_f, self._points_f = self.lost_code.reshape(-1), self.points.reshape(-1)

    ARRAYS = (
        "_round",
        "_mats",
        "_held",
        "lost_code",
        "points",
        "returns_",
        "out_bits",
        "phase",
        "player",
        "first",
        "challenger",
        "owner",
        "winner",
    )
    """The arrays that hold the games (every other attribute is a view of them or a table)."""

    def to_json(self) -> dict[str, list]:
        """Every game, as lists (:meth:`load_json` puts them back)."""
        return {name: getattr(self, name).tolist() for name in self.ARRAYS}

    def load_json(self, data: dict[str, list]) -> None:
        """Put back the games saved by :meth:`to_json` (of a batch of the same capacity).

        Raises:
            ValueError: the saved games are not of this configuration and capacity.
        """
        for name in self.ARRAYS:
            array = getattr(self, name)
            saved = np.asarray(data[name], dtype=array.dtype)
            if saved.shape != array.shape:
                raise ValueError(f"saved Skull games: {name} has shape {saved.shape}")
            array[...] = saved

    # -- queries -------------------------------------------------------------------------------
    def current_players(self, rows: np.ndarray) -> np.ndarray:
        """The seat to act in each row, ``CHANCE`` at a chance node, ``TERMINAL`` when over."""
        return self.player[rows]

    def terminal(self, rows: np.ndarray) -> np.ndarray:
        """Which rows are over."""
        return self.player[rows] == TERMINAL

    def returns(self, rows: np.ndarray) -> np.ndarray:
        """Every seat's return ``[n, P]`` (zeros before the end)."""
        return self.returns_[rows]

    def decided(self, rows: np.ndarray) -> np.ndarray:
        """Every seat's final return ``[n, P]``, NaN where not decided yet, as
        :meth:`~games.skull.rules.SkullState.final_return` (a seat that is out has lost)."""
        rows = np.asarray(rows, dtype=np.int64)
        out = (self.out_bits[rows, None] >> self._tables.seats) & 1
        decided = np.where(out == 1, -1.0 / (self.players - 1), np.nan)
        over = self.player[rows] == TERMINAL
        decided[over] = self.returns_[rows[over]]
        return decided

    def chance_outcome_at(self, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
        """The chance outcome at cumulative probability ``u`` in each row (all at chance
        nodes), exactly as :meth:`~games.core.State.chance_outcome_at`: the outcomes are
        ``lose rose`` (0, probability roses/discs of the challenger) then ``lose skull`` (1), so
        the same float operations pick the rose when ``u - roses / discs < 0``, else the skull
        (and the one kind left when the challenger owns a single kind)."""
        rows, t = np.asarray(rows, dtype=np.int64), self._tables
        lost = self.lost_code.reshape(-1)[rows * self.players + self.challenger[rows]]
        owned = t.start_hand - t.lost_kinds[lost]  # [n, 2]
        roses, skulls = owned[:, 0], owned[:, 1]
        skull_drawn = np.asarray(u, dtype=np.float64) - roses / (roses + skulls) >= 0.0
        return np.where(roses == 0, 1, np.where(skulls == 0, 0, skull_drawn.astype(np.int64)))

    def legal_masks(self, rows: np.ndarray) -> np.ndarray:
        """int8 legal masks ``[n, num_distinct_actions]`` (zero at chance and terminal nodes).

        Each row's mask is a row of the mask table at ``phase * Q + sub`` (see
        :func:`~games.skull.batched_tables.mask_table`).
        """
        rows = np.asarray(rows, dtype=np.int64)
        p, t = self.players, self._tables
        phase = self.phase[rows]
        seat = np.maximum(self.player[rows], 0)
        in_hand = t.hand_kinds[self._held_f[(rows * p + seat) * 4 + 3]]
        x = np.where(phase == _BIDDING, self.bid[rows], in_hand)
        key = phase * t.mask_block + x * (self.max_bid + 1) + self.on_mats[rows]
        special = np.flatnonzero(phase >= _ATTEMPT)
        if len(special):
            r, ph = rows[special], phase[special]
            unrevealed = self.revealed[r] < t.length[self.stack[r]]
            flips = unrevealed @ t.seat_bits
            c = np.maximum(self.challenger[r], 0)
            owned = t.owned_kinds[self._lost_f[r * p + c]]
            alive = self.out_bits[r] ^ t.all_bits
            sub = np.where(ph == _ATTEMPT, flips, np.where(ph == _DISCARD, owned, alive))
            key[special] = ph * t.mask_block + sub
        return t.mask_table[key]

    def observations(
        self, rows: np.ndarray, seats: np.ndarray, out: np.ndarray | None = None
    ) -> np.ndarray:
        """The local observation of ``seats[i]`` in row ``rows[i]`` ``[n, obs size]``.

        ``out``, if given, is a C-contiguous float32 ``[n, obs size]`` array to fill and
        return (a caller that reuses one spares the allocator: large fresh arrays can cost more
        than the encoding itself when the C library hands their memory back each time).
        """
        rows = np.asarray(rows, dtype=np.int64)
        seats = np.asarray(seats, dtype=np.int64)
        t = self._tables
        public = self._public_indices(t.obs_public, rows, seats)
        private = self._private_indices(t.obs_private, rows, seats)
        return scatter_ones([*public, private], t.obs_size, out)

    def global_states(self, rows: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """The privileged global states (absolute seats) ``[n, state size]`` (``out``: as in
        :meth:`observations`)."""
        rows = np.asarray(rows, dtype=np.int64)
        n, t = len(rows), self._tables
        public = self._public_indices(t.state_public, rows, np.zeros(n, dtype=np.int64))
        private = [
            self._private_indices(table, rows, np.full(n, seat, dtype=np.int64))
            for seat, table in enumerate(t.state_private)
        ]
        return scatter_ones([*public, *private], t.state_size, out)

    def _public_indices(
        self, tables: PublicTables, rows: np.ndarray, origin: np.ndarray
    ) -> list[np.ndarray]:
        """The indices of the public slices that are 1 (parts ``[n, k]``), seats relative to
        ``origin``."""
        sizes, bids, scalars, high_bid = tables
        n, p, t = len(rows), self.players, self._tables
        code_a = self.sizes_code[rows] + t.rot_a[origin]
        code_b = self.bids_code[rows] + t.rot_b[origin]
        key = (origin * len(Phase) + self.phase[rows]) * (p + 1)
        key += t.seat_code[self.player[rows] + t.none]
        key *= p + 1
        key += t.seat_code[self.challenger[rows] + t.none]
        key *= p
        key += self.first[rows]
        return [
            sizes[code_a].reshape(n, p * sizes.shape[1]),
            bids[code_b].reshape(n, p * bids.shape[1]),
            scalars[key],
            (self.bid[rows] + high_bid)[:, None],
        ]

    def _private_indices(
        self, table: np.ndarray, rows: np.ndarray, seats: np.ndarray
    ) -> np.ndarray:
        """The indices of ``seats``' private slices that are 1 ``[n, D + 4]``."""
        stack = self._mats_f[rows * (3 * self.players) + seats]
        private = self._held_f[(rows * self.players + seats) * 4 + 3]
        return table[stack * self._tables.p_stack + private]
