"""The move pickers: rows of buttons that run the same actions as the keys.

Buttons are never disabled: a press on a move that is not legal now runs the screen's action,
which says why and does nothing else. Moves that are not legal are dimmed (``-illegal``).
Buttons do not take focus, so every key goes to the screen's bindings.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label

from arena.tui.view import LiarsDiceView, SkullView
from arena.tui.widgets import show


class MoveButton(Button):
    """A compact button that never takes focus."""

    can_focus = False

    def __init__(self, label: str, action: str, id: str) -> None:
        super().__init__(label, action=action, id=id, compact=True, classes="move")

    def relabel(self, label: str) -> None:
        """Change the label (only when it differs: a new label costs a relayout)."""
        if str(self.label) != label:
            self.label = label

    def set_legal(self, legal: bool) -> None:
        """Dim the button when its move is not legal now."""
        self.set_class(not legal, "-illegal")


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
        legal = set(view.legal_bids)
        show(self.query_one("#quantity", Label), str(quantity))
        for f in range(1, self.sides + 1):
            button = self.query_one(f"#face-{f}", MoveButton)
            button.set_class(f == face, "-picked")
            button.set_legal(any(ff == f for _, ff in legal))
        self.query_one("#qty-down", MoveButton).set_legal((quantity - 1, face) in legal)
        self.query_one("#qty-up", MoveButton).set_legal((quantity + 1, face) in legal)
        bid = self.query_one("#bid", MoveButton)
        bid.relabel(f"Bid {quantity}-{face}")
        bid.set_legal((quantity, face) in legal)
        self.query_one("#liar", MoveButton).set_legal(view.can_call_liar)


class SkullControls(Vertical):
    """Place or discard a rose/skull, the bid picker, pass, and the seat buttons."""

    def __init__(self, players: int) -> None:
        super().__init__(id="controls")
        self.players = players

    def compose(self) -> ComposeResult:
        with Horizontal(classes="row"):
            yield MoveButton("Place rose", "screen.disc(0)", "rose")
            yield MoveButton("Place skull", "screen.disc(1)", "skull")
            yield Label("  Bid ", classes="row-label")
            yield MoveButton("-", "screen.bid_step(-1)", "bid-down")
            yield Label("1", id="bid-value", classes="picked-number")
            yield MoveButton("+", "screen.bid_step(1)", "bid-up")
            yield MoveButton("Bid", "screen.bid", "bid")
            yield MoveButton("Pass", "screen.pass_bid", "pass")
        with Horizontal(classes="row"):
            yield Label("Turn over: ", id="seat-label", classes="row-label")
            for seat in range(self.players):
                yield MoveButton(f"seat {seat}", f"screen.seat({seat})", f"pick-{seat}")

    def show(self, view: SkullView, bid: int) -> None:
        """Show the picked bid, the labels of this phase and which moves are legal now."""
        legal = set(view.legal)
        verb = "Discard" if view.phase == "discard" else "Place"
        for kind in ("rose", "skull"):
            button = self.query_one(f"#{kind}", MoveButton)
            button.relabel(f"{verb} {kind}")
            button.set_legal(f"{verb.lower()} {kind}" in legal)
        bids = set(view.legal_numbers("bid"))
        show(self.query_one("#bid-value", Label), str(bid))
        self.query_one("#bid-down", MoveButton).set_legal(bid - 1 in bids)
        self.query_one("#bid-up", MoveButton).set_legal(bid + 1 in bids)
        button = self.query_one("#bid", MoveButton)
        button.relabel(f"Bid {bid}")
        button.set_legal(bid in bids)
        self.query_one("#pass", MoveButton).set_legal("pass" in legal)
        starter = view.phase == "choose_starter"
        label = "Next starter: " if starter else "Turn over: "
        show(self.query_one("#seat-label", Label), label, layout=True)
        seats = set(view.legal_numbers("starter" if starter else "flip"))
        for seat in range(self.players):
            self.query_one(f"#pick-{seat}", MoveButton).set_legal(seat in seats)
