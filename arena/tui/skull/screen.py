"""The Skull table: place, bid, pass, turn over, discard, choose the starter."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Label

from arena.tui.controls import MoveButton
from arena.tui.game_screen import GameScreen
from arena.tui.session import GameSession
from arena.tui.skull.view import SkullView
from arena.tui.widgets import SeatCard, show
from games.skull.constants import KIND_NAMES, ActionType, Disc, Phase

PROMPTS = {
    Phase.PLACEMENT: "Your turn: place a disc (r rose, s skull).",
    Phase.ADD_OR_BID: "Your turn: place another disc (r/s) or open the bidding (pick, then enter).",
    Phase.BIDDING: "Your turn: raise the bid (pick, then enter) or pass (p).",
    Phase.ATTEMPT: "Your turn: turn over a mat (its seat number, or click it).",
    Phase.DISCARD: "Your own skull! Discard one of your discs: r rose, s skull.",
    Phase.CHOOSE_STARTER: "You are out: choose who starts the next round (a seat number).",
}
"""The status line on the human's turn, by phase."""


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
        discard = view.phase is Phase.DISCARD
        verb = "Discard" if discard else "Place"
        for kind in Disc:
            button = self.query_one(f"#{KIND_NAMES[kind]}", MoveButton)
            button.relabel(f"{verb} {KIND_NAMES[kind]}")
            button.set_legal(kind in view.args(ActionType.DISCARD if discard else ActionType.PLACE))
        bids = view.args(ActionType.BID)
        show(self.query_one("#bid-value", Label), str(bid))
        self.query_one("#bid-down", MoveButton).set_legal(bid - 1 in bids)
        self.query_one("#bid-up", MoveButton).set_legal(bid + 1 in bids)
        button = self.query_one("#bid", MoveButton)
        button.relabel(f"Bid {bid}")
        button.set_legal(bid in bids)
        self.query_one("#pass", MoveButton).set_legal(view.action(ActionType.PASS) is not None)
        starter = view.phase is Phase.CHOOSE_STARTER
        label = "Next starter: " if starter else "Turn over: "
        show(self.query_one("#seat-label", Label), label, layout=True)
        seats = view.args(ActionType.STARTER if starter else ActionType.FLIP)
        for seat in range(self.players):
            self.query_one(f"#pick-{seat}", MoveButton).set_legal(seat in seats)


class SkullScreen(GameScreen):
    """The Skull table: place, bid, pass, turn over, discard, choose the starter."""

    BINDINGS = [
        Binding("r", "disc(0)", "Rose"),
        Binding("s", "disc(1)", "Skull"),
        Binding("up,plus", "bid_step(1)", "Bid ±", key_display="↑↓"),
        Binding("down,minus", "bid_step(-1)", "Lower bid", show=False),
        Binding("enter,b", "bid", "Bid", key_display="enter"),
        Binding("p", "pass_bid", "Pass"),
        Binding("0", "seat(0)", "Seat"),
        *(Binding(str(k), f"seat({k})", show=False) for k in range(1, 6)),
    ]

    view: SkullView

    def __init__(self, session: GameSession, delay: float) -> None:
        super().__init__(session, delay)
        self.bid_pick = 1

    def key_display(self, action: str) -> str | None:
        """The seat keys of this table (``0-3`` at four seats)."""
        return f"0-{self.session.game.num_players - 1}" if action == "seat(0)" else None

    def make_controls(self) -> Widget:
        return SkullControls(self.session.game.num_players)

    def reset_picker(self) -> None:
        bids = self.view.args(ActionType.BID)
        if bids:
            self.bid_pick = min(bids)

    def show_controls(self) -> None:
        self.query_one(SkullControls).show(self.view, self.bid_pick)

    def turn_prompt(self) -> str:
        view = self.view
        if view.phase is Phase.ADD_OR_BID and view.your_hand == (0, 0):
            return "Your turn: no disc left in hand: open the bidding (pick, then enter)."
        if view.phase is Phase.ATTEMPT:
            return f"{PROMPTS[view.phase]} {view.roses_revealed} of {view.bid} roses so far."
        return PROMPTS[view.phase]

    def _refuse(self, what: str) -> None:
        """Say that ``what`` is not possible now, and what is."""
        now = self.turn_prompt().removeprefix("Your turn: ")
        self.say(f"{what} {now[0].upper()}{now[1:]}")

    def action_disc(self, kind: int) -> None:
        """Place (or, after one's own skull, discard) a rose or a skull."""
        if not self.can_move():
            return
        name, phase = KIND_NAMES[kind], self.view.phase
        discard = phase is Phase.DISCARD
        action = self.view.action(ActionType.DISCARD if discard else ActionType.PLACE, kind)
        if action is not None:
            self.play(action)
        elif discard:
            self._refuse(f"You have no {name} left.")
        elif phase in (Phase.PLACEMENT, Phase.ADD_OR_BID):
            self._refuse(f"You have no {name} in hand.")
        else:
            self._refuse("No placing now.")

    def _bid_range(self, bids: tuple[int, ...]) -> None:
        if not bids:
            self._refuse("No bidding now.")
        else:
            self.say(f"Bids go from {min(bids)} to {max(bids)} now.")

    def action_bid_step(self, delta: int) -> None:
        """Pick a bid one higher or lower."""
        if not self.can_move():
            return
        bids = self.view.args(ActionType.BID)
        if self.bid_pick + delta in bids:
            self.bid_pick += delta
            self.show_controls()
        else:
            self._bid_range(bids)

    def action_bid(self) -> None:
        """Bid the picked number."""
        if not self.can_move():
            return
        action = self.view.action(ActionType.BID, self.bid_pick)
        if action is not None:
            self.play(action)
        else:
            self._bid_range(self.view.args(ActionType.BID))

    def action_pass_bid(self) -> None:
        """Pass in the bidding."""
        if not self.can_move():
            return
        action = self.view.action(ActionType.PASS)
        if action is not None:
            self.play(action)
        elif self.view.phase in (Phase.PLACEMENT, Phase.ADD_OR_BID):
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
        kind = ActionType.STARTER if phase is Phase.CHOOSE_STARTER else ActionType.FLIP
        action = self.view.action(kind, seat)
        if action is not None:
            self.play(action)
        elif phase is Phase.CHOOSE_STARTER:
            self.say(f"Seat {seat} is out: choose a seat still in the game.")
        elif phase is Phase.ATTEMPT:
            self.say(f"Seat {seat}'s mat has no face-down disc left.")
        else:
            self._refuse("Mats are turned over only during a challenge.")

    def on_seat_card_clicked(self, message: SeatCard.Clicked) -> None:
        """A click on a seat's card turns over its mat (or chooses it to start)."""
        self.action_seat(message.seat)
