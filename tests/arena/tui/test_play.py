"""Playing whole games in the app through keys and clicks (arena/tui)."""

from __future__ import annotations

import itertools
import re
import threading
import time

import numpy as np
import pytest

from arena.ladder import Ladder, game_key
from arena.match import sample_chance
from arena.tui.game_screen import GameScreen
from arena.tui.liars_dice import LiarsDiceScreen
from arena.tui.screens import ConfirmQuitScreen, EndScreen, HelpScreen
from arena.tui.session import think
from arena.tui.skull import SkullScreen
from arena.tui.view import make_view
from arena.tui.widgets import TooSmall
from tests.arena.tui.helpers import (
    SIZE,
    hide_others,
    make_app,
    play_to_end,
    run_async,
    settle,
)


def _no_leak(screen: GameScreen) -> None:
    """The board's data equals the one of a state where the others' hidden data differ."""
    session = screen.session
    assert screen.view == session.view()
    assert screen.view == make_view(hide_others(session.state, session.seat), session.seat)


def _check_recorded(db, app, game: str) -> None:
    with Ladder(db) as ladder:
        rows = ladder.games()
        assert len(rows) == 1
        row = rows[0]
        tournament = ladder.tournament(row.tournament)
    config = app.config
    assert re.fullmatch(r"play-\d{8}-\d{6}-[0-9a-f]{4}", row.tournament)
    assert app.recorded == [row.tournament]
    assert tournament.config == {
        "kind": "play",
        "game": game,
        "params": config.params,
        "agents": list(config.seats),
    }
    assert tournament.total_games == 1 and tournament.finished is not None
    assert row.game_key == game_key(game, config.params)
    assert row.seats[config.seat] == "human:tester"
    assert row.seats.count("random") == config.players - 1
    session = app.session
    assert row.returns == list(session.result.returns)
    assert row.moves == session.moves and row.history == session.state.history()
    # the game is stored with the seeds it was played with: its chance stream replays it
    assert (row.deal, row.seeds) == (session.deal, list(session.agent_seeds))
    assert (row.pairing, row.index) == (0, 0)
    assert len(set(row.seeds)) == config.players and row.deal not in (0, *row.seeds)
    replay, rng = config.make_game().new_initial_state(), np.random.default_rng(row.deal)
    for action in row.history:
        if replay.is_chance_node():
            assert sample_chance(replay, rng.random()) == action
        replay.apply_action(action)
    assert row.winner == session.result.winner


@run_async
async def test_liars_dice_whole_game_with_keys_and_clicks(tmp_path):
    db = tmp_path / "ladder.db"
    app = make_app(db, "liars_dice", players=3, params={"dice": 2}, seat=1, seed=11)
    async with app.run_test(size=SIZE) as pilot:
        turns = await play_to_end(pilot, check=_no_leak)
        assert turns > 0 and app.session.game.liar in app.session.human_moves
        assert isinstance(app.screen, EndScreen)
        _check_recorded(db, app, "liars_dice")
        assert "Game over." in str(app.screen.query_one("#result").render())
        await pilot.press("q")  # the game is over: no question
    assert app.return_value is None and not app.is_running


@run_async
async def test_skull_whole_game_then_play_again(tmp_path):
    db = tmp_path / "ladder.db"
    params = {"roses": 1, "wins_needed": 1}  # a short game that still has every kind of move
    app = make_app(db, "skull", players=3, params=params, seat=1, seed=21)
    async with app.run_test(size=SIZE) as pilot:
        await play_to_end(pilot, check=_no_leak)
        kinds = {app.session.game.decode_action(a)[0].name for a in app.session.human_moves}
        assert kinds == {"PLACE", "BID", "FLIP", "DISCARD", "STARTER"}
        _check_recorded(db, app, "skull")
        log = app.session.log
        assert any(line.startswith("you place a disc") for line in log)
        assert not any(re.search(r"\(random\) places a (rose|skull)", line) for line in log)
        await pilot.click("#again")
        await settle(pilot)
        assert isinstance(app.screen, SkullScreen) and app.games_started == 2
        assert not app.session.over and app.session.seed == 22


@run_async
async def test_liars_dice_other_table_and_seat(tmp_path):
    """A duel with ones wild and four-sided dice, the human starting."""
    db = tmp_path / "ladder.db"
    params = {"dice": 2, "wild": "ones", "sides": 4}
    app = make_app(db, "liars_dice", players=2, params=params, seat=0, seed=14)
    async with app.run_test(size=(80, 24)) as pilot:
        await play_to_end(pilot, check=_no_leak)
        _check_recorded(db, app, "liars_dice")


def test_agents_move_in_worker_threads_with_delay(tmp_path, monkeypatch):
    from arena.tui import game_screen

    calls: list[tuple[str, float]] = []

    def spy(*args):
        calls.append((threading.current_thread().name, time.monotonic()))
        return think(*args)

    monkeypatch.setattr(game_screen, "think", spy)

    @run_async
    async def scenario() -> None:
        app = make_app(tmp_path / "x.db", "liars_dice", seat=3, delay=0.05)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, LiarsDiceScreen) and app.session.human_to_move
            assert [line for line in app.session.log if "(random) bids" in line]

    scenario()
    assert len(calls) == 3  # seats 0, 1, 2 before the human in seat 3
    assert all(name != threading.main_thread().name for name, _ in calls)
    assert all(b - a >= 0.05 for (_, a), (_, b) in itertools.pairwise(calls))


@pytest.mark.parametrize("key", ["q", "ctrl+q"])
@run_async
async def test_quit_mid_game_asks_and_records_nothing(tmp_path, key):
    db = tmp_path / "ladder.db"
    app = make_app(db, "skull")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(key)
        assert isinstance(app.screen, ConfirmQuitScreen)
        await pilot.press("n")
        assert isinstance(app.screen, SkullScreen)
        await pilot.press(key)
        await pilot.press("y")
    assert not app.is_running
    assert not db.exists() or Ladder(db).games() == []


@run_async
async def test_help_screen(tmp_path):
    app = make_app(tmp_path / "x.db", "skull")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert "challenger" in app.screen.markdown and "| p | pass |" in app.screen.markdown
        await pilot.press("escape")
        assert isinstance(app.screen, SkullScreen)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        assert isinstance(app.screen, SkullScreen)


@run_async
async def test_too_small_terminal(tmp_path):
    app = make_app(tmp_path / "x.db", "liars_dice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        too_small = screen.query_one(TooSmall)
        assert too_small.styles.display == "none" and not screen.has_class("-too-small")
        await pilot.resize_terminal(60, 15)
        await pilot.pause()
        assert screen.has_class("-too-small") and too_small.styles.display == "block"
        assert screen.query_one("#seats").styles.display == "none"
        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        assert not screen.has_class("-too-small")
        assert screen.query_one("#seats").styles.display == "block"


@run_async
async def test_an_agent_that_fails_forfeits_and_the_game_is_recorded(tmp_path):
    db = tmp_path / "ladder.db"
    app = make_app(db, "liars_dice", players=2, opponents="tests.arena.faulty:Raises", seat=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, EndScreen)
        assert "forfeited" in str(app.screen.query_one("#result").render())
    (row,) = Ladder(db).games()
    assert row.forfeits == [[0, "raised RuntimeError: boom"]] and row.returns == [-1.0, 1.0]
    assert row.winner == 1 and row.seats == ["tests.arena.faulty:Raises", "human:tester"]
