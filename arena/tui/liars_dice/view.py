"""What one seat may know of a Liar's Dice position: plain data, legal moves as action ids.

The viewer's own dice come from their observation tensor (the ``own_dice`` slice) and their
legal moves from its legal mask; everything else is public (dice counts, bids and who made
them, the dice revealed when Liar was called).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from arena.tui.view import legal_ids, to_move
from games.liars_dice.rules import Bid, LiarsDiceState


@dataclass(frozen=True)
class BidView(Bid):
    """A bid of this round (``str``: ``3-5``) and the seat that made it."""

    seat: int


@dataclass(frozen=True)
class BidOption(Bid):
    """A bid the viewer may make now, and its action id."""

    action: int


@dataclass(frozen=True)
class DiceSeatView:
    """One seat at the Liar's Dice table, as anybody sees it."""

    seat: int
    dice: int
    you: bool
    to_move: bool
    starter: bool


@dataclass(frozen=True)
class LiarsDiceView:
    """What the viewer may know of a Liar's Dice position.

    Attributes:
        seat: the viewer.
        sides: faces per die.
        wild_face: the wild face (0 when nothing is wild).
        round: the round number, from 1.
        your_dice: the viewer's own dice (sorted).
        seats: every seat's public data.
        bids: this round's bids in order, with who made them.
        to_move: the seat to act, or ``None`` (dice being rolled, game over).
        dice_in_play: the dice of all seats (the highest quantity one may bid).
        legal_bids: the viewer's legal bids, lowest first (empty when it is not their turn).
        liar: the action id of calling Liar when that is legal for the viewer now, else ``None``.
        game_over: whether the game has ended.
    """

    seat: int
    sides: int
    wild_face: int
    round: int
    your_dice: tuple[int, ...]
    seats: tuple[DiceSeatView, ...]
    bids: tuple[BidView, ...]
    to_move: int | None
    dice_in_play: int
    legal_bids: tuple[BidOption, ...]
    liar: int | None
    game_over: bool

    @property
    def your_turn(self) -> bool:
        """Whether the viewer acts now."""
        return self.to_move == self.seat

    @property
    def current_bid(self) -> BidView | None:
        """The standing bid, if any."""
        return self.bids[-1] if self.bids else None

    @property
    def legal_actions(self) -> tuple[int, ...]:
        """The viewer's legal action ids (the bids, then Liar)."""
        bids = tuple(b.action for b in self.legal_bids)
        return bids if self.liar is None else (*bids, self.liar)

    def bid_action(self, quantity: int, face: int) -> int | None:
        """The action id of bid ``quantity-face`` if it is legal now, else ``None``."""
        return next(
            (b.action for b in self.legal_bids if (b.quantity, b.face) == (quantity, face)), None
        )

    def quantities(self, face: int) -> tuple[int, ...]:
        """The quantities of the legal bids on ``face``."""
        return tuple(b.quantity for b in self.legal_bids if b.face == face)


@dataclass(frozen=True)
class DiceRoundView:
    """A finished Liar's Dice round: everything the table saw when Liar was called.

    Attributes:
        number: the round number, from 1.
        bid: the bid that was called (with its bidder).
        caller: the seat that called Liar.
        hands: every seat's revealed dice (empty for seats already out).
        count: the dice matching the bid.
        stood: whether the bid stood (then the caller lost).
        loser: the seat that lost the round.
        wild_face: the wild face (0 when nothing is wild).
        dice_left: the loser's dice after the round (``None`` in a single-round game).
    """

    number: int
    bid: BidView
    caller: int
    hands: tuple[tuple[int, ...], ...]
    count: int
    stood: bool
    loser: int
    wild_face: int
    dice_left: int | None


def _own_dice(state: LiarsDiceState, tensor: np.ndarray) -> tuple[int, ...]:
    """The observer's dice, decoded from their observation tensor (``own_dice`` slice)."""
    layout = state.game.layout
    own = tensor[layout.observation_slices["own_dice"]].reshape(layout.sides, layout.dice)
    counts = own.sum(axis=1).astype(int)
    return tuple(face + 1 for face in range(layout.sides) for _ in range(counts[face]))


def _options(state: LiarsDiceState, actions: tuple[int, ...]) -> tuple[BidOption, ...]:
    """The bids among ``actions``, with their quantity and face."""
    options = []
    for action in actions:
        if action != state.game.liar:
            bid = state.game.decode_bid(action)
            options.append(BidOption(bid.quantity, bid.face, action))
    return tuple(options)


def make_view(state: LiarsDiceState, seat: int) -> LiarsDiceView:
    """What ``seat`` may know of a Liar's Dice position."""
    obs = state.observation(seat)
    game, mover = state.game, to_move(state)
    seats = tuple(
        DiceSeatView(s, count, s == seat, s == mover, s == state.starter)
        for s, count in enumerate(state.dice_counts)
    )
    bids = tuple(
        BidView(bid.quantity, bid.face, b)
        for b, bid in zip(state.bidders, map(game.decode_bid, state.bids), strict=True)
    )
    legal = legal_ids(obs.legal_mask)
    return LiarsDiceView(
        seat=seat,
        sides=game.sides,
        wild_face=game.wild_face,
        round=len(state.results) + 1,
        your_dice=_own_dice(state, obs.tensor),
        seats=seats,
        bids=bids,
        to_move=mover,
        dice_in_play=state.dice_in_play(),
        legal_bids=_options(state, legal),
        liar=game.liar if game.liar in legal else None,
        game_over=state.is_terminal(),
    )


def dice_round_view(state: LiarsDiceState, index: int) -> DiceRoundView:
    """Round ``index`` (0-based) of ``state.results``: public once Liar was called."""
    result = state.results[index]
    elimination = state.game.elimination
    return DiceRoundView(
        number=index + 1,
        bid=BidView(result.bid.quantity, result.bid.face, result.bidder),
        caller=result.caller,
        hands=result.hands,
        count=result.count,
        stood=result.count >= result.bid.quantity,
        loser=result.loser,
        wild_face=state.game.wild_face,
        dice_left=len(result.hands[result.loser]) - 1 if elimination else None,
    )


def round_views(state: LiarsDiceState, seat: int, start: int = 0) -> list[DiceRoundView]:
    """The finished rounds ``start..`` (the same for every seat: all dice were shown)."""
    return [dice_round_view(state, i) for i in range(start, len(state.results))]
