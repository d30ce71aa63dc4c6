"""Liar's Dice in words: the seat cards, the table panel, the log lines and the round screen.

Pure functions of the plain views of :mod:`arena.tui.liars_dice.view` (and, for the log, of the
state before a move and the move itself, which are public). A bid is written in its notation,
quantity then face (``3-5``), and the table panel says what the standing bid means.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from arena.tui.liars_dice.view import BidView, DiceRoundView, DiceSeatView, LiarsDiceView
from arena.tui.narrate import cap, is_out, possessive, who
from arena.tui.view import to_move
from games.liars_dice.constants import wild_face_text, wild_text
from games.liars_dice.rules import LiarsDiceState

NOTATION = "a bid q-f says: at least q dice show face f"
"""The bid notation in a few words (the table panel and the help say it)."""


def dice_text(dice: Sequence[int], bid_face: int | None = None, wild: int = 0) -> Text:
    """Dice as digits; those matching ``bid_face`` (or wild) highlighted."""
    text = Text()
    for i, die in enumerate(dice):
        if i:
            text.append(" ")
        match = bid_face is not None and (die == bid_face or (die == wild and bid_face != wild))
        text.append(str(die), style="bold reverse" if match else "bold")
    return text


def bid_meaning(bid: BidView, wild_face: int) -> str:
    """What a bid claims: ``3-5: at least 3 dice show 5 (6s count too)``."""
    dice = "die shows" if bid.quantity == 1 else "dice show"
    wild = f" ({wild_face}s count too)" if wild_face not in (0, bid.face) else ""
    return f"{bid}: at least {bid.quantity} {dice} {bid.face}{wild}"


def card_text(view: LiarsDiceView, seat: DiceSeatView) -> Text:
    """The body of one seat's card at the Liar's Dice table."""
    if seat.dice == 0:
        return Text("out", style="dim")
    if seat.you:
        text = dice_text(view.your_dice) if view.your_dice else Text("(rolling)", style="dim")
    else:
        text = Text("■ " * seat.dice, style="bold")
    text.append(f"\n{seat.dice} {'die' if seat.dice == 1 else 'dice'}")
    last = next((b for b in reversed(view.bids) if b.seat == seat.seat), None)
    if last is not None:
        text.append(f"\nbid {last}", style="bold")
    if seat.to_move:
        text.append("\n◀ to move", style="bold")
    return text


def info_text(view: LiarsDiceView, names: Sequence[str]) -> Text:
    """The table's public state: round, dice in play, wild face, the bids and what they mean."""
    wild = wild_face_text(view.wild_face)
    text = Text(f"Round {view.round} · {view.dice_in_play} dice in play · {wild}\n", style="bold")
    text.append("Your dice: ")
    text.append_text(dice_text(view.your_dice) if view.your_dice else Text("none", style="dim"))
    text.append("\n")
    if not view.bids:
        text.append(f"No bid yet this round ({NOTATION}).\n", style="dim")
        return text
    text.append("Bids (quantity-face):\n")
    for bid in view.bids:
        text.append(f"  {names[bid.seat]:<20} ")
        text.append(str(bid), style="bold")
        text.append("\n")
    assert view.current_bid is not None
    text.append(f"Standing bid {bid_meaning(view.current_bid, view.wild_face)}\n", style="bold")
    return text


def move_lines(
    before: LiarsDiceState, action: int, after: LiarsDiceState, names: Sequence[str]
) -> list[str]:
    """A bid or a call in plain words (the log line of the move)."""
    seat = before.current_player()
    if action == before.game.liar:
        bidder = possessive(names, before.bidders[-1])
        return [f"{who(names, seat, 'call')} Liar on {bidder} bid {before.current_bid()}"]
    return [f"{who(names, seat, 'bid')} {before.action_to_string(action)}"]


def chance_lines(before: LiarsDiceState, after: LiarsDiceState, names: Sequence[str]) -> list[str]:
    """The dice rolled for a new round, and who starts it."""
    starter = to_move(after)
    if not before.is_chance_node() or starter is None:
        return []
    return [f"round {len(after.results) + 1}: the dice are rolled; {who(names, starter, 'start')}"]


def _loss(view: DiceRoundView, names: Sequence[str]) -> str:
    what = "the round" if view.dice_left is None else "a die"
    line = f"{who(names, view.loser, 'lose')} {what}"
    if view.dice_left == 0:
        line += " and " + is_out(names, view.loser)
    return line


def round_line(view: DiceRoundView, names: Sequence[str]) -> str:
    """A finished round in one log line."""
    hands = "; ".join(f"{names[s]}: {' '.join(map(str, h))}" for s, h in enumerate(view.hands) if h)
    wild = f" (or the wild {view.wild_face})" if view.wild_face not in (0, view.bid.face) else ""
    verdict = "the bid stood" if view.stood else "the bid failed"
    return (
        f"round {view.number}: {who(names, view.caller, 'call')} Liar on "
        f"{possessive(names, view.bid.seat)} {view.bid} -- dice: {hands} -- "
        f"{view.count} showing {view.bid.face}{wild}: {verdict}; {_loss(view, names)}"
    )


def round_text(view: DiceRoundView, names: Sequence[str]) -> Text:
    """What happened in a finished round, for the round screen."""
    caller = names[view.caller]
    text = Text(
        f"{cap(caller)} called Liar on {possessive(names, view.bid.seat)} bid "
        f"{bid_meaning(view.bid, view.wild_face)}.\n\n",
        style="bold",
    )
    for seat, hand in enumerate(view.hands):
        if hand:
            text.append(f"  {names[seat]:<22}")
            text.append_text(dice_text(hand, view.bid.face, view.wild_face))
            text.append("\n")
    wild = f" or the wild {view.wild_face}" if view.wild_face not in (0, view.bid.face) else ""
    count = f"{view.count} {'die shows' if view.count == 1 else 'dice show'}"
    verdict = "the bid stood" if view.stood else "the bid failed"
    text.append(f"\n{count} {view.bid.face}{wild}: {verdict}.\n")
    line = cap(_loss(view, names))
    if view.dice_left:
        line += f" ({view.dice_left} left)"
    text.append(line + ".", style="bold")
    return text


def table_summary(params: dict) -> str:
    """The table in a few words (``4 players, 5 dice, 6s are wild``)."""
    mode = "" if params["mode"] == "elimination" else ", one round"
    dice = "1 die" if params["dice"] == 1 else f"{params['dice']} dice"
    wild = wild_text(params["wild"], params["sides"])
    return f"{params['players']} players, {dice}, {wild}{mode}"
