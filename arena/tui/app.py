"""The ``arena play`` app: one person against agents, game after game, recorded in the ladder."""

from __future__ import annotations

import sqlite3
import sys

from textual.app import App
from textual.binding import Binding

from arena.ladder import default_db_path
from arena.tui.config import PlayConfig
from arena.tui.game_screen import GameScreen
from arena.tui.help_text import rules_markdown
from arena.tui.screens import ConfirmQuitScreen, EndScreen, HelpScreen, end_title
from arena.tui.session import GameSession, game_seed


class PlayApp(App[None]):
    """Play ``config``'s game against its agents; a new game on request.

    Args:
        config: the table, the opponents, the human's seat, the ladder.
    """

    CSS_PATH = "play.tcss"
    TITLE = "arena play"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("question_mark,f1", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "quit", "Quit", show=False),
    ]

    def __init__(self, config: PlayConfig) -> None:
        super().__init__()
        self.config = config
        self.session: GameSession | None = None
        self.games_started = 0
        self.recorded: list[str] = []
        """Names of the one-game tournaments recorded in this run."""

    def on_mount(self) -> None:
        """Start the first game."""
        self.new_game()

    def new_game(self) -> None:
        """Start a game at the table (the seed of game ``k`` is ``seed + k``)."""
        seed = game_seed(self.config.seed, self.games_started)
        self.games_started += 1
        self.session = GameSession(self.config, seed)
        screen = self.session.ui.screen(self.session, self.config.delay)
        if len(self.screen_stack) > 1:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def on_game_screen_finished(self, message: GameScreen.Finished) -> None:
        """Record the finished game and show the end screen."""
        session = message.session
        try:
            self.recorded.append(session.record())
            note = f"The game is recorded in the ladder; you play as {self.config.human_spec}."
        except (ValueError, OSError, sqlite3.Error) as exc:
            note = f"The game could not be recorded: {exc}"
            self.notify(note, severity="error")
        result = session.result
        assert result is not None
        forfeit = f"{session.names[session.forfeit[0]]} forfeited" if session.forfeit else None
        title = end_title(result.returns, session.names, forfeit)
        end = EndScreen(title, result.returns, result.ranking, session.names, session.log, note)
        end.title = f"{session.ui.title} — game over"
        self.switch_screen(end)

    def on_end_screen_play_again(self, message: EndScreen.PlayAgain) -> None:
        """Another game at the same table."""
        self.new_game()

    def get_key_display(self, binding: Binding) -> str:
        """A key as the footer shows it; a table may show its own range (``0-3`` at 4 seats)."""
        if isinstance(self.screen, GameScreen):
            shown = self.screen.key_display(binding.action)
            if shown is not None:
                return shown
        return super().get_key_display(binding)

    def action_help(self) -> None:
        """Show (or close) the rules of the game."""
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
            return
        self.push_screen(HelpScreen(rules_markdown(self.config.game, self.config.params)))

    async def action_quit(self) -> None:
        """Quit (q, Ctrl+Q, Ctrl+C); mid-game ask first (an unfinished game is not recorded)."""
        if isinstance(self.screen, ConfirmQuitScreen):
            return
        if self.session is None or self.session.over:
            self.exit()
            return
        self.push_screen(ConfirmQuitScreen(), self._quit_answer)

    def _quit_answer(self, quit_game: bool | None) -> None:
        if quit_game:
            self.exit()


def run_play(config: PlayConfig) -> int:
    """Run the app until the person quits; say where the finished games went; exit status 0."""
    app = PlayApp(config)
    app.run()
    if app.recorded:
        where = config.db or default_db_path()
        count = f"{len(app.recorded)} game{'s' if len(app.recorded) > 1 else ''}"
        print(f"arena: recorded {count} in {where}: {', '.join(app.recorded)}", file=sys.stderr)
    return 0
