"""Tournaments with a stopping rule (arena/rounds.py): --until-ci, rounds, resume, indices."""

from __future__ import annotations

import json
import sqlite3

import pytest

from arena.cli import main
from arena.rounds import deal_games, stop_rule
from arena.schedule import make_schedule
from arena.tournament import TournamentConfig

DUEL = ["liars_dice", "--param", "dice=1", "--param", "mode=single_round", "--players", "2"]
FAST = ["--isolation", "none", "--workers", "1", "--sandbox", "none", "--seed", "5"]
AGENTS = ["--agents", "random,heuristic,agents.heuristic:HeuristicAgent"]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def until_ci(capsys, db: str, width: str, *extra: str) -> dict:
    code, out, err = run(
        capsys,
        *["tournament", *DUEL, *AGENTS, "--until-ci", width, "--games-per-pairing", "4"],
        *[*FAST, *extra, "--db", db, "--json"],
    )
    assert code == 0, err
    return json.loads(out)


def test_until_ci_stops_at_the_width_asked(capsys, tmp_path):
    db = str(tmp_path / "ladder.db")
    result = until_ci(capsys, db, "150", "--name", "u")
    widest = max(max(r["minus"], r["plus"]) for r in result["ratings"])
    assert widest <= 150 and result["complete"]
    first_round = 3 * 4 * 2  # 3 tables x 4 deals x 2 rotations
    assert result["games"] > first_round  # it needed more rounds than the first one
    with sqlite3.connect(db) as conn:  # later rounds went to the least resolved tables
        deals = dict(conn.execute("SELECT pairing, COUNT(*) / 2 FROM games GROUP BY pairing"))
    assert len(set(deals.values())) > 1
    capped = until_ci(capsys, db, "10", "--name", "capped", "--max-games", "60")
    assert capped["games"] == 60  # unresolved at +-10, stopped by --max-games
    assert max(max(r["minus"], r["plus"]) for r in capped["ratings"]) > 10


def test_until_ci_is_reproducible_and_resumes_exactly(capsys, tmp_path):
    db = str(tmp_path / "ladder.db")
    first = until_ci(capsys, db, "200", "--name", "a")
    again = until_ci(capsys, db, "200", "--name", "b")
    assert first["ratings"] == again["ratings"] and first["games"] == again["games"]
    with sqlite3.connect(db) as conn:  # interrupt b: its last games and its end are lost
        (tid,) = conn.execute("SELECT id FROM tournaments WHERE name = 'b'").fetchone()
        conn.execute(
            "DELETE FROM games WHERE tournament_id = ? AND idx IN (SELECT idx FROM games"
            " WHERE tournament_id = ? ORDER BY idx DESC LIMIT 5)",
            (tid, tid),
        )
        conn.execute("UPDATE tournaments SET finished = NULL WHERE id = ?", (tid,))
    code, out, err = run(capsys, "tournament", "--resume", "b", "--db", db, "--json")
    assert code == 0, err
    resumed = json.loads(out)
    assert resumed["games"] == first["games"] and resumed["ratings"] == first["ratings"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--until-ci", "0"], "positive half-width"),
        (["--until-ci", "50", "--max-games", "1"], "--max-games"),
        (["--max-games", "100"], "--max-games goes with --until-ci"),
    ],
)
def test_bad_stopping_rules_are_refused(capsys, tmp_path, argv, message):
    db = tmp_path / "ladder.db"
    code, _, err = run(capsys, "tournament", *DUEL, *AGENTS, *argv, "--db", str(db))
    assert code == 2 and err.count("\n") == 1 and message in err, err
    assert not db.exists()


def test_resume_refuses_a_new_stopping_rule(capsys, tmp_path):
    db = tmp_path / "ladder.db"
    code, _, err = run(capsys, "tournament", "--resume", "x", "--until-ci", "5", "--db", str(db))
    assert code == 2 and "--until-ci" in err


def test_a_deal_has_the_seeds_of_the_same_deal_of_a_plain_tournament():
    stop = stop_rule(50.0, 1000)
    config = TournamentConfig(agents=("random", "heuristic", "cfr"), seed=9, stop=stop)
    plain = make_schedule(config.agents, 2, "round-robin", 3, 9)
    by_place = {(g.pairing, g.deal_index, g.rotation): g for g in plain}
    indices = set()
    for table in range(3):
        for deal in range(3):
            for game in deal_games(config, table, deal):
                same = by_place[(table, deal, game.rotation)]
                assert (game.seats, game.deal, game.seeds) == (same.seats, same.deal, same.seeds)
                indices.add(game.index)
    assert len(indices) == 18  # 3 tables x 3 deals x 2 rotations, each its own index
    assert config.total_games() == 1000
