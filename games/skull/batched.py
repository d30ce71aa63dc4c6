"""Many games of Skull stepped at once in numpy, for the referee.

:class:`SkullBatch` holds ``capacity`` independent games of one configuration, one per row.
Any subset of rows, in any order and at any mix of phases, is stepped by one :meth:`~SkullBatch.
apply`; the queries (seat to act, legal masks, observations, global states, returns) take the
same kind of row subset. Unlike the Liar's Dice batch, chance is exposed exactly as in the
per-game engine: a row where the challenger loses a random disc is at a chance node
(``current_players == CHANCE``), its outcome drawn by :meth:`~SkullBatch.chance_outcome_at`
from one uniform and applied like any action. Everything agrees with
:class:`~games.skull.rules.SkullState` (``tests/games/test_skull_batched.py`` plays both side by
side and compares them at every step).

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
single index array is cheaper than two. Only legal actions may be applied; nothing is checked
(the referee checks legality with :meth:`SkullBatch.legal_masks` first).
"""

from __future__ import annotations

import numpy as np

from games.core import CHANCE, TERMINAL
from games.skull.batched_tables import PublicTables, build_tables, scatter_ones
from games.skull.constants import ActionType, Phase
from games.skull.rules import SkullGame

_PLACEMENT = int(Phase.PLACEMENT)
_ADD_OR_BID = int(Phase.ADD_OR_BID)
_BIDDING = int(Phase.BIDDING)
_ATTEMPT = int(Phase.ATTEMPT)
_LOSS = int(Phase.LOSS)
_DISCARD = int(Phase.DISCARD)
_CHOOSE_STARTER = int(Phase.CHOOSE_STARTER)
_GAME_OVER = int(Phase.GAME_OVER)


class SkullBatch:
    """``capacity`` games of ``game``, any subset stepped together (see the module docstring).

    Args:
        game: the configuration (any that :class:`~games.skull.rules.SkullGame` accepts).
        capacity: the number of rows; every row starts as a fresh initial state.
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
        self.reset(np.arange(capacity))

    # -- transitions ---------------------------------------------------------------------------
    def reset(self, rows: np.ndarray) -> None:
        """New initial states in ``rows``."""
        rows = np.asarray(rows, dtype=np.int64)
        self.lost_code[rows] = 0
        self.points[rows] = 0
        self.returns_[rows] = 0.0
        self.out_bits[rows] = 0
        self.winner[rows] = -1
        self._clear_round(rows)
        self._start_round(rows, np.zeros(len(rows), dtype=np.int64))

    def apply(self, rows: np.ndarray, actions: np.ndarray) -> None:
        """Apply one action per row: a player action id, or a chance outcome (0 ``lose rose``,
        1 ``lose skull``) in a row at a chance node. Legal ones only: this is not checked.

        The rows are grouped by action type, each group one vectorised transition; a bid or a
        pass can start the attempt, whose automatic reveals or a flip can win the challenge;
        the rounds won, lost (discard or chance) and the starters chosen end together.
        """
        rows = np.asarray(rows, dtype=np.int64)
        actions = np.asarray(actions, dtype=np.int64)
        phase = self.phase[rows]
        game = self.game
        # a chance outcome ``lose kind`` is applied as ``discard kind``: both lose a disc
        actions = np.where(phase == _LOSS, actions + game.discard_base, actions)
        kind = self._tables.action_kind[actions]
        order = np.argsort(kind, kind="stable")
        ends = np.cumsum(np.bincount(kind, minlength=len(ActionType))).tolist()
        starts = [0, *ends[:-1]]
        rows, actions = rows[order], actions[order]

        def part(typ: ActionType) -> tuple[np.ndarray, np.ndarray]:
            return rows[starts[typ] : ends[typ]], actions[starts[typ] : ends[typ]]

        wins: list[np.ndarray] = []
        places, bids, turns = ends[ActionType.PLACE], ends[ActionType.BID], ends[ActionType.PASS]
        if turns:
            placing = phase[order[:places]]
            attempts = self._turns(rows[:turns], actions[:turns], placing, places, bids)
            if any(len(x) for x in attempts):
                wins.append(self._start_attempt(_cat(attempts)))
        r, a = part(ActionType.FLIP)
        if len(r):
            wins.append(self._flip(r, a - game.flip_base))
        losses, kinds = part(ActionType.DISCARD)
        starters, seats = part(ActionType.STARTER)
        won = _cat(wins) if wins else losses[:0]
        if len(won) or len(losses) or len(starters):
            self._end_rounds(
                won, losses, kinds - game.discard_base, starters, seats - game.starter_base
            )

    def _turns(
        self, rows: np.ndarray, actions: np.ndarray, placing: np.ndarray, places: int, bids: int
    ) -> list[np.ndarray]:
        """The seats to act place (``rows[:places]``, in phases ``placing``), bid
        (``rows[places:bids]``) or pass (``rows[bids:]``); returns the rows whose bidding ends.

        The next seat is the next one still in that has not passed (nobody has passed before
        the bidding opens).
        """
        p, n, t = self.players, len(rows), self._tables
        seat = self.player[rows]
        passed = self.passed_bits[rows]
        if bids < n:
            passed[bids:] |= t.seat_bits[seat[bids:]]
            self.passed_bits[rows[bids:]] = passed[bids:]
        nxt = t.next_f[(self.out_bits[rows] | passed) * p + seat]
        self.player[rows] = nxt
        ended: list[np.ndarray] = []
        if places:  # opening placement ends back at the first player
            r, kinds, s = rows[:places], actions[:places], seat[:places]
            h = (r * p + s) * 4
            self._held_f[h + kinds] -= 1
            self._held_f[h + 2] += t.a_mat - t.a_held
            self._held_f[h + 3] -= t.p_weights[kinds]
            g = r * (3 * p) + s
            self._mats_f[g] = self._mats_f[g] * 2 + kinds
            self.on_mats[r] += 1
            opening = (placing == _PLACEMENT) & (nxt[:places] != self.first[r])
            self.phase[r] = np.where(opening, _PLACEMENT, _ADD_OR_BID)
        if bids > places:  # the bidding ends at once when every disc is bid
            r, bid, s = rows[places:bids], actions[places:bids] - 1, seat[places:bids]
            self.bid[r] = bid
            self.bidder[r] = s
            g = r * (3 * p) + s + 2 * p
            code = self._mats_f[g]  # its highest bid so far is replaced
            self._mats_f[g] = code + (bid - (code // t.b_bid) % (self.max_bid + 1)) * t.b_bid
            self.phase[r] = _BIDDING
            ended.append(r[bid == self.on_mats[r]])
        if bids < n:  # the bidding ends when only the bidder is left
            r = rows[bids:]
            self._mats_f[r * (3 * p) + seat[bids:] + 2 * p] += t.b_passed
            ended.append(r[nxt[bids:] == self.bidder[r]])
        return ended

    def _start_attempt(self, rows: np.ndarray) -> np.ndarray:
        """The highest bidder challenges and reveals their own stack from the top; returns the
        rows where that alone reaches the bid."""
        t, c = self._tables, self.bidder[rows]
        g = rows * (3 * self.players) + c
        self.challenger[rows] = c
        self.player[rows] = c
        self.owner[rows] = c
        code = self._mats_f[g]
        top, length, n = t.top_roses[code], t.length[code], self.bid[rows]
        success = n <= top
        skull = ~success & (top < length)
        shown = np.where(success, n, np.where(skull, top + 1, length))
        self._mats_f[g + self.players] = shown
        self._mats_f[g + 2 * self.players] += t.shown_f[code * (self.discs + 1) + shown]
        self.found[rows] = np.minimum(n, top)
        self.phase[rows] = np.where(skull, _DISCARD, _ATTEMPT)
        return rows[success]

    def _flip(self, rows: np.ndarray, seats: np.ndarray) -> np.ndarray:
        """``flip seat``; returns the rows where the bid is reached."""
        p, t = self.players, self._tables
        g = rows * (3 * p) + seats
        code, shown = self._mats_f[g], self._mats_f[g + p]
        skull = ((code >> shown) & 1).astype(bool)
        self._mats_f[g + p] = shown + 1
        at = code * (self.discs + 1) + shown
        self._mats_f[g + 2 * p] += t.shown_f[at + 1] - t.shown_f[at]
        self.owner[rows] = seats
        found = self.found[rows] + ~skull
        self.found[rows] = found
        c = self.challenger[rows]
        own = seats == c
        self.phase[rows] = np.where(skull, np.where(own, _DISCARD, _LOSS), _ATTEMPT)
        self.player[rows] = np.where(skull & ~own, CHANCE, c)
        return rows[~skull & (found == self.bid[rows])]

    def _end_rounds(
        self,
        wins: np.ndarray,
        losses: np.ndarray,
        kinds: np.ndarray,
        starters: np.ndarray,
        seats: np.ndarray,
    ) -> None:
        """End the rounds of ``wins`` (the challenger scores) and ``losses`` (the challenger
        loses a disc of ``kinds``); start the next ones, and those of ``starters`` (started by
        ``seats``). A game ends when a seat has enough points or is the last one in."""
        ended, over, winner, chooser = [], [], [], []
        t, new, first = self._tables, [starters], [seats]
        if len(wins):
            c = self.challenger[wins]
            f = wins * self.players + c
            points = self._points_f[f] + 1
            self._points_f[f] = points
            done = points >= self.wins_needed
            ended.append(wins)
            over.append(wins[done])
            winner.append(c[done])
            new.append(wins[~done])
            first.append(c[~done])
        if len(losses):
            c = self.challenger[losses]
            f = losses * self.players + c
            lost = self._lost_f[f] + t.lost_step[kinds]
            self._lost_f[f] = lost
            out = t.lost_total[lost] == self.discs
            out_bits = self.out_bits[losses] | np.where(out, t.seat_bits[c], 0)
            self.out_bits[losses] = out_bits
            owner = self.owner[losses]
            done = t.popcount[out_bits] == self.players - 1
            choose = ~done & out & (owner == c)
            rest = ~(done | choose)
            ended.append(losses)
            over.append(losses[done])
            winner.append(t.lowest_clear[out_bits[done]])
            chooser.append(losses[choose])
            new.append(losses[rest])
            nxt = owner if not self.game.challenger_starts else np.where(out, owner, c)
            first.append(nxt[rest])
        if ended:
            self._clear_round(_cat(ended))
        if over:
            self._finish(_cat(over), _cat(winner))
        if chooser:  # put out by their own skull: the challenger chooses who starts
            rows = chooser[0]
            self.phase[rows] = _CHOOSE_STARTER
            self.player[rows] = self.challenger[rows]
        self._start_round(_cat(new), _cat(first))

    def _clear_round(self, rows: np.ndarray) -> None:
        """All discs back in hand; bids, passes and reveals cleared; the codes remade."""
        t = self._tables
        self._round[rows] = t.round_start
        self._mats[rows] = t.mats_start
        key = self.lost_code[rows] * (self.wins_needed + 1) + self.points[rows]
        self._held[rows] = t.clear_held[key]

    def _start_round(self, rows: np.ndarray, first: np.ndarray) -> None:
        """A new round of ``rows``, started by ``first``."""
        self.challenger[rows] = -1
        self.first[rows] = first
        self.phase[rows] = _PLACEMENT
        self.player[rows] = first

    def _finish(self, rows: np.ndarray, winner: np.ndarray) -> None:
        """End the games of ``rows``: ``winner`` +1, every other seat ``-1/(P-1)``."""
        self.returns_[rows] = -1.0 / (self.players - 1)
        self.returns_[rows, winner] = 1.0
        self.winner[rows] = winner
        self.challenger[rows] = -1
        self.phase[rows] = _GAME_OVER
        self.player[rows] = TERMINAL

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


def _cat(parts: list[np.ndarray]) -> np.ndarray:
    """The concatenation of ``parts`` (the part itself when there is one)."""
    return parts[0] if len(parts) == 1 else np.concatenate(parts)
