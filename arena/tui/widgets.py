"""Widgets of the play screens; they only format the plain data of :mod:`arena.tui.view`.

The ``*_text`` functions turn a view into Rich text (pure, so tests can compare what the board
would show); the widgets put that text on screen.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import RichLog, Static

from arena.tui.view import DiceSeatView, LiarsDiceView, SkullSeatView, SkullView

MIN_WIDTH = 70
"""The narrowest terminal the play screens lay out in."""
MIN_HEIGHT = 20
"""The lowest terminal the play screens lay out in."""


def seat_spec(name: str) -> str:
    """What sits in a seat: ``you`` or the agent spec (``seat 2 (random)`` -> ``random``)."""
    return name if name == "you" else name.partition("(")[2].removesuffix(")") or name


def dice_text(dice: Sequence[int], bid_face: int | None = None, wild: int = 0) -> Text:
    """Dice as digits; those matching ``bid_face`` (or wild) highlighted."""
    text = Text()
    for i, die in enumerate(dice):
        if i:
            text.append(" ")
        match = bid_face is not None and (die == bid_face or (die == wild and bid_face != wild))
        text.append(str(die), style="bold reverse" if match else "bold")
    return text


# -- Liar's Dice ------------------------------------------------------------------------------
def dice_card_text(view: LiarsDiceView, seat: DiceSeatView) -> Text:
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


def dice_info_text(view: LiarsDiceView, names: Sequence[str]) -> Text:
    """The table's public state: round, dice in play, wild face and the bids so far."""
    wild = f"{view.wild_face}s are wild" if view.wild_face else "nothing is wild"
    text = Text(f"Round {view.round} · {view.dice_in_play} dice in play · {wild}\n", style="bold")
    text.append("Your dice: ")
    text.append_text(dice_text(view.your_dice) if view.your_dice else Text("none", style="dim"))
    text.append("\n")
    if not view.bids:
        text.append("No bid yet this round.\n", style="dim")
    for bid in view.bids:
        text.append(f"  {names[bid.seat]:<20} ")
        text.append(str(bid), style="bold")
        text.append("\n")
    return text


# -- Skull ------------------------------------------------------------------------------------
def _points(seat: SkullSeatView, wins_needed: int) -> str:
    return "★" * seat.points + "☆" * max(0, wins_needed - seat.points)


def skull_card_text(view: SkullView, seat: SkullSeatView) -> Text:
    """The body of one seat's card at the Skull table."""
    points = Text(_points(seat, view.wins_needed), style="bold")
    if seat.out:
        return Text.assemble(Text("out\n", style="dim"), points)
    text = Text(f"hand {seat.hand}\nmat {seat.mat}")
    face_down = seat.mat - len(seat.revealed)
    if seat.you and face_down:  # your own discs: you know them
        text.append(" " + " ".join(view.your_stack[:face_down]), style="italic")
    elif face_down:
        text.append(" " + "▪" * face_down)
    for kind in reversed(seat.revealed):  # the last one turned over is the lowest shown
        text.append(" " + kind.upper(), style="bold red" if kind == "skull" else "bold green")
    text.append("\n")
    text.append_text(points)
    if seat.challenger:
        text.append(" challenger", style="bold")
    elif seat.passed:
        text.append(" passed", style="dim")
    elif seat.bid is not None:
        text.append(f" bid {seat.bid}", style="bold")
    if seat.to_move:
        text.append("\n◀ to move", style="bold")
    return text


def _kinds(roses: int, skulls: int) -> str:
    parts = [f"{roses} rose{'s' if roses != 1 else ''}"]
    parts.append(f"{skulls} skull{'s' if skulls != 1 else ''}")
    return ", ".join(parts)


PHASE_TEXT = {
    "placement": "everyone places a disc",
    "add_or_bid": "place another disc or open the bidding",
    "bidding": "raise the bid or pass",
    "attempt": "the challenger turns discs over",
    "loss": "a disc is taken at random",
    "discard": "the challenger discards a disc",
    "choose_starter": "the challenger chooses who starts",
    "game_over": "game over",
}


def skull_info_text(view: SkullView, names: Sequence[str]) -> Text:
    """The table's public state and the viewer's own discs."""
    text = Text(
        f"Round {view.round} · {PHASE_TEXT[view.phase]} · {view.discs_on_mats} on the mats\n",
        style="bold",
    )
    text.append(f"Your hand: {_kinds(*view.your_hand)}\n")
    text.append("Your mat (bottom to top): ")
    text.append(", ".join(view.your_stack) or "empty", style="bold")
    text.append("\n")
    if sum(view.your_lost):
        text.append(f"You lost: {_kinds(*view.your_lost)}\n", style="dim")
    if view.auction:
        moves = ", ".join(
            f"{names[s]} {'bid ' + str(n) if n else 'passed'}" for s, n in view.auction
        )
        text.append(f"Bidding: {moves}\n")
    if view.challenger is not None and view.bid:
        who = names[view.challenger]
        text.append(
            f"{who[:1].upper()}{who[1:]} must turn over {view.bid} roses: "
            f"{view.roses_revealed} so far\n",
            style="bold",
        )
    return text


# -- widgets ----------------------------------------------------------------------------------
def show(widget: Static, content: Text | str, layout: bool = False) -> None:
    """Put ``content`` in ``widget`` unless it is there already.

    Args:
        widget: a Static (or Label).
        content: the new content.
        layout: whether the widget's size may change (a fixed-size widget skips the relayout).
    """
    if getattr(widget, "_arena_shown", None) != content:
        widget._arena_shown = content  # type: ignore[attr-defined]
        widget.update(content, layout=layout)


class SeatCard(Static):
    """One seat at the table; a click on it asks to turn over that seat's mat (Skull)."""

    class Clicked(Message):
        """A seat card was clicked."""

        def __init__(self, seat: int) -> None:
            super().__init__()
            self.seat = seat

    def __init__(self, seat: int, name: str) -> None:
        super().__init__(id=f"seat-{seat}", classes="seat")
        self.seat = seat
        self.border_title = f"seat {seat}"
        self.border_subtitle = seat_spec(name)

    def on_click(self, event: events.Click) -> None:
        """Tell the screen which seat was clicked."""
        event.stop()
        self.post_message(self.Clicked(self.seat))


class GameLog(RichLog):
    """The moves of the game in plain words (not focusable: keys belong to the moves)."""

    can_focus = False

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id, wrap=True, markup=False, highlight=False, auto_scroll=True)
        self.border_title = "Game log"
        self.lines_written = 0

    def sync(self, lines: Sequence[str]) -> None:
        """Write the lines of ``lines`` not written yet."""
        for line in lines[self.lines_written :]:
            self.write(line)
        self.lines_written = len(lines)


class TooSmall(Static):
    """Shown instead of the layout when the terminal is smaller than the minimum."""

    def __init__(self) -> None:
        super().__init__(
            f"The terminal is too small.\n\nPlease make it at least {MIN_WIDTH}×{MIN_HEIGHT} "
            "characters.\n\n(q quits)",
            classes="too-small",
        )


class SizeGuard:
    """Mixin for screens: the class ``-too-small`` while the terminal is under the minimum.

    The stylesheet then hides the screen's children and shows its :class:`TooSmall`.
    """

    def _guard_size(self) -> None:
        width, height = self.app.size  # type: ignore[attr-defined]
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        self.set_class(small, "-too-small")  # type: ignore[attr-defined]

    def on_mount(self) -> None:
        """Check the size when the screen appears."""
        self._guard_size()

    def on_resize(self, event: events.Resize) -> None:
        """Check the size when the terminal changes."""
        self._guard_size()

    def on_screen_resume(self) -> None:
        """Check the size when the screen comes back on top."""
        self._guard_size()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The screen's keys do nothing while the layout is hidden (the app's keys still work)."""
        return not self.has_class("-too-small")  # type: ignore[attr-defined]
