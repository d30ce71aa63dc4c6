"""Kickstarting from a teacher agent: the schedule, the loss, the data and the config checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import games
from agents.base import load_agent
from agents.heuristic import HeuristicAgent
from tests.trainers.helpers import uniform_actor
from trainers.config import load_config
from trainers.loop import train
from trainers.networks import Critic
from trainers.rollout import Opponents, SelfPlayGames, ValueFn, collect
from trainers.teacher import Teacher, cross_entropy, teacher_weight

TABLE = ["params.players=3", "params.dice=2"]


def test_the_weight_decays_linearly_to_zero_at_until():
    assert teacher_weight(2.0, 0.5, 0.0) == 2.0
    assert teacher_weight(2.0, 0.5, 0.25) == pytest.approx(1.0)
    assert teacher_weight(2.0, 0.5, 0.5) == 0.0
    assert teacher_weight(2.0, 0.5, 0.9) == 0.0
    assert teacher_weight(2.0, 0.0, 0.0) == 0.0


def test_cross_entropy_is_minimal_at_the_teacher_and_ignores_illegal_actions():
    mask = torch.tensor([[True, True, False]])
    target = torch.tensor([[0.25, 0.75, 0.0]])
    at_target = cross_entropy(torch.log(torch.tensor([[0.25, 0.75, 0.5]])), mask, target)
    entropy = -(0.25 * np.log(0.25) + 0.75 * np.log(0.75))
    assert float(at_target) == pytest.approx(entropy, rel=1e-5)
    assert float(cross_entropy(torch.zeros(1, 3), mask, target)) > float(at_target)


def test_collect_records_the_teachers_policy_at_the_learners_decisions():
    game = games.make("liars_dice", players=3, dice=2, mode="elimination")
    games_ = SelfPlayGames(game, 8, np.random.default_rng(0))
    teacher = Teacher("heuristic", game, seed=0)

    uniform = uniform_actor(game)
    value_fn = ValueFn(Critic(game.state_shape[0], 3, (8,)), use_global=True)
    reference = load_agent("heuristic")
    reference.reset(game, 0, 0)
    # Replay the same games to compare the recorded rows with the heuristic's own policy.
    replay = SelfPlayGames(game, 8, np.random.default_rng(0))
    batch = collect(games_, uniform, value_fn, [], 5, Opponents(), teacher=teacher)
    assert batch.teacher.shape == (5, 8, game.num_distinct_actions)
    np.testing.assert_allclose(batch.teacher.sum(axis=2), 1.0, rtol=1e-5)
    for e, state in enumerate(replay.states):  # the first decision of every game
        seat = state.current_player()
        expected = reference.policy(state.observation(seat))
        np.testing.assert_allclose(batch.teacher[0, e], expected, rtol=1e-5)
    assert (batch.teacher[batch.mask == 0] == 0).all()  # nothing on illegal actions


def test_the_teachers_batch_policy_records_what_its_per_seat_policies_give(monkeypatch):
    # The heuristic's Liar's Dice policy comes in one call for all games; without it, one
    # observation at a time through each seat's agent: the same rows.
    game = games.make("liars_dice", players=4, dice=3)
    value_fn = ValueFn(Critic(game.state_shape[0], 4, (8,)), use_global=True)
    mix = Opponents(agents=("heuristic",), agent_prob=0.5)

    def recorded():
        games_ = SelfPlayGames(game, 16, np.random.default_rng(2), "batched", ("heuristic",))
        teacher = Teacher("heuristic", game, seed=0)
        return collect(games_, uniform_actor(game), value_fn, [], 30, mix, teacher=teacher)

    batched = recorded()
    assert Teacher("heuristic", game, seed=0).batch_policy is not None
    monkeypatch.setattr(HeuristicAgent, "batch_policy", None)
    assert Teacher("heuristic", game, seed=0).batch_policy is None
    one_by_one = recorded()
    np.testing.assert_array_equal(batched.teacher, one_by_one.teacher)
    assert (batched.teacher.sum(axis=2) > 0).sum() > 300  # the learner's decisions


def test_kickstarting_pulls_the_learner_towards_the_teacher(tmp_path):
    base = [*TABLE]
    base += ["total_decisions=6000", "num_envs=32", "steps_per_env=16", "eval_every=0"]
    base += ["actor_hidden=[32]", "critic_hidden=[32]", "lr=1e-3", "entropy_coef=0"]
    game = games.make("liars_dice", players=3, dice=2, mode="elimination")
    teacher = Teacher("heuristic", game, seed=0)
    rng = np.random.default_rng(1)
    states, state = [], game.new_initial_state()
    while len(states) < 200:  # positions from random play
        if state.is_terminal():
            state = game.new_initial_state()
        elif state.is_chance_node():
            state.apply_action(state.sample_chance(rng))
        else:
            states.append(state.clone())
            state.apply_action(int(rng.choice(state.legal_actions())))
    seats = np.array([s.current_player() for s in states])
    target = torch.from_numpy(teacher.probs(states, seats, np.arange(len(states))))
    obs = torch.from_numpy(
        np.stack([s.observation_tensor(int(p)) for s, p in zip(states, seats, strict=True)])
    )
    mask = torch.from_numpy(np.stack([s.legal_actions_mask() for s in states]).astype(bool))

    def distance(run) -> float:
        with torch.no_grad():
            return float(cross_entropy(run.actor(obs), mask, target))

    plain = train(load_config("liars_dice_ctde", base), tmp_path / "plain", progress=False)
    kicked = train(
        load_config(
            "liars_dice_ctde", [*base, "teacher=heuristic", "teacher_coef=5", "teacher_until=1.0"]
        ),
        tmp_path / "kicked",
        progress=False,
    )
    assert distance(kicked) < distance(plain) - 0.3  # measured: 1.25 against 1.75


def test_a_teacher_that_cannot_play_or_has_no_policy_is_refused():
    with pytest.raises(ValueError, match="cannot play this game"):
        load_config("skull_ctde", ["teacher=cfr", "params.players=3"])
    with pytest.raises(ValueError, match="teacher_until"):
        load_config("liars_dice_ctde", ["teacher=heuristic", "teacher_until=2"])
    with pytest.raises(ValueError):
        load_config("liars_dice_ctde", ["teacher=no-such-agent"])
