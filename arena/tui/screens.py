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

from arena.tui.narrate import describe_result, possessive
from arena.tui.view import DiceRoundView, RoundView, SkullRoundView
from arena.tui.widgets import GameLog, SizeGuard, TooSmall, dice_text


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def round_text(view: RoundView, names: Sequence[str]) -> Text:
    """What happened in a finished round, for the round screen."""
    if isinstance(view, DiceRoundView):
        return _dice_round_text(view, names)
    return _skull_round_text(view, names)


def _dice_round_text(view: DiceRoundView, names: Sequence[str]) -> Text:
    caller = names[view.caller]
    text = Text(
        f"{_cap(caller)} called Liar on {possessive(names, view.bid.seat)} bid {view.bid}.\n\n",
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
    loser = names[view.loser]
    is_you = loser == "you"
    what = "the round" if view.dice_left is None else "a die"
    line = f"{'You lose' if is_you else _cap(loser) + ' loses'} {what}"
    if view.dice_left == 0:
        line += " and " + ("are" if is_you else "is") + " out"
    elif view.dice_left is not None:
        line += f" ({view.dice_left} left)"
    text.append(line + ".", style="bold")
    return text


def _skull_round_text(view: SkullRoundView, names: Sequence[str]) -> Text:
    challenger = names[view.challenger]
    is_you = challenger == "you"
    text = Text(
        f"{_cap(challenger)} challenged for {view.bid} "
        f"rose{'s' if view.bid != 1 else ''}.\n\nTurned over:\n",
        style="bold",
    )
    for seat, kind in view.flips:
        text.append(f"  {possessive(names, seat):<24}")
        text.append(kind.upper() + "\n", style="bold red" if kind == "skull" else "bold green")
    if view.success:
        text.append(f"\nSuccess: {'you score' if is_you else challenger + ' scores'} a point!")
        return text
    if view.skull_owner == view.challenger:
        owner = "your own" if is_you else "their own"
        how = "chosen by the challenger"
    else:
        owner = possessive(names, view.skull_owner)
        how = f"taken at random by {names[view.skull_owner]}"
    lost = f"a {view.lost}" if view.lost else "a disc"
    text.append(f"\n{_cap(owner)} skull! ", style="bold")
    text.append(f"{'You lose' if is_you else _cap(challenger) + ' loses'} {lost} ({how})")
    if view.out:
        text.append(" and " + ("are" if is_you else "is") + " out")
    text.append(".")
    return text


class RoundScreen(SizeGuard, ModalScreen[None]):
    """What happened in the round that just ended; Enter goes on."""

    BINDINGS = [Binding("enter,space,escape", "dismiss", "Continue", key_display="enter")]

    def __init__(self, rounds: Sequence[RoundView], names: Sequence[str]) -> None:
        super().__init__()
        self.rounds = list(rounds)
        self.names = list(names)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog") as dialog:
            numbers = ", ".join(str(view.number) for view in self.rounds)
            dialog.border_title = f"Round {numbers} is over"
            for view in self.rounds:
                yield Static(round_text(view, self.names), classes="round")
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
    """Asks before quitting a game in progress (which is then not recorded)."""

    BINDINGS = [
        Binding("y", "answer(True)", "Quit"),
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
