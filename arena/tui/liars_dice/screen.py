"""The Liar's Dice table: a bid picker (quantity and face), Bid and Liar."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Label

from arena.tui.controls import MoveButton
from arena.tui.game_screen import GameScreen
from arena.tui.liars_dice.view import LiarsDiceView
from arena.tui.session import GameSession
from arena.tui.widgets import show


class LiarsDiceControls(Vertical):
    """The bid picker (quantity and face), Bid and Liar."""

    def __init__(self, sides: int) -> None:
        super().__init__(id="controls")
        self.sides = sides

    def compose(self) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Label("Bid ", classes="row-label")
            yield MoveButton("-", "screen.quantity(-1)", "qty-down")
            yield Label("1", id="quantity", classes="picked-number")
            yield MoveButton("+", "screen.quantity(1)", "qty-up")
            yield Label(" × ", classes="row-label")
            for face in range(1, self.sides + 1):
                yield MoveButton(str(face), f"screen.face({face})", f"face-{face}")
            yield MoveButton("Bid", "screen.bid", "bid")
            yield MoveButton("Liar!", "screen.liar", "liar")

    def show(self, view: LiarsDiceView, quantity: int, face: int) -> None:
        """Show the picked bid and which moves are legal now."""
        faces = {b.face for b in view.legal_bids}
        show(self.query_one("#quantity", Label), str(quantity))
        for f in range(1, self.sides + 1):
            button = self.query_one(f"#face-{f}", MoveButton)
            button.set_class(f == face, "-picked")
            button.set_legal(f in faces)
        down, up = view.bid_action(quantity - 1, face), view.bid_action(quantity + 1, face)
        self.query_one("#qty-down", MoveButton).set_legal(down is not None)
        self.query_one("#qty-up", MoveButton).set_legal(up is not None)
        bid = self.query_one("#bid", MoveButton)
        bid.relabel(f"Bid {quantity}-{face}")
        bid.set_legal(view.bid_action(quantity, face) is not None)
        self.query_one("#liar", MoveButton).set_legal(view.liar is not None)


class LiarsDiceScreen(GameScreen):
    """The Liar's Dice table: a bid picker (quantity and face), Bid and Liar."""

    BINDINGS = [
        Binding("up,plus", "quantity(1)", "Dice ±", key_display="↑↓"),
        Binding("down,minus", "quantity(-1)", "Fewer dice", show=False),
        Binding("1", "face(1)", "Face"),
        *(Binding(str(f), f"face({f})", show=False) for f in range(2, 7)),
        Binding("enter,b", "bid", "Bid", key_display="enter"),
        Binding("l", "liar", "Liar"),
    ]

    view: LiarsDiceView

    def __init__(self, session: GameSession, delay: float) -> None:
        super().__init__(session, delay)
        self.quantity = 1
        self.face = 1

    def key_display(self, action: str) -> str | None:
        """The face keys of this table's dice (``1-4`` for four-sided dice)."""
        return f"1-{self.session.game.sides}" if action == "face(1)" else None

    def make_controls(self) -> Widget:
        return LiarsDiceControls(self.session.game.sides)

    def reset_picker(self) -> None:
        if self.view.legal_bids:
            lowest = self.view.legal_bids[0]
            self.quantity, self.face = lowest.quantity, lowest.face

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
        return f"No bid is higher than {self.view.current_bid}: call Liar (l)."

    def action_quantity(self, delta: int) -> None:
        """Pick one die more or fewer."""
        if not self.can_move():
            return
        view, quantity = self.view, self.quantity + delta
        if view.bid_action(quantity, self.face) is not None:
            self.quantity = quantity
            self.show_controls()
        elif not view.legal_bids:
            self.say(self._no_bid_reason())
        elif quantity > view.dice_in_play:
            self.say(f"There are only {view.dice_in_play} dice in play.")
        elif quantity < 1:
            self.say("A bid is at least one die.")
        else:
            self.say(f"{quantity}-{self.face} is not higher than {view.current_bid}.")

    def action_face(self, face: int) -> None:
        """Pick the face of the bid (the quantity rises if it must)."""
        if not self.can_move():
            return
        if face > self.view.sides:
            self.say(f"The dice have faces 1 to {self.view.sides}.")
            return
        quantities = self.view.quantities(face)
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
        action = self.view.bid_action(self.quantity, self.face)
        if action is not None:
            self.play(action)
        elif not self.view.legal_bids:
            self.say(self._no_bid_reason())
        else:
            self.say(f"{self.quantity}-{self.face} is not a legal bid now.")

    def action_liar(self) -> None:
        """Call Liar on the last bid."""
        if not self.can_move():
            return
        if self.view.liar is not None:
            self.play(self.view.liar)
        else:
            self.say("Nobody has bid yet this round: there is nothing to call Liar on.")
