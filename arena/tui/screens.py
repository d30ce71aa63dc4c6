"""The screens around a game: the end of a round, the end of the game, help, quitting."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Header, Markdown, Static

from arena.tui.narrate import describe_result
from arena.tui.widgets import GameLog, SizeGuard, TooSmall


class RoundScreen(SizeGuard, ModalScreen[None]):
    """What happened in the rounds that just ended; Enter goes on.

    Args:
        rounds: ``(number, text)`` of each round (the game's ``round_text``).
    """

    BINDINGS = [Binding("enter,space,escape", "dismiss", "Continue", key_display="enter")]

    def __init__(self, rounds: Sequence[tuple[int, Text]]) -> None:
        super().__init__()
        self.rounds = list(rounds)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog") as dialog:
            numbers = ", ".join(str(number) for number, _ in self.rounds)
            dialog.border_title = f"Round {numbers} is over"
            for _, text in self.rounds:
                yield Static(text, classes="round")
            yield Button("Continue (enter)", id="continue", action="screen.dismiss", compact=True)
        yield Footer(compact=True)
        yield TooSmall()

    def action_dismiss(self, result: None = None) -> None:
        """Close the round screen (the game goes on)."""
        self.dismiss(result)


class HelpScreen(SizeGuard, ModalScreen[None]):
    """The rules of the current game and the keys."""

    BINDINGS = [Binding("escape,question_mark,f1", "close", "Close", key_display="esc")]

    def __init__(self, markdown: str) -> None:
        super().__init__()
        self.markdown = markdown

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help", classes="dialog"):
            yield Markdown(self.markdown)
        yield Footer(compact=True)
        yield TooSmall()

    def action_close(self) -> None:
        """Back to the game."""
        self.dismiss(None)


class ConfirmQuitScreen(SizeGuard, ModalScreen[bool]):
    """Asks before quitting a game in progress (which is then not recorded); Ctrl+C again quits."""

    BINDINGS = [
        Binding("y,ctrl+c", "answer(True)", "Quit"),
        Binding("n,escape", "answer(False)", "Keep playing"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm", classes="dialog"):
            yield Static("Quit this game? It will not be recorded.", classes="question")
            with Horizontal(classes="buttons"):
                yield Button("Quit (y)", id="yes", variant="error", action="screen.answer(True)")
                yield Button("Keep playing (n)", id="no", action="screen.answer(False)")
        yield Footer(compact=True)
        yield TooSmall()

    def action_answer(self, quit_game: bool) -> None:
        """Close with the answer."""
        self.dismiss(quit_game)


class EndScreen(SizeGuard, Screen[None]):
    """The result, the moves of the game, play again or quit."""

    BINDINGS = [Binding("a", "again", "Play again")]
    AUTO_FOCUS = ""
    """No button has focus: an Enter meant for the last round's screen must not start a game."""

    def __init__(
        self,
        title: str,
        returns: Sequence[float],
        ranking: Sequence[Sequence[int]],
        names: Sequence[str],
        log: Sequence[str],
        note: str,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.returns = list(returns)
        self.ranking = [list(g) for g in ranking]
        self.names = list(names)
        self.log_lines = list(log)
        self.note = note

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="end", classes="body"):
            yield Static(self._result_text(), id="result")
            log = GameLog(id="moves")
            log.border_title = "The moves"
            yield log
            with Horizontal(classes="buttons"):
                yield Button("Play again (a)", id="again", variant="primary", action="screen.again")
                yield Button("Quit (q)", id="quit", action="app.quit")
        yield Footer(compact=True)
        yield TooSmall()

    def on_mount(self) -> None:
        """Fill in the moves."""
        self.query_one("#moves", GameLog).sync(self.log_lines)

    def _result_text(self) -> Text:
        text = Text(f"Game over. {self.title_text}\n\n", style="bold")
        for place, group in enumerate(self.ranking, start=1):
            for seat in group:
                text.append(f"  {place}. {self.names[seat]:<24} {self.returns[seat]:+.3f}\n")
        text.append(f"\n{self.note}")
        return text

    class PlayAgain(Message):
        """The person wants another game at the same table."""

    def action_again(self) -> None:
        """Ask the app for a new game at the same table."""
        self.post_message(self.PlayAgain())


def end_title(returns: Sequence[float], names: Sequence[str], forfeit: str | None) -> str:
    """The headline of the end screen."""
    title = describe_result(returns, names)
    return f"{title} ({forfeit})" if forfeit else title
