"""Text rendering of a Liar's Dice state, for people; with a viewer, only what that seat knows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from games.core import CHANCE, TERMINAL
from games.liars_dice.constants import wild_text

if TYPE_CHECKING:
    from games.liars_dice.rules import LiarsDiceState, RoundResult


def _dice(hand: list[int] | tuple[int, ...]) -> str:
    return "[" + " ".join(str(d) for d in hand) + "]"


def describe_result(result: RoundResult) -> str:
    """One round's reveal in plain words: the dice, the count against the bid, the loser."""
    hands = ", ".join(f"seat {s} {_dice(h)}" for s, h in enumerate(result.hands) if h)
    stood = "stood" if result.count >= result.bid.quantity else "failed"
    return (
        f"seat {result.caller} called Liar on seat {result.bidder}'s {result.bid}: {hands}; "
        f"{result.count} matching, the bid {stood}; seat {result.loser} loses the round"
    )


def _header(state: LiarsDiceState) -> str:
    p = state.game.params
    return (
        f"Liar's Dice: {p['players']} players, {p['dice']} dice, {p['sides']} sides, "
        f"{wild_text(p['wild'], p['sides'])}, {p['mode'].replace('_', ' ')}, {p['bidding_rule']}"
    )


def _seat_line(state: LiarsDiceState, seat: int, viewer: int | None) -> str:
    count = state.dice_counts[seat]
    you = " (you)" if seat == viewer else ""
    if count == 0:
        return f"seat {seat}{you}: out"
    hand = state.hands[seat]
    shown = viewer is None or seat == viewer
    dice = _dice(hand) if shown else "[" + " ".join("?" for _ in hand) + "]"
    return f"seat {seat}{you}: {count} {'die' if count == 1 else 'dice'} {dice}"


def render_state(state: LiarsDiceState, viewer: int | None) -> str:
    """The state as text (see :meth:`LiarsDiceState.render`)."""
    lines = [_header(state)]
    lines += [_seat_line(state, s, viewer) for s in range(state.game.num_players)]
    bids = ", ".join(
        f"seat {b} {state.game.decode_bid(a)}"
        for a, b in zip(state.bids, state.bidders, strict=True)
    )
    lines.append(f"bids: {bids or 'none'}")
    if state.results:
        lines.append("last round: " + describe_result(state.results[-1]))
    player = state.current_player()
    if player == TERMINAL:
        lines.append("game over; returns " + " ".join(f"{r:+.3g}" for r in state.returns()))
    elif player == CHANCE:
        lines.append("rolling dice")
    else:
        lines.append(f"to move: seat {player}")
    return "\n".join(lines)
