"""The footer's keys fit the table, Ctrl+C quits, the help's tables and the bid notation."""

from __future__ import annotations

import pytest
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey
from textual.widgets._markdown import MarkdownParagraph, MarkdownTableContent

from arena.ladder import Ladder
from arena.tui.game_screen import GameScreen
from arena.tui.help_text import COMMON_KEYS
from arena.tui.liars_dice.rules_text import KEYS as DICE_KEYS
from arena.tui.liars_dice.screen import LiarsDiceScreen
from arena.tui.screens import ConfirmQuitScreen, EndScreen, HelpScreen
from arena.tui.skull.rules_text import KEYS as SKULL_KEYS
from tests.arena.tui.helpers import SIZE, make_app, play_to_end, run_async, settle


def footer_keys(screen) -> dict[str, str]:
    """The footer's keys as shown, by description."""
    footer = screen.query_one(Footer)
    return {key.description: key.key_display for key in footer.query(FooterKey)}


@pytest.mark.parametrize(
    ("game", "players", "params", "shown"),
    [
        ("skull", 4, {}, {"Seat": "0-3", "Rose": "r"}),
        ("skull", 3, {}, {"Seat": "0-2"}),
        ("liars_dice", 4, {}, {"Face": "1-6", "Liar": "l"}),
        ("liars_dice", 2, {"sides": 4}, {"Face": "1-4"}),
    ],
)
def test_the_footer_shows_the_keys_of_this_table(tmp_path, game, players, params, shown):
    @run_async
    async def scenario() -> None:
        app = make_app(tmp_path / "x.db", game, players=players, params=params)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.pause()
            assert isinstance(app.screen, GameScreen)
            keys = footer_keys(app.screen)
            assert {name: keys.get(name) for name in shown} == shown

    scenario()


@run_async
async def test_ctrl_c_quits_mid_game_after_asking_and_at_once_after_the_game(tmp_path):
    db = tmp_path / "ladder.db"
    app = make_app(db, "skull")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+c")
        assert isinstance(app.screen, ConfirmQuitScreen)  # a question, not a toast
        assert not app._notifications
        await pilot.press("ctrl+c")  # a second Ctrl+C quits
    assert not app.is_running and app.return_value is None
    assert not db.exists() or Ladder(db).games() == []

    app = make_app(db, "liars_dice", players=2, params={"dice": 1})
    async with app.run_test(size=SIZE) as pilot:
        await play_to_end(pilot, clicks=False)
        assert isinstance(app.screen, EndScreen)
        await pilot.press("ctrl+c")  # no game in progress: no question
    assert not app.is_running


@pytest.mark.parametrize(("game", "rows"), [("liars_dice", DICE_KEYS), ("skull", SKULL_KEYS)])
def test_the_help_shows_its_keys_as_one_table(tmp_path, game, rows):
    @run_async
    async def scenario() -> None:
        app = make_app(tmp_path / "x.db", game)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("f1")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            (table,) = app.screen.query(MarkdownTableContent)
            assert [str(c) for c in table.headers] == ["key", "move"]
            assert len(table.rows) == len(rows) + len(COMMON_KEYS)
            assert [str(row[0]) for row in table.rows[-len(COMMON_KEYS) :]] == [
                key for key, _ in COMMON_KEYS
            ]
            paragraphs = [str(p.render()) for p in app.screen.query(MarkdownParagraph)]
            assert paragraphs and not any("|" in text for text in paragraphs)

    scenario()


@run_async
async def test_the_bid_notation_is_explained(tmp_path):
    app = make_app(tmp_path / "x.db", "liars_dice", seat=2, seed=3)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LiarsDiceScreen) and screen.view.bids
        bid = screen.view.current_bid
        info = str(screen.query_one("#info", Static).render())
        assert "Bids (quantity-face):" in info
        dice = "die shows" if bid.quantity == 1 else "dice show"
        assert f"Standing bid {bid}: at least {bid.quantity} {dice} {bid.face}" in info
        await pilot.press("question_mark")
        await pilot.pause()
        assert '**5-1** means "at least five\ndice show a 1"' in app.screen.markdown
