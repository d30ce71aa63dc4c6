"""The ladder: schema versions and migrations, storing every game, read-only use, identities."""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
from dataclasses import FrozenInstanceError, replace
from pathlib import Path

import pytest

from arena import report
from arena.ladder import (
    SCHEMA,
    SCHEMA_V1,
    SCHEMA_VERSION,
    GameRow,
    Ladder,
    LadderConflict,
    agent_label,
)
from tests.agents.test_content_hash import expected_dir_hash, make_package

H1 = "1" * 64
H2 = "2" * 64
KEY = 'skull{"players":2}'


def game_row(idx: int, seats=("a", "b"), winner: int = 0, hashes=None) -> GameRow:
    """A finished two-seat game; the winner returns 1, the loser -1."""
    return GameRow(
        index=idx,
        pairing=0,
        deal_index=idx,
        rotation=0,
        deal=1000 + idx,
        seeds=[idx, idx + 1],
        seats=list(seats),
        returns=[1.0 if s == winner else -1.0 for s in range(len(seats))],
        ranking=[[winner], [1 - winner]],
        winner=winner,
        moves=7,
        duration=0.25,
        forfeits=[],
        history=[1, 2, 3],
        hashes=None if hashes is None else list(hashes),
    )


def new_ladder(path: Path, name: str = "t") -> tuple[Ladder, object]:
    ladder = Ladder(path)
    return ladder, ladder.create_tournament(name, "skull", KEY, {"x": 1}, 10)


def user_version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA user_version").fetchone()[0]


def count_games(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT COUNT(*) FROM games").fetchone()[0]
    finally:
        conn.close()


def make_v1_ladder(path: Path) -> None:
    """A ladder as the code before schema versions wrote it (user_version 0)."""
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA_V1)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("INSERT INTO agents VALUES (1, 'random', '', 0.0)")
    conn.execute(f"INSERT INTO agents VALUES (2, 'runs/pkg', '{H1}', 0.0)")
    conn.execute(
        "INSERT INTO tournaments VALUES (1, 'old', 'skull', ?, '{}', 2, 0.0, NULL)", (KEY,)
    )
    for idx, winner in ((0, 0), (1, 1)):
        row = game_row(idx, seats=("random", "runs/pkg"), winner=winner)
        conn.execute(
            "INSERT INTO games (tournament_id, idx, pairing, deal_index, rotation, deal, seeds,"
            " seats, agent_ids, returns, ranking, winner, moves, duration, forfeits, history,"
            " finished_at) VALUES (1, ?, 0, ?, 0, ?, ?, ?, '[1, 2]', ?, ?, ?, 7, 0.25, '[]',"
            " '[]', 0.0)",
            (
                idx,
                idx,
                row.deal,
                json.dumps(row.seeds),
                json.dumps(row.seats),
                json.dumps(row.returns),
                json.dumps(row.ranking),
                winner,
            ),
        )
    conn.commit()
    conn.close()


# --------------------------------------------------------------------------- schema versions


def test_a_new_ladder_has_the_current_version(tmp_path):
    path = tmp_path / "l.db"
    with Ladder(path) as ladder:
        assert ladder.version == SCHEMA_VERSION == 2
    assert user_version(path) == 2


def test_a_version_1_ladder_is_migrated_and_keeps_its_games(tmp_path):
    path = tmp_path / "l.db"
    make_v1_ladder(path)
    with Ladder(path) as ladder:
        assert ladder.version == 2
        games = ladder.games(tournament="old")
        labels = ladder.conn.execute("SELECT label FROM agents ORDER BY id").fetchall()
    assert user_version(path) == 2
    assert labels == [("random",), ("runs/pkg@11111111",)]
    assert [g.agents for g in games] == [["random", "runs/pkg@11111111"]] * 2
    assert [g.seats for g in games] == [["random", "runs/pkg"]] * 2
    assert [g.winner for g in games] == [0, 1]


def test_a_version_1_ladder_reads_read_only_without_being_migrated(tmp_path):
    path = tmp_path / "l.db"
    make_v1_ladder(path)
    with Ladder(path, readonly=True) as ladder:
        assert ladder.version == 1
        assert [g.agents for g in ladder.games()] == [["random", "runs/pkg@11111111"]] * 2
    assert user_version(path) == 0


@pytest.mark.parametrize("readonly", [False, True])
def test_a_newer_ladder_is_refused_and_left_alone(tmp_path, readonly):
    path = tmp_path / "l.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE games (id INTEGER PRIMARY KEY)")
        conn.execute("PRAGMA user_version = 7")
    before = path.read_bytes()
    with pytest.raises(ValueError) as info:
        Ladder(path, readonly=readonly)
    assert str(info.value) == (
        f"{path} was written by a newer version of bluff-arena (schema 7, this version reads "
        "up to 2): upgrade bluff-arena"
    )
    assert path.read_bytes() == before  # not even switched to WAL


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    path = tmp_path / "l.db"
    path.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(ValueError, match="not a usable ladder database"):
        Ladder(path)


def with_extra_games_column(schema: str, column: str) -> str:
    """The schema with one more column in ``games``."""
    return schema.replace(
        "    UNIQUE (tournament_id, idx)", f"    {column},\n    UNIQUE (tournament_id, idx)"
    )


def test_an_unknown_not_null_column_is_refused_when_opened_to_write(tmp_path):
    path = tmp_path / "l.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(with_extra_games_column(SCHEMA, "referee TEXT NOT NULL"))
        conn.execute("PRAGMA user_version = 2")
    with pytest.raises(ValueError, match=r"table games has NOT NULL column\(s\) referee"):
        Ladder(path)
    with Ladder(path, readonly=True) as ladder:  # reading is still possible
        assert ladder.games() == []
    harmless = tmp_path / "h.db"
    with sqlite3.connect(harmless) as conn:
        conn.executescript(with_extra_games_column(SCHEMA, "note TEXT NOT NULL DEFAULT 'x'"))
        conn.execute("ALTER TABLE games ADD COLUMN other TEXT")
        conn.execute("PRAGMA user_version = 2")
    ladder, t = new_ladder(harmless)  # defaults and nullable columns are fine
    assert ladder.record_game(t, game_row(0, hashes=["", ""])) is True
    ladder.close()


def test_a_table_missing_a_column_is_refused(tmp_path):
    path = tmp_path / "l.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(SCHEMA_V1.replace("    history TEXT NOT NULL,\n", ""))
    with pytest.raises(ValueError, match="table games lacks column"):
        Ladder(path)


# --------------------------------------------------------------------------- storing games


def test_record_games_counts_new_games_and_skips_exact_duplicates(tmp_path):
    ladder, t = new_ladder(tmp_path / "l.db")
    rows = [game_row(0, hashes=["", ""]), game_row(1, winner=1, hashes=["", ""])]
    assert ladder.record_games(t, rows) == 2
    again = [replace(r, duration=9.0) for r in rows]  # timing is not part of the game
    assert ladder.record_games(t, again) == 0
    assert ladder.record_game(t, game_row(2, hashes=["", ""])) is True
    assert ladder.record_game(t, game_row(2, hashes=["", ""])) is False
    assert ladder.done_indices(t) == {0, 1, 2}
    stored = ladder.games(tournament="t")
    assert [(g.index, g.winner, g.returns, g.duration) for g in stored] == [
        (0, 0, [1.0, -1.0], 0.25),
        (1, 1, [-1.0, 1.0], 0.25),
        (2, 0, [1.0, -1.0], 0.25),
    ]


def test_a_different_game_at_a_recorded_index_is_refused_and_nothing_of_the_batch_kept(tmp_path):
    ladder, t = new_ladder(tmp_path / "l.db")
    ladder.record_game(t, game_row(0, hashes=["", ""]))
    batch = [game_row(1, hashes=["", ""]), game_row(0, winner=1, hashes=["", ""])]
    with pytest.raises(LadderConflict) as info:
        ladder.record_games(t, batch)
    message = str(info.value)
    assert "tournament 't': game 0 is already recorded" in message
    assert "returns" in message and "winner" in message
    assert ladder.done_indices(t) == {0}  # game 1 was rolled back with the batch
    with pytest.raises(LadderConflict, match="agent_ids"):  # same spec, other package content
        ladder.record_game(t, game_row(0, hashes=[H1, ""]))


def test_a_batch_holding_one_index_twice_stores_it_once_or_refuses_two_different_games(tmp_path):
    ladder, t = new_ladder(tmp_path / "l.db")
    twice = [game_row(3, hashes=["", ""]), game_row(3, hashes=["", ""])]
    assert ladder.record_games(t, twice) == 1  # the same game offered twice in one chunk
    clash = [game_row(4, hashes=["", ""]), game_row(4, winner=1, hashes=["", ""])]
    with pytest.raises(LadderConflict, match="game 4 is already recorded"):
        ladder.record_games(t, clash)
    assert ladder.done_indices(t) == {3}


def test_a_not_null_column_we_do_not_fill_fails_loudly(tmp_path):
    path = tmp_path / "l.db"
    ladder, t = new_ladder(path)
    # The column appears after the ladder was opened (the open-time check cannot see it).
    ladder.conn.execute("DROP TABLE games")
    games_sql = with_extra_games_column(SCHEMA, "referee TEXT NOT NULL").split(";")[2]
    assert "CREATE TABLE IF NOT EXISTS games" in games_sql
    ladder.conn.execute(games_sql)
    with pytest.raises(sqlite3.IntegrityError, match=r"NOT NULL constraint failed: games\.referee"):
        ladder.record_games(t, [game_row(0, hashes=["", ""]), game_row(1, hashes=["", ""])])
    ladder.close()
    assert count_games(path) == 0


def test_malformed_rows_are_refused(tmp_path):
    ladder, t = new_ladder(tmp_path / "l.db")
    with pytest.raises(ValueError, match="a game is a GameRow"):
        ladder.record_game(t, game_row(0).columns())  # the old dict shape
    with pytest.raises(ValueError, match="one entry per seat"):
        ladder.record_game(t, replace(game_row(0), seeds=[1]))
    with pytest.raises(ValueError, match="one per seat"):
        ladder.record_game(t, game_row(0, hashes=[""]))
    with pytest.raises(ValueError, match="64 lowercase hex"):
        ladder.record_game(t, game_row(0, hashes=["", "abc"]))
    with pytest.raises(ValueError, match="64 lowercase hex"):
        ladder.record_game(t, game_row(0, hashes=["", ["a"]]))  # not even a string
    assert ladder.done_indices(t) == set()


# --------------------------------------------------------------------------- read-only


def test_read_only_in_a_read_only_directory_creates_nothing_and_cannot_write(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "l.db"
    ladder, t = new_ladder(path)
    ladder.record_game(t, game_row(0, hashes=["", ""]))
    ladder.close()
    assert sorted(os.listdir(folder)) == ["l.db"]  # the writer checkpointed and cleaned up
    before = path.read_bytes()
    path.chmod(0o444)
    folder.chmod(0o555)
    try:
        with Ladder(path, readonly=True) as ro:
            assert [g.index for g in ro.games()] == [0]
            assert ro.tournament("t").total_games == 10
            assert ro.version == 2
            with pytest.raises(ValueError, match="read-only"):
                ro.record_game(t, game_row(1, hashes=["", ""]))
            with pytest.raises(ValueError, match="read-only"):
                ro.create_tournament("u", "skull", KEY, {}, 1)
            with pytest.raises(sqlite3.OperationalError, match="readonly"):
                ro.conn.execute("DELETE FROM games")
            assert sorted(os.listdir(folder)) == ["l.db"]  # no -wal, no -shm
        assert sorted(os.listdir(folder)) == ["l.db"]
        assert path.read_bytes() == before
    finally:
        folder.chmod(0o755)
        path.chmod(0o644)


def test_read_only_in_a_writable_directory_never_changes_the_ladder(tmp_path):
    path = tmp_path / "l.db"
    ladder, t = new_ladder(path)
    ladder.record_game(t, game_row(0, hashes=["", ""]))
    ladder.close()
    before = path.read_bytes()
    with Ladder(path, readonly=True) as ro:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            ro.conn.execute("PRAGMA user_version = 9")
        assert len(ro.games()) == 1
    assert path.read_bytes() == before and user_version(path) == 2


def test_read_only_sees_games_a_writer_has_committed(tmp_path):
    path = tmp_path / "l.db"
    ladder, t = new_ladder(path)
    with Ladder(path, readonly=True) as ro:
        assert ro.games() == []
        ladder.record_game(t, game_row(0, hashes=["", ""]))
        assert [g.index for g in ro.games()] == [0]
    ladder.close()


def test_read_only_needs_an_existing_ladder(tmp_path):
    path = tmp_path / "none" / "l.db"
    with pytest.raises(ValueError, match="no ladder at"):
        Ladder(path, readonly=True)
    assert not path.parent.exists()
    empty = tmp_path / "empty.db"
    empty.touch()
    with pytest.raises(ValueError, match="no ladder tables"):
        Ladder(empty, readonly=True)


# --------------------------------------------------------------------------- identities


def test_agents_are_labelled_by_content_and_rated_apart(tmp_path):
    ladder, t = new_ladder(tmp_path / "l.db")
    rows = [
        game_row(i, seats=("random", "runs/pkg"), winner=i % 2, hashes=["", h])
        for i, h in enumerate([H1, H1, H2, H2])
    ]
    assert ladder.record_games(t, rows) == 4
    games = ladder.games()
    assert [g.agents for g in games] == [
        ["random", "runs/pkg@11111111"],
        ["random", "runs/pkg@11111111"],
        ["random", "runs/pkg@22222222"],
        ["random", "runs/pkg@22222222"],
    ]
    assert all(g.seats == ["random", "runs/pkg"] for g in games)
    ids = ladder.conn.execute("SELECT spec, content_hash, label FROM agents ORDER BY id")
    assert ids.fetchall() == [
        ("random", "", "random"),
        ("runs/pkg", H1, "runs/pkg@11111111"),
        ("runs/pkg", H2, "runs/pkg@22222222"),
    ]
    table = report.ratings_table(games, n_boot=5)
    assert set(table["agent"]) == {"random", "runs/pkg@11111111", "runs/pkg@22222222"}
    assert table.set_index("agent").loc["random", "rating"] == 0.0  # default anchor
    assert table["games"].tolist().count(2) == 2
    with pytest.raises(ValueError, match="several agents"):
        report.ratings_table(games, anchor=("runs/pkg", 100.0), n_boot=5)
    by_label = report.ratings_table(games, anchor=("runs/pkg@22222222", 100.0), n_boot=5)
    assert by_label.set_index("agent").loc["runs/pkg@22222222", "rating"] == 100.0
    one = report.ratings_table(games[:2], anchor=("runs/pkg", 50.0), n_boot=5)
    assert one.set_index("agent").loc["runs/pkg@11111111", "rating"] == 50.0
    with pytest.raises(ValueError, match="did not play"):
        report.ratings_table(games, anchor=("cfr", 0.0), n_boot=5)
    cross = report.crosstable(games)
    assert set(cross["agent"]) == {"random", "runs/pkg@11111111", "runs/pkg@22222222"}
    assert report.win_counts(games) == {"random": 2, "runs/pkg@11111111": 1, "runs/pkg@22222222": 1}
    frame = report.games_frame(games)
    assert frame["seats"].tolist()[0] == "random runs/pkg"
    assert frame["agents"].tolist()[2] == "random runs/pkg@22222222"
    assert frame["winner"].tolist() == [
        "random",
        "runs/pkg@11111111",
        "random",
        "runs/pkg@22222222",
    ]


def test_rows_without_hashes_hash_the_package_once(tmp_path):
    pkg = make_package(tmp_path / "pkg")
    ladder, t = new_ladder(tmp_path / "l.db")
    spec = str(pkg)
    ladder.record_game(t, game_row(0, seats=("random", spec)))
    (pkg / "actor.safetensors").write_bytes(b"retrained")  # this connection keeps its hash
    ladder.record_game(t, game_row(1, seats=("random", spec)))
    ladder.close()
    digest = expected_dir_hash(pkg, {"agent.json": b"{}", "actor.safetensors": b"weights"})
    with Ladder(tmp_path / "l.db", readonly=True) as ro:
        assert [g.agents for g in ro.games()] == [["random", f"{spec}@{digest[:8]}"]] * 2
    assert agent_label(spec, digest) == f"{spec}@{digest[:8]}"
    assert agent_label("random", "") == "random"


def test_the_referee_record_is_what_the_ladder_stores_and_returns(tmp_path):
    from arena.match import MatchResult
    from arena.referee import row_of
    from arena.schedule import ScheduledGame

    sched = ScheduledGame(3, 1, 2, 1, ("a", "b"), 99, (5, 6))
    row = row_of(sched, MatchResult.of([-1.0, 1.0], 4, 0.5, (), [1, 2, 3]))
    assert isinstance(row, GameRow) and row.hashes is None and row.agents == ["a", "b"]
    assert (row.index, row.deal, row.seeds) == (3, 99, [5, 6])
    assert (row.winner, row.ranking) == (1, [[1], [0]])
    with pytest.raises(FrozenInstanceError):
        row.winner = 0
    assert pickle.loads(pickle.dumps(row)) == row  # it crosses process boundaries
    ladder, t = new_ladder(tmp_path / "l.db")
    hashed = replace(row, hashes=[H1, ""])  # the driver adds the content hashes
    assert ladder.record_game(t, hashed) is True
    (stored,) = ladder.games()
    assert stored == replace(hashed, tournament="t", game_key=KEY)
    assert stored.agents == ["a@11111111", "b"]
    ladder.close()
