"""The Liar's Dice table: a bid picker (quantity and face), Bid and Liar."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget

from arena.tui.controls import LiarsDiceControls
from arena.tui.game_screen import GameScreen
from arena.tui.session import GameSession
from arena.tui.view import LiarsDiceView
from arena.tui.widgets import dice_card_text, dice_info_text


class LiarsDiceScreen(GameScreen):
    """The Liar's Dice table: a bid picker (quantity and face), Bid and Liar."""

    BINDINGS = [
        Binding("up,plus", "quantity(1)", "Dice ±", key_display="↑↓"),
        Binding("down,minus", "quantity(-1)", "Fewer dice", show=False),
        Binding("1", "face(1)", "Face", key_display="1-6"),
        *(Binding(str(f), f"face({f})", show=False) for f in range(2, 7)),
        Binding("enter,b", "bid", "Bid", key_display="enter"),
        Binding("l", "liar", "Liar"),
    ]

    view: LiarsDiceView

    def __init__(self, session: GameSession, delay: float) -> None:
        super().__init__(session, delay)
        self.quantity = 1
        self.face = 1

    def make_controls(self) -> Widget:
        return LiarsDiceControls(self.session.game.sides)

    def card_text(self, seat: Any) -> Text:
        return dice_card_text(self.view, seat)

    def info_text(self) -> Text:
        return dice_info_text(self.view, self.session.names)

    def reset_picker(self) -> None:
        if self.view.legal_bids:
            self.quantity, self.face = self.view.legal_bids[0]

    def show_controls(self) -> None:
        self.query_one(LiarsDiceControls).show(self.view, self.quantity, self.face)

    def turn_prompt(self) -> str:
        bid = self.view.current_bid
        if bid is None:
            return "Your turn: open the bidding (pick quantity and face, then enter)."
        if not self.view.legal_bids:
            return f"Your turn: no bid is higher than {bid}: call Liar (l)."
        return f"Your turn: bid higher than {bid} (enter) or call Liar (l)."

    def _no_bid_reason(self) -> str:
        bid = self.view.current_bid
        return f"No bid is higher than {bid}: call Liar (l)."

    def action_quantity(self, delta: int) -> None:
        """Pick one die more or fewer."""
        if not self.can_move():
            return
        legal = self.view.legal_bids
        quantity = self.quantity + delta
        if (quantity, self.face) in legal:
            self.quantity = quantity
            self.show_controls()
        elif not legal:
            self.say(self._no_bid_reason())
        elif quantity > self.view.dice_in_play:
            self.say(f"There are only {self.view.dice_in_play} dice in play.")
        elif quantity < 1:
            self.say("A bid is at least one die.")
        else:
            self.say(f"{quantity}-{self.face} is not higher than {self.view.current_bid}.")

    def action_face(self, face: int) -> None:
        """Pick the face of the bid (the quantity rises if it must)."""
        if not self.can_move():
            return
        if face > self.view.sides:
            self.say(f"The dice have faces 1 to {self.view.sides}.")
            return
        quantities = [q for q, f in self.view.legal_bids if f == face]
        if not quantities:
            bid = self.view.current_bid
            self.say(f"No bid on {face}s is higher than {bid}." if bid else "No legal bid.")
            return
        if self.quantity not in quantities:
            self.quantity = min(quantities)
        self.face = face
        self.show_controls()

    def action_bid(self) -> None:
        """Make the picked bid."""
        if not self.can_move():
            return
        if (self.quantity, self.face) in self.view.legal_bids:
            self.play(f"{self.quantity}-{self.face}")
        elif not self.view.legal_bids:
            self.say(self._no_bid_reason())
        else:
            self.say(f"{self.quantity}-{self.face} is not a legal bid now.")

    def action_liar(self) -> None:
        """Call Liar on the last bid."""
        if not self.can_move():
            return
        if self.view.can_call_liar:
            self.play("Liar")
        else:
            self.say("Nobody has bid yet this round: there is nothing to call Liar on.")
