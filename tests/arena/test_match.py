"""Matches and fault isolation (arena/match.py, arena/players.py)."""

from __future__ import annotations

import pytest

import games
from arena.match import forfeit_returns, play_match, ranking_of
from arena.players import InProcessPlayer, ProcessPlayer, check_action
from arena.schedule import make_schedule
from arena.tournament import Referee, TournamentConfig
from games.core import Observation

DUEL = {"players": 2, "dice": 1, "mode": "single_round"}
FAULTS = [
    ("raises", "raised RuntimeError: boom"),
    ("illegal", "illegal action"),
    ("garbage", "malformed action 'bid many'"),
    ("sleeps", "timeout"),
    ("loops", "timeout"),
    ("exits", "crashed: agent process died (exit code 3)"),
]


def test_ranking_and_forfeit_returns():
    assert ranking_of([1.0, -1 / 3, -1 / 3, -1 / 3]) == ((0,), (1, 2, 3))
    assert ranking_of([-0.5, 1.0, -0.5]) == ((1,), (0, 2))
    assert forfeit_returns(4, 2) == (1 / 3, 1 / 3, -1.0, 1 / 3)
    assert sum(forfeit_returns(3, 0)) == pytest.approx(0.0)


def test_check_action():
    import numpy as np

    obs = Observation(0, np.zeros(3, np.float32), np.array([0, 1, 1], np.int8))
    assert check_action(np.int64(2), obs) == 2
    for bad, reason in [(0, "illegal"), (5, "illegal"), (-1, "illegal"), ("1", "malformed"),
                        (1.5, "malformed"), (None, "malformed"), (True, "malformed")]:  # fmt: skip
        with pytest.raises(Exception, match=reason):
            check_action(bad, obs)


@pytest.mark.parametrize("isolation", ["none", "process"])
def test_same_seeds_same_game_in_process_and_isolated(isolation):
    game = games.make("liars_dice", players=3, dice=2)
    make = ProcessPlayer if isolation == "process" else InProcessPlayer
    players = [make("random") for _ in range(3)]
    try:
        first = play_match(game, players, deal=5, seeds=[1, 2, 3])
        again = play_match(game, players, deal=5, seeds=[1, 2, 3])
    finally:
        for p in players:
            p.close()
    assert first.history == again.history and first.returns == again.returns
    assert sum(first.returns) == pytest.approx(0.0) and not first.forfeits
    reference = play_match(game, [InProcessPlayer("random") for _ in range(3)], 5, [1, 2, 3])
    assert reference.history == first.history


@pytest.mark.parametrize("name, reason", FAULTS)
def test_each_fault_is_a_forfeit_with_its_reason(name, reason):
    config = TournamentConfig(
        game="liars_dice", params=DUEL, agents=("random", f"tests.arena.faulty:{name}"),
        games_per_pairing=2, move_timeout=0.5,
    )  # fmt: skip
    referee = Referee(config)
    try:
        rows = [referee.play(g) for g in config.schedule()]
    finally:
        referee.close()
    for row in rows:
        seat = row["seats"].index(f"tests.arena.faulty:{name}")
        assert [f[0] for f in row["forfeits"]] == [seat]
        assert row["forfeits"][0][1].startswith(reason)
        assert row["returns"][seat] == -1.0 and sum(row["returns"]) == pytest.approx(0.0)
        assert row["winner"] == 1 - seat


def test_an_agent_that_fails_to_load_forfeits():
    game = games.make("liars_dice", **DUEL)
    result = play_match(game, [InProcessPlayer("random"), InProcessPlayer("nope")], 1, [1, 2])
    assert result.forfeits[0][0] == 1 and "failed to start" in result.forfeits[0][1]


def test_faults_leave_other_games_untouched():
    agents = ("random", "agents.random:RandomAgent", "tests.arena.faulty:exits")
    config = TournamentConfig(
        game="liars_dice", params=DUEL, agents=agents, games_per_pairing=3, move_timeout=1.0
    )
    referee = Referee(config)
    try:
        rows = [referee.play(g) for g in config.schedule()]
    finally:
        referee.close()
    clean = [r for r in rows if "tests.arena.faulty:exits" not in r["seats"]]
    assert len(clean) == 6 and not any(r["forfeits"] for r in clean)
    game = games.make("liars_dice", **DUEL)
    for sched in make_schedule(agents, 2, "round-robin", 3, 0):
        if "tests.arena.faulty:exits" in sched.seats:
            continue
        expected = play_match(
            game, [InProcessPlayer(s) for s in sched.seats], sched.deal, sched.seeds
        )
        assert rows[sched.index]["history"] == list(expected.history)
