"""Open game records (arena/records.py): game ids, JSON lines, OpenSpiel files, replay steps."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from arena.cli import main
from arena.ladder import GameRow, Ladder, game_key
from arena.records import (
    action_records,
    agent_identities,
    find_game,
    game_id,
    move_probabilities,
    openspiel_text,
    parse_game_id,
    replay_steps,
    state_at,
)
from games.openspiel import OPENSPIEL_PARAMS

DUEL = ["liars_dice", "--param", "dice=1", "--param", "mode=single_round"]


def play(db: Path, name: str, *game: str, agents: str = "random,heuristic", n: int = 2) -> None:
    """A small seeded tournament in ``db`` (in-process, one worker)."""
    code = main(
        [
            "tournament",
            *game,
            "--agents",
            agents,
            "--games-per-pairing",
            str(n),
            "--seed",
            "7",
            "--workers",
            "1",
            "--isolation",
            "none",
            "--name",
            name,
            "--db",
            str(db),
            "--json",
        ]
    )
    assert code == 0


def add_forfeit(db: Path) -> None:
    """A duel game that seat 1 forfeited after the deal (its history stops there)."""
    with Ladder(db) as ladder:
        key = game_key("liars_dice", OPENSPIEL_PARAMS)
        tour = ladder.create_tournament("ff", "liars_dice", key, {}, 1)
        ladder.record_game(
            tour,
            GameRow(
                index=0,
                pairing=0,
                deal_index=0,
                rotation=0,
                deal=5,
                seeds=[1, 2],
                seats=["random", "heuristic"],
                returns=[1.0, -1.0],
                ranking=[[0], [1]],
                winner=0,
                moves=1,
                duration=0.1,
                forfeits=[[1, "timeout"]],
                history=[2, 3, 0],
                hashes=["", ""],
            ),
        )


@pytest.fixture(scope="module")
def ladder_db(tmp_path_factory) -> Path:
    """A ladder with a duel tournament, a Skull tournament and a forfeited duel game."""
    db = tmp_path_factory.mktemp("records") / "ladder.db"
    play(db, "duel", *DUEL, n=4)
    play(db, "sk", "skull", "--players", "2", n=1)
    add_forfeit(db)
    return db


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_game_ids_round_trip(ladder_db):
    with Ladder(ladder_db, readonly=True) as ladder:
        rows = ladder.games()
        assert {game_id(r) for r in rows} >= {"duel:0", "duel:3", "sk:1", "ff:0"}
        assert find_game(ladder, "duel:3") == next(r for r in rows if game_id(r) == "duel:3")
        for bad, message in [
            ("duel", "TOURNAMENT:INDEX"),
            ("duel:x", "TOURNAMENT:INDEX"),
            ("nope:1", "no tournament 'nope'"),
            ("duel:99", "no recorded game 99"),
        ]:
            with pytest.raises(ValueError, match=message):
                find_game(ladder, bad)
    assert parse_game_id("a:b:4") == ("a:b", 4)


def test_jsonl_has_one_complete_record_per_game(capsys, ladder_db, tmp_path):
    out = tmp_path / "games.jsonl"
    code, _, err = run(
        capsys, "export", "--db", str(ladder_db), "--format", "jsonl", "--out", str(out)
    )
    assert code == 0 and "wrote 11 games" in err
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 11
    with Ladder(ladder_db, readonly=True) as ladder:
        rows = {game_id(r): r for r in ladder.games()}
    for rec in records:
        row = rows[rec["id"]]
        assert rec["format"] == "bluff-arena-game/1"
        assert [a["action"] for a in rec["actions"]] == row.history
        assert rec["returns"] == row.returns and rec["seeds"]["agents"] == row.seeds
        assert [a["spec"] for a in rec["agents"]] == row.seats
        assert all(a["hash"] == "" for a in rec["agents"])  # built-in agents: code, no hash
        assert rec["terminal"] == (rec["id"] != "ff:0")
    duel = next(r for r in records if r["id"] == "duel:0")
    assert duel["params"] == OPENSPIEL_PARAMS
    assert [a["player"] for a in duel["actions"][:3]] == [-1, -1, 0]
    assert duel["actions"][0]["string"].startswith("Roll ")
    assert next(r for r in records if r["id"] == "ff:0")["forfeits"] == [
        {"seat": 1, "reason": "timeout"}
    ]


def test_jsonl_carries_package_hashes(ladder_db, tmp_path):
    from arena.records import jsonl_record

    with Ladder(ladder_db, readonly=True) as ladder:
        row = ladder.games(tournament="duel")[0]
    digest = "ab" * 32
    row = replace(row, seats=["pkg", "heuristic"], hashes=[digest, ""])
    rec = jsonl_record(row, {f"pkg@{digest[:8]}": ("pkg", digest)})
    assert rec["agents"][0] == {
        "seat": 0,
        "spec": "pkg",
        "label": "pkg@abababab",
        "hash": digest,
    }


def test_openspiel_files_load_into_the_same_terminal_state(capsys, ladder_db, tmp_path):
    import pyspiel

    out = tmp_path / "os"
    code, _, err = run(
        capsys, "export", "--db", str(ladder_db), "--format", "openspiel", "--out", str(out)
    )
    assert code == 0
    assert "wrote 8 OpenSpiel game files" in err
    assert "skipped 2 of another configuration, 1 ended by a forfeit" in err
    with Ladder(ladder_db, readonly=True) as ladder:
        rows = {f"duel-{r.index:06d}.txt": r for r in ladder.games(tournament="duel")}
    assert sorted(p.name for p in out.iterdir()) == sorted(rows)
    for name, row in rows.items():
        text = (out / name).read_text()
        game, state = pyspiel.deserialize_game_and_state(text)
        ours = state_at(row, len(row.history))
        assert str(game) == "liars_dice()"
        assert state.is_terminal() and ours.is_terminal()
        assert state.history() == row.history
        assert state.returns() == pytest.approx(ours.returns())
        assert state.returns() == pytest.approx(row.returns)
        assert text == pyspiel.serialize_game_and_state(game, state)  # byte for byte


def test_openspiel_refuses_other_games_and_needs_a_directory(capsys, ladder_db, tmp_path):
    with Ladder(ladder_db, readonly=True) as ladder:
        skull = ladder.games(tournament="sk")[0]
        forfeit = ladder.games(tournament="ff")[0]
    with pytest.raises(ValueError, match="not the OpenSpiel configuration"):
        openspiel_text(skull)
    with pytest.raises(ValueError, match="forfeit"):
        openspiel_text(forfeit)
    code, _, err = run(capsys, "export", "--db", str(ladder_db), "--format", "openspiel")
    assert code == 2 and err.count("\n") == 1 and "--out DIRECTORY" in err
    code, _, err = run(
        capsys, "export", "--db", str(ladder_db), "--format", "jsonl", "--out", "nowhere/g.jsonl"
    )
    assert code == 2 and err.count("\n") == 1 and "no directory" in err
    out = tmp_path / "none"
    code, _, err = run(
        capsys,
        "export",
        "--db",
        str(ladder_db),
        "--format",
        "openspiel",
        "--tournament",
        "sk",
        "--out",
        str(out),
    )
    assert code == 2 and err.count("\n") == 1 and "OpenSpiel" in err
    assert not out.exists()


def test_replay_steps_group_chance_and_cover_the_history(ladder_db):
    with Ladder(ladder_db, readonly=True) as ladder:
        row = ladder.games(tournament="duel")[1]
        identities = agent_identities(ladder)
    steps = replay_steps(row)
    assert steps[0].player == -1 and steps[0].actions == tuple(row.history[:2])
    assert [a for s in steps for a in s.actions] == row.history
    assert all(s.player >= 0 for s in steps[1:])
    records = action_records(row)
    assert steps[1].text == f"seat 0: {records[2].string}"
    probs, notes = move_probabilities(row, identities, steps)
    assert notes == {}  # random and heuristic both provide policy
    assert set(probs) == set(range(1, len(steps)))
    for k, dist in probs.items():
        assert sum(p for _, _, p in dist) == pytest.approx(1.0)
        played = steps[k].actions[0]
        assert played in [a for a, _, _ in dist]
        if row.seats[steps[k].player] == "random":
            assert len({round(p, 9) for _, _, p in dist}) == 1  # uniform


def test_move_probabilities_say_why_they_are_missing(ladder_db):
    with Ladder(ladder_db, readonly=True) as ladder:
        row = ladder.games(tournament="duel")[0]
    row = replace(row, seats=["human:ann", "some.module:factory"], hashes=["", ""])
    probs, notes = move_probabilities(row, {})
    assert probs == {}
    assert "person" in notes[0] and "code that replays do not run" in notes[1]
    row = replace(row, seats=["zoo:liars-dice-duel", "random"], hashes=["0" * 64, ""])
    assert row.agents == ["zoo:liars-dice-duel@00000000", "random"]
    probs, notes = move_probabilities(row, {"zoo:liars-dice-duel@00000000": ("x", "0" * 64)})
    assert "changed since the game" in notes[0] and 1 not in notes
