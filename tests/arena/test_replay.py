"""``arena replay GAME_ID [--as SEAT]`` (arena/cli/replay.py, arena/tui/replay.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from arena.cli import main
from arena.ladder import Ladder
from arena.records import agent_identities, replay_steps
from arena.tui.replay import ReplayApp, probs_text
from tests.arena.test_records import DUEL, play
from tests.arena.tui.helpers import run_async


@pytest.fixture(scope="module")
def ladder_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("replay") / "ladder.db"
    play(db, "duel", *DUEL, n=2)
    return db


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["duel"], "TOURNAMENT:INDEX"),
        (["nope:0"], "no tournament 'nope'"),
        (["duel:40"], "no recorded game 40"),
        (["duel:1", "--as", "2"], "--as takes a seat from 0 to 1"),
    ],
)
def test_bad_input_is_one_line_exit_2(capsys, ladder_db, argv, message):
    code, _, err = run(capsys, "replay", *argv, "--db", str(ladder_db))
    assert code == 2 and err.count("\n") == 1 and message in err


def test_no_ladder_is_exit_2(capsys, tmp_path):
    code, _, err = run(capsys, "replay", "duel:0", "--db", str(tmp_path / "none.db"))
    assert code == 2 and "no ladder" in err and not (tmp_path / "none.db").exists()


def text_of(app: ReplayApp, selector: str) -> str:
    return str(app.query_one(selector, Static).render())


def game(ladder_db: Path):
    with Ladder(ladder_db, readonly=True) as ladder:
        return ladder.games(tournament="duel")[1], agent_identities(ladder)


@run_async
async def test_stepping_seat_view_and_reveal(ladder_db):
    row, identities = game(ladder_db)
    steps = replay_steps(row)
    app = ReplayApp(row, identities, seat=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause(0)
        assert "step 0 / " in text_of(app, "#where") and "seen by seat 0" in text_of(app, "#where")
        await pilot.press("right")
        assert app.frame == 1 and "chance: Roll" in text_of(app, "#move")
        board = text_of(app, "#board")
        assert "(you)" in board and "[?]" in board  # seat 0 sees its own die only
        await pilot.press("r")
        assert app.viewer is None and "[?]" not in text_of(app, "#board")
        assert "everything revealed" in text_of(app, "#where")
        await pilot.press("right")  # seat 0's first decision, with its probabilities
        move = text_of(app, "#move")
        assert steps[1].text in move and "▶" in move and "%" in move
        await pilot.press("right", "s", "s")  # seat 1's decision, in seat 1's view
        assert app.viewer == 1 and "▶" in text_of(app, "#move")
        await pilot.press("s")  # seat 0's view of seat 1's decision: hidden
        assert "hidden in seat 0's view" in text_of(app, "#move")
        await pilot.press("end")
        assert app.frame == len(steps) and "end: returns" in text_of(app, "#log")
        await pilot.press("left", "home")
        assert app.frame == 0 and "Start of the game" in text_of(app, "#move")
        await pilot.press("left")
        assert app.frame == 0


def test_move_panel_says_why_there_are_no_probabilities(ladder_db):
    row, _ = game(ladder_db)
    step = replay_steps(row)[1]
    assert "computing" in str(probs_text(step, None, None, {}, 1))
    assert "a person" in str(probs_text(step, None, {}, {step.player: "a person"}, 1))
    assert str(probs_text(replay_steps(row)[0], 0, {}, {}, 0)).startswith("chance: Roll")


def test_the_command_opens_the_app_on_the_game(capsys, ladder_db, monkeypatch):
    import arena.tui.replay as replay

    opened = []

    def fake_run(row, identities, seat) -> int:
        opened.append((row, seat))
        return 0

    monkeypatch.setattr(replay, "run_replay", fake_run)
    code, _, _ = run(capsys, "replay", "duel:3", "--as", "1", "--db", str(ladder_db))
    assert code == 0
    ((row, seat),) = opened
    assert (row.tournament, row.index, seat) == ("duel", 3, 1)
