"""Potential-based reward shaping: the potentials, the shaped GAE, the config checks."""

from __future__ import annotations

import numpy as np
import pytest

import games
from tests.trainers.helpers import two_seat_batch, uniform_actor
from trainers.config import load_config
from trainers.loop import train
from trainers.networks import Critic
from trainers.rollout import Batch, Opponents, SelfPlayGames, ValueFn, collect, gae
from trainers.shaping import dice_share, potential_for


def shaped_batch():
    # The potentials of both seats at each decision of the helper's batch.
    return two_seat_batch(
        potential=np.array([[[0.5, 0.5]], [[0.6, 0.4]], [[0.7, 0.3]], [[0.5, 0.5]]]),
        bootstrap_potential=np.array([[0.4, 0.6]]),
    )


def test_shaped_returns_telescope_to_the_return_minus_the_first_potential():
    batch = shaped_batch()
    adv, ret = gae(batch, gamma=1.0, lam=1.0, shaping=1.0)
    # Finished game: return - Phi(own decision); running game: bootstrap + Phi(end) - Phi.
    np.testing.assert_allclose(ret[:, 0], [1 - 0.5, -1 - 0.4, 1 - 0.7, 0.7 + 0.6 - 0.5])
    np.testing.assert_allclose(adv[:, 0], ret[:, 0] - batch.value[:, 0])
    adv, _ = gae(batch, gamma=1.0, lam=0.0, shaping=2.0)  # one step: 2 * (Phi' - Phi)
    np.testing.assert_allclose(
        adv[:, 0],
        [0.3 + 2 * (0.7 - 0.5) - 0.1, -1 - 2 * 0.4 - 0.2, 1 - 2 * 0.7 - 0.3,
         0.7 + 2 * (0.6 - 0.5) - 0.4],
    )  # fmt: skip


def test_without_shaping_the_potentials_are_ignored():
    batch = shaped_batch()
    plain = Batch(**{**batch.__dict__, "potential": None, "bootstrap_potential": None})
    for lam in (0.0, 0.95, 1.0):
        np.testing.assert_allclose(gae(batch, 1.0, lam)[0], gae(plain, 1.0, lam)[0])


def test_collect_records_every_seats_dice_share():
    game = games.make("liars_dice", players=3, dice=2, mode="elimination")
    rng = np.random.default_rng(0)
    games_ = SelfPlayGames(game, 8, rng)

    uniform = uniform_actor(game)
    value_fn = ValueFn(Critic(game.state_shape[0], 3, (8,)), use_global=True)
    batch = collect(games_, uniform, value_fn, [], 60, Opponents(), potential=dice_share)
    assert batch.potential.shape == (60, 8, 3)
    np.testing.assert_allclose(batch.potential.sum(axis=2), 1.0, rtol=1e-6)
    assert batch.done.any()  # games ended and restarted within the batch
    assert (batch.potential < 1 / 3).any()  # a seat lost a die
    # Each recorded potential is the share of dice of the state it was taken in.
    for e, state in enumerate(games_.states):
        expected = np.array(state.dice_counts) / sum(state.dice_counts)
        np.testing.assert_allclose(batch.bootstrap_potential[e], expected, rtol=1e-6)


def test_shaping_is_refused_for_a_game_without_a_potential():
    with pytest.raises(ValueError, match="no potential for the game 'skull'"):
        potential_for(games.make("skull", players=3))
    with pytest.raises(ValueError, match="no potential"):
        load_config("skull_ctde", ["shaping=1.0", "params.players=3"])
    with pytest.raises(ValueError, match="shaping=-1: Input should be greater than or equal to 0"):
        load_config("liars_dice_ctde", ["shaping=-1"])


def test_a_shaped_run_trains_and_exports(tmp_path):
    shaped = ["shaping=1.0", "params.players=3", "params.dice=2", "total_decisions=2000"]
    shaped += ["num_envs=32", "steps_per_env=16", "eval_every=0", "actor_hidden=[16]"]
    shaped += ["critic_hidden=[16]", "opponent_agent_prob=0.5"]
    cfg = load_config("liars_dice_ctde", shaped)
    run = train(cfg, tmp_path, progress=False)
    assert run.update == cfg.num_updates
    assert (tmp_path / "agent" / "agent.json").is_file()
