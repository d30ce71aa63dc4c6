"""The table: the board, the game log, the move pickers, and the loop that runs the game.

:class:`GameScreen` drives a :class:`~arena.tui.session.GameSession`: it shows the human's view,
sends the human's moves, and asks agents for theirs in thread workers (never on the UI thread),
then shows the end of each round and hands the finished game to the app. Each game's subclass
(in its package, found through :mod:`arena.tui.registry`) adds the game's keys and pickers.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Header, Static
from textual.worker import Worker, WorkerState, get_current_worker

from arena.players import InProcessPlayer
from arena.tui.screens import RoundScreen
from arena.tui.session import AgentMove, GameSession, think
from arena.tui.view import GameView, SeatView
from arena.tui.widgets import (
    GameLog,
    SeatCard,
    SizeGuard,
    TooSmall,
    show,
)
from games.core import IllegalActionError, Observation


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

    def key_display(self, action: str) -> str | None:
        """How the footer shows the key of ``action`` at this table (``None``: as declared)."""
        return None

    def on_mount(self) -> None:
        """Show the table and start the game."""
        ui, session = self.session.ui, self.session
        self.title = ui.title
        self.sub_title = f"you are seat {session.seat} · {ui.table_summary(session.config.params)}"
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
            texts = [(view.number, session.ui.round_text(view, session.names)) for view in rounds]
            self.app.push_screen(RoundScreen(texts), self._round_seen)
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
    def play(self, action: int) -> None:
        """Play the human's move ``action`` (an action id), or say why it cannot be played."""
        if not self.can_move():
            return
        try:
            self.session.play_human(action)
        except IllegalActionError:
            self.say(f"{self.session.state.action_to_string(action)} is not a legal move now")
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

    def card_text(self, seat: SeatView) -> Text:
        """The body of a seat's card."""
        return self.session.ui.card_text(self.view, seat)

    def info_text(self) -> Text:
        """The table's public state."""
        return self.session.ui.info_text(self.view, self.session.names)

    def reset_picker(self) -> None:
        """Set the pickers to the lowest legal move when the human's turn starts."""

    def show_controls(self) -> None:
        """Show the pickers for the current view."""
        raise NotImplementedError

    def turn_prompt(self) -> str:
        """What the status line says when it is the human's turn."""
        raise NotImplementedError
