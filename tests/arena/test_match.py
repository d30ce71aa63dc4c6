"""Single matches in process (arena/match.py, arena/players.py)."""

from __future__ import annotations

import pytest

import games
from arena.match import forfeit_returns, play_match, ranking_of
from arena.players import InProcessPlayer, check_action
from games.core import Observation

DUEL = {"players": 2, "dice": 1, "mode": "single_round"}


def test_ranking_and_forfeit_returns():
    assert ranking_of([1.0, -1 / 3, -1 / 3, -1 / 3]) == ((0,), (1, 2, 3))
    assert ranking_of([-0.5, 1.0, -0.5]) == ((1,), (0, 2))
    assert forfeit_returns(4, 2) == (1 / 3, 1 / 3, -1.0, 1 / 3)
    assert sum(forfeit_returns(3, 0)) == pytest.approx(0.0)


def test_check_action():
    import numpy as np

    obs = Observation(0, np.zeros(3, np.float32), np.array([0, 1, 1], np.int8))
    assert check_action(np.int64(2), obs) == 2
    for bad, reason in [
        (0, "illegal"),
        (5, "illegal"),
        (-1, "illegal"),
        ("1", "malformed"),
        (1.5, "malformed"),
        (None, "malformed"),
        (True, "malformed"),
    ]:
        with pytest.raises(Exception, match=reason):
            check_action(bad, obs)


def test_same_seeds_same_game():
    game = games.make("liars_dice", players=3, dice=2)
    first = play_match(game, [InProcessPlayer("random") for _ in range(3)], 5, [1, 2, 3])
    again = play_match(game, [InProcessPlayer("random") for _ in range(3)], 5, [1, 2, 3])
    assert first.history == again.history and first.returns == again.returns
    assert sum(first.returns) == pytest.approx(0.0) and not first.forfeits


def test_an_agent_that_fails_to_load_forfeits():
    game = games.make("liars_dice", **DUEL)
    result = play_match(game, [InProcessPlayer("random"), InProcessPlayer("nope")], 1, [1, 2])
    assert result.forfeits[0][0] == 1 and "failed to start" in result.forfeits[0][1]
