"""Liar's Dice rules (``shared/rules/liars_dice.md``): pure, deterministic, explicit chance.

Action ids (``T = players * dice``, the dice at the start of the game):

* ``"reset-face"``: bid ``(q, f)`` is ``(q-1)*sides + (f-1)``;
* ``"reset-quantity"``: bid ``(q, f)`` is ``(f-1)*T + (q-1)``;
* Liar is ``T*sides``. Chance outcome ``k`` is a die showing face ``k+1``.

In both bid orders the id order is the bid order, so "a higher bid" is "a larger id".
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from games.core import (
    CHANCE,
    TERMINAL,
    Game,
    IllegalActionError,
    MaskCache,
    ParamSpec,
    State,
    check_player,
)
from games.liars_dice import encoding
from games.liars_dice.constants import (
    BIDDING_RULES,
    LIAR,
    MODES,
    WILD_CHOICES,
    wild_face,
)
from games.liars_dice.render import render_state


@dataclass(frozen=True)
class Bid:
    """A bid: at least ``quantity`` dice show ``face``."""

    quantity: int
    face: int

    def __str__(self) -> str:
        return f"{self.quantity}-{self.face}"


@dataclass(frozen=True)
class RoundResult:
    """What everybody saw when Liar was called: the dice, the count and who lost.

    Attributes:
        bid: the bid that was called.
        bidder: absolute seat that made the bid.
        caller: absolute seat that called Liar.
        hands: every seat's dice (sorted; empty for seats already out).
        count: the number of dice matching the bid.
        loser: the seat that lost the round (the caller if ``count >= quantity``).
    """

    bid: Bid
    bidder: int
    caller: int
    hands: tuple[tuple[int, ...], ...]
    count: int
    loser: int


class LiarsDiceGame(Game):
    """A Liar's Dice configuration; the OpenSpiel one is ``players=2, dice=1``, single round."""

    name = "liars_dice"
    PARAMS = (
        ParamSpec("players", tuple(range(2, 7)), 2, "seats at the table"),
        ParamSpec("dice", tuple(range(1, 6)), 5, "dice each player starts with"),
        ParamSpec("sides", tuple(range(2, 7)), 6, "faces per die"),
        ParamSpec("wild", WILD_CHOICES, "highest", "which face counts as every face"),
        ParamSpec(
            "mode",
            MODES,
            "elimination",
            "one call ends the game, or players lose dice until one is left",
        ),
        ParamSpec(
            "bidding_rule",
            BIDDING_RULES,
            "reset-face",
            "the order of bids (OpenSpiel names)",
        ),
    )

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        p = self._params
        self.dice: int = p["dice"]
        self.sides: int = p["sides"]
        self.total_dice: int = p["players"] * p["dice"]
        self.liar: int = self.total_dice * self.sides
        """The Liar action id."""
        self.wild_face: int = wild_face(p["wild"], self.sides)
        self.reset_face: bool = p["bidding_rule"] == "reset-face"
        self.elimination: bool = p["mode"] == "elimination"
        self.players: int = p["players"]
        """Seats (``num_players``, as a plain attribute for the hot paths)."""
        self.layout = encoding.layout(p["players"], self.dice, self.sides)

    @property
    def num_distinct_actions(self) -> int:
        return self.liar + 1

    @property
    def max_chance_outcomes(self) -> int:
        return self.sides

    @property
    def observation_shape(self) -> tuple[int, ...]:
        return (self.layout.observation_size,)

    @property
    def state_shape(self) -> tuple[int, ...]:
        return (self.layout.state_size,)

    def decode_bid(self, action: int) -> Bid:
        """The bid of a bid action id (``ValueError`` for Liar or out of range)."""
        if not 0 <= action < self.liar:
            raise ValueError(f"{action} is not a bid id (bids are 0..{self.liar - 1})")
        if self.reset_face:
            return Bid(action // self.sides + 1, action % self.sides + 1)
        return Bid(action % self.total_dice + 1, action // self.total_dice + 1)

    def encode_bid(self, quantity: int, face: int) -> int:
        """The action id of bid ``quantity-face``."""
        if not (1 <= quantity <= self.total_dice and 1 <= face <= self.sides):
            raise ValueError(
                f"bid {quantity}-{face} out of range: quantity 1..{self.total_dice}, "
                f"face 1..{self.sides}"
            )
        if self.reset_face:
            return (quantity - 1) * self.sides + face - 1
        return (face - 1) * self.total_dice + quantity - 1

    @cached_property
    def action_strings(self) -> tuple[str, ...]:
        """The rule book string of every player action id: the bids, then ``Liar``."""
        return (*(str(self.decode_bid(a)) for a in range(self.liar)), LIAR)

    @cached_property
    def bid_quantity(self) -> tuple[int, ...]:
        """The quantity of every bid id (a table: the hot path avoids decoding)."""
        return tuple(self.decode_bid(a).quantity for a in range(self.liar))

    @cached_property
    def bids_by_dice_in_play(self) -> list[list[int]]:
        """For ``n`` dice in play, the increasing bid ids with quantity <= n."""
        return [
            [a for a in range(self.liar) if self.decode_bid(a).quantity <= n]
            for n in range(self.total_dice + 1)
        ]

    @cached_property
    def bid_masks(self) -> list[np.ndarray]:
        """For ``n`` dice in play, the int8 mask of the bid ids with quantity <= n (not Liar)."""
        masks = []
        for bids in self.bids_by_dice_in_play:
            mask = np.zeros(self.liar + 1, dtype=np.int8)
            mask[bids] = 1
            masks.append(mask)
        return masks

    def matches(self, die: int, face: int) -> bool:
        """Whether a die showing ``die`` counts for a bid on ``face`` (wild rule)."""
        return die == face or (die == self.wild_face and face != self.wild_face)

    def new_initial_state(self) -> LiarsDiceState:
        return LiarsDiceState(self)


class LiarsDiceState(MaskCache, State):
    """A position of Liar's Dice. See the module docstring for the action ids."""

    __slots__ = (
        "_history",
        "_in_play",
        "_mask",
        "_player",
        "_returns",
        "_roll_seat",
        "bidders",
        "bids",
        "dice_counts",
        "game",
        "hands",
        "results",
        "starter",
    )

    def __init__(self, game: LiarsDiceGame) -> None:
        self.game: LiarsDiceGame = game
        n = game.num_players
        self.dice_counts: list[int] = [game.dice] * n
        """Dice each seat holds (0 once out)."""
        self.hands: list[list[int]] = [[] for _ in range(n)]
        """Each seat's dice this round, sorted faces 1..sides."""
        self.starter: int = 0
        """The seat that opens this round's bidding."""
        self.bids: list[int] = []
        """This round's bid ids, in order."""
        self.bidders: list[int] = []
        """Who made each bid of ``bids`` (absolute seats)."""
        self.results: list[RoundResult] = []
        """Every finished round, oldest first."""
        self._player: int = CHANCE
        self._roll_seat: int = 0
        self._returns: list[float] = [0.0] * n
        self._in_play: int = game.total_dice
        self._history: list[int] = []
        self._mask: np.ndarray | None = None
        """The legal mask of this position once computed (cleared by :meth:`apply_action`)."""

    # -- queries ---------------------------------------------------------------------------
    def dice_in_play(self) -> int:
        """Total dice held by all players this round."""
        return self._in_play

    def chance_outcomes(self) -> list[tuple[int, float]]:
        if self._player != CHANCE:
            return []
        p = 1.0 / self.game.sides
        return [(k, p) for k in range(self.game.sides)]

    def legal_actions(self) -> list[int]:
        if self._player == CHANCE:
            return list(range(self.game.sides))
        if self._player == TERMINAL:
            return []
        bids = self.game.bids_by_dice_in_play[self.dice_in_play()]
        if not self.bids:
            return list(bids)
        return bids[bisect_right(bids, self.bids[-1]) :] + [self.game.liar]

    def _legal_mask(self) -> np.ndarray:
        game = self.game
        if self._player < 0:
            return np.zeros(game.liar + 1, dtype=np.int8)
        mask = game.bid_masks[self._in_play].copy()
        if self.bids:
            mask[: self.bids[-1] + 1] = 0
            mask[game.liar] = 1
        return mask

    def returns(self) -> list[float]:
        return list(self._returns)

    def final_return(self, player: int) -> float | None:
        """A seat out of dice has lost: the losers' share ``-1/(N-1)`` (elimination mode)."""
        check_player(self, player)
        if self._player == TERMINAL:
            return self._returns[player]
        if self.dice_counts[player] == 0:
            return -1.0 / (self.game.num_players - 1)
        return None

    def history(self) -> list[int]:
        return list(self._history)

    def action_to_string(self, action: int) -> str:
        if self._player == CHANCE:
            return f"Roll {action + 1}"
        if action == self.game.liar:
            return LIAR
        return str(self.game.decode_bid(action))

    def current_bid(self) -> Bid | None:
        """The standing bid of this round, if any."""
        return self.game.decode_bid(self.bids[-1]) if self.bids else None

    def next_seat(self, seat: int) -> int:
        """The next seat after ``seat`` that still has dice."""
        n = self.game.players
        for step in range(1, n + 1):
            nxt = (seat + step) % n
            if self.dice_counts[nxt]:
                return nxt
        raise AssertionError("no seat has dice")

    # -- transitions -----------------------------------------------------------------------
    def apply_action(self, action: int) -> None:
        player = self._player
        if player == CHANCE:
            self._check_chance(action)
            self._roll(int(action))
        elif player == TERMINAL:
            raise IllegalActionError("the game is over: no action is legal")
        elif not self._is_legal_move(action):
            raise IllegalActionError(
                f"{action!r} is not legal for seat {player}; legal: {self.legal_actions()}"
            )
        elif action == self.game.liar:
            self._call_liar(player)
        else:
            self.bids.append(int(action))
            self.bidders.append(player)
            self._player = self.next_seat(player)
        self._history.append(int(action))
        self._mask = None

    def _check_chance(self, action: int) -> None:
        if not isinstance(action, (int, np.integer)) or not 0 <= action < self.game.sides:
            raise IllegalActionError(
                f"{action!r} is not a chance outcome (0..{self.game.sides - 1})"
            )

    def _is_legal_move(self, action: int) -> bool:
        if not isinstance(action, (int, np.integer)):
            return False
        game = self.game
        if action == game.liar:
            return bool(self.bids)
        if not 0 <= action < game.liar or (self.bids and action <= self.bids[-1]):
            return False
        return game.bid_quantity[action] <= self.dice_in_play()

    def _roll(self, outcome: int) -> None:
        seat = self._roll_seat
        hand = self.hands[seat]
        hand.append(outcome + 1)
        hand.sort()
        if len(hand) < self.dice_counts[seat]:
            return
        for nxt in range(seat + 1, self.game.players):
            if self.dice_counts[nxt]:
                self._roll_seat = nxt
                return
        self._player = self.starter

    def _call_liar(self, caller: int) -> None:
        game = self.game
        bid = game.decode_bid(self.bids[-1])
        count = sum(game.matches(d, bid.face) for hand in self.hands for d in hand)
        bidder = self.bidders[-1]
        loser = caller if count >= bid.quantity else bidder
        hands = tuple(tuple(h) for h in self.hands)
        self.results.append(RoundResult(bid, bidder, caller, hands, count, loser))
        if not game.elimination:
            self._finish_single_round(loser)
            return
        self.dice_counts[loser] -= 1
        self._in_play -= 1
        alive = [s for s, c in enumerate(self.dice_counts) if c]
        if len(alive) == 1:
            self._finish(winner_gets=1.0, seats=alive, others=-1.0)
            return
        self.starter = loser if self.dice_counts[loser] else self.next_seat(loser)
        self._new_round()

    def _finish_single_round(self, loser: int) -> None:
        self._finish(winner_gets=-1.0, seats=[loser], others=1.0)

    def _finish(self, winner_gets: float, seats: list[int], others: float) -> None:
        """End the game: ``seats`` get ``winner_gets``, the rest share ``others``."""
        n = self.game.players
        share = others / (n - 1)
        self._returns = [winner_gets if s in seats else share for s in range(n)]
        self._player = TERMINAL

    def _new_round(self) -> None:
        self.hands = [[] for _ in range(self.game.players)]
        self.bids = []
        self.bidders = []
        self._roll_seat = next(s for s, c in enumerate(self.dice_counts) if c)
        self._player = CHANCE

    # -- views -----------------------------------------------------------------------------
    def observation_tensor(self, player: int) -> np.ndarray:
        if type(player) is not int or not 0 <= player < self.game.players:
            check_player(self, player)
        return self.game.layout.observation(self, player)

    def global_state_tensor(self) -> np.ndarray:
        return self.game.layout.global_state(self)

    def render(self, viewer: int | None = None) -> str:
        if viewer is not None:
            check_player(self, viewer)
        return render_state(self, viewer)

    def clone(self) -> LiarsDiceState:
        new = LiarsDiceState.__new__(LiarsDiceState)
        new.game = self.game
        new.dice_counts = list(self.dice_counts)
        new.hands = [list(h) for h in self.hands]
        new.starter = self.starter
        new.bids = list(self.bids)
        new.bidders = list(self.bidders)
        new.results = list(self.results)
        new._player = self._player
        new._roll_seat = self._roll_seat
        new._in_play = self._in_play
        new._returns = list(self._returns)
        new._history = list(self._history)
        new._mask = None
        return new
