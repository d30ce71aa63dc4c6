"""The table: the board, the game log, the move pickers, and the loop that runs the game.

:class:`GameScreen` drives a :class:`~arena.tui.session.GameSession`: it shows the human's view,
sends the human's moves, and asks agents for theirs in thread workers (never on the UI thread),
then shows the end of each round and hands the finished game to the app. The two subclasses
add each game's keys and pickers.
"""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Header, Static
from textual.worker import Worker, WorkerState, get_current_worker

from arena.players import InProcessPlayer
from arena.tui.controls import LiarsDiceControls, SkullControls
from arena.tui.screens import RoundScreen
from arena.tui.session import AgentMove, GameSession, think
from arena.tui.view import GameView, LiarsDiceView, SkullView
from arena.tui.widgets import (
    GameLog,
    SeatCard,
    SizeGuard,
    TooSmall,
    dice_card_text,
    dice_info_text,
    show,
    skull_card_text,
    skull_info_text,
)
from games.core import IllegalActionError, Observation

GAME_TITLES = {"liars_dice": "Liar's Dice", "skull": "Skull"}
"""Window titles by game name."""


def table_summary(session: GameSession) -> str:
    """The table in a few words (``4 players, 5 dice, 6s wild``)."""
    p = session.config.params
    if session.game.name == "liars_dice":
        wild = {"highest": f"{p['sides']}s wild", "ones": "1s wild", "none": "no wilds"}
        mode = "" if p["mode"] == "elimination" else ", one round"
        dice = "1 die" if p["dice"] == 1 else f"{p['dice']} dice"
        return f"{p['players']} players, {dice}, {wild[p['wild']]}{mode}"
    return f"{p['players']} players, {p['wins_needed']} points to win"


class GameScreen(SizeGuard, Screen[None]):
    """The table of one game; subclasses add the game's pickers and keys.

    Args:
        session: the game.
        delay: the least seconds an agent's move takes.
    """

    class Finished(Message):
        """The game is over (the app records it and shows the end screen)."""

        def __init__(self, session: GameSession) -> None:
            super().__init__()
            self.session = session

    def __init__(self, session: GameSession, delay: float) -> None:
        super().__init__()
        self.session = session
        self.delay = delay
        self.view: GameView = session.view()
        self.message = ""
        """The last explanation given for refused input (tests read it)."""
        self._pending: Worker[AgentMove] | None = None
        self._picked_for = -1

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="seats", classes="body"):
            for seat, name in enumerate(self.session.names):
                yield SeatCard(seat, name)
        with Horizontal(id="middle", classes="body"):
            with VerticalScroll(id="info-box"):
                yield Static(id="info")
            yield GameLog(id="log")
        yield self.make_controls()
        yield Static(id="status", classes="body")
        yield Footer(compact=True)
        yield TooSmall()

    def make_controls(self) -> Widget:
        """The game's move pickers."""
        raise NotImplementedError

    def on_mount(self) -> None:
        """Show the table and start the game."""
        self.title = GAME_TITLES.get(self.session.game.name, self.session.game.name)
        self.sub_title = f"you are seat {self.session.seat} · {table_summary(self.session)}"
        self.advance()

    # -- the game loop ---------------------------------------------------------------------
    @property
    def thinking(self) -> bool:
        """Whether an agent's move is being computed."""
        return self._pending is not None

    def advance(self) -> None:
        """Show the state, then: a finished round, the end, the human's turn or an agent's."""
        self.refresh_view()
        session = self.session
        rounds = session.new_rounds()
        if rounds:
            self.set_status("The round is over.")
            self.app.push_screen(RoundScreen(rounds, session.names), self._round_seen)
        elif session.chance_pending:
            session.run_chance()
            self.advance()
        elif session.over:
            self.post_message(self.Finished(session))
        elif session.human_to_move:
            self.set_status(self.turn_prompt())
        else:
            turn, seat, player, obs = session.agent_request()
            self.set_status(f"{session.names[seat]} is thinking…")
            self._pending = self._think(turn, seat, player, obs)

    def _round_seen(self, _: None) -> None:
        self.advance()

    @work(thread=True, exclusive=True, group="agents", description="an agent's move")
    def _think(self, turn: int, seat: int, player: InProcessPlayer, obs: Observation) -> AgentMove:
        """An agent's move, in a thread; takes at least ``delay`` seconds (cancellable)."""
        worker = get_current_worker()
        deadline = time.monotonic() + self.delay
        move = think(player, turn, seat, obs)
        while not worker.is_cancelled and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 0.05))
        return move

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Apply an agent's move once its worker is done."""
        if event.worker is not self._pending or event.state != WorkerState.SUCCESS:
            return
        self._pending = None
        if self.session.play_agent(event.worker.result):
            self.advance()

    # -- the human's moves -----------------------------------------------------------------
    def play(self, text: str) -> None:
        """Play the human's move ``text`` (an action string), or say why it cannot be played."""
        if not self.can_move():
            return
        try:
            self.session.play_human(text)
        except IllegalActionError:
            self.say(f"{text} is not a legal move now")
            return
        self.message = ""
        self.advance()

    def can_move(self) -> bool:
        """True when the human may move now; else say why not."""
        session = self.session
        if session.over:
            self.say("The game is over.")
            return False
        seat = session.to_move()
        if seat is None:
            self.say("Wait: the round is not over yet.")
            return False
        if seat != session.seat:
            self.say(f"Wait: it is {session.names[seat]}'s turn, not yours.")
            return False
        return True

    def say(self, message: str) -> None:
        """Explain refused input: on the status line and in a notification."""
        self.message = message
        self.set_status(message, warning=True)
        self.notify(message, severity="warning", timeout=3)

    def set_status(self, text: str, warning: bool = False) -> None:
        """The line under the pickers."""
        status = self.query_one("#status", Static)
        show(status, text)
        status.set_class(warning, "-warning")

    # -- showing the state -----------------------------------------------------------------
    def refresh_view(self) -> None:
        """Redraw the board, the log and the pickers from the human's view."""
        self.view = self.session.view()
        if self.view.your_turn and self._picked_for != self.session.moves:
            self._picked_for = self.session.moves
            self.reset_picker()
        for seat in self.view.seats:
            card = self.query_one(f"#seat-{seat.seat}", SeatCard)
            show(card, self.card_text(seat))
            card.set_class(seat.to_move, "-to-move")
            card.set_class(seat.you, "-you")
        show(self.query_one("#info", Static), self.info_text(), layout=True)
        self.query_one("#log", GameLog).sync(self.session.log)
        self.show_controls()

    def card_text(self, seat: Any) -> Text:
        """The body of a seat's card."""
        raise NotImplementedError

    def info_text(self) -> Text:
        """The table's public state."""
        raise NotImplementedError

    def reset_picker(self) -> None:
        """Set the pickers to the lowest legal move when the human's turn starts."""

    def show_controls(self) -> None:
        """Show the pickers for the current view."""
        raise NotImplementedError

    def turn_prompt(self) -> str:
        """What the status line says when it is the human's turn."""
        raise NotImplementedError


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


def screen_for(session: GameSession, delay: float) -> GameScreen:
    """The table screen of the session's game."""
    if session.game.name == "liars_dice":
        return LiarsDiceScreen(session, delay)
    return SkullScreen(session, delay)
