"""The batched referee and its agent hosts (arena/referee.py, arena/hosts.py)."""

from __future__ import annotations

import dataclasses
import time

import pytest

import games
from arena import shared_arrays
from arena.hosts import Batch, ProcessHost
from arena.match import play_match
from arena.options import RunOptions
from arena.players import InProcessPlayer
from arena.referee import Referee
from arena.sandbox import bwrap_works
from arena.tournament import TournamentConfig
from tests.games.helpers import decision_observations

DUEL = {"players": 2, "dice": 1, "mode": "single_round"}
FAULTS = [
    ("raises", "raised RuntimeError: boom"),
    ("illegal", "illegal action"),
    ("garbage", "malformed action 'bid many'"),
    ("sleeps", "timeout"),
    ("loops", "timeout"),
    ("exits", "crashed: agent process died (exit code 3)"),
]
SANDBOXES = ["none", "bwrap"] if bwrap_works() else ["none"]


def _play(config: TournamentConfig, **options) -> list[dict]:
    referee = Referee(config, RunOptions(**options))
    try:
        return sorted(referee.play(config.schedule()), key=lambda r: r.index)
    finally:
        referee.close()


def _reference(config: TournamentConfig, skip: str = "") -> list[tuple]:
    """Each game played alone, in process, with the agents' own ``act`` (not ``skip``'s)."""
    game = games.make(config.game, **config.params)
    out = []
    for sched in config.schedule():
        if skip in sched.seats:
            continue
        result = play_match(
            game, [InProcessPlayer(s) for s in sched.seats], sched.deal, sched.seeds
        )
        out.append((sched.index, result.returns, result.history))
    return out


def _key(rows: list[dict]) -> list[tuple]:
    return [(r.index, tuple(r.returns), tuple(r.history)) for r in rows]


@pytest.mark.parametrize("isolation", ["none", "process"])
@pytest.mark.parametrize("batch_size", [1, 7, 64])
def test_batching_and_isolation_do_not_change_any_game(isolation, batch_size):
    config = TournamentConfig(
        game="liars_dice",
        params={"players": 3, "dice": 2},
        agents=("random", "heuristic"),
        games_per_pairing=4,
        seed=11,
        isolation=isolation,
    )
    rows = _play(config, batch_size=batch_size)
    assert _key(rows) == _reference(config)
    assert not any(r.forfeits for r in rows)


def test_arrays_too_large_for_the_shared_memory_travel_in_the_pipe(monkeypatch):
    monkeypatch.setattr(shared_arrays, "CAPACITY", 64)  # no request fits
    config = TournamentConfig(
        game="liars_dice",
        params=DUEL,
        agents=("zoo:liars-dice-duel", "heuristic"),
        games_per_pairing=6,
        seed=12,
        isolation="process",
    )
    rows = _play(config, batch_size=5)
    assert _key(rows) == _reference(config)
    assert not any(r.forfeits for r in rows)


def test_neural_agents_are_batched_and_agree_with_one_game_at_a_time():
    config = TournamentConfig(
        game="liars_dice",
        params=DUEL,
        agents=("zoo:liars-dice-duel", "cfr"),
        games_per_pairing=8,
        seed=3,
    )
    config = dataclasses.replace(config)
    assert _key(_play(config, batch_size=16)) == _reference(config)


@pytest.mark.parametrize("sandbox", SANDBOXES)
@pytest.mark.parametrize("name, reason", FAULTS)
def test_each_fault_is_a_forfeit_with_its_reason(name, reason, sandbox):
    config = TournamentConfig(
        game="liars_dice",
        params=DUEL,
        agents=("random", f"tests.arena.faulty:{name}"),
        games_per_pairing=1,  # one game in each seat
        move_timeout=0.5,
    )
    rows = _play(config, batch_size=1, sandbox=sandbox)
    assert len(rows) == 2 and {row.seats.index("random") for row in rows} == {0, 1}
    for row in rows:
        seat = row.seats.index(f"tests.arena.faulty:{name}")
        assert [f[0] for f in row.forfeits] == [seat]
        assert row.forfeits[0][1].startswith(reason)
        assert row.returns[seat] == -1.0 and sum(row.returns) == pytest.approx(0.0)
        assert row.winner == 1 - seat


def test_an_agent_that_fails_to_load_forfeits_every_game():
    config = TournamentConfig(
        game="liars_dice",
        params=DUEL,
        agents=("random", "tests.arena.faulty:not_an_agent"),
        games_per_pairing=2,
    )
    rows = _play(config)
    assert len(rows) == 4
    assert all("failed to start" in r.forfeits[0][1] for r in rows)


def test_a_reply_that_waited_on_a_busy_referee_is_not_a_timeout():
    """The referee may read a reply late (it was starting another agent's host): what counts
    is whether the agent answered in time, not when the referee looked."""
    game = games.make("liars_dice", **DUEL)
    (obs,) = decision_observations(game, 1, seed=2)
    host = ProcessHost("random", game.name, dict(game.params), move_timeout=0.5)
    host.start()
    try:
        tensors, masks = obs.tensor[None, :], obs.legal_mask[None, :]
        host.send(Batch([(0, obs.player, 7)], [], [0], [obs.player], tensors, masks, None))
        time.sleep(1.0)  # the referee busy for twice the move timeout
        (action,) = host.receive().actions
        assert obs.legal_mask[action] == 1
    finally:
        host.close()


@pytest.mark.parametrize("batch_size", [1, 16])
def test_faults_leave_other_games_untouched(batch_size):
    agents = ("random", "agents.random:RandomAgent", "tests.arena.faulty:exits")
    config = TournamentConfig(
        game="liars_dice",
        params=DUEL,
        agents=agents,
        games_per_pairing=3,
        move_timeout=1.0,
        seed=5,
    )
    rows = _play(config, batch_size=batch_size)
    assert len(rows) == 18
    reference = {i: (ret, hist) for i, ret, hist in _reference(config, skip=agents[2])}
    for row in rows:
        if "tests.arena.faulty:exits" in row.seats:
            assert row.forfeits and row.forfeits[0][1].startswith("crashed")
            continue
        assert not row.forfeits
        assert (tuple(row.returns), tuple(row.history)) == reference[row.index]
