"""The rollout: games against opponents end once the learner is out."""

from __future__ import annotations

import numpy as np

import games
from tests.trainers.helpers import uniform_actor
from trainers.networks import Critic
from trainers.rollout import Opponents, SelfPlayGames, ValueFn, collect


def test_a_game_against_opponents_ends_when_the_learner_is_out():
    game = games.make("liars_dice", players=4, dice=1, mode="elimination")
    games_ = SelfPlayGames(game, 16, np.random.default_rng(0))
    mix = Opponents(agents=("random",), agent_prob=0.5)

    uniform = uniform_actor(game)
    value_fn = ValueFn(Critic(game.state_shape[0], 4, (8,)), use_global=True)
    early = {True: 0, False: 0}
    for _ in range(300):
        against = games_.opponent != -1  # which games were against opponents at this step
        learner = games_.learner.copy()
        batch = collect(games_, uniform, value_fn, [], 1, mix)
        for e in np.flatnonzero(batch.done[0]):
            returns = batch.returns[0, e]
            if abs(returns.sum()) > 1e-6:  # ended before the end: only the learner's return
                early[bool(against[e])] += 1
                np.testing.assert_allclose(returns[learner[e]], -1 / 3)
                np.testing.assert_array_equal(returns[~learner[e]], 0.0)
        # No game against opponents goes on once its learner seat is out.
        for state, seats, vs in zip(games_.states, games_.learner, games_.opponent, strict=True):
            if vs != -1:
                assert state.final_return(int(np.flatnonzero(seats)[0])) is None
    assert early[True] > 10 and early[False] == 0
