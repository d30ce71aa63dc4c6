"""Many games of Skull stepped at once in numpy, for the referee.

:class:`SkullBatch` holds ``capacity`` independent games of one configuration, one per row.
Any subset of rows, in any order and at any mix of phases, is stepped by one :meth:`~SkullBatch.
apply`; the queries (seat to act, legal masks, observations, global states, returns), inherited
from :class:`~games.skull.batched_state.SkullBatchState` (which also documents the arrays),
take the same kind of row subset. Unlike the Liar's Dice batch, chance is exposed exactly as in
the per-game engine: a row where the challenger loses a random disc is at a chance node
(``current_players == CHANCE``), its outcome drawn by :meth:`~SkullBatch.chance_outcome_at`
from one uniform and applied like any action. Everything agrees with
:class:`~games.skull.rules.SkullState` (``tests/games/test_skull_batched.py`` plays both side by
side and compares them at every step).

This module holds the transitions: each keeps the arrays and their codes up to date, one
vectorised step per action type. Only legal actions may be applied; nothing is checked (the
referee checks legality with :meth:`SkullBatch.legal_masks` first).
"""

from __future__ import annotations

import numpy as np

from games.core import CHANCE, TERMINAL
from games.skull.batched_state import SkullBatchState
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


class SkullBatch(SkullBatchState):
    """``capacity`` games of ``game``, any subset stepped together (see the module docstring).

    Args:
        game: the configuration (any that :class:`~games.skull.rules.SkullGame` accepts).
        capacity: the number of rows; every row starts as a fresh initial state.
    """

    def __init__(self, game: SkullGame, capacity: int) -> None:
        super().__init__(game, capacity)
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


def _cat(parts: list[np.ndarray]) -> np.ndarray:
    """The concatenation of ``parts`` (the part itself when there is one)."""
    return parts[0] if len(parts) == 1 else np.concatenate(parts)
