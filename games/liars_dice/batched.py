"""Many games of Liar's Dice stepped at once in numpy, for training.

:class:`LiarsDiceBatch` plays ``num_envs`` games of one configuration in lockstep. It gives the
same observations, legal masks, global states and returns as :class:`~games.liars_dice.rules.
LiarsDiceState` (``tests/games/test_liars_dice_batched.py`` replays its games in the per-game
engine and compares them at every decision). Chance is not exposed as nodes: a round's dice are
rolled at once, every die uniform, from the generator given. So every game is always at a
decision (or over), and :meth:`LiarsDiceBatch.dice` tells which dice were rolled, as the
per-game engine's chance actions.

State, per game ``e`` (arrays, ``P`` players, ``S`` sides, ``B`` bid ids):

* ``counts[e, seat]``: dice held; ``hands[e, seat, face - 1]``: dice showing ``face``;
* ``starter[e]``, ``player[e]`` (the seat to act, or ``TERMINAL``);
* ``bidder[e, bid]``: the seat that made bid ``bid`` this round, -1 if nobody did (bids
  strictly increase, so this is the bid sequence); ``last_bid[e]`` (-1: no bid yet);
* ``returns[e]`` once the game is over.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from games.core import TERMINAL
from games.liars_dice.rules import LiarsDiceGame


class LiarsDiceBatch:
    """``num_envs`` games of ``game``, stepped together (see the module docstring).

    Args:
        game: the configuration.
        num_envs: games in the batch.
        rng: the generator of every die rolled.
    """

    def __init__(self, game: LiarsDiceGame, num_envs: int, rng: np.random.Generator) -> None:
        if not isinstance(game, LiarsDiceGame):
            raise ValueError(f"LiarsDiceBatch plays Liar's Dice, got the game {game.name!r}")
        self.game, self.num_envs, self.rng = game, num_envs, rng
        p, s, b = game.players, game.sides, game.liar
        self.counts = np.zeros((num_envs, p), dtype=np.int64)
        self.hands = np.zeros((num_envs, p, s), dtype=np.int64)
        self.starter = np.zeros(num_envs, dtype=np.int64)
        self.player = np.zeros(num_envs, dtype=np.int64)
        self.bidder = np.full((num_envs, b), -1, dtype=np.int64)
        self.last_bid = np.full(num_envs, -1, dtype=np.int64)
        self.returns = np.zeros((num_envs, p), dtype=np.float64)
        bids = [game.decode_bid(a) for a in range(b)]
        self._quantity = np.array([bid.quantity for bid in bids], dtype=np.int64)
        self._face = np.array([bid.face for bid in bids], dtype=np.int64)
        self._arange_d = np.arange(game.dice)
        self.reset(np.arange(num_envs))

    # -- transitions -----------------------------------------------------------------------
    def reset(self, rows: np.ndarray) -> None:
        """Start new games in ``rows`` (their first round rolled)."""
        rows = np.asarray(rows, dtype=np.int64)
        self.counts[rows] = self.game.dice
        self.starter[rows] = 0
        self.returns[rows] = 0.0
        self._new_round(rows)

    def _new_round(self, rows: np.ndarray) -> None:
        """Clear the bids of ``rows``, roll their dice; the starter acts."""
        self.bidder[rows] = -1
        self.last_bid[rows] = -1
        self.player[rows] = self.starter[rows]
        game = self.game
        faces = self.rng.integers(game.sides, size=(len(rows), game.players, game.dice))
        rolled = self._arange_d < self.counts[rows][:, :, None]  # [n, P, D]
        onehot = (faces[..., None] == np.arange(game.sides)) & rolled[..., None]
        self.hands[rows] = onehot.sum(axis=2)

    def apply(self, actions: np.ndarray) -> None:
        """Apply one action per game (every game must be at a decision).

        Raises:
            ValueError: a game is over, or an action is illegal (nothing is changed then).
        """
        actions = np.asarray(actions, dtype=np.int64)
        liar = self.game.liar
        if np.any(self.player < 0):
            raise ValueError(f"games {np.flatnonzero(self.player < 0).tolist()} are over")
        is_liar = actions == liar
        bid = np.minimum(actions, liar - 1)
        legal = np.where(
            is_liar,
            self.last_bid >= 0,
            (actions >= 0)
            & (actions < liar)
            & (actions > self.last_bid)
            & (self._quantity[bid] <= self.counts.sum(axis=1)),
        )
        if not legal.all():
            bad = np.flatnonzero(~legal)
            raise ValueError(f"illegal actions {actions[bad].tolist()} in games {bad.tolist()}")
        rows = np.flatnonzero(~is_liar)
        self.bidder[rows, actions[rows]] = self.player[rows]
        self.last_bid[rows] = actions[rows]
        self.player[rows] = self.next_seat(rows, self.player[rows])
        calls = np.flatnonzero(is_liar)
        if len(calls):
            self._call_liar(calls)

    def next_seat(self, rows: np.ndarray, seats: np.ndarray) -> np.ndarray:
        """The next seat after ``seats`` (one per row) that still has dice."""
        p = self.game.players
        cand = (seats[:, None] + np.arange(1, p + 1)) % p  # [n, P]
        has = self.counts[rows[:, None], cand] > 0
        return cand[np.arange(len(rows)), np.argmax(has, axis=1)]

    def _call_liar(self, rows: np.ndarray) -> None:
        game = self.game
        caller, bid = self.player[rows], self.last_bid[rows]
        bidder = self.bidder[rows, bid]
        face = self._face[bid]
        count = self.hands[rows, :, face - 1].sum(axis=1)
        if game.wild_face:
            wild = self.hands[rows, :, game.wild_face - 1].sum(axis=1)
            count = count + np.where(face != game.wild_face, wild, 0)
        loser = np.where(count >= self._quantity[bid], caller, bidder)
        p = game.players
        if not game.elimination:
            self._finish(rows, loser, winner_gets=-1.0, share=1.0 / (p - 1))
            return
        self.counts[rows, loser] -= 1
        over = (self.counts[rows] > 0).sum(axis=1) == 1
        ended = rows[over]
        if len(ended):
            winner = np.argmax(self.counts[ended] > 0, axis=1)
            self._finish(ended, winner, winner_gets=1.0, share=-1.0 / (p - 1))
        rows, loser = rows[~over], loser[~over]
        if len(rows):
            still = self.counts[rows, loser] > 0
            self.starter[rows] = np.where(still, loser, self.next_seat(rows, loser))
            self._new_round(rows)

    def _finish(self, rows: np.ndarray, seat: np.ndarray, winner_gets: float, share: float) -> None:
        """End games ``rows``: ``seat`` gets ``winner_gets``, every other seat ``share``."""
        self.returns[rows] = share
        self.returns[rows, seat] = winner_gets
        self.player[rows] = TERMINAL

    # -- queries ---------------------------------------------------------------------------
    def current_players(self) -> np.ndarray:
        """The seat to act in every game, ``TERMINAL`` in games that are over ``[E]``."""
        return self.player.copy()

    def terminal(self) -> np.ndarray:
        """Which games are over ``[E]``."""
        return self.player == TERMINAL

    def decided(self, rows: np.ndarray) -> np.ndarray:
        """Every seat's final return in ``rows``, NaN where not yet decided ``[n, P]``.

        As :meth:`~games.liars_dice.rules.LiarsDiceState.final_return`: the returns once the
        game is over; before, ``-1/(P-1)`` for a seat out of dice.
        """
        out = np.where(self.counts[rows] == 0, -1.0 / (self.game.players - 1), np.nan)
        over = self.player[rows] == TERMINAL
        out[over] = self.returns[rows[over]]
        return out

    def dice(self, e: int) -> list[int]:
        """The dice of game ``e``'s round as the per-game engine's chance actions, in order."""
        sides = np.arange(self.game.sides)
        return [int(k) for hand in self.hands[e] for k in np.repeat(sides, hand)]

    def legal_masks(self) -> np.ndarray:
        """int8 legal masks ``[E, A]`` (all zero in games that are over)."""
        liar = self.game.liar
        in_play = self.counts.sum(axis=1)
        mask = np.zeros((self.num_envs, liar + 1), dtype=np.int8)
        mask[:, :liar] = (np.arange(liar) > self.last_bid[:, None]) & (
            self._quantity <= in_play[:, None]
        )
        mask[:, liar] = self.last_bid >= 0
        mask[self.player < 0] = 0
        return mask

    def observations(self, seats: np.ndarray) -> np.ndarray:
        """The local observation of ``seats[e]`` in every game ``e`` ``[E, obs_dim]``."""
        seats = np.asarray(seats, dtype=np.int64)
        layout, rows = self.game.layout, np.arange(self.num_envs)
        out = np.zeros((self.num_envs, layout.observation_size), dtype=np.float32)
        own = self.hands[rows, seats][:, :, None] > self._arange_d  # [E, S, D]
        out[:, layout.observation_slices["own_dice"]] = own.reshape(self.num_envs, -1)
        self._public(out, layout.observation_slices, seats)
        return out

    def global_states(self) -> np.ndarray:
        """The global states (absolute seats) ``[E, state_dim]``."""
        layout = self.game.layout
        out = np.zeros((self.num_envs, layout.state_size), dtype=np.float32)
        hands = self.hands[:, :, :, None] > self._arange_d  # [E, P, S, D]
        out[:, layout.state_slices["hands"]] = hands.reshape(self.num_envs, -1)
        self._public(out, layout.state_slices, np.zeros(self.num_envs, dtype=np.int64))
        return out

    def _public(self, out: np.ndarray, sl: dict[str, slice], origin: np.ndarray) -> None:
        """Write dice counts, starter, to-move and bids, seats relative to ``origin`` [E]."""
        p, e_ = self.game.players, self.num_envs
        rows = np.arange(e_)
        order = (origin[:, None] + np.arange(p)) % p  # absolute seat of each relative seat
        counts = self.counts[rows[:, None], order][:, :, None] > self._arange_d  # [E, P, D]
        out[:, sl["dice_counts"]] = counts.reshape(e_, -1)
        out[rows, sl["starter"].start + (self.starter - origin) % p] = 1.0
        acting = np.flatnonzero(self.player >= 0)
        to_move = (self.player[acting] - origin[acting]) % p
        out[acting, sl["to_move"].start + to_move] = 1.0
        games_, bids = np.nonzero(self.bidder >= 0)  # the bids made, bit bid * P + relative
        rel = (self.bidder[games_, bids] - origin[games_]) % p
        out[games_, sl["bids"].start + bids * p + rel] = 1.0

    # -- checkpoints -----------------------------------------------------------------------
    FIELDS = ("counts", "hands", "starter", "player", "bidder", "last_bid", "returns")

    def to_json(self) -> dict[str, Any]:
        """The games' arrays (not the generator: its owner saves it)."""
        return {name: getattr(self, name).tolist() for name in self.FIELDS}

    @classmethod
    def from_json(
        cls, game: LiarsDiceGame, data: dict[str, Any], rng: np.random.Generator
    ) -> LiarsDiceBatch:
        """The games saved by :meth:`to_json`, rolling from ``rng`` (untouched here)."""
        batch = cls(game, len(data["player"]), np.random.default_rng(0))
        for name in cls.FIELDS:
            current = getattr(batch, name)
            value = np.array(data[name], dtype=current.dtype)
            if value.shape != current.shape:
                raise ValueError(f"saved {name} has shape {value.shape}, expected {current.shape}")
            setattr(batch, name, value)
        batch.rng = rng
        return batch
