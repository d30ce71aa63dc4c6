"""The Skull table: place, bid, pass, turn over, discard, choose the starter."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget

from arena.tui.controls import SkullControls
from arena.tui.game_screen import GameScreen
from arena.tui.session import GameSession
from arena.tui.view import SkullView
from arena.tui.widgets import SeatCard, skull_card_text, skull_info_text

SKULL_PROMPTS = {
    "placement": "Your turn: place a disc (r rose, s skull).",
    "add_or_bid": "Your turn: place another disc (r/s) or open the bidding (pick, then enter).",
    "bidding": "Your turn: raise the bid (pick, then enter) or pass (p).",
    "attempt": "Your turn: turn over a mat (its seat number, or click it).",
    "discard": "Your own skull! Discard one of your discs: r rose, s skull.",
    "choose_starter": "You are out: choose who starts the next round (a seat number).",
}


class SkullScreen(GameScreen):
    """The Skull table: place, bid, pass, turn over, discard, choose the starter."""

    BINDINGS = [
        Binding("r", "disc(0)", "Rose"),
        Binding("s", "disc(1)", "Skull"),
        Binding("up,plus", "bid_step(1)", "Bid ±", key_display="↑↓"),
        Binding("down,minus", "bid_step(-1)", "Lower bid", show=False),
        Binding("enter,b", "bid", "Bid", key_display="enter"),
        Binding("p", "pass_bid", "Pass"),
        Binding("0", "seat(0)", "Seat", key_display="0-5"),
        *(Binding(str(k), f"seat({k})", show=False) for k in range(1, 6)),
    ]

    view: SkullView

    def __init__(self, session: GameSession, delay: float) -> None:
        super().__init__(session, delay)
        self.bid_pick = 1

    def make_controls(self) -> Widget:
        return SkullControls(self.session.game.num_players)

    def card_text(self, seat: Any) -> Text:
        return skull_card_text(self.view, seat)

    def info_text(self) -> Text:
        return skull_info_text(self.view, self.session.names)

    def reset_picker(self) -> None:
        bids = self.view.legal_numbers("bid")
        if bids:
            self.bid_pick = min(bids)

    def show_controls(self) -> None:
        self.query_one(SkullControls).show(self.view, self.bid_pick)

    def turn_prompt(self) -> str:
        view = self.view
        if view.phase == "add_or_bid" and view.your_hand == (0, 0):
            return "Your turn: no disc left in hand: open the bidding (pick, then enter)."
        if view.phase == "attempt":
            return f"{SKULL_PROMPTS['attempt']} {view.roses_revealed} of {view.bid} roses so far."
        return SKULL_PROMPTS[view.phase]

    def _refuse(self, what: str) -> None:
        """Say that ``what`` is not possible now, and what is."""
        now = self.turn_prompt().removeprefix("Your turn: ")
        self.say(f"{what} {now[0].upper()}{now[1:]}")

    def action_disc(self, kind: int) -> None:
        """Place (or, after one's own skull, discard) a rose or a skull."""
        if not self.can_move():
            return
        name = ("rose", "skull")[kind]
        verb = "discard" if self.view.phase == "discard" else "place"
        if f"{verb} {name}" in self.view.legal:
            self.play(f"{verb} {name}")
        elif verb == "discard":
            self._refuse(f"You have no {name} left.")
        elif self.view.phase in ("placement", "add_or_bid"):
            self._refuse(f"You have no {name} in hand.")
        else:
            self._refuse("No placing now.")

    def action_bid_step(self, delta: int) -> None:
        """Pick a bid one higher or lower."""
        if not self.can_move():
            return
        bids = self.view.legal_numbers("bid")
        if not bids:
            self._refuse("No bidding now.")
        elif self.bid_pick + delta in bids:
            self.bid_pick += delta
            self.show_controls()
        else:
            self.say(f"Bids go from {min(bids)} to {max(bids)} now.")

    def action_bid(self) -> None:
        """Bid the picked number."""
        if not self.can_move():
            return
        bids = self.view.legal_numbers("bid")
        if self.bid_pick in bids:
            self.play(f"bid {self.bid_pick}")
        elif not bids:
            self._refuse("No bidding now.")
        else:
            self.say(f"Bids go from {min(bids)} to {max(bids)} now.")

    def action_pass_bid(self) -> None:
        """Pass in the bidding."""
        if not self.can_move():
            return
        if "pass" in self.view.legal:
            self.play("pass")
        elif self.view.phase in ("placement", "add_or_bid"):
            self._refuse("Nobody has bid yet: there is nothing to pass on.")
        else:
            self._refuse("No passing now.")

    def action_seat(self, seat: int) -> None:
        """Turn over a seat's mat, or choose it to start the next round."""
        if not self.can_move():
            return
        if seat >= self.session.game.num_players:
            self.say(f"There is no seat {seat}.")
            return
        phase = self.view.phase
        move = f"starter {seat}" if phase == "choose_starter" else f"flip {seat}"
        if move in self.view.legal:
            self.play(move)
        elif phase == "choose_starter":
            self.say(f"Seat {seat} is out: choose a seat still in the game.")
        elif phase == "attempt":
            self.say(f"Seat {seat}'s mat has no face-down disc left.")
        else:
            self._refuse("Mats are turned over only during a challenge.")

    def on_seat_card_clicked(self, message: SeatCard.Clicked) -> None:
        """A click on a seat's card turns over its mat (or chooses it to start)."""
        self.action_seat(message.seat)
