"""What a new user reads from the arena command: plain parameter docs, an aligned agents table,
help on every option, and report/ladder/export choosing a configuration by its parameters."""

from __future__ import annotations

import argparse
import json

import pytest

from arena.cli import build_parser, main
from arena.cli.tournament import DEFAULT_TOURNAMENT


@pytest.fixture(autouse=True)
def crash_logs(tmp_path, monkeypatch):
    """Crash logs of these tests go to their temporary directory, never to $HOME."""
    monkeypatch.setenv("ARENA_LOG_DIR", str(tmp_path / "logs"))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_games_prints_parameter_docs_without_rst_backticks(capsys):
    code, out, _ = run(capsys, "games")
    assert code == 0 and "``" not in out
    assert "players=2, dice=1" in out  # the liars_dice line, backticks stripped
    code, out, _ = run(capsys, "games", "--json")
    assert code == 0 and "``" in out  # --json keeps the docstrings as written


def test_agents_aligns_specs_and_cuts_reasons_to_the_terminal(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(capsys, "agents", "--game", "skull", "--param", "players=4")
    assert code == 0
    table = out.split("\n\n")[0].splitlines()
    specs = [line.split()[0] for line in table]
    column = max(len(spec) for spec in specs) + 1
    assert all(len(line) <= 80 for line in table)
    assert all(line[column - 1] == " " and line[column] != " " for line in table)
    assert any(line.endswith("...") for line in table)
    code, out, _ = run(capsys, "agents", "--game", "skull", "--param", "players=4", "--json")
    reasons = [row["status"] for row in json.loads(out) if row["status"] != "ok"]
    assert reasons and max(len(r) for r in reasons) > 80 and not any("..." in r for r in reasons)


def test_agents_is_at_least_60_columns_wide(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "20")
    code, out, _ = run(capsys, "agents", "--game", "skull")
    table = out.split("\n\n")[0].splitlines()
    assert code == 0 and max(len(line) for line in table) == 60


def subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def test_every_subcommand_has_a_description_and_every_option_a_help():
    missing = [
        f"{name} {action.option_strings or action.dest}"
        for name, parser in subparsers().items()
        for action in parser._actions
        if "-h" not in action.option_strings and not action.help
    ]
    assert missing == []
    assert [name for name, p in subparsers().items() if not p.description] == []


def test_tournament_help_gives_both_defaults_of_games_per_pairing():
    (action,) = [
        a for a in subparsers()["tournament"]._actions if "--games-per-pairing" in a.option_strings
    ]
    assert "default 10" in action.help
    assert f"{DEFAULT_TOURNAMENT['games_per_pairing']} for the no-argument duel" in action.help


@pytest.fixture(scope="module")
def two_configs(tmp_path_factory) -> str:
    """A ladder holding two Liar's Dice configurations (one tiny tournament each)."""
    db = str(tmp_path_factory.mktemp("ladder") / "ladder.db")
    common = ["--isolation", "none", "--games-per-pairing", "1", "--workers", "1"]
    common += ["--agents", "random,heuristic", "--db", db, "--json"]
    duel = ["--param", "dice=1", "--param", "mode=single_round", "--param", "players=2"]
    assert main(["tournament", "liars_dice", *duel, "--name", "duel", *common]) == 0
    three = ["--param", "players=3", "--param", "dice=2"]
    assert main(["tournament", "liars_dice", *three, "--name", "three", *common]) == 0
    return db


def test_report_lists_the_param_options_of_each_matching_configuration(capsys, two_configs):
    capsys.readouterr()
    code, out, err = run(capsys, "report", "--game", "liars_dice", "--db", two_configs)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "--game liars_dice --param dice=1 --param mode=single_round --param players=2" in err
    assert "--game liars_dice --param dice=2 --param mode=elimination --param players=3" in err
    code, out, err = run(
        capsys, "report", "--game", "liars_dice", "--param", "players=3", "--db", two_configs
    )
    assert code == 0, err
    assert out.startswith("liars_dice bidding_rule=reset-face dice=2 mode=elimination players=3")


def test_ladder_and_export_filter_by_param(capsys, two_configs):
    capsys.readouterr()
    code, out, _ = run(capsys, "ladder", "--json", "--param", "dice=1", "--db", two_configs)
    assert code == 0 and [k for k in json.loads(out)] == [
        'liars_dice{"bidding_rule":"reset-face","dice":1,"mode":"single_round","players":2,'
        '"sides":6,"wild":"highest"}'
    ]
    code, out, _ = run(capsys, "ladder", "--param", "players=5", "--db", two_configs)
    assert code == 0 and "no games of players=5" in out
    code, out, _ = run(capsys, "export", "--param", "players=3", "--db", two_configs)
    rows = out.splitlines()[1:]
    assert code == 0 and len(rows) == 6  # 3 seat rotations of 2 tables (3 seats, 2 agents)
    code, all_out, _ = run(capsys, "export", "--db", two_configs)
    assert len(all_out.splitlines()) - 1 == len(rows) + 2  # plus the duel's 2 games


@pytest.mark.parametrize(
    "extra, words",
    [
        (["--game", "liars_dice", "--param", "nope=1"], ["unknown parameter 'nope'"]),
        (["--game", "liars_dice", "--param", "dice=9"], ["dice", "1..5"]),
        (["--param", "dice"], ["KEY=VALUE"]),
        (["--param", "dice=4"], ["no games match", "--param"]),
    ],
)
def test_report_refuses_bad_or_empty_param_filters(capsys, two_configs, extra, words):
    capsys.readouterr()
    code, out, err = run(capsys, "report", *extra, "--db", two_configs)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert all(word in err for word in words), err
