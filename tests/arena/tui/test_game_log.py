"""The game log wraps its lines and keeps the newest one in sight (arena/tui/widgets.py)."""

from __future__ import annotations

from textual.geometry import Region
from textual.widgets import Static

from arena.tui.game_screen import GameScreen
from arena.tui.screens import EndScreen, RoundScreen
from arena.tui.widgets import GameLog
from tests.arena.tui.helpers import make_app, play_first_legal, run_async, settle


def shown_words(log: GameLog) -> list[str]:
    """The words of the log as drawn (every wrapped row, visible or scrolled away)."""
    lines = log.query_one(".log-lines", Static)
    width, height = lines.size
    strips = lines.render_lines(Region(0, 0, width, height))
    return " ".join(strip.text for strip in strips).split()


def check_log(log: GameLog, lines: list[str]) -> tuple[bool, bool]:
    """The log shows every line whole and its newest line; (wrapped, scrolled) for the test."""
    assert log.lines == lines
    assert log.max_scroll_x == 0  # nothing is cut off at the right
    assert shown_words(log) == " ".join(lines).split()
    assert log.scroll_y == log.max_scroll_y  # the newest line is in sight
    rows = log.query_one(".log-lines", Static).size.height
    return rows > len(lines), log.max_scroll_y > 0


@run_async
async def test_the_log_wraps_long_lines_and_follows_the_newest(tmp_path):
    app = make_app(tmp_path / "x.db", "liars_dice", players=3, params={"dice": 2}, seat=2, seed=5)
    wrapped = scrolled = False
    async with app.run_test(size=(80, 24)) as pilot:
        for turn in range(500):
            await settle(pilot)
            await pilot.pause()
            screen = app.screen
            if isinstance(screen, RoundScreen):
                await pilot.press("enter")
                continue
            if isinstance(screen, EndScreen):  # the moves of the whole game, the same way
                check_log(screen.query_one("#moves", GameLog), app.session.log)
                break
            assert isinstance(screen, GameScreen)
            w, s = check_log(screen.query_one("#log", GameLog), screen.session.log)
            wrapped, scrolled = wrapped or w, scrolled or s
            await play_first_legal(pilot, turn, clicks=False)
        assert isinstance(app.screen, EndScreen)
        assert wrapped and scrolled  # the checks were not vacuous
