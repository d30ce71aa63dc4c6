"""The arena command refuses bad input at once (exit 2, one line, nothing written), reports
internal errors as such (exit 1, one line, a crash log), and reads the ladder read-only.

Every bad-input case here exits before a game is played, so the whole file runs in seconds.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import sys

import pytest

from arena import tournament as tour
from arena.cli import main
from arena.ladder import GameRow, Ladder, game_key
from arena.logs import logs_dir, write_crash_log

SKULL = ["tournament", "skull", "--agents", "random,heuristic", "--isolation", "none"]


@pytest.fixture(autouse=True)
def crash_logs(tmp_path, monkeypatch):
    """Crash logs of these tests go to their temporary directory, never to $HOME."""
    monkeypatch.setenv("ARENA_LOG_DIR", str(tmp_path / "logs"))
    return tmp_path / "logs"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def assert_refused(capsys, db, argv, *words: str) -> str:
    """Exit 2, one line on stderr naming the problem, and no ladder file."""
    code, out, err = run(capsys, *argv, "--db", str(db))
    assert code == 2, err
    assert err.startswith("arena: error: ") and err.count("\n") == 1, err
    for word in words:
        assert word in err
    assert out == ""
    assert not db.exists()
    return err


# -- a new tournament: every bad option is refused before the ladder exists ---------------------
@pytest.mark.parametrize(
    "extra, words",
    [
        (["--anchor", "nosuch=0"], ["nosuch", "random, heuristic"]),  # 1
        (["--anchor", "random"], ["SPEC=RATING"]),
        (["--games-per-pairing", "0"], ["--games-per-pairing", "at least 1"]),  # 2
        (["--games-per-pairing", "-3"], ["--games-per-pairing", "-3"]),
        (["--workers", "0"], ["workers", "0"]),  # 3
        (["--workers", "-4"], ["workers", "-4"]),
        (["--move-timeout", "inf"], ["timeout", "inf"]),  # 4
        (["--move-timeout", "nan"], ["timeout", "nan"]),
        (["--move-timeout", "0"], ["timeout"]),
        (["--move-timeout", "-1"], ["timeout"]),
        (["--move-timeout", "3601"], ["timeout", "3600"]),
        (["--players", "3", "--param", "players=4"], ["--players 3", "players=4", "disagree"]),
        (["--players", "3", "--param", "players=three"], ["disagree"]),  # 6
        (["--games-per-pairing", str(10**9)], ["1,000,000"]),  # 8
        (["--seed", "-1"], ["seed", "-1"]),  # 9
        (["--batch-size", "0"], ["batch size"]),  # 10
        (["--agent-memory", "1"], ["agent memory"]),
        (["--agent-cpu", "0"], ["agent CPU"]),
        (["--agent-processes", "0"], ["agent processes"]),
        (["--ray-address", "10.0.0.1:6379"], ["--ray-address needs --executor ray"]),
    ],
)
def test_bad_tournament_options_are_refused_before_anything_is_written(
    capsys, tmp_path, extra, words
):
    assert_refused(capsys, tmp_path / "ladder.db", [*SKULL, *extra], *words)


@pytest.mark.parametrize("agents", ["", ",,", " , "])
def test_empty_agents_are_refused_not_replaced_by_the_defaults(capsys, tmp_path, agents):  # 5
    argv = ["tournament", "skull", "--agents", agents]
    assert_refused(capsys, tmp_path / "ladder.db", argv, "--agents needs at least one agent spec")


def test_equal_players_and_param_players_are_accepted(capsys, tmp_path):  # 6
    # The two agree, so the check passes and the next problem (the anchor) is reported.
    argv = [*SKULL, "--players", "3", "--param", "players=3", "--anchor", "nosuch=0"]
    err = assert_refused(capsys, tmp_path / "ladder.db", argv, "nosuch")
    assert "disagree" not in err


def test_a_default_tournament_checks_the_anchor_against_its_default_agents(capsys, tmp_path):
    err = assert_refused(capsys, tmp_path / "ladder.db", ["tournament", "--anchor", "x=0"], "'x'")
    assert "random" in err  # the default agents are listed


def test_a_huge_tournament_is_refused_without_building_its_schedule(capsys, tmp_path, monkeypatch):
    import arena.schedule
    import arena.tournament

    def refuse(*args, **kwargs):
        raise AssertionError("the schedule was built")

    for module in (arena.schedule, arena.tournament):  # 8: counted, never built
        monkeypatch.setattr(module, "make_schedule", refuse)
    argv = [*SKULL, "--games-per-pairing", str(10**12)]
    assert_refused(capsys, tmp_path / "ladder.db", argv, "games per pairing")


def test_the_ray_executor_without_ray_is_refused(capsys, tmp_path, monkeypatch):  # 10
    monkeypatch.setitem(sys.modules, "ray", None)  # as if ray were not installed
    argv = [*SKULL, "--executor", "ray"]
    assert_refused(
        capsys,
        tmp_path / "ladder.db",
        argv,
        "the Ray executor needs the ray extra: pip install 'bluff-arena[ray]'",
    )


def test_help_documents_the_seed_and_the_run_options(capsys):  # 9, 10
    with pytest.raises(SystemExit):
        main(["tournament", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "a secret random seed, so agents cannot predict the deals" in text
    assert "lets an agent that guesses it predict the deals" in text
    for option in (
        "--executor {local,ray}",
        "--ray-address ADDR",
        "--batch-size N",
        "--sandbox {auto,bwrap,none}",
        "--agent-memory MIB",
        "--agent-cpu SECONDS",
        "--agent-processes N",
        "at most 8",
    ):
        assert option in text


def test_an_unknown_executor_or_sandbox_is_an_argparse_error(capsys, tmp_path):
    db = tmp_path / "ladder.db"
    for extra in (["--executor", "dask"], ["--sandbox", "docker"]):
        with pytest.raises(SystemExit) as exc:
            main([*SKULL, *extra, "--db", str(db)])
        assert exc.value.code == 2
    assert not db.exists()


# -- --resume: the stored configuration is played, and nothing else ------------------------------
@pytest.fixture
def stored(tmp_path):
    """A ladder holding one tournament ``t`` (random vs heuristic), no game played."""
    db = tmp_path / "stored.db"
    config = tour.TournamentConfig(
        game="skull",
        params={"players": 2},
        agents=("random", "heuristic"),
        seed=1,
        games_per_pairing=1,
        isolation="none",
    )
    with Ladder(db) as ladder:
        key = game_key(config.game, config.params)
        ladder.create_tournament("t", config.game, key, config.to_json(), config.total_games())
    return db


def assert_resume_refused(capsys, db, argv, *words: str) -> None:
    before = db.read_bytes()
    code, _, err = run(capsys, "tournament", "--resume", "t", *argv, "--db", str(db))
    assert code == 2, err
    assert err.startswith("arena: error: ") and err.count("\n") == 1, err
    for word in words:
        assert word in err
    assert db.read_bytes() == before
    wal = db.with_name(db.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # nothing written


@pytest.mark.parametrize(
    "extra, flag",
    [
        (["--agents", "random,cfr"], "--agents"),
        (["--games-per-pairing", "5"], "--games-per-pairing"),
        (["--players", "2"], "--players"),
        (["--param", "players=2"], "--param"),
        (["--format", "gauntlet"], "--format"),
        (["--seed", "0"], "--seed"),
        (["--move-timeout", "1"], "--move-timeout"),
        (["--isolation", "process"], "--isolation"),
        (["--name", "u"], "--name"),
        (["skull"], "a GAME argument"),
    ],
)
def test_resume_refuses_options_that_change_the_configuration(capsys, stored, extra, flag):  # 7
    assert_resume_refused(
        capsys, stored, extra, f"--resume plays the stored configuration; drop {flag}"
    )


def test_resume_checks_the_anchor_against_the_stored_agents(capsys, stored):  # 1
    # --workers, --batch-size and --json do not change results: allowed, so the anchor is next.
    argv = ["--workers", "2", "--batch-size", "8", "--json", "--anchor", "cfr=0"]
    assert_resume_refused(capsys, stored, argv, "'cfr'", "random, heuristic")


def test_resume_of_an_unknown_tournament(capsys, stored):
    code, _, err = run(capsys, "tournament", "--resume", "nope", "--db", str(stored))
    assert code == 2 and err.count("\n") == 1 and "no tournament named 'nope'" in err


def test_resume_without_a_ladder_creates_none(capsys, tmp_path):
    db = tmp_path / "ladder.db"
    assert_refused(capsys, db, ["tournament", "--resume", "t"], "no ladder")


# -- internal errors: exit 1, one line, the traceback in a crash log -----------------------------
@pytest.mark.parametrize(
    "error",
    [RuntimeError("every tournament worker died"), sqlite3.OperationalError("database is locked")],
)
def test_an_internal_error_is_one_line_exit_1_and_a_crash_log(
    capsys, tmp_path, monkeypatch, crash_logs, error
):  # 11
    logs = crash_logs

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(tour, "run", fail)
    code, _, err = run(capsys, *SKULL, "--json", "--db", str(tmp_path / "ladder.db"))
    assert code == 1
    assert err.count("\n") == 1, err
    line = err.strip()
    assert line.startswith(f"arena: internal error: {type(error).__name__}: {error} (traceback in ")
    (log,) = logs.iterdir()
    assert str(log) in line
    assert log.name.startswith("arena-") and log.name.endswith(f"-{os.getpid()}.log")
    text = log.read_text()
    assert "Traceback (most recent call last)" in text and str(error) in text
    assert "def fail" in text or "in fail" in text


def test_logs_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ARENA_LOG_DIR", str(tmp_path / "a"))
    assert logs_dir() == tmp_path / "a"
    monkeypatch.delenv("ARENA_LOG_DIR")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert logs_dir() == tmp_path / "state" / "bluff-arena" / "logs"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/state")  # ignored, as XDG says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert logs_dir() == tmp_path / "home" / ".local" / "state" / "bluff-arena" / "logs"


def test_crash_logs_never_overwrite_each_other(tmp_path, monkeypatch):
    monkeypatch.setenv("ARENA_LOG_DIR", str(tmp_path))
    paths = {write_crash_log(RuntimeError(f"boom {i}")) for i in range(3)}
    assert len(paths) == 3 and all(p.parent == tmp_path for p in paths)


# -- ladder, report, export: read-only --------------------------------------------------------
def _game(idx: int, seats: list[str], winner: int) -> GameRow:
    return GameRow(
        index=idx,
        pairing=0,
        deal_index=idx // 2,
        rotation=idx % 2,
        deal=7,
        seeds=[1, 2],
        seats=seats,
        returns=[1.0, -1.0] if winner == 0 else [-1.0, 1.0],
        ranking=[[winner], [1 - winner]],
        winner=winner,
        moves=5,
        duration=0.01,
        forfeits=[],
        history=[1, 2, 3, 4, 5],
    )


@pytest.fixture
def readonly_ladder(tmp_path):
    """A ladder with two games, the file 0444 in a 0555 directory."""
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "ladder.db"
    config = tour.TournamentConfig(game="skull", params={"players": 2}, seed=3, isolation="none")
    with Ladder(db) as ladder:
        key = game_key(config.game, config.params)
        row = ladder.create_tournament("t", "skull", key, config.to_json(), config.total_games())
        ladder.record_game(row, _game(0, ["random", "heuristic"], 1))
        ladder.record_game(row, _game(1, ["heuristic", "random"], 0))
    db.chmod(0o444)
    folder.chmod(0o555)
    yield db
    folder.chmod(0o755)
    db.chmod(0o644)


@pytest.mark.parametrize(
    "argv, expect",
    [
        (["ladder"], "heuristic"),
        (["ladder", "--json"], "heuristic"),
        (["export"], "heuristic"),
        (["report", "--tournament", "t"], "head-to-head"),
    ],
)
def test_reading_commands_work_on_a_read_only_ladder(capsys, readonly_ladder, argv, expect):  # 12
    before = readonly_ladder.read_bytes()
    code, out, err = run(capsys, *argv, "--db", str(readonly_ladder))
    assert code == 0, err
    assert expect in out
    assert readonly_ladder.read_bytes() == before
    assert sorted(os.listdir(readonly_ladder.parent)) == ["ladder.db"]  # no -wal / -shm
    assert stat.S_IMODE(readonly_ladder.stat().st_mode) == 0o444


@pytest.mark.parametrize("command", ["ladder", "export", "report"])
def test_reading_commands_never_create_a_ladder(capsys, tmp_path, command):  # 12
    assert_refused(capsys, tmp_path / "ladder.db", [command], "no ladder")
