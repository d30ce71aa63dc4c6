"""``arena play``: the command line, its defaults and its errors (arena/tui/config.py, cli)."""

from __future__ import annotations

import pytest

import arena.tui
import games
from arena.cli import main
from arena.tui.config import (
    DEFAULT_OPPONENTS,
    DEFAULT_PARAMS,
    best_default_opponent,
    make_config,
)


@pytest.fixture
def no_app(monkeypatch):
    """Replace the app: record the configs it would have played."""
    started = []

    def fake_run(config):
        started.append(config)
        return 0

    monkeypatch.setattr(arena.tui, "run_play", fake_run)
    return started


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["play", "chess"], "unknown game 'chess'"),
        (["play", "liars_dice", "--param", "wild=sometimes"], "parameter 'wild'"),
        (["play", "liars_dice", "--param", "colour=red"], "unknown parameter 'colour'"),
        (["play", "skull", "--players", "9"], "parameter 'players'"),
        (["play", "skull", "--seat", "4"], "--seat must be in 0..3"),
        (["play", "skull", "--seat", "-1"], "--seat must be in 0..3"),
        (["play", "skull", "--opponents", "nobody"], "unknown agent 'nobody'"),
        (["play", "liars_dice", "--opponents", "cfr"], "agent 'cfr' cannot play"),
        (["play", "skull", "--opponents", "random,random"], "exactly 3"),
        (["play", "skull", "--opponents", "human:bob"], "only one person"),
        (["play", "skull", "--delay", "-1"], "--delay must be >= 0"),
        (["play", "skull", "--name", ""], "--name must be"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, message, capsys, no_app, tmp_path):
    assert main([*argv, "--db", str(tmp_path / "x.db")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("arena: error: ") and message in err
    assert err.count("\n") == 1
    assert no_app == [] and not (tmp_path / "x.db").exists()


def test_options_reach_the_app(no_app, tmp_path):
    db = str(tmp_path / "x.db")
    options = "--players 3 --param dice=2 --opponents random,random --seat 2 --seed 5 --name ann"
    argv = ["play", "liars_dice", *options.split(), "--db", db, "--delay", "0"]
    assert main(argv) == 0
    (config,) = no_app
    assert config.game == "liars_dice" and config.params["players"] == 3
    assert config.params["dice"] == 2 and config.params["mode"] == "elimination"
    assert config.seats == ("random", "random", "human:ann")
    assert (config.seed, config.db, config.delay) == (5, db, 0.0)


def test_defaults():
    for game_name, params in DEFAULT_PARAMS.items():
        config = make_config(game_name)
        assert config.params == games.make(game_name, **params).params
        assert config.players == 4 and config.seat == 0 and config.delay == pytest.approx(0.6)
        assert config.name and config.seats[0] == f"human:{config.name}"
        best = best_default_opponent(config.make_game())
        assert best in DEFAULT_OPPONENTS and config.opponents == (best,) * 3
    assert make_config("liars_dice").params["dice"] == 5
    assert "heuristic" in DEFAULT_OPPONENTS and DEFAULT_OPPONENTS[-1] == "random"
    # the strongest bundled agent of each default table, not the heuristic it beats
    assert make_config("liars_dice").opponents == ("zoo:liars-dice",) * 3
    assert make_config("skull").opponents == ("zoo:skull",) * 3
    assert make_config("liars_dice", params={"dice": 3}).opponents == ("heuristic",) * 3


def test_one_spec_per_seat():
    config = make_config("skull", opponents="random, random,random", seat=1)
    assert config.seats == ("random", config.human_spec, "random", "random")
