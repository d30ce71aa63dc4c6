"""Snapshots of the play screens (pytest-textual-snapshot; update with --snapshot-update).

Deterministic: fixed seeds, a fixed terminal size, keys only (no mouse hovering), and no clock
or path on screen.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot

from arena.tui.game_screen import GameScreen
from arena.tui.screens import RoundScreen
from games.skull.constants import Phase
from tests.arena.tui.helpers import SIZE, make_app, play_first_legal, play_to_end, settle


async def _play_until(pilot: Pilot, done: Callable[[Pilot], bool]) -> None:
    """Play the human's first legal moves (keys only) until ``done(pilot)``."""
    for turn in range(500):
        await settle(pilot)
        if done(pilot):
            return
        if isinstance(pilot.app.screen, RoundScreen):
            await pilot.press("enter")
        else:
            await play_first_legal(pilot, turn, clicks=False)
    raise AssertionError("never reached the wanted screen")


def test_liars_dice_board(snap_compare, tmp_path):
    app = make_app(tmp_path / "x.db", "liars_dice", seat=1, seed=3)

    async def second_turn(pilot: Pilot) -> None:
        await _play_until(pilot, lambda p: len(p.app.session.human_moves) == 1)

    assert snap_compare(app, terminal_size=SIZE, run_before=second_turn)


def test_liars_dice_round_end(snap_compare, tmp_path):
    app = make_app(tmp_path / "x.db", "liars_dice", seat=1, seed=3)

    async def round_over(pilot: Pilot) -> None:
        await _play_until(pilot, lambda p: isinstance(p.app.screen, RoundScreen))

    assert snap_compare(app, terminal_size=SIZE, run_before=round_over)


def test_skull_board_during_a_challenge(snap_compare, tmp_path):
    app = make_app(tmp_path / "x.db", "skull", seat=2, seed=19)

    def challenge(pilot: Pilot) -> bool:
        screen = pilot.app.screen
        return isinstance(screen, GameScreen) and screen.view.phase is Phase.ATTEMPT

    async def until_challenge(pilot: Pilot) -> None:
        await _play_until(pilot, challenge)

    assert snap_compare(app, terminal_size=SIZE, run_before=until_challenge)


def test_skull_board_at_the_start(snap_compare, tmp_path):
    app = make_app(tmp_path / "x.db", "skull", players=5, seat=3, seed=2)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def test_help_screen(snap_compare, tmp_path):
    """The whole help, its keys table included (a terminal tall enough to show it all)."""
    app = make_app(tmp_path / "x.db", "liars_dice", seed=3)
    size = (SIZE[0], 58)
    assert snap_compare(app, terminal_size=size, run_before=settle, press=["question_mark"])


def test_end_screen(snap_compare, tmp_path):
    app = make_app(tmp_path / "x.db", "liars_dice", players=2, params={"dice": 1}, seed=4)

    async def to_end(pilot: Pilot) -> None:
        await play_to_end(pilot, clicks=False)

    assert snap_compare(app, terminal_size=SIZE, run_before=to_end)


def test_too_small(snap_compare, tmp_path):
    app = make_app(tmp_path / "x.db", "skull", seed=3)
    assert snap_compare(app, terminal_size=(60, 16), run_before=settle)
