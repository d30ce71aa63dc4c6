"""A probabilistic Liar's Dice heuristic that reads only the local observation.

For every bid ``q-f`` the strategy computes the probability that it stands given its own dice:
with ``m`` own dice matching ``f`` (the wild face included) and ``u`` dice it cannot see,

    P(q-f stands) = P(Binomial(u, p_f) >= q - m),

``p_f = 2/sides`` when a wild face exists and ``f`` is not it, else ``1/sides``. The tails are a
table built once per configuration. Then:

* **opening** (no bid yet; Liar is illegal): the highest quantity still standing with
  probability >= ``open_threshold``, on the face best supported by its own dice;
* **answering** a bid: call Liar when the standing bid is less likely to stand than the best
  raise (calling wins with ``1 - P(bid)``, a raise that is called wins with ``P(raise)``),
  smoothly (a logistic of the margin) so that close calls are mixed;
* **raising**: the most plausible legal bid; among (near-)equally plausible ones the highest,
  which takes bidding space away from the next player for free;
* **bluffs**: with probability ``bluff``, the least-risky bid on another face instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from games.core import Observation
from games.liars_dice.rules import LiarsDiceGame


def binomial_tails(n_max: int, p: float) -> np.ndarray:
    """``tails[n, k] = P(Binomial(n, p) >= k)`` for ``n <= n_max`` and ``k <= n_max + 1``.

    Args:
        n_max: the largest number of trials.
        p: the success probability of one trial.

    Returns:
        A float64 array of shape ``(n_max + 1, n_max + 2)``; column 0 is all ones.
    """
    tails = np.zeros((n_max + 1, n_max + 2))
    for n in range(n_max + 1):
        pmf = [math.comb(n, k) * p**k * (1.0 - p) ** (n - k) for k in range(n + 1)]
        tails[n, : n + 1] = np.cumsum(pmf[::-1])[::-1]
    return np.clip(tails, 0.0, 1.0)


@dataclass(frozen=True)
class DiceView:
    """What the observation says, decoded.

    Attributes:
        own_counts: per face (index ``face - 1``), how many of the observer's dice show it.
        dice_in_play: the dice held by all players this round.
        current: the standing bid's action id, or -1 before the first bid of the round.
    """

    own_counts: np.ndarray
    dice_in_play: int
    current: int

    @property
    def unknown(self) -> int:
        """Dice the observer cannot see."""
        return self.dice_in_play - int(self.own_counts.sum())


class LiarsDiceStrategy:
    """Bid probabilities from own dice, call-or-raise by comparing them; see the module doc.

    Args:
        game: the configuration (any players, dice, sides, wild rule, bidding rule, mode).
        open_threshold: the least standing probability of an opening bid.
        bluff: probability mass given to a bluff bid on another face.
        temperature: width of the logistic that mixes calling and raising near the boundary.
        certain_margin: bids within this probability of the most plausible one count as
            equally plausible (the highest of them is chosen).
    """

    def __init__(
        self,
        game: LiarsDiceGame,
        open_threshold: float = 0.6,
        bluff: float = 0.08,
        temperature: float = 0.04,
        certain_margin: float = 0.02,
    ) -> None:
        self.game = game
        self.open_threshold = open_threshold
        self.bluff = bluff
        self.temperature = temperature
        self.certain_margin = certain_margin
        self._build_tables()

    def _build_tables(self) -> None:
        """Per-bid quantity, face and tail table; the observation's slices."""
        game, total = self.game, self.game.total_dice
        bids = [game.decode_bid(a) for a in range(game.liar)]
        self.quantity = np.array([b.quantity for b in bids])
        self.face_index = np.array([b.face - 1 for b in bids])
        wild = game.wild_face
        p_faces = [
            2.0 / game.sides if wild and f != wild else 1.0 / game.sides
            for f in range(1, game.sides + 1)
        ]
        distinct = sorted(set(p_faces))
        self.tails = np.stack([binomial_tails(total, p) for p in distinct])
        self.tail_index = np.array([distinct.index(p_faces[f]) for f in self.face_index])
        self.slices = game.layout.observation_slices

    def decode(self, obs: Observation) -> DiceView:
        """Own dice per face, dice in play and the standing bid, from ``obs.tensor``."""
        game, sl, tensor = self.game, self.slices, obs.tensor
        own = tensor[sl["own_dice"]].reshape(game.sides, game.dice).sum(axis=1)
        in_play = int(tensor[sl["dice_counts"]].sum())
        bids = tensor[sl["bids"]].reshape(game.liar, game.num_players).any(axis=1)
        made = np.flatnonzero(bids)
        current = int(made[-1]) if len(made) else -1
        return DiceView(own.astype(np.int64), in_play, current)

    def own_matches(self, own_counts: np.ndarray) -> np.ndarray:
        """Per face, how many own dice count for a bid on it (wild dice included); ``own_counts``
        is one row ``[sides]`` or a batch ``[B, sides]``."""
        wild = self.game.wild_face
        if not wild:
            return own_counts
        matches = own_counts + own_counts[..., wild - 1 : wild]
        matches[..., wild - 1] = own_counts[..., wild - 1]
        return matches

    def stand_probabilities(self, view: DiceView) -> np.ndarray:
        """For every bid id, the probability that the bid stands given own dice."""
        matches = self.own_matches(view.own_counts)
        need = np.clip(self.quantity - matches[self.face_index], 0, self.tails.shape[2] - 1)
        return self.tails[self.tail_index, view.unknown, need]

    def policy(self, obs: Observation) -> np.ndarray:
        """Action probabilities over ``num_distinct_actions``, zero on illegal actions."""
        view = self.decode(obs)
        probs = self.stand_probabilities(view)
        legal = obs.legal_mask[: self.game.liar].astype(bool)
        out = np.zeros(self.game.num_distinct_actions)
        if not legal.any():
            out[self.game.liar] = 1.0
        elif view.current < 0:
            out[: self.game.liar] = self._opening(probs, legal, view)
        else:
            out = self._answer(probs, legal, view)
        out *= obs.legal_mask
        return out / out.sum()

    def _opening(self, probs: np.ndarray, legal: np.ndarray, view: DiceView) -> np.ndarray:
        """The opening bid: the highest quantity likely enough, on the best supported face."""
        matches = self.own_matches(view.own_counts)[self.face_index]
        plausible = legal & (probs >= self.open_threshold)
        if not plausible.any():
            plausible = legal & (probs >= probs[legal].max() - self.certain_margin)
        key = np.where(plausible, self.quantity * 1000 + matches * 10 + self.face_index, -1)
        main = int(np.argmax(key))
        return self._with_bluff(main, probs, legal, self.open_threshold - 0.2)

    def _answer(self, probs: np.ndarray, legal: np.ndarray, view: DiceView) -> np.ndarray:
        """Call Liar or raise, mixed by a logistic of the difference of winning chances."""
        out = np.zeros(self.game.num_distinct_actions)
        best_raise = float(probs[legal].max())
        margin = (1.0 - float(probs[view.current])) - best_raise
        call = 1.0 / (1.0 + math.exp(-np.clip(margin / self.temperature, -50.0, 50.0)))
        out[self.game.liar] = call
        out[: self.game.liar] = (1.0 - call) * self._raise(probs, legal)
        return out

    def _raise(self, probs: np.ndarray, legal: np.ndarray) -> np.ndarray:
        """The highest of the most plausible legal raises, with a little bluffing."""
        best = float(probs[legal].max())
        plausible = legal & (probs >= best - self.certain_margin)
        main = int(np.flatnonzero(plausible)[-1])
        return self._with_bluff(main, probs, legal, 0.5 * best)

    def _with_bluff(
        self, main: int, probs: np.ndarray, legal: np.ndarray, floor: float
    ) -> np.ndarray:
        """``main`` with mass ``bluff`` moved to the most plausible bid on another face.

        The bluff is only made when that bid stands with probability at least ``floor``.
        """
        out = np.zeros(self.game.liar)
        out[main] = 1.0
        other = legal & (self.face_index != self.face_index[main]) & (probs >= floor)
        if self.bluff > 0.0 and other.any():
            candidates = np.flatnonzero(other)
            pick = int(candidates[np.argmax(probs[candidates])])
            out[main] -= self.bluff
            out[pick] += self.bluff
        return out

    # -- many observations at once (the trainer's fixed opponents) -----------------------
    def policies(self, tensors: np.ndarray, masks: np.ndarray) -> np.ndarray:
        """:meth:`policy` of many observations at once, the same numbers (a test compares
        them bit for bit); about 20x faster a row than one call each on a batch of 512.

        Args:
            tensors: local observation tensors ``[B, obs_dim]``.
            masks: their legal masks ``[B, num_distinct_actions]``.

        Returns:
            ``[B, num_distinct_actions]`` probabilities, zero on illegal actions.
        """
        liar = self.game.liar
        own, in_play, current = self._decode_rows(tensors)
        matches = self.own_matches(own)
        probs = self._stand_rows(matches, in_play - own.sum(axis=1))
        legal = masks[:, :liar].astype(bool)
        out = np.zeros((len(tensors), self.game.num_distinct_actions))
        out[~legal.any(axis=1), liar] = 1.0
        opening = legal.any(axis=1) & (current < 0)
        answering = legal.any(axis=1) & (current >= 0)
        if opening.any():
            out[opening, :liar] = self._opening_rows(
                probs[opening], legal[opening], matches[opening]
            )
        if answering.any():
            out[answering] = self._answer_rows(
                probs[answering], legal[answering], current[answering]
            )
        out *= masks
        return out / out.sum(axis=1, keepdims=True)

    def _decode_rows(self, tensors: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Own dice per face ``[B, sides]``, dice in play ``[B]`` and the standing bid ``[B]``
        (-1 before the first) of each row of ``tensors``."""
        game, sl = self.game, self.slices
        rows = len(tensors)
        own = tensors[:, sl["own_dice"]].reshape(rows, game.sides, game.dice).sum(axis=2)
        in_play = tensors[:, sl["dice_counts"]].sum(axis=1).astype(np.int64)
        bids = tensors[:, sl["bids"]].reshape(rows, game.liar, game.num_players).any(axis=2)
        last = game.liar - 1 - np.argmax(bids[:, ::-1], axis=1)
        return own.astype(np.int64), in_play, np.where(bids.any(axis=1), last, -1)

    def _stand_rows(self, matches: np.ndarray, unknown: np.ndarray | int) -> np.ndarray:
        """``[B, liar]``: each bid's standing probability, given the own matches per face
        ``[B, sides]`` and the unseen dice ``[B]``."""
        need = np.clip(self.quantity - matches[:, self.face_index], 0, self.tails.shape[2] - 1)
        unseen = np.broadcast_to(np.asarray(unknown), (len(matches),))
        return self.tails[self.tail_index, unseen[:, None], need]

    def _opening_rows(
        self, probs: np.ndarray, legal: np.ndarray, matches: np.ndarray
    ) -> np.ndarray:
        """Each row's :meth:`_opening`."""
        support = matches[:, self.face_index]
        plausible = legal & (probs >= self.open_threshold)
        best = np.where(legal, probs, -np.inf).max(axis=1, keepdims=True)
        fallback = legal & (probs >= best - self.certain_margin)
        plausible = np.where(plausible.any(axis=1, keepdims=True), plausible, fallback)
        key = np.where(plausible, self.quantity * 1000 + support * 10 + self.face_index, -1)
        main = np.argmax(key, axis=1)
        floor = np.full(len(probs), self.open_threshold - 0.2)
        return self._with_bluff_rows(main, probs, legal, floor)

    def _answer_rows(self, probs: np.ndarray, legal: np.ndarray, current: np.ndarray) -> np.ndarray:
        """Each row's :meth:`_answer` (``current``: each row's standing bid)."""
        rows = np.arange(len(probs))
        out = np.zeros((len(probs), self.game.num_distinct_actions))
        best_raise = np.where(legal, probs, -np.inf).max(axis=1)
        margin = (1.0 - probs[rows, current]) - best_raise
        exponent = -np.clip(margin / self.temperature, -50.0, 50.0)
        call = 1.0 / (1.0 + np.array([math.exp(x) for x in exponent]))  # math's exp, as always
        out[:, self.game.liar] = call
        out[:, : self.game.liar] = (1.0 - call)[:, None] * self._raise_rows(probs, legal)
        return out

    def _raise_rows(self, probs: np.ndarray, legal: np.ndarray) -> np.ndarray:
        """Each row's :meth:`_raise`."""
        best = np.where(legal, probs, -np.inf).max(axis=1)
        plausible = legal & (probs >= best[:, None] - self.certain_margin)
        main = self.game.liar - 1 - np.argmax(plausible[:, ::-1], axis=1)
        return self._with_bluff_rows(main, probs, legal, 0.5 * best)

    def _with_bluff_rows(
        self, main: np.ndarray, probs: np.ndarray, legal: np.ndarray, floor: np.ndarray
    ) -> np.ndarray:
        """Each row's :meth:`_with_bluff` (``main`` and ``floor``: one per row)."""
        rows = np.arange(len(probs))
        out = np.zeros((len(probs), self.game.liar))
        out[rows, main] = 1.0
        other = legal & (self.face_index != self.face_index[main][:, None])
        other &= probs >= floor[:, None]
        bluffing = other.any(axis=1) & (self.bluff > 0.0)
        pick = np.argmax(np.where(other, probs, -np.inf), axis=1)
        out[rows[bluffing], main[bluffing]] -= self.bluff
        out[rows[bluffing], pick[bluffing]] += self.bluff
        return out
