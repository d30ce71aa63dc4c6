"""Each game's play-app package is found by the game's name (arena/tui/registry.py)."""

from __future__ import annotations

import pytest

import games
from arena.tui.config import make_config
from arena.tui.game_screen import GameScreen
from arena.tui.registry import GAME_MODULES, game_ui


@pytest.mark.parametrize("name", sorted(GAME_MODULES))
def test_every_game_s_package_describes_that_game(name):
    ui = game_ui(name)
    assert ui.name == name and ui.title
    assert issubclass(ui.screen, GameScreen)
    state = games.make(name).new_initial_state()
    assert ui.view(state, 0).seat == 0
    assert ui.rules_markdown(games.make(name).params).startswith(f"# {ui.title}")


def test_every_game_has_a_table():
    assert set(GAME_MODULES) == {game.name for game in games.list_games()}


def test_an_unknown_name_is_refused_with_the_choices():
    with pytest.raises(ValueError, match=r"no table for 'chess'.*liars_dice.*skull"):
        game_ui("chess")


def test_make_config_refuses_a_game_without_a_table(monkeypatch):
    monkeypatch.delitem(GAME_MODULES, "skull")
    with pytest.raises(ValueError, match="no table for 'skull'"):
        make_config("skull", opponents="random")
