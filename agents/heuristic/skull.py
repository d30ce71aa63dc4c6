"""A Skull heuristic that reads only the local observation.

The core is an estimate, for every other player, of the chance that the next disc of their
stack hides a skull (from public counts: discs on the mat and in hand, discs lost, whether
they bid), and from it the chance that an attempt at ``n`` roses succeeds when the stacks are
flipped greedily, the least risky disc first, after the own stack (revealed first, from the
top: only the roses above an own skull are safe). Then:

* **placement**: the opening disc is the skull with probability ``skull_open`` (0.6, more
  with a point): a skull at the bottom defends the stack against challengers while the roses
  added on top stay safe to bid; later discs are roses, the skull only rarely on top;
* **add or bid**: add roses while the own stack is short and the table small, then open the
  bidding at the highest count it can likely reveal (it must bid with an empty hand);
* **bidding**: raise, straight to the highest count it can likely reveal, or minimally to
  stop a player whose likely success would win the game; pass otherwise;
* **flips**: the legal stack least likely to show a skull next;
* **discard**: a rose, unless it is the last rose (a lone skull can never win a challenge);
* **starter**: the player with the fewest points, then the most discs lost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from games.core import Observation
from games.skull.constants import NUM_PHASES
from games.skull.rules import Disc, Phase, SkullGame


@dataclass(frozen=True)
class SkullView:
    """The observation, decoded; per-seat arrays are indexed by RELATIVE seat (self = 0).

    Attributes:
        hand: discs in hand per seat.
        mat: discs on the mat per seat.
        points: successful challenges per seat.
        out: whether each seat is out.
        lost: discs lost per seat.
        seat_bid: each seat's highest bid this round (0 = none).
        revealed_roses: roses revealed on each stack this round.
        phase: the round's phase.
        high_bid: the highest bid this round (0 = none).
        bidder: relative seat of the highest bid (-1 = none).
        stack: the own stack, bottom first (:class:`Disc` ints).
        hand_roses: roses in own hand.
        hand_skulls: skulls in own hand.
        owned_roses: roses the observer still owns.
        owned_skulls: skulls the observer still owns.
    """

    hand: np.ndarray
    mat: np.ndarray
    points: np.ndarray
    out: np.ndarray
    lost: np.ndarray
    seat_bid: np.ndarray
    revealed_roses: np.ndarray
    phase: Phase
    high_bid: int
    bidder: int
    stack: tuple[int, ...]
    hand_roses: int
    hand_skulls: int
    owned_roses: int
    owned_skulls: int

    @property
    def safe_roses(self) -> int:
        """Own roses on top of the own stack, above any own skull."""
        count = 0
        for kind in reversed(self.stack):
            if kind != Disc.ROSE:
                break
            count += 1
        return count

    @property
    def own_skull_down(self) -> bool:
        """Whether the own stack holds a skull."""
        return Disc.SKULL in self.stack

    @property
    def on_mats(self) -> int:
        """Discs on all mats (the highest bid allowed)."""
        return int(self.mat.sum())


class SkullStrategy:
    """Place, bid, flip and discard from the public counts and own discs; see the module doc.

    Args:
        game: the configuration (any players, roses, wins_needed, next_starter).
        threshold: the least success chance at which it opens or raises the bidding.
        block_threshold: the least estimated success chance of a high bidder who would win
            the game with it at which it raises to stop them, whatever its own chance.
        skull_open: probability of opening a round with the skull (without a point).
        point_skull: added to ``skull_open`` once it has a point.
        skull_later: probability of adding the skull on top of roses later in a round.
        bluff: probability mass of the other choice in close bidding decisions.
        bid_trust: factor on a bidder's skull chance (a bid claims roses).
        skull_floor: chance that a player's skull is down when only one disc is down; it
            rises linearly to 1 when all the player's discs are down.
        jump: raise straight to the target bid (else to the least raise, or the own safe
            roses when more).
    """

    def __init__(
        self,
        game: SkullGame,
        threshold: float = 0.45,
        block_threshold: float = 0.25,
        skull_open: float = 0.6,
        point_skull: float = 0.15,
        skull_later: float = 0.1,
        bluff: float = 0.05,
        bid_trust: float = 0.85,
        skull_floor: float = 0.4,
        jump: bool = True,
    ) -> None:
        self.game = game
        self.threshold = threshold
        self.block_threshold = block_threshold
        self.skull_open = skull_open
        self.point_skull = point_skull
        self.skull_later = skull_later
        self.bluff = bluff
        self.bid_trust = bid_trust
        self.skull_floor = skull_floor
        self.jump = jump
        self.players = game.num_players
        self.discs = game.discs
        self.slices = game.layout.observation_slices

    # -- decoding --------------------------------------------------------------------------
    def _one_hot(self, tensor: np.ndarray, name: str, width: int) -> np.ndarray:
        """Per-seat one-hot block ``name`` (``width`` values per seat) as integers."""
        return tensor[self.slices[name]].reshape(self.players, width).argmax(axis=1)

    def _count(self, tensor: np.ndarray, name: str) -> np.ndarray:
        """Per-seat thermometer block ``name`` as counts."""
        return tensor[self.slices[name]].reshape(self.players, self.discs).sum(axis=1)

    def _own(self, tensor: np.ndarray, name: str) -> int:
        """A one-hot own count."""
        return int(tensor[self.slices[name]].argmax())

    def decode(self, obs: Observation) -> SkullView:
        """The observation's public counts and own discs (see :class:`SkullView`)."""
        t, d, g = obs.tensor, self.discs, self.game
        stack_bits = t[self.slices["own_stack"]].reshape(d, 2)
        stack = tuple(int(b.argmax()) for b in stack_bits if b.any())
        bidder = t[self.slices["challenger"]]
        seat_bid = self._one_hot(t, "seat_bid", g.max_bid + 1)
        high = int(t[self.slices["high_bid"]].argmax())
        return SkullView(
            hand=self._one_hot(t, "hand_size", d + 1),
            mat=self._one_hot(t, "mat_size", d + 1),
            points=self._one_hot(t, "points", g.wins_needed + 1),
            out=t[self.slices["out"]] > 0,
            lost=self._count(t, "lost"),
            seat_bid=seat_bid,
            revealed_roses=self._count(t, "revealed_roses"),
            phase=Phase(int(t[self.slices["phase"]][:NUM_PHASES].argmax())),
            high_bid=high,
            bidder=int(bidder.argmax()) if bidder.any() else _high_bidder(seat_bid, high),
            stack=stack,
            hand_roses=self._own(t, "own_hand_roses"),
            hand_skulls=self._own(t, "own_hand_skulls"),
            owned_roses=g.roses - self._own(t, "own_lost_roses"),
            owned_skulls=g.skulls - self._own(t, "own_lost_skulls"),
        )

    # -- risk model ------------------------------------------------------------------------
    def skull_on_mat(self, view: SkullView, r: int) -> float:
        """Prior chance that seat ``r``'s mat holds its skull, from public counts only."""
        mat = int(view.mat[r])
        if mat == 0:
            return 0.0
        owned = max(self.discs - int(view.lost[r]), 1)
        has_skull = 1.0 - int(view.lost[r]) / self.discs
        chance = has_skull * min(1.0, self.skull_floor + (1.0 - self.skull_floor) * mat / owned)
        if view.seat_bid[r] > 0:
            chance *= self.bid_trust
        return chance

    def next_skull(self, view: SkullView, r: int, shown: int, prior: float) -> float:
        """Chance that the next disc of seat ``r`` is a skull after ``shown`` roses from it."""
        mat = int(view.mat[r])
        hidden = mat - shown
        if hidden <= 0:
            return 1.0
        left = prior * hidden / mat / max(1.0 - prior * shown / mat, 1e-9)
        return min(left / hidden, 1.0)

    def risk(self, view: SkullView, r: int, shown: int, prior: float) -> float:
        """Chance that the next disc of seat ``r`` is a skull; exact for the own stack."""
        if r != 0:
            return self.next_skull(view, r, shown, prior)
        return float(view.stack[len(view.stack) - 1 - shown])

    def flip_curve(self, view: SkullView, challenger: int = 0) -> list[float]:
        """``curve[k]``: chance that ``challenger`` flips ``k`` roses in a row from the other
        stacks, always taking the disc least likely to be a skull."""
        seats = [
            r
            for r in range(self.players)
            if r != challenger and view.mat[r] > view.revealed_roses[r]
        ]
        priors = {r: self.skull_on_mat(view, r) for r in seats}
        shown = {r: int(view.revealed_roses[r]) for r in seats}
        curve, survive = [1.0], 1.0
        while survive > 0.0:
            risks = [
                (self.risk(view, r, shown[r], priors[r]), r)
                for r in seats
                if shown[r] < view.mat[r]
            ]
            if not risks:
                break
            risk, r = min(risks)
            survive *= 1.0 - risk
            shown[r] += 1
            curve.append(survive)
        return curve

    def rival_success(self, view: SkullView, rival: int, n: int) -> float:
        """Rough chance that seat ``rival`` (not the observer) reveals ``n`` roses."""
        mat = int(view.mat[rival])
        prior = self.skull_on_mat(view, rival)
        if n <= mat:
            return 1.0 - prior * n / max(mat, 1)
        curve = self.flip_curve(view, challenger=rival)
        k = n - mat
        return (1.0 - prior) * (curve[k] if k < len(curve) else 0.0)

    def success(self, view: SkullView, curve: list[float], n: int) -> float:
        """Chance that an attempt at ``n`` roses succeeds (before the own stack is revealed)."""
        own = len(view.stack)
        if n <= view.safe_roses:
            return 1.0
        if view.own_skull_down:
            return 0.0
        k = n - own
        return curve[k] if k < len(curve) else 0.0

    def target(self, view: SkullView, threshold: float) -> int:
        """The highest bid whose attempt succeeds with chance >= ``threshold`` (0 if none)."""
        curve = self.flip_curve(view)
        best = 0
        for n in range(1, view.on_mats + 1):
            if self.success(view, curve, n) >= threshold:
                best = n
        return best

    # -- decisions -------------------------------------------------------------------------
    def policy(self, obs: Observation) -> np.ndarray:
        """Action probabilities over ``num_distinct_actions``, zero on illegal actions."""
        view = self.decode(obs)
        weights = self._decide(view, obs)
        out = np.zeros(self.game.num_distinct_actions)
        for action, weight in weights.items():
            out[action] += weight
        out *= obs.legal_mask
        if out.sum() <= 0.0:
            out = obs.legal_mask.astype(np.float64)
        return out / out.sum()

    def _decide(self, view: SkullView, obs: Observation) -> dict[int, float]:
        """Weights of the chosen actions (ids), by phase."""
        phase = view.phase
        if phase is Phase.PLACEMENT:
            return self._place(view, opening=True)
        if phase is Phase.ADD_OR_BID:
            return self._add_or_bid(view)
        if phase is Phase.BIDDING:
            return self._bid(view)
        if phase is Phase.ATTEMPT:
            return self._flip(view, obs)
        if phase is Phase.DISCARD:
            return self._discard(view)
        if phase is Phase.CHOOSE_STARTER:
            return self._starter(view, obs)
        return {}

    def _place(self, view: SkullView, opening: bool) -> dict[int, float]:
        """Rose or skull: often the skull to open (more with a point), rarely later."""
        if not view.hand_roses or not view.hand_skulls:
            return {int(Disc.ROSE if view.hand_roses else Disc.SKULL): 1.0}
        if opening:
            p = min(self.skull_open + (self.point_skull if view.points[0] > 0 else 0.0), 1.0)
        else:
            p = 0.0 if view.own_skull_down else self.skull_later
        return {int(Disc.ROSE): 1.0 - p, int(Disc.SKULL): p}

    def _add_or_bid(self, view: SkullView) -> dict[int, float]:
        """Add a disc while the stack is short and the table small, else open the bidding."""
        if view.hand_roses == 0 and view.hand_skulls == 0:
            return {self.game.bid_action(max(1, self.target(view, self.threshold))): 1.0}
        in_game = int((~view.out).sum())
        small = view.on_mats < in_game + 2
        if view.hand_roses and (len(view.stack) < 2 or small):
            return self._place(view, opening=False)
        goal = self.target(view, self.threshold)
        if goal >= 1:
            return {self.game.bid_action(goal): 1.0}
        return self._place(view, opening=False)

    def _bid(self, view: SkullView) -> dict[int, float]:
        """Raise while the attempt likely succeeds (or to block a winner), else pass."""
        least = view.high_bid + 1
        threshold = self.threshold
        goal = self.target(view, threshold)
        passing = self.game.pass_action
        if goal < least and self._must_block(view):
            return {self.game.bid_action(least): 1.0}
        if goal < least:
            bluff = self.bluff if self.target(view, threshold - 0.15) >= least else 0.0
            return {passing: 1.0 - bluff, self.game.bid_action(least): bluff}
        raise_to = goal if self.jump else min(goal, max(least, view.safe_roses))
        return {self.game.bid_action(raise_to): 1.0 - self.bluff, passing: self.bluff}

    def _must_block(self, view: SkullView) -> bool:
        """Whether the high bidder would likely win the game with the current bid."""
        rival = view.bidder
        if rival <= 0 or view.points[rival] < self.game.wins_needed - 1:
            return False
        return self.rival_success(view, rival, view.high_bid) >= self.block_threshold

    def _flip(self, view: SkullView, obs: Observation) -> dict[int, float]:
        """The legal stack least likely to show a skull next (ties shared)."""
        risks = {}
        for r in range(1, self.players):
            action = self.game.flip_action((r + obs.player) % self.players)
            if obs.legal_mask[action]:
                prior = self.skull_on_mat(view, r)
                risks[action] = self.next_skull(view, r, int(view.revealed_roses[r]), prior)
        if not risks:
            return {}
        low = min(risks.values())
        best = [a for a, risk in risks.items() if risk <= low + 1e-12]
        return {a: 1.0 / len(best) for a in best}

    def _discard(self, view: SkullView) -> dict[int, float]:
        """A rose, unless it is the last one (with only a skull it could never succeed)."""
        keep_rose = view.owned_roses <= 1 and view.owned_skulls > 0
        kind = Disc.SKULL if keep_rose or view.owned_roses == 0 else Disc.ROSE
        return {self.game.discard_action(kind): 1.0}

    def _starter(self, view: SkullView, obs: Observation) -> dict[int, float]:
        """The player still in with the fewest points, then the most discs lost."""
        seats = [r for r in range(self.players) if not view.out[r]]
        if not seats:
            return {}
        weakest = min(seats, key=lambda r: (int(view.points[r]), -int(view.lost[r]), r))
        return {self.game.starter_action((weakest + obs.player) % self.players): 1.0}


def _high_bidder(seat_bid: np.ndarray, high: int) -> int:
    """The relative seat holding the highest bid ``high`` (-1 before any bid)."""
    if high == 0:
        return -1
    return int(np.flatnonzero(seat_bid == high)[0])
