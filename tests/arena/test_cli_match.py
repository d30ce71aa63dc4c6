"""``arena match``: an SPRT between two agents on duplicate deals (arena/cli/match.py)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from arena.cli import main

DUEL = ["liars_dice", "--players", "2"]
FAST = ["--isolation", "none", "--workers", "1", "--sandbox", "none", "--seed", "3"]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_heuristic_against_random_accepts_h1(capsys, tmp_path):
    db = str(tmp_path / "ladder.db")
    argv = ["match", "heuristic", "random", *DUEL, "--sprt", "elo0=0", "elo1=100"]
    code, out, err = run(capsys, *argv, "--round-deals", "10", *FAST, "--db", db, "--name", "m")
    assert code == 0, err
    assert "accepted H1" in out and "heuristic is stronger than random" in out
    assert "LLR" in err and "[-2.94, 2.94]" in err  # live, after every round
    code, out, _ = run(capsys, "report", "--tournament", "m", "--db", db)
    assert code == 0 and "heuristic" in out  # the games are in the ladder


def test_a_self_match_does_not_accept_h1(capsys, tmp_path):
    db = str(tmp_path / "ladder.db")
    code, out, err = run(
        capsys,
        *["match", "heuristic", "agents.heuristic:HeuristicAgent", *DUEL],
        *["--sprt", "elo0=0", "elo1=100", "--round-deals", "10", "--max-games", "200"],
        *FAST,
        *["--db", db, "--json"],
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["decision"] in ("H0", "")
    assert result["games"] <= 200 and result["hypotheses"]["elo1"] == 100.0


def test_a_match_resumes_exactly(capsys, tmp_path):
    db = str(tmp_path / "ladder.db")
    argv = ["match", "heuristic", "random", *DUEL, "--sprt", "elo0=0", "elo1=100"]
    code, out, _ = run(
        capsys, *argv, "--round-deals", "8", *FAST, "--db", db, "--name", "m", "--json"
    )
    first = json.loads(out)
    with sqlite3.connect(db) as conn:  # an interruption: the last games and the end lost
        conn.execute(
            "DELETE FROM games WHERE idx IN (SELECT idx FROM games ORDER BY idx DESC LIMIT 3)"
        )
        conn.execute("UPDATE tournaments SET finished = NULL")
    code, out, _ = run(capsys, "match", "--resume", "m", "--db", db, "--json", "--workers", "1")
    again = json.loads(out)
    assert code == 0 and first["decision"] == again["decision"] == "H1"
    assert (again["games"], again["llr"]) == (first["games"], first["llr"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["heuristic", "random", "--sprt", "elo0=10", "elo1=0"], "elo1 > elo0"),
        (["heuristic", "random", "--sprt", "alpha=2"], "alpha must be in"),
        (["heuristic", "random", "--sprt", "elo2=3"], "NAME=VALUE"),
        (["heuristic", "heuristic"], "two specs"),
        (["heuristic", "nobody"], "unknown agent"),
        (["heuristic", "random", "--max-games", "1"], "--max-games"),
        (["heuristic", "random", "--round-deals", "0"], "--round-deals"),
        (["heuristic"], "give the two agents"),
        (["heuristic", "random", "chess"], "unknown game"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(capsys, tmp_path, argv, message):
    db = tmp_path / "ladder.db"
    code, _, err = run(capsys, "match", *argv, "--db", str(db))
    assert code == 2 and err.count("\n") == 1 and message in err, err
    assert not db.exists()


def test_resume_takes_only_how_to_play(capsys, tmp_path):
    db = tmp_path / "ladder.db"
    code, _, err = run(capsys, "match", "--resume", "m", "--max-games", "10", "--db", str(db))
    assert code == 2 and "--resume" in err and not db.exists()


def test_a_match_on_two_games_pools_their_deals(capsys, tmp_path):
    db = str(tmp_path / "ladder.db")
    code, out, err = run(
        capsys,
        *["match", "heuristic", "random", "liars_dice", "skull", "--players", "3"],
        *["--sprt", "elo0=0", "elo1=100", "--round-deals", "4", *FAST, "--db", db],
        *["--name", "two", "--json"],
    )
    assert code == 0, err
    result = json.loads(out)
    assert [t["tournament"] for t in result["tournaments"]] == ["two-liars_dice", "two-skull"]
    assert result["decision"] == "H1" and result["games"] % 24 == 0  # rounds of 4 + 4 deals
    assert result["pentanomial"] == []  # three seats: no game pairs
    code, out, _ = run(capsys, "match", "--resume", "two", "--db", db, "--json")
    assert code == 0 and json.loads(out)["llr"] == result["llr"]  # nothing left to play
