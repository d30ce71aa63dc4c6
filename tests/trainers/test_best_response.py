"""The learned best response (trainers/best_response.py): its games, training and measure."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import games
from agents.base import BaseAgent, check_agent, load_agent
from agents.mlp import MLPActor
from agents.neural import ActorConfig
from agents.random import RandomAgent
from games import openspiel as bridge
from games.core import Observation
from trainers.best_response import (
    ApproximateExploitability,
    ResponseConfig,
    ResponseGames,
    play_response,
    save_response,
    step,
    train_response,
)

SEEN: list[tuple[int, Observation]] = []
"""What every :class:`SpyAgent` was given: (the seat it was reset to, the observation)."""


class SpyAgent(RandomAgent):
    """A random agent that records what it is given."""

    def act(self, obs: Observation) -> int:
        SEEN.append((self.seat, obs))
        return super().act(obs)


def spy() -> SpyAgent:
    return SpyAgent()


SPY = f"{__name__}:spy"


class FirstLegal(BaseAgent):
    """An agent of moves only (no ``policy``): the lowest legal action."""

    def act(self, obs: Observation) -> int:
        return int(np.flatnonzero(obs.legal_mask)[0])


FIRST_LEGAL = f"{__name__}:FirstLegal"


def uniform_actor(game: games.Game) -> MLPActor:
    """An actor with zero weights: uniform over the legal actions."""
    actor = MLPActor(ActorConfig.for_game(game, (8,)))
    for p in actor.parameters():
        torch.nn.init.zeros_(p)
    return actor


def test_the_agents_play_every_other_seat_from_their_own_observation():
    game = games.make("skull", players=3)
    table = ResponseGames(game, SPY, 6, np.random.default_rng(0))
    for e in range(6):
        table.start(e, e % 3)
    SEEN.clear()
    table.play_others(range(6))
    rng = np.random.default_rng(1)
    for _ in range(20):
        for e in range(6):
            state = table.states[e]
            assert state.current_player() == table.seat[e] or table.learner_return(e) is not None
        actions = [rng.choice(np.flatnonzero(m)) for m in table.masks()]
        step(table, np.array(actions))
    assert len(SEEN) > 100
    for seat, obs in SEEN:
        assert isinstance(obs, Observation) and obs.player == seat
        assert obs.tensor.shape == game.observation_shape and obs.legal_mask.any()
    learner_seats = set(table.seat.tolist())
    assert len(learner_seats) > 1  # restarted games draw new learner seats


def test_step_reports_the_learners_return_in_its_column_and_restarts():
    game = bridge.our_game()
    table = ResponseGames(game, "random", 32, np.random.default_rng(0))
    for e in range(32):
        table.start(e, 1)  # seat 0 (the agent) opens; the learner answers
    table.play_others(range(32))
    liar = np.array([table.masks()[e, game.liar] for e in range(32)])
    actions = np.where(liar, game.liar, 0)  # call liar where the agent bid (not if it called)
    done, returns = step(table, actions)
    assert done.sum() > 16
    for e in np.flatnonzero(done):
        assert returns[e, 1] in (1.0, -1.0) and returns[e, 0] == 0.0
    assert not returns[~done].any()
    assert all(table.states[e].current_player() == table.seat[e] for e in range(32))


def test_play_response_rotates_the_seat_and_is_seeded():
    game = bridge.our_game()
    actor = uniform_actor(game)
    value = play_response(actor, "random", game, 301, seed=3, greedy=False)
    assert value.games == 302 and len(value.per_seat) == 2
    assert value.mean == pytest.approx(np.mean(value.per_seat))
    assert play_response(actor, "random", game, 301, seed=3, greedy=False) == value
    assert play_response(actor, "random", game, 301, seed=4, greedy=False) != value


def test_uniform_play_against_random_earns_the_fair_share():
    game = bridge.our_game()
    value = play_response(uniform_actor(game), "random", game, 4000, seed=2, greedy=False)
    low, high = value.interval
    assert low < 0.0 < high and value.half_width < 0.05


def test_the_config_refuses_bad_values():
    for bad in (
        {"budget": 0},
        {"eval_games": -1},
        {"num_envs": 1.5},
        {"epochs": True},
        {"seed": -1},
    ):
        with pytest.raises(ValueError, match=next(iter(bad))):
            ResponseConfig(**bad)
    assert ResponseConfig(budget=2049, num_envs=64, steps_per_env=16).num_updates == 3


def test_training_is_seeded_and_beats_uniform_play_against_random():
    game = bridge.our_game()
    cfg = ResponseConfig(budget=4096, num_envs=64, steps_per_env=16, seed=1)
    actor = train_response("random", game, cfg)
    again = train_response("random", game, cfg)
    for a, b in zip(actor.parameters(), again.parameters(), strict=True):
        assert torch.equal(a, b)
    trained = play_response(actor, "random", game, 2000, seed=0)
    uniform = play_response(uniform_actor(game), "random", game, 2000, seed=0, greedy=False)
    assert trained.interval[0] > uniform.interval[1]


def test_the_saved_response_is_an_agent_package(tmp_path):
    game = games.make("skull", players=3)
    actor = uniform_actor(game)
    value = play_response(actor, "random", game, 30, seed=0)
    result = ApproximateExploitability("random", "skull", game.params, value, 0, ResponseConfig())
    save_response(str(tmp_path / "br"), actor, game, result)
    check_agent(str(tmp_path / "br"), game)
    agent = load_agent(str(tmp_path / "br"))
    assert agent.manifest.method == "best_response"
    assert agent.manifest.evaluation["exploitability_lower_bound"] == value.mean


def test_kickstarting_targets_are_the_agents_own_policy_at_the_learners_decisions():
    game = games.make("skull", players=3)
    table = ResponseGames(game, "random", 8, np.random.default_rng(0))
    for e in range(8):
        table.start(e, e % 3)
    table.play_others(range(8))
    targets = table.agent_policy()
    masks = table.masks()
    np.testing.assert_allclose(targets, masks / masks.sum(axis=1, keepdims=True), rtol=1e-6)


def test_the_games_of_a_duplicate_deal_share_its_chance_outcomes():
    game = bridge.our_game()
    table = ResponseGames(game, "random", 4, np.random.default_rng(0))
    for e, (seat, deal) in enumerate([(0, 7), (1, 7), (0, 8), (1, 8)]):
        table.start(e, seat, np.random.default_rng(deal))
    table.play_others(range(4))
    dice = [tuple(table.states[e].history()[:2]) for e in range(4)]
    assert dice[0] == dice[1] and dice[2] == dice[3] and dice[0] != dice[2]


def test_kickstarting_targets_of_an_agent_of_moves_only_are_its_moves():
    game = games.make("skull", players=3)
    table = ResponseGames(game, FIRST_LEGAL, 5, np.random.default_rng(0))
    for e in range(5):
        table.start(e, e % 3)
    table.play_others(range(5))
    first = table.masks().argmax(axis=1)
    np.testing.assert_array_equal(table.agent_policy(), np.eye(game.num_distinct_actions)[first])
