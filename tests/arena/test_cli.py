"""The arena command, as a user runs it (arena/cli/)."""

from __future__ import annotations

import json

import pytest

import games
from arena.cli import main
from arena.cli.tournament import default_agents

RANDOM_NASH_CONV = 1.5615
"""OpenSpiel's known NashConv of uniform random play in its Liar's Dice
(tests/games/test_openspiel.py computes it)."""

DUEL = ["liars_dice", "--param", "dice=1", "--param", "mode=single_round"]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_games_lists_every_game_and_parameter(capsys):
    code, out, _ = run(capsys, "games")
    assert code == 0
    assert "skull:" in out and "liars_dice:" in out
    assert "next_starter" in out and "bidding_rule" in out and "2..6" in out
    code, out, _ = run(capsys, "games", "--json")
    assert {g["game"] for g in json.loads(out)} == {"skull", "liars_dice"}


@pytest.mark.parametrize(
    "argv, message",
    [
        (["tournament", "chess", "--agents", "random,heuristic"], "unknown game"),
        (["tournament", "skull", "--agents", "random,nobody"], "unknown agent"),
        (["tournament", "skull", "--param", "roses=9", "--agents", "random,heuristic"], "roses"),
        (["tournament", "skull", "--param", "roses", "--agents", "random,heuristic"], "KEY=VALUE"),
        (["tournament", "skull", "--players", "3", "--agents", "random,cfr"], "cfr"),
        (["tournament", "skull", "--agents", "random"], "at least two"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(capsys, tmp_path, argv, message):
    db = tmp_path / "ladder.db"
    code, _, err = run(capsys, *argv, "--db", str(db))
    assert code == 2
    assert err.count("\n") == 1 and message in err
    assert not db.exists()


def test_format_is_checked_by_argparse(capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["tournament", "skull", "--format", "swiss", "--db", str(tmp_path / "x.db")])
    assert exc.value.code == 2


def test_tournament_ladder_report_export(capsys, tmp_path):
    db = str(tmp_path / "ladder.db")
    code, out, _ = run(
        capsys,
        "tournament",
        *DUEL,
        "--agents",
        "random,heuristic",
        "--games-per-pairing",
        "30",
        "--workers",
        "1",
        "--isolation",
        "none",
        "--name",
        "t1",
        "--db",
        db,
        "--json",
    )
    assert code == 0
    result = json.loads(out)
    assert result["complete"] and result["games"] == 60
    assert [r["agent"] for r in result["ratings"]] == ["heuristic", "random"]
    assert result["ratings"][1]["rating"] == 0.0  # anchored at random = 0
    code, out, _ = run(capsys, "ladder", "--db", db, "--json")
    assert code == 0 and len(json.loads(out)) == 1
    plot = tmp_path / "r.png"
    code, out, _ = run(capsys, "report", "--db", db, "--plot", str(plot), "--csv", str(tmp_path))
    assert code == 0 and "head-to-head" in out and plot.stat().st_size > 1000
    assert (tmp_path / "crosstable.csv").exists()
    csv_path = tmp_path / "games.csv"
    code, _, _ = run(capsys, "export", "--db", db, "--out", str(csv_path))
    assert code == 0 and len(csv_path.read_text().splitlines()) == 61
    code, _, err = run(
        capsys, "tournament", *DUEL, "--agents", "random,heuristic", "--name", "t1", "--db", db
    )
    assert code == 2 and "exists" in err


def test_ladder_without_a_database_says_so(capsys, tmp_path):
    code, _, err = run(capsys, "ladder", "--db", str(tmp_path / "none.db"))
    assert code == 2 and "no ladder" in err


def test_agents_lists_support(capsys):
    code, out, _ = run(capsys, "agents", "--game", "skull")
    assert code == 0 and "random" in out and "cfr" in out and "cannot play" in out


def test_exploitability_of_random(capsys):
    code, out, _ = run(capsys, "exploitability", "random", "--json")
    exact = json.loads(out)
    assert code == 0 and exact["mode"] == "exact"
    assert exact["nash_conv"] == pytest.approx(RANDOM_NASH_CONV, abs=1e-3)
    assert exact["exploitability"] == pytest.approx(RANDOM_NASH_CONV / 2, abs=1e-3)
    code, _, err = run(capsys, "exploitability", "nobody")
    assert code == 2 and "unknown agent" in err


def test_exploitability_of_cfr_is_below_a_thousandth(capsys):
    code, out, _ = run(capsys, "exploitability", "cfr", "--json")
    assert code == 0 and 0.0 <= json.loads(out)["nash_conv"] <= 1e-3
    code, out, _ = run(capsys, "exploitability", "cfr")
    assert code == 0 and out.startswith("cfr: NashConv 0.000")


def test_train_needs_a_config(capsys):
    code, _, err = run(capsys, "train")
    assert code == 2 and "CONFIG" in err
    code, _, err = run(capsys, "train", "skull_ctde", "--set", "params.players=8")
    assert code == 2 and "players" in err


@pytest.mark.slow
def test_tournament_with_no_arguments_plays_the_bundled_agents(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("ARENA_DB", str(tmp_path / "default.db"))
    code, out, err = run(capsys, "tournament")
    assert code == 0, err
    assert "rank" in out and "cfr" in out and "heuristic" in out
    assert (tmp_path / "default.db").exists()
    ranks = [line.split()[1] for line in out.splitlines()[1:]]
    assert ranks.index("cfr") < ranks.index("random")


def test_a_game_without_agents_plays_the_bundled_agents_that_can_play_it(capsys, tmp_path):
    skull = games.make("skull", players=4)
    assert {"random", "heuristic", "zoo:skull"} <= set(default_agents(skull))
    assert "cfr" not in default_agents(skull) and "zoo:liars-dice-duel" not in default_agents(skull)
    assert "zoo:skull" not in default_agents(games.make("skull", players=5))  # no 5-seat package
    duel = games.make("liars_dice", players=2, dice=1, mode="single_round")
    assert {"cfr", "zoo:liars-dice-duel"} <= set(default_agents(duel))
    code, out, err = run(
        capsys,
        "tournament",
        "skull",
        "--players",
        "5",
        "--games-per-pairing",
        "1",
        "--isolation",
        "none",
        "--db",
        str(tmp_path / "x.db"),
    )
    assert code == 0, err
    agents = {line.split()[1] for line in out.splitlines()[1:]}
    assert agents == {"random", "heuristic"}
