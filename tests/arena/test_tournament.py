"""Tournaments: schedules, resume after SIGKILL, concurrency, workers (arena/tournament.py)."""

from __future__ import annotations

import dataclasses
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from arena.ladder import Ladder
from arena.options import RunOptions
from arena.schedule import ScheduledGame, make_schedule, pairings, rotations
from arena.tournament import TournamentConfig, create, run

DUEL = {"players": 2, "dice": 1, "mode": "single_round"}
TWO_RANDOMS = ("random", "agents.random:RandomAgent")


def _rows(ladder: Ladder, name: str) -> list[tuple]:
    return [
        (g.index, tuple(g.seats), tuple(g.returns), tuple(g.history), tuple(map(tuple, g.forfeits)))
        for g in ladder.games(tournament=name)
    ]


# -- schedules ------------------------------------------------------------------------------
def test_round_robin_pairings():
    assert pairings(["a", "b", "c"], 2, "round-robin") == [("a", "b"), ("a", "c"), ("b", "c")]
    assert len(pairings(["a", "b", "c", "d", "e"], 4, "round-robin")) == 5
    assert pairings(["a", "b"], 3, "round-robin") == [("a", "b", "b"), ("b", "a", "a")]


def test_gauntlet_pairings():
    assert pairings(["c", "x", "y"], 4, "gauntlet") == [("c", "x", "x", "x"), ("c", "y", "y", "y")]


def test_every_rotation_shares_the_deal_and_each_agent_sits_everywhere():
    schedule = make_schedule(["a", "b", "c"], 3, "round-robin", 2, seed=9)
    assert len(schedule) == 1 * 2 * 3
    for deal in (0, 1):
        games = [g for g in schedule if g.deal_index == deal]
        assert len({g.deal for g in games}) == 1
        assert sorted(g.seats for g in games) == sorted(rotations(("a", "b", "c")))
    assert schedule == make_schedule(["a", "b", "c"], 3, "round-robin", 2, seed=9)
    assert schedule != make_schedule(["a", "b", "c"], 3, "round-robin", 2, seed=10)


def test_a_scheduled_game_travels_to_a_worker_as_a_tuple_of_its_fields():
    game = make_schedule(["a", "b"], 2, "round-robin", 1, seed=3)[1]
    assert game.as_tuple() == dataclasses.astuple(game)
    assert ScheduledGame(*game.as_tuple()) == game


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(agents=("random",)), "at least two"),
        (dict(agents=("random", "random")), "distinct"),
        (dict(format="swiss"), "format"),
        (dict(games_per_pairing=0), "games_per_pairing"),
        (dict(agents=("random", "no-such-agent")), "unknown agent"),
        (dict(params={"players": 9}), "players"),
        (dict(agents=("random", "cfr"), params={"players": 3}), "cfr"),
    ],
)
def test_bad_configs_are_refused_before_anything_is_written(tmp_path, kwargs, match):
    ladder = Ladder(tmp_path / "l.db")
    with pytest.raises(ValueError, match=match):
        config = TournamentConfig(**{"agents": TWO_RANDOMS, **kwargs})
        create(ladder, config, "t")
    assert ladder.tournaments() == []


# -- running --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "workers, batch_size, chunk_size", [(2, 64, None), (1, 1, 5), (2, 3, 2), (1, 64, 7)]
)
def test_results_do_not_depend_on_workers_batch_or_chunk_size(
    tmp_path, workers, batch_size, chunk_size
):
    config = TournamentConfig(
        game="liars_dice",
        params={"players": 3, "dice": 2},
        agents=TWO_RANDOMS,
        games_per_pairing=4,
        seed=21,
    )
    ladder = Ladder(tmp_path / "l.db")
    run(ladder, create(ladder, config, "reference"), options=RunOptions(workers=1))
    options = RunOptions(workers=workers, batch_size=batch_size, chunk_size=chunk_size)
    run(ladder, create(ladder, config, "other"), options=options)
    assert _rows(ladder, "reference") == _rows(ladder, "other")
    assert len(_rows(ladder, "reference")) == len(config.schedule()) == 2 * 4 * 3


def test_resume_plays_exactly_the_missing_games(tmp_path):
    config = TournamentConfig(
        game="liars_dice", params=DUEL, agents=TWO_RANDOMS, games_per_pairing=10, seed=4
    )
    ladder = Ladder(tmp_path / "l.db")
    full = create(ladder, config, "full")
    run(ladder, full, options=RunOptions(workers=1))
    part = create(ladder, config, "part")
    seen = []

    def stop_early(row):
        seen.append(row.index)
        if len(seen) == 7:
            os.kill(os.getpid(), signal.SIGINT)  # a clean stop, as Ctrl-C

    summary = run(ladder, part, options=RunOptions(workers=1, chunk_size=1), on_game=stop_early)
    # the games in flight when Ctrl-C came (at most two chunks of one) are finished too
    assert summary.interrupted and 7 <= summary.played <= 9
    assert summary.remaining == 20 - summary.played
    first = summary.played
    summary = run(ladder, part, options=RunOptions(workers=1))
    assert summary.played == 20 - first and summary.remaining == 0
    assert _rows(ladder, "full") == _rows(ladder, "part")
    assert ladder.tournament("part").finished is not None


def _cli(*args: str, db, cwd: Path | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "arena.cli", "tournament", *args, "--db", str(db), "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        cwd=cwd,
    )


def _wait_created(db: Path, name: str, proc: subprocess.Popen, limit: float = 120.0) -> None:
    """Wait until tournament ``name`` is stored in ``db`` (or ``proc`` has ended)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists():
            try:
                with Ladder(db, readonly=True) as ladder:
                    if ladder.tournament(name) is not None:
                        return
            except ValueError:  # being created
                pass
        time.sleep(0.1)


def _stored_games(db: Path, name: str) -> int:
    """How many games of tournament ``name`` the ladder at ``db`` holds (0 while it is being
    created)."""
    try:
        with Ladder(db, readonly=True) as ladder:
            row = ladder.tournament(name)
            return 0 if row is None else len(ladder.done_indices(row))
    except (ValueError, sqlite3.OperationalError):  # being created, or locked for a moment
        return 0


@pytest.mark.slow
def test_sigkill_at_random_moments_then_resume_matches_an_uninterrupted_run(tmp_path, capsys):
    """Killed (the whole process group) at random points of its progress, three times, then
    resumed each time: the rows are those of an uninterrupted run. The kill points are counts
    of stored games, not times, so that a fast machine cannot finish the run before them."""
    from arena.cli import main

    args = ["liars_dice", "--players", "3", "--param", "dice=3", "--agents", ",".join(TWO_RANDOMS)]
    args += ["--games-per-pairing", "30", "--workers", "2", "--seed", "8"]
    reference = ["tournament", *args, "--name", "t", "--db", str(tmp_path / "ref.db"), "--json"]
    assert main(reference) == 0, capsys.readouterr().err  # uninterrupted, in this process
    db, total = tmp_path / "crash.db", 2 * 30 * 3
    small = ["--batch-size", "4"]  # chunks of 32 games: several commits between kills
    rng = np.random.default_rng(3)
    proc = _cli(*args, *small, "--name", "t", db=db)
    kills = 0
    for target in sorted(rng.integers(1, total // 2, size=3).tolist()):
        deadline = time.monotonic() + 120
        while _stored_games(db, "t") < target and proc.poll() is None:
            assert time.monotonic() < deadline, "no progress in 120 s"
            time.sleep(0.01)
        time.sleep(float(rng.uniform(0.0, 0.05)))  # not always right after a commit
        if proc.poll() is not None:
            break
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        kills += 1
        proc = _cli("--resume", "t", *small, db=db)
    assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()
    assert kills >= 2
    with Ladder(tmp_path / "ref.db") as ref, Ladder(db) as crashed:
        expected, got = _rows(ref, "t"), _rows(crashed, "t")
    assert len(got) == len({r[0] for r in got}) == total
    assert got == expected


@pytest.mark.slow
def test_two_tournaments_write_to_one_database_at_once(tmp_path):
    db = tmp_path / "shared.db"
    common = [
        "liars_dice",
        "--param",
        "dice=2",
        "--agents",
        ",".join(TWO_RANDOMS),
        "--games-per-pairing",
        "400",
        "--workers",
        "1",
        "--isolation",
        "none",
    ]
    procs = [_cli(*common, "--name", name, "--seed", str(i), db=db) for i, name in enumerate("ab")]
    for proc in procs:
        assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()
    with Ladder(db) as ladder:
        assert len(ladder.games(tournament="a")) == len(ladder.games(tournament="b")) == 800


# -- through the command, as a user meets it ------------------------------------------------
def _descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.add(child)
            todo.append(child)
    return out


def test_ctrl_c_reaches_only_the_referee_and_no_innocent_agent_forfeits(tmp_path):
    """The terminal sends SIGINT to the whole foreground group: hosts must not see it."""
    args = ["liars_dice", "--players", "3", "--param", "dice=3", "--agents", "random,heuristic"]
    args += ["--games-per-pairing", "200", "--workers", "1", "--batch-size", "8", "--name", "t"]
    proc = _cli(*args, db=tmp_path / "l.db")
    deadline = time.monotonic() + 60
    while not (tmp_path / "l.db").exists() or len(_descendants(proc.pid)) < 3:
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read().decode()
        time.sleep(0.2)
    while _stored_games(tmp_path / "l.db", "t") == 0:  # mid-run: a first chunk is stored
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read().decode()
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGINT)
    assert proc.wait(timeout=60) == 130, proc.stderr.read().decode()
    with Ladder(tmp_path / "l.db") as ladder:
        played = ladder.games(tournament="t")
    assert 0 < len(played) < 2 * 200 * 3
    assert not [g.forfeits for g in played if g.forfeits]


def test_an_error_in_the_referee_process_stops_every_child(tmp_path, monkeypatch, capsys):
    """A ladder failure mid-run: one line, exit 1, no worker or agent host left behind."""
    import sqlite3

    from arena import cli

    calls = []

    def locked(self, tournament, rows):
        calls.append(len(rows))
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(Ladder, "record_games", locked)
    monkeypatch.setenv("ARENA_LOG_DIR", str(tmp_path / "logs"))
    args = ["tournament", "liars_dice", "--agents", "random,heuristic", "--workers", "2"]
    code = cli.main([*args, "--games-per-pairing", "50", "--json", "--db", str(tmp_path / "l.db")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and calls
    assert len(err) == 1 and "internal error" in err[0] and "database is locked" in err[0]
    deadline = time.monotonic() + 10
    while (left := _run_children()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, left


def _run_children() -> list[str]:
    """The command lines of this process's live workers (forked by the fork server, whose
    command line they keep, or spawned) and agent hosts (arena.host_main, bwrap); not
    multiprocessing's fork server and resource tracker themselves, which serve this whole test
    process and end with it."""
    servers = {
        pid
        for pid in _descendants(os.getpid())
        if "forkserver" in _cmdline(pid) and _parent(pid) == os.getpid()
    }
    left = [_cmdline(pid) for pid in _descendants(os.getpid()) - servers]
    markers = ("host_main", "spawn_main", "bwrap", "forkserver")
    return [c for c in left if any(m in c for m in markers)]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text()
    except OSError:
        return ""


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def test_a_retrained_package_at_the_same_path_is_a_new_agent(tmp_path, capsys):
    import shutil

    from agents.zoo import zoo_path
    from arena.cli import main

    package = tmp_path / "duel"
    shutil.copytree(zoo_path("liars-dice-duel"), package)
    args = ["liars_dice", "--param", "dice=1", "--param", "mode=single_round", "--players", "2"]
    args += ["--agents", f"random,{package}", "--games-per-pairing", "2", "--workers", "1"]
    for name in ("before", "after"):
        code = main(["tournament", *args, "--name", name, "--db", str(tmp_path / "l.db"), "--json"])
        assert code == 0, capsys.readouterr().err
        (package / "NOTES.md").write_text("retrained\n")  # any change to its content
    with Ladder(tmp_path / "l.db") as ladder:
        before = {a for g in ladder.games(tournament="before") for a in g.agents}
        after = {a for g in ladder.games(tournament="after") for a in g.agents}
    (old,) = before - {"random"}
    (new,) = after - {"random"}
    assert old.startswith(f"{package}@") and new.startswith(f"{package}@") and old != new


def test_a_package_given_by_a_relative_path_plays_in_its_sandboxed_host(tmp_path):
    """Hosts start in the user's directory: ``--agents duel`` run from ``tmp_path`` loads."""
    import shutil

    from agents.zoo import zoo_path

    shutil.copytree(zoo_path("liars-dice-duel"), tmp_path / "duel")
    args = ["liars_dice", "--param", "dice=1", "--param", "mode=single_round", "--players", "2"]
    args += ["--agents", "random,duel", "--games-per-pairing", "3", "--workers", "1"]
    proc = _cli(*args, "--name", "rel", db=tmp_path / "l.db", cwd=tmp_path)
    assert proc.wait(timeout=120) == 0, proc.stderr.read().decode()
    with Ladder(tmp_path / "l.db") as ladder:
        played = ladder.games(tournament="rel")
    assert len(played) == 6 and all(g.forfeits == [] for g in played)


def test_a_ladder_with_another_schema_is_refused_and_loses_nothing(tmp_path):
    import sqlite3

    from arena.ladder import SCHEMA_V1

    db = tmp_path / "l.db"
    with sqlite3.connect(db) as conn:
        conn.executescript(
            SCHEMA_V1.replace(
                "finished_at REAL NOT NULL,", "finished_at REAL NOT NULL, extra TEXT NOT NULL,"
            )
        )
    proc = _cli("liars_dice", "--agents", "random,heuristic", "--games-per-pairing", "1", db=db)
    assert proc.wait(timeout=60) == 2
    err = proc.stderr.read().decode().strip().splitlines()
    assert len(err) == 1 and "extra" in err[0], err
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM tournaments").fetchone() == (0,)


def test_a_tournament_stored_by_the_previous_version_resumes_with_its_own_seeds():
    stored = {"game": "liars_dice", "params": DUEL, "agents": ["a", "b", "c"], "seed": 7}
    stored |= {"format": "round-robin", "games_per_pairing": 3, "move_timeout": 10.0}
    stored |= {"isolation": "process"}
    config = TournamentConfig.from_json(stored)
    assert config.seeding == 1 and not config.secret_seed
    # the values the previous version (SeedSequence, one stream) gave this schedule
    game = make_schedule(["a", "b", "c"], 3, "round-robin", 3, 7, seeding=1)[4]
    assert (game.deal, game.seeds) == (1834709978, (227123106, 3959015253, 1832584045))
    assert TournamentConfig(agents=("a", "b")).seeding == 2


def test_chunks_cover_every_game_once_in_order_and_each_workers_first_is_one_batch():
    from arena.executor import make_chunks

    games = list(range(8000))
    sizes = [len(c.games) for c in make_chunks(games, RunOptions(workers=2, batch_size=512))]
    assert sizes[:2] == [512, 512]  # progress after one batch per worker
    # then a quarter of the games left each time (at most 2,000, at least one batch), so
    # that the two workers finish together
    assert sizes[2:] == [1744, 1308, 981, 736, 552, 512, 512, 512, 119]
    left = 8000 - 1024
    for size in sizes[2:-1]:
        assert size == max(512, -(-left // 4))
        left -= size
    one = [len(c.games) for c in make_chunks(games, RunOptions(workers=1, batch_size=512))]
    assert one == [512, 2048, 2048, 2048, 1344]  # one worker: no need to shrink
    for options in (RunOptions(workers=1), RunOptions(workers=2, batch_size=1)):
        assert [g for c in make_chunks(games, options) for g in c.games] == games
    explicit = make_chunks(games[:20], RunOptions(workers=1, batch_size=64, chunk_size=7))
    assert [len(c.games) for c in explicit] == [7, 7, 6]  # an explicit chunk size, as given
