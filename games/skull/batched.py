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
  as a binary code with a leading 1 (``1`` an empty mat; placing kind ``k`` makes ``code * 2 +
  k``, so bit ``i`` is the ``i``-th disc from the top; tables by code give the length, the
  kinds and what the top ``n`` discs show); ``revealed[e, seat]``, discs revealed from the top;
  ``bids_code[e, seat]`` (see below);
* per seat, remade from the losses at the end of a round, packed in ``_held[e]``: ``hand[e,
  seat, kind]`` (kind 0 rose, 1 skull), ``sizes_code[e, seat]``, ``private_code[e, seat]``;
* per seat, for the whole game: ``lost_code[e, seat] = lost roses * (S+1) + lost skulls``,
  ``points[e, seat]``; ``returns_[e, seat]`` (zeros until the end).

The three codes fold what the observation shows of a seat into one small integer each, kept
up to date by every transition: ``sizes_code`` (hand size, mat size, discs lost, points),
``bids_code`` (passed, highest bid this round, roses / skull revealed on its stack),
``private_code`` (kinds in hand and lost). An observation is then a few table look-ups, per
seat relative to the observer, of the encoding's indices that are 1 (as in
:mod:`games.skull.encoding`), and one scatter of all rows' indices; an unused table entry
repeats an index that is always 1, so every row sets the same number of indices. The legal
mask is one row of a table of masks, at a key made of the phase and a small sub-code.

Per-seat arrays are also read and written through flat views (``row * P + seat``), since a
single index array is cheaper than two. Only legal actions may be applied; nothing is checked
(the referee checks legality with :meth:`SkullBatch.legal_masks` first).
"""

from __future__ import annotations

import itertools

import numpy as np

from games.core import CHANCE, TERMINAL
from games.skull.constants import ActionType, Phase
from games.skull.rules import SkullGame

_PLACEMENT, _ADD_OR_BID, _BIDDING, _ATTEMPT = (
    int(Phase.PLACEMENT), int(Phase.ADD_OR_BID), int(Phase.BIDDING), int(Phase.ATTEMPT)
)  # fmt: skip
_LOSS, _DISCARD, _CHOOSE_STARTER, _GAME_OVER = (
    int(Phase.LOSS), int(Phase.DISCARD), int(Phase.CHOOSE_STARTER), int(Phase.GAME_OVER)
)  # fmt: skip

_EMPTY = 1
"""The stack code of an empty mat."""


def _stack_tables(discs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[int, ...]]]:
    """Tables over stack codes ``0 .. 2**(discs+1) - 1`` (code 0 is unused).

    Returns:
        ``length[code]``, ``top_roses[code]`` (roses above the first skull from the top, the
        whole length if there is no skull), ``shown[code, n]`` (``2 * roses + skull`` among the
        ``n`` top discs) and ``kinds[code]`` (the kinds bottom first).
    """
    size = 1 << (discs + 1)
    length = np.zeros(size, dtype=np.int64)
    top_roses = np.zeros(size, dtype=np.int64)
    shown = np.zeros((size, discs + 1), dtype=np.int64)
    kinds: list[tuple[int, ...]] = [()] * size
    for code in range(1, size):
        n = code.bit_length() - 1
        from_top = [(code >> i) & 1 for i in range(n)]
        length[code] = n
        top_roses[code] = from_top.index(1) if 1 in from_top else n
        for k in range(n + 1):
            top = from_top[:k]
            shown[code, k] = 2 * top.count(0) + (1 in top)
        kinds[code] = tuple(reversed(from_top))
    return length, top_roses, shown, kinds


def _next_seat_table(players: int) -> np.ndarray:
    """``next[bits, seat]``: the first seat after ``seat`` (round the table) whose bit is clear
    in ``bits`` (``seat`` itself when every other bit is set)."""
    table = np.zeros((1 << players, players), dtype=np.int64)
    for bits, seat in itertools.product(range(1 << players), range(players)):
        table[bits, seat] = seat
        for step in range(1, players):
            nxt = (seat + step) % players
            if not (bits >> nxt) & 1:
                table[bits, seat] = nxt
                break
    return table


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
        self._build_tables()
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

    # -- tables --------------------------------------------------------------------------------
    def _build_tables(self) -> None:
        """The action, seat, stack, loss and encoding tables of the configuration."""
        game, p, d, w, m = self.game, self.players, self.discs, self.wins_needed, self.max_bid
        r, s = game.roses, game.skulls
        self._start_hand = np.array([r, s], dtype=np.int64)
        self._action_kind = np.array([int(t) for t, _ in game.action_table], dtype=np.int64)
        self._next_f = _next_seat_table(p).reshape(-1)  # [bits * P + seat]
        bits = np.arange(1 << p)
        self._popcount = np.array([bin(b).count("1") for b in bits], dtype=np.int64)
        self._lowest_clear = np.array(
            [next((k for k in range(p) if not (b >> k) & 1), 0) for b in bits], dtype=np.int64
        )
        self._seats = np.arange(p, dtype=np.int64)
        self._seat_bits = np.int64(1) << self._seats
        length, self._top_roses, shown, self._kinds = _stack_tables(d)
        self._length, self._shown_f = length, shown.reshape(-1)  # [code * (D+1) + n]
        self._round_start = np.array([0, 0, -1, 0, 0], dtype=np.int64)
        self._mats_start = np.array([[_EMPTY] * p, [0] * p, [0] * p], dtype=np.int64)
        # weights of the per-seat codes (see _public_tables and _private_table)
        self._a_held, self._a_mat, self._a_lost = (d + 1) ** 2 * (w + 1), (d + 1) * (w + 1), w + 1
        self._b_passed, self._b_bid = (m + 1) * (2 * d + 2), 2 * d + 2
        self._p_weights = np.array([(s + 1) * (r + 1) * (s + 1), (r + 1) * (s + 1), s + 1, 1])
        self._p_stack = (r + 1) * (s + 1) * (r + 1) * (s + 1)
        # losses: ``lost_code = lost roses * (S+1) + lost skulls``
        self._lost_step = np.array([s + 1, 1], dtype=np.int64)  # [kind]
        lost = np.array([(lr, ls) for lr in range(r + 1) for ls in range(s + 1)], dtype=np.int64)
        self._lost_kinds = lost  # [lost_code] -> (lost roses, lost skulls)
        self._lost_total = lost.sum(axis=1)
        clear = []  # [lost_code * (W+1) + points]: the held row of a seat at a round's start
        for (lr, ls), k in itertools.product(lost.tolist(), range(w + 1)):
            held = (r - lr, s - ls)
            sizes = ((r - lr + s - ls) * (d + 1) ** 2 + lr + ls) * (w + 1) + k
            private = int(np.dot(self._p_weights, [*held, lr, ls]))
            clear.append([*held, sizes, private])
        self._clear_held = np.array(clear, dtype=np.int64)
        self._all_bits = (1 << p) - 1
        self._owned_kinds = (lost[:, 0] < r) + 2 * (lost[:, 1] < s)  # [lost_code]
        hand_kinds = np.zeros(self._p_stack, dtype=np.int64)  # [private code]
        for hr, hs, lr, ls in itertools.product(
            range(r + 1), range(s + 1), range(r + 1), range(s + 1)
        ):
            hand_kinds[int(np.dot(self._p_weights, [hr, hs, lr, ls]))] = (hr > 0) + 2 * (hs > 0)
        self._hand_kinds = hand_kinds
        self._mask_block = max((m + 1) ** 2, 1 << p)
        self._mask_table = self._build_mask_table()
        rel = (self._seats - self._seats[:, None]) % p  # [origin, seat]: relative seat
        self._rot_a = rel * (d + 1) ** 3 * (w + 1)
        self._rot_b = rel * 2 * (m + 1) * (2 * d + 2)
        none = -min(CHANCE, TERMINAL)  # seat codes: [seat + none], P for CHANCE/TERMINAL/-1
        self._none = none
        self._seat_code = np.array([p] * none + list(range(p)), dtype=np.int64)
        layout = game.layout
        self._obs_size, self._state_size = layout.observation_size, layout.state_size
        self._obs_public = self._public_tables(layout.observation_slices)
        self._state_public = self._public_tables(layout.state_slices)
        sl = layout.observation_slices
        own = (
            "own_stack",
            "own_hand_roses",
            "own_hand_skulls",
            "own_lost_roses",
            "own_lost_skulls",
        )
        self._obs_private = self._private_table(*(sl[name].start for name in own))
        sl = layout.state_slices
        self._state_private = [
            self._private_table(
                sl["stacks"].start + seat * d * 2,
                sl["hand_roses"].start + seat * (r + 1),
                sl["hand_skulls"].start + seat * (s + 1),
                sl["lost_roses"].start + seat * (r + 1),
                sl["lost_skulls"].start + seat * (s + 1),
            )
            for seat in range(p)
        ]

    def _build_mask_table(self) -> np.ndarray:
        """The legal masks ``[phase * Q + sub]`` (see :meth:`legal_masks`)."""
        game, m = self.game, self.max_bid
        table = np.zeros((len(Phase), self._mask_block, game.num_distinct_actions), dtype=np.int8)
        for sub in range(self._mask_block):
            x, on_mats = divmod(sub, m + 1)
            if x < 4:  # the kinds in hand: bit 0 roses, bit 1 skulls
                table[_PLACEMENT : _ADD_OR_BID + 1, sub, :2] = (x & 1, x >> 1)
            table[_ADD_OR_BID, sub, 2 : on_mats + 2] = 1
            table[_BIDDING, sub, x + 2 : on_mats + 2] = 1
            table[_BIDDING, sub, game.pass_action] = 1
            bits = [k for k in range(self.players) if (sub >> k) & 1]
            table[_ATTEMPT, sub, [game.flip_base + k for k in bits]] = 1
            table[_CHOOSE_STARTER, sub, [game.starter_base + k for k in bits]] = 1
            table[_DISCARD, sub, [game.discard_base + k for k in bits if k < 2]] = 1
        return table.reshape(-1, game.num_distinct_actions)

    def _public_tables(
        self, sl: dict[str, slice]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """Index tables of the public slices ``sl`` (of the observation or the global state).

        Returns:
            ``sizes[rel * NA + code_a]``: the indices of relative seat ``rel`` with hand size
            ``h``, mat size ``m``, discs lost ``x`` and points ``k``, ``code_a = ((h * (D+1) +
            m) * (D+1) + x) * (W+1) + k`` (:attr:`sizes_code`); ``bids[rel * NB + code_b]``:
            the indices of relative seat ``rel`` that passed (``f``), bid at most ``b`` and
            shows ``v = 2 * roses + skull`` revealed, ``code_b = (f * (M+1) + b) * (2D+2) +
            v`` (:attr:`bids_code`); ``scalars[(((origin * 8 + phase) * (P+1) + to_move) *
            (P+1) + challenger) * P + first]`` (a seat code ``P`` for none): the indices of
            phase, to_move, challenger and first_player; and the start of ``high_bid``.
        """
        p, d, w, m = self.players, self.discs, self.wins_needed, self.max_bid
        sizes = np.zeros((p, d + 1, d + 1, d + 1, w + 1, d + 4), dtype=np.int64)
        for rel, h, mat, x, k in itertools.product(
            range(p), range(d + 1), range(d + 1), range(d + 1), range(w + 1)
        ):
            hand = sl["hand_size"].start + rel * (d + 1) + h
            lost = [sl["lost"].start + rel * d + j if j < x else hand for j in range(d)]
            out = sl["out"].start + rel if x == d else hand
            row = [hand, sl["mat_size"].start + rel * (d + 1) + mat]
            sizes[rel, h, mat, x, k] = [*row, sl["points"].start + rel * (w + 1) + k, *lost, out]
        bids = np.zeros((p, 2, m + 1, d + 1, 2, d + 3), dtype=np.int64)
        for rel, f, b, roses, skull in itertools.product(
            range(p), range(2), range(m + 1), range(d + 1), range(2)
        ):
            bid = sl["seat_bid"].start + rel * (m + 1) + b
            shown = [
                sl["revealed_roses"].start + rel * d + j if j < roses else bid for j in range(d)
            ]
            flags = [sl["passed"].start + rel if f else bid]
            flags += [sl["skull_revealed"].start + rel if skull else bid]
            bids[rel, f, b, roses, skull] = [bid, *flags, *shown]
        scalars = np.zeros((p, len(Phase), p + 1, p + 1, p, 4), dtype=np.int64)
        for origin, phase, to_move, challenger, first in itertools.product(
            range(p), range(len(Phase)), range(p + 1), range(p + 1), range(p)
        ):
            at = sl["phase"].start + phase
            mover = sl["to_move"].start + (to_move - origin) % p if to_move < p else at
            chal = sl["challenger"].start + (challenger - origin) % p if challenger < p else at
            starter = sl["first_player"].start + (first - origin) % p
            scalars[origin, phase, to_move, challenger, first] = [at, mover, chal, starter]
        return (
            sizes.reshape(-1, d + 4),
            bids.reshape(-1, d + 3),
            scalars.reshape(-1, 4),
            sl["high_bid"].start,
        )

    def _private_table(
        self, stack: int, hand_r: int, hand_s: int, lost_r: int, lost_s: int
    ) -> np.ndarray:
        """One seat's private indices from the starts of its slices, indexed by
        ``stack_code * (R+1)(S+1)(R+1)(S+1) + private_code`` with ``private_code = ((hand roses
        * (S+1) + hand skulls) * (R+1) + lost roses) * (S+1) + lost skulls``; the stack (bottom
        first) and the four one-hots."""
        game, d = self.game, self.discs
        r, s = game.roses, game.skulls
        table = np.zeros((1 << (d + 1), r + 1, s + 1, r + 1, s + 1, d + 4), dtype=np.int64)
        for code, hr, hs, lr, ls in itertools.product(
            range(1 << (d + 1)), range(r + 1), range(s + 1), range(r + 1), range(s + 1)
        ):
            cell = table[code, hr, hs, lr, ls]
            cell[:] = hand_r + hr  # always 1: the filler of the unused entries
            for pos, kind in enumerate(self._kinds[code]):
                cell[pos] = stack + 2 * pos + kind
            cell[d:] = (hand_r + hr, hand_s + hs, lost_r + lr, lost_s + ls)
        return table.reshape(-1, d + 4)

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
        kind = self._action_kind[actions]
        order = np.argsort(kind, kind="stable")
        ends = np.cumsum(np.bincount(kind, minlength=len(ActionType))).tolist()
        starts = [0, *ends[:-1]]
        rows, actions = rows[order], actions[order]

        def part(t: ActionType) -> tuple[np.ndarray, np.ndarray]:
            return rows[starts[t] : ends[t]], actions[starts[t] : ends[t]]

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
        p, n = self.players, len(rows)
        seat = self.player[rows]
        passed = self.passed_bits[rows]
        if bids < n:
            passed[bids:] |= self._seat_bits[seat[bids:]]
            self.passed_bits[rows[bids:]] = passed[bids:]
        nxt = self._next_f[(self.out_bits[rows] | passed) * p + seat]
        self.player[rows] = nxt
        ended: list[np.ndarray] = []
        if places:  # opening placement ends back at the first player
            r, kinds, s = rows[:places], actions[:places], seat[:places]
            h = (r * p + s) * 4
            self._held_f[h + kinds] -= 1
            self._held_f[h + 2] += self._a_mat - self._a_held
            self._held_f[h + 3] -= self._p_weights[kinds]
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
            self._mats_f[g] = (
                code + (bid - (code // self._b_bid) % (self.max_bid + 1)) * self._b_bid
            )
            self.phase[r] = _BIDDING
            ended.append(r[bid == self.on_mats[r]])
        if bids < n:  # the bidding ends when only the bidder is left
            r = rows[bids:]
            self._mats_f[r * (3 * p) + seat[bids:] + 2 * p] += self._b_passed
            ended.append(r[nxt[bids:] == self.bidder[r]])
        return ended

    def _start_attempt(self, rows: np.ndarray) -> np.ndarray:
        """The highest bidder challenges and reveals their own stack from the top; returns the
        rows where that alone reaches the bid."""
        c = self.bidder[rows]
        g = rows * (3 * self.players) + c
        self.challenger[rows] = c
        self.player[rows] = c
        self.owner[rows] = c
        code = self._mats_f[g]
        top, length, n = self._top_roses[code], self._length[code], self.bid[rows]
        success = n <= top
        skull = ~success & (top < length)
        shown = np.where(success, n, np.where(skull, top + 1, length))
        self._mats_f[g + self.players] = shown
        self._mats_f[g + 2 * self.players] += self._shown_f[code * (self.discs + 1) + shown]
        self.found[rows] = np.minimum(n, top)
        self.phase[rows] = np.where(skull, _DISCARD, _ATTEMPT)
        return rows[success]

    def _flip(self, rows: np.ndarray, seats: np.ndarray) -> np.ndarray:
        """``flip seat``; returns the rows where the bid is reached."""
        p = self.players
        g = rows * (3 * p) + seats
        code, shown = self._mats_f[g], self._mats_f[g + p]
        skull = ((code >> shown) & 1).astype(bool)
        self._mats_f[g + p] = shown + 1
        at = code * (self.discs + 1) + shown
        self._mats_f[g + 2 * p] += self._shown_f[at + 1] - self._shown_f[at]
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
        new, first = [starters], [seats]
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
            lost = self._lost_f[f] + self._lost_step[kinds]
            self._lost_f[f] = lost
            out = self._lost_total[lost] == self.discs
            out_bits = self.out_bits[losses] | np.where(out, self._seat_bits[c], 0)
            self.out_bits[losses] = out_bits
            owner = self.owner[losses]
            done = self._popcount[out_bits] == self.players - 1
            choose = ~done & out & (owner == c)
            rest = ~(done | choose)
            ended.append(losses)
            over.append(losses[done])
            winner.append(self._lowest_clear[out_bits[done]])
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
        self._round[rows] = self._round_start
        self._mats[rows] = self._mats_start
        key = self.lost_code[rows] * (self.wins_needed + 1) + self.points[rows]
        self._held[rows] = self._clear_held[key]

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
        out = (self.out_bits[rows, None] >> self._seats) & 1
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
        rows = np.asarray(rows, dtype=np.int64)
        lost = self.lost_code.reshape(-1)[rows * self.players + self.challenger[rows]]
        owned = self._start_hand - self._lost_kinds[lost]  # [n, 2]
        roses, skulls = owned[:, 0], owned[:, 1]
        skull_drawn = np.asarray(u, dtype=np.float64) - roses / (roses + skulls) >= 0.0
        return np.where(roses == 0, 1, np.where(skulls == 0, 0, skull_drawn.astype(np.int64)))

    def legal_masks(self, rows: np.ndarray) -> np.ndarray:
        """int8 legal masks ``[n, num_distinct_actions]`` (zero at chance and terminal nodes).

        Each row's mask is a row of :meth:`_mask_table`, at ``phase * Q + sub``: ``sub = x *
        (M+1) + discs on mats`` in the turn phases (``x`` the bid when bidding, else the kinds
        in the hand of the seat to act), the seats to flip, the kinds to discard or the seats
        that may start in the other phases.
        """
        rows = np.asarray(rows, dtype=np.int64)
        p = self.players
        phase = self.phase[rows]
        seat = np.maximum(self.player[rows], 0)
        in_hand = self._hand_kinds[self._held_f[(rows * p + seat) * 4 + 3]]
        x = np.where(phase == _BIDDING, self.bid[rows], in_hand)
        key = phase * self._mask_block + x * (self.max_bid + 1) + self.on_mats[rows]
        special = np.flatnonzero(phase >= _ATTEMPT)
        if len(special):
            r, ph = rows[special], phase[special]
            unrevealed = self.revealed[r] < self._length[self.stack[r]]
            flips = unrevealed @ self._seat_bits
            c = np.maximum(self.challenger[r], 0)
            owned = self._owned_kinds[self._lost_f[r * p + c]]
            alive = self.out_bits[r] ^ self._all_bits
            sub = np.where(ph == _ATTEMPT, flips, np.where(ph == _DISCARD, owned, alive))
            key[special] = ph * self._mask_block + sub
        return self._mask_table[key]

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
        public = self._public_indices(self._obs_public, rows, seats)
        private = self._private_indices(self._obs_private, rows, seats)
        return self._scatter([*public, private], self._obs_size, out)

    def global_states(self, rows: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """The privileged global states (absolute seats) ``[n, state size]`` (``out``: as in
        :meth:`observations`)."""
        rows = np.asarray(rows, dtype=np.int64)
        n = len(rows)
        public = self._public_indices(self._state_public, rows, np.zeros(n, dtype=np.int64))
        private = [
            self._private_indices(table, rows, np.full(n, seat, dtype=np.int64))
            for seat, table in enumerate(self._state_private)
        ]
        return self._scatter([*public, *private], self._state_size, out)

    @staticmethod
    def _scatter(parts: list[np.ndarray], width: int, out: np.ndarray | None) -> np.ndarray:
        """A float32 ``[n, width]`` array (``out`` if given) with 1 at the indices ``parts``
        give for each row (each part ``[n, k]``), else 0."""
        idx = np.concatenate(parts, axis=1)
        n = len(idx)
        if out is None:
            out = np.zeros((n, width), dtype=np.float32)
        elif out.shape != (n, width) or out.dtype != np.float32 or not out.flags.c_contiguous:
            raise ValueError(f"out must be a C-contiguous float32 array of shape {(n, width)}")
        else:
            out.fill(0.0)
        idx += np.arange(0, n * width, width, dtype=np.int64)[:, None]
        out.reshape(-1)[idx.reshape(-1)] = 1.0
        return out

    def _public_indices(
        self,
        tables: tuple[np.ndarray, np.ndarray, np.ndarray, int],
        rows: np.ndarray,
        origin: np.ndarray,
    ) -> list[np.ndarray]:
        """The indices of the public slices that are 1 (parts ``[n, k]``), seats relative to
        ``origin``."""
        sizes, bids, scalars, high_bid = tables
        n, p = len(rows), self.players
        code_a = self.sizes_code[rows] + self._rot_a[origin]
        code_b = self.bids_code[rows] + self._rot_b[origin]
        key = (origin * len(Phase) + self.phase[rows]) * (p + 1)
        key += self._seat_code[self.player[rows] + self._none]
        key *= p + 1
        key += self._seat_code[self.challenger[rows] + self._none]
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
        return table[stack * self._p_stack + private]


def _cat(parts: list[np.ndarray]) -> np.ndarray:
    """The concatenation of ``parts`` (the part itself when there is one)."""
    return parts[0] if len(parts) == 1 else np.concatenate(parts)
