"""Input that is not a legal move now changes nothing and says why (arena/tui)."""

from __future__ import annotations

from arena.tui.game_screen import GameScreen
from arena.tui.liars_dice import LiarsDiceScreen
from arena.tui.screens import ConfirmQuitScreen
from arena.tui.skull import SkullScreen
from games.skull.constants import ActionType, Disc, Phase
from tests.arena.tui.helpers import SIZE, make_app, play_first_legal, run_async, settle


def _snapshot(screen: GameScreen) -> tuple:
    session = screen.session
    return (session.state.history(), session.moves, tuple(session.log), screen.view)


async def _refused(pilot, action, expected: str) -> None:
    """Run ``action`` (a key or a click); assert nothing changed and the message says why."""
    screen = pilot.app.screen
    assert isinstance(screen, GameScreen)
    before = _snapshot(screen)
    screen.message = ""
    await action()
    assert _snapshot(screen) == before
    assert expected in screen.message, screen.message
    assert expected in str(screen.query_one("#status").render())


@run_async
async def test_liars_dice_refuses_illegal_keys(tmp_path):
    app = make_app(tmp_path / "x.db", "liars_dice", params={"sides": 4}, seat=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LiarsDiceScreen) and screen.session.human_to_move
        assert screen.view.bids == () and (screen.quantity, screen.face) == (1, 1)
        await _refused(pilot, lambda: pilot.press("l"), "Nobody has bid yet")
        await _refused(pilot, lambda: pilot.click("#liar"), "Nobody has bid yet")
        await _refused(pilot, lambda: pilot.press("down"), "at least one die")
        await _refused(pilot, lambda: pilot.press("6"), "faces 1 to 4")
        await pilot.press("up", "up", "3")
        assert (screen.quantity, screen.face) == (3, 3)
        await pilot.click("#qty-down")
        assert (screen.quantity, screen.face) == (2, 3)
        await pilot.press("enter")
        assert screen.session.human_moves == [screen.session.game.encode_bid(2, 3)]
        await settle(pilot)
        if screen.session.human_to_move and screen.view.current_bid.quantity < 16:
            # the picker starts at the lowest legal bid; a lower one is refused
            low = screen.view.legal_bids[0]
            await _refused(pilot, lambda: pilot.press("down"), "is not higher than")
            assert (screen.quantity, screen.face) == (low.quantity, low.face)


@run_async
async def test_skull_refuses_illegal_keys_and_clicks(tmp_path):
    app = make_app(tmp_path / "x.db", "skull", seat=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SkullScreen) and screen.view.phase is Phase.PLACEMENT
        await _refused(pilot, lambda: pilot.press("p"), "nothing to pass on")
        await _refused(pilot, lambda: pilot.click("#pass"), "nothing to pass on")
        await _refused(pilot, lambda: pilot.press("enter"), "No bidding now")
        await _refused(pilot, lambda: pilot.press("2"), "only during a challenge")
        await _refused(pilot, lambda: pilot.click("#seat-3"), "only during a challenge")
        await _refused(pilot, lambda: pilot.press("5"), "There is no seat 5")
        await pilot.press("s")
        assert screen.session.human_moves == [screen.session.game.place_action(Disc.SKULL)]
        await settle(pilot)
        assert screen.view.your_stack == ("skull",)
        await _refused(pilot, lambda: pilot.press("s"), "no skull in hand")
        # play on until the human may pass, then pass
        for turn in range(200):
            bidding = screen.view.phase is Phase.BIDDING
            if bidding and screen.view.action(ActionType.PASS) is not None:
                break
            if bidding:  # raise to the lowest bid
                await pilot.press("enter")
            else:
                await play_first_legal(pilot, turn)
            await settle(pilot)
            while app.screen is not screen:  # a round ended
                await pilot.press("enter")
                await settle(pilot)
        await _refused(pilot, lambda: pilot.press("r"), "No placing now")
        await pilot.press("p")
        assert screen.session.human_moves[-1] == screen.session.game.pass_action


@run_async
async def test_input_during_an_agents_turn_is_refused(tmp_path):
    app = make_app(tmp_path / "x.db", "liars_dice", seat=1, delay=30.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LiarsDiceScreen) and screen.thinking
        wait = "it is seat 0 (random)'s turn"
        await _refused(pilot, lambda: pilot.click("#bid"), wait)
        await _refused(pilot, lambda: pilot.click("#face-3"), wait)
        await _refused(pilot, lambda: pilot.press("enter"), wait)
        await _refused(pilot, lambda: pilot.press("l"), wait)
        assert screen.thinking and screen.session.human_moves == []
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmQuitScreen)
        await pilot.click("#yes")
    assert not app.is_running
