"""Tournaments: schedules, resume after SIGKILL, concurrency, workers (arena/tournament.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from arena.ladder import Ladder
from arena.options import RunOptions
from arena.schedule import make_schedule, pairings, rotations
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
        seen.append(row["idx"])
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


def _cli(*args: str, db) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "arena.cli", "tournament", *args, "--db", str(db), "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


@pytest.mark.slow
def test_sigkill_at_random_moments_then_resume_matches_an_uninterrupted_run(tmp_path):
    args = ["liars_dice", "--players", "3", "--param", "dice=3", "--agents", ",".join(TWO_RANDOMS)]
    args += ["--games-per-pairing", "30", "--workers", "2", "--seed", "8"]
    reference = _cli(*args, "--name", "t", db=tmp_path / "ref.db")
    assert reference.wait(timeout=300) == 0, reference.stderr.read().decode()
    db = tmp_path / "crash.db"
    rng = np.random.default_rng(3)
    proc = _cli(*args, "--name", "t", db=db)
    kills = 0
    for _ in range(4):
        time.sleep(float(rng.uniform(0.8, 2.5)))
        if proc.poll() is not None:
            break
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        kills += 1
        proc = _cli("--resume", "t", db=db)
    assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()
    assert kills >= 1
    with Ladder(tmp_path / "ref.db") as ref, Ladder(db) as crashed:
        expected, got = _rows(ref, "t"), _rows(crashed, "t")
    assert len(got) == len({r[0] for r in got}) == 2 * 30 * 3
    assert got == expected


@pytest.mark.slow
def test_two_tournaments_write_to_one_database_at_once(tmp_path):
    db = tmp_path / "shared.db"
    common = ["liars_dice", "--param", "dice=2", "--agents", ",".join(TWO_RANDOMS),
              "--games-per-pairing", "400", "--workers", "1", "--isolation", "none"]  # fmt: skip
    procs = [_cli(*common, "--name", name, "--seed", str(i), db=db) for i, name in enumerate("ab")]
    for proc in procs:
        assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()
    with Ladder(db) as ladder:
        assert len(ladder.games(tournament="a")) == len(ladder.games(tournament="b")) == 800
