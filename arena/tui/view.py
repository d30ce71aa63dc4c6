"""The view model of ``arena play``: plain data of what ONE seat may know, and nothing else.

Every piece of game information the board and the round screens show comes from this module
(the game log's move lines come from :mod:`arena.tui.narrate`); the widgets only format the
plain dataclasses it returns. It reads a state in two ways only:

* the viewer's own private data (their dice, the kinds in their hand and on their mat, the kinds
  they lost) from ``state.observation(seat)`` -- the seat's local observation tensor, decoded
  through the encoding's named slices, and its legal mask;
* public fields (dice counts, bids and who made them, stack and hand sizes, points, passes, who
  is out, discs revealed, round results as revealed to the table).

It never touches another seat's hand, stack kinds or lost kinds, so its output is the same for
every assignment of the other seats' hidden information (``tests/arena/tui/test_view.py``
checks exactly that).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from games.core import CHANCE, TERMINAL, State
from games.liars_dice.rules import LiarsDiceState
from games.liars_dice.rules import RoundResult as DiceResult
from games.skull.rules import RoundResult as SkullResult
from games.skull.rules import SkullState

KINDS = ("rose", "skull")
"""Skull disc kinds by value."""


# -- Liar's Dice ------------------------------------------------------------------------------
@dataclass(frozen=True)
class BidView:
    """A bid of this round and who made it."""

    seat: int
    quantity: int
    face: int

    def __str__(self) -> str:
        return f"{self.quantity}-{self.face}"


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
        legal: the viewer's legal moves as action strings (``"3-5"``, ``"Liar"``); empty when
            it is not the viewer's turn.
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
    legal: tuple[str, ...]
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
    def legal_bids(self) -> tuple[tuple[int, int], ...]:
        """The viewer's legal bids as ``(quantity, face)``, lowest first."""
        pairs = (text.split("-") for text in self.legal if text != "Liar")
        return tuple((int(q), int(f)) for q, f in pairs)

    @property
    def can_call_liar(self) -> bool:
        """Whether calling Liar is legal for the viewer now."""
        return "Liar" in self.legal


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


def _to_move(state: State) -> int | None:
    player = state.current_player()
    return None if player in (CHANCE, TERMINAL) else player


def _legal(state: State, mask: np.ndarray) -> tuple[str, ...]:
    return tuple(state.action_to_string(int(a)) for a in np.flatnonzero(mask))


def liars_dice_view(state: LiarsDiceState, seat: int) -> LiarsDiceView:
    """What ``seat`` may know of a Liar's Dice position."""
    obs = state.observation(seat)
    game, to_move = state.game, _to_move(state)
    seats = tuple(
        DiceSeatView(s, count, s == seat, s == to_move, s == state.starter)
        for s, count in enumerate(state.dice_counts)
    )
    bids = tuple(
        BidView(b, *_bid(state, a)) for a, b in zip(state.bids, state.bidders, strict=True)
    )
    return LiarsDiceView(
        seat=seat,
        sides=game.sides,
        wild_face=game.wild_face,
        round=len(state.results) + 1,
        your_dice=_own_dice(state, obs.tensor),
        seats=seats,
        bids=bids,
        to_move=to_move,
        dice_in_play=state.dice_in_play(),
        legal=_legal(state, obs.legal_mask),
        game_over=state.is_terminal(),
    )


def _bid(state: LiarsDiceState, action: int) -> tuple[int, int]:
    bid = state.game.decode_bid(action)
    return bid.quantity, bid.face


def dice_round_view(state: LiarsDiceState, index: int) -> DiceRoundView:
    """Round ``index`` (0-based) of ``state.results``: public once Liar was called."""
    result: DiceResult = state.results[index]
    elimination = state.game.elimination
    return DiceRoundView(
        number=index + 1,
        bid=BidView(result.bidder, result.bid.quantity, result.bid.face),
        caller=result.caller,
        hands=result.hands,
        count=result.count,
        stood=result.count >= result.bid.quantity,
        loser=result.loser,
        wild_face=state.game.wild_face,
        dice_left=len(result.hands[result.loser]) - 1 if elimination else None,
    )


# -- Skull ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SkullSeatView:
    """One seat at the Skull table, as anybody sees it.

    Attributes:
        seat: the absolute seat.
        you: whether it is the viewer.
        to_move: whether it acts now.
        out: whether it has no disc left.
        points: successful challenges.
        discs: discs it still owns (hand + mat).
        hand: discs in its hand.
        mat: discs on its mat.
        revealed: the kinds turned face up on its mat this round, in the order they were turned.
        bid: its highest bid this round (``None`` if it has not bid).
        passed: whether it passed this round.
        first: whether it started this round.
        challenger: whether it is this round's challenger.
    """

    seat: int
    you: bool
    to_move: bool
    out: bool
    points: int
    discs: int
    hand: int
    mat: int
    revealed: tuple[str, ...]
    bid: int | None
    passed: bool
    first: bool
    challenger: bool


@dataclass(frozen=True)
class SkullView:
    """What the viewer may know of a Skull position.

    Attributes:
        seat: the viewer.
        phase: the phase name in lower case (``placement``, ``add_or_bid``, ``bidding``,
            ``attempt``, ``loss``, ``discard``, ``choose_starter``, ``game_over``).
        round: the round number, from 1.
        to_move: the seat to act, or ``None`` (chance, game over).
        wins_needed: points that win the game.
        your_hand: the viewer's hand as ``(roses, skulls)``.
        your_stack: the viewer's mat, bottom first, as kind names.
        your_lost: the kinds the viewer has lost, ``(roses, skulls)``.
        seats: every seat's public data.
        auction: this round's bids and passes in order, ``(seat, n)`` with ``n = 0`` a pass.
        bid: the highest bid this round (0 before the bidding opens).
        challenger: this round's challenger, or ``None``.
        roses_revealed: roses the challenger has turned over so far.
        flips: the discs turned over this round, in order, ``(seat, kind)``.
        discs_on_mats: the discs on all mats (the highest bid allowed).
        legal: the viewer's legal moves as action strings (``"place rose"``, ``"bid 3"``,
            ``"flip 2"``...); empty when it is not the viewer's turn.
        winner: the winning seat once the game is over.
    """

    seat: int
    phase: str
    round: int
    to_move: int | None
    wins_needed: int
    your_hand: tuple[int, int]
    your_stack: tuple[str, ...]
    your_lost: tuple[int, int]
    seats: tuple[SkullSeatView, ...]
    auction: tuple[tuple[int, int], ...]
    bid: int
    challenger: int | None
    roses_revealed: int
    flips: tuple[tuple[int, str], ...]
    discs_on_mats: int
    legal: tuple[str, ...]
    winner: int | None

    @property
    def your_turn(self) -> bool:
        """Whether the viewer acts now."""
        return self.to_move == self.seat

    @property
    def game_over(self) -> bool:
        """Whether the game has ended."""
        return self.phase == "game_over"

    def legal_numbers(self, verb: str) -> tuple[int, ...]:
        """The numbers of the legal moves ``verb n`` (``bid``, ``flip``, ``starter``)."""
        prefix = verb + " "
        return tuple(int(t[len(prefix) :]) for t in self.legal if t.startswith(prefix))


@dataclass(frozen=True)
class SkullRoundView:
    """A finished Skull round as the viewer saw it.

    Attributes:
        number: the round number, from 1.
        challenger: the challenger.
        bid: the roses they had to turn over.
        flips: every disc turned over, in order, ``(seat, kind)``.
        success: whether the challenge succeeded.
        skull_owner: whose skull stopped it (``None`` on a success).
        lost: the kind the challenger lost -- only when the viewer is the challenger.
        out: whether the challenger is out after the loss.
    """

    number: int
    challenger: int
    bid: int
    flips: tuple[tuple[int, str], ...]
    success: bool
    skull_owner: int | None
    lost: str | None
    out: bool


def _unpack_one_hot(values: np.ndarray) -> int:
    return int(np.argmax(values))


def _own_skull_data(
    state: SkullState, tensor: np.ndarray
) -> tuple[tuple[int, int], tuple[str, ...], tuple[int, int]]:
    """The observer's hand, mat and losses, decoded from their observation tensor."""
    sl = state.game.layout.observation_slices
    hand = (_unpack_one_hot(tensor[sl["own_hand_roses"]]),
            _unpack_one_hot(tensor[sl["own_hand_skulls"]]))  # fmt: skip
    lost = (_unpack_one_hot(tensor[sl["own_lost_roses"]]),
            _unpack_one_hot(tensor[sl["own_lost_skulls"]]))  # fmt: skip
    stack = []
    for rose, skull in tensor[sl["own_stack"]].reshape(-1, 2):
        if not (rose or skull):
            break
        stack.append(KINDS[int(skull > rose)])
    return hand, tuple(stack), lost


def _skull_seat(state: SkullState, seat: int, viewer: int, to_move: int | None) -> SkullSeatView:
    bids = [n for s, n in state.auction if s == seat and n]
    return SkullSeatView(
        seat=seat,
        you=seat == viewer,
        to_move=seat == to_move,
        out=state.out[seat],
        points=state.points[seat],
        discs=state.discs_owned(seat),
        hand=state.hand_size(seat),
        mat=state.stack_size(seat),
        revealed=tuple(KINDS[k] for s, k in state.flips if s == seat),
        bid=max(bids) if bids else None,
        passed=state.passed[seat],
        first=seat == state.first_player and state.phase.name != "CHOOSE_STARTER",
        challenger=seat == state.challenger,
    )


def skull_view(state: SkullState, seat: int) -> SkullView:
    """What ``seat`` may know of a Skull position."""
    obs = state.observation(seat)
    hand, stack, lost = _own_skull_data(state, obs.tensor)
    to_move = _to_move(state)
    return SkullView(
        seat=seat,
        phase=state.phase.name.lower(),
        round=len(state.results) + 1,
        to_move=to_move,
        wins_needed=state.game.wins_needed,
        your_hand=hand,
        your_stack=stack,
        your_lost=lost,
        seats=tuple(_skull_seat(state, s, seat, to_move) for s in range(state.game.num_players)),
        auction=tuple(state.auction),
        bid=state.bid,
        challenger=state.challenger if state.challenger >= 0 else None,
        roses_revealed=state.roses_revealed(),
        flips=tuple((s, KINDS[k]) for s, k in state.flips),
        discs_on_mats=state.discs_on_mats(),
        legal=_legal(state, obs.legal_mask),
        winner=state.winner,
    )


def skull_round_view(state: SkullState, index: int, viewer: int) -> SkullRoundView:
    """Round ``index`` (0-based) of ``state.results`` as ``viewer`` saw it."""
    result: SkullResult = state.results[index]
    lost = KINDS[result.lost] if result.lost is not None and viewer == result.challenger else None
    return SkullRoundView(
        number=index + 1,
        challenger=result.challenger,
        bid=result.bid,
        flips=tuple((s, KINDS[k]) for s, k in result.flips),
        success=result.success,
        skull_owner=result.skull_owner,
        lost=lost,
        out=result.out,
    )


# -- both games -------------------------------------------------------------------------------
GameView = LiarsDiceView | SkullView
RoundView = DiceRoundView | SkullRoundView


def make_view(state: State, seat: int) -> GameView:
    """The view of ``seat`` for a state of either game."""
    if isinstance(state, LiarsDiceState):
        return liars_dice_view(state, seat)
    if isinstance(state, SkullState):
        return skull_view(state, seat)
    raise TypeError(f"no view for {type(state).__name__}")


def round_views(state: State, seat: int, start: int = 0) -> list[RoundView]:
    """The finished rounds ``start..`` of ``state`` as ``seat`` saw them."""
    if isinstance(state, LiarsDiceState):
        return [dice_round_view(state, i) for i in range(start, len(state.results))]
    return [skull_round_view(state, i, seat) for i in range(start, len(state.results))]
