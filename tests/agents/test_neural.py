"""The deployable actor and its agent (agents/neural.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from safetensors import safe_open
from torch import nn

import games
from agents.base import AgentSpecError, act_arrays, act_many
from agents.mlp import MLPActor, init_weights, masked_logits
from agents.neural import ActorConfig, ActorWeights, NeuralAgent, masked_softmax
from agents.package import WEIGHTS_FILE, save_package
from agents.random import RandomAgent
from games.core import Game, Observation
from tests.games.helpers import decision_observations

GAME = games.make("liars_dice", players=2, dice=1)
TRAINING = {"steps": 10, "seed": 0, "config": {}}


def make_actor(game: Game = GAME, seed: int = 0, hidden: tuple[int, ...] = (16, 8)) -> MLPActor:
    """A small actor with seeded random weights."""
    torch.manual_seed(seed)
    return MLPActor(ActorConfig.for_game(game, hidden=hidden))


def make_agent(actor: MLPActor, seed: int | None = 0, deterministic: bool = False) -> NeuralAgent:
    agent = NeuralAgent.for_game(actor, GAME, deterministic=deterministic)
    agent.reset(GAME, seat=0, seed=seed)
    return agent


# --------------------------------------------------------------------------- ActorConfig


def test_config_json_round_trip():
    config = ActorConfig(obs_dim=36, num_actions=13, hidden=(32, 16), activation="tanh")
    assert ActorConfig.from_json(config.to_json()) == config
    assert config.to_json()["hidden"] == [32, 16]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"obs_dim": 0, "num_actions": 3}, "obs_dim"),
        ({"obs_dim": True, "num_actions": 3}, "obs_dim"),
        ({"obs_dim": 4, "num_actions": 3.0}, "num_actions"),
        ({"obs_dim": 4, "num_actions": 3, "hidden": (8, -1)}, "hidden"),
        ({"obs_dim": 4, "num_actions": 3, "activation": "gelu"}, "relu, tanh"),
    ],
)
def test_config_refuses_bad_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ActorConfig(**kwargs)


@pytest.mark.parametrize(
    "data",
    [
        [36, 13],
        {"obs_dim": 36, "num_actions": 13, "hidden": [8]},
        {"obs_dim": 36, "num_actions": 13, "hidden": [8], "activation": "relu", "extra": 1},
        {"obs_dim": 36, "num_actions": 13, "hidden": 8, "activation": "relu"},
        {"obs_dim": "36", "num_actions": 13, "hidden": [8], "activation": "relu"},
    ],
)
def test_config_from_json_is_strict(data):
    with pytest.raises(ValueError):
        ActorConfig.from_json(data)


def test_config_mismatch_names_the_sizes():
    config = ActorConfig.for_game(GAME)
    assert config.mismatch(GAME) is None
    other = games.make("liars_dice", players=3, dice=1)
    assert "obs_dim" in config.mismatch(other)
    skull = games.make("skull", players=2)
    assert "num_actions" in config.mismatch(skull)


# --------------------------------------------------------------------------- MLPActor


@pytest.mark.parametrize("hidden", [(), (8,), (16, 8, 4)])
def test_parameter_names_are_the_documented_ones(hidden):
    actor = make_actor(hidden=hidden)
    shapes = {key: tuple(t.shape) for key, t in actor.state_dict().items()}
    assert shapes == actor.config.parameter_shapes()
    assert "head.weight" in shapes
    if hidden:
        assert shapes["trunk.0.weight"] == (hidden[0], GAME.observation_shape[0])


def test_forward_shapes_and_activation():
    actor = MLPActor(ActorConfig(obs_dim=5, num_actions=3, hidden=(4,), activation="tanh"))
    assert isinstance(actor.trunk[1], nn.Tanh)
    assert actor(torch.zeros(7, 5)).shape == (7, 3)
    assert actor(torch.zeros(5)).shape == (3,)
    assert actor.features(torch.zeros(7, 5)).shape == (7, 4)


@pytest.mark.parametrize(
    ("hidden", "activation"), [((16, 8), "relu"), ((12,), "tanh"), ((), "relu")]
)
def test_the_numpy_forward_pass_is_the_torch_one(hidden, activation):
    """What agents play (numpy) is the network trainers optimise (torch), to float32 rounding;
    the torch network an agent gives back holds exactly its parameters."""
    torch.manual_seed(4)
    actor = MLPActor(ActorConfig.for_game(GAME, hidden=hidden, activation=activation))
    actor.orthogonal_init(head_gain=1.0)  # logits of order 1, not near zero
    weights = ActorWeights.of(actor)
    observations = np.stack([o.tensor for o in decision_observations(GAME, 300, seed=6)])
    with torch.no_grad():
        expected = actor(torch.from_numpy(observations)).numpy()
    got = weights.logits(observations)
    assert got.dtype == np.float32 and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    assert np.abs(expected).max() > 0.5
    rebuilt = NeuralAgent.for_game(weights, GAME).actor
    for key, tensor in actor.state_dict().items():
        assert torch.equal(rebuilt.state_dict()[key], tensor)
    assert not rebuilt.training and not any(p.requires_grad for p in rebuilt.parameters())


def test_an_agent_keeps_the_weights_it_was_made_with():
    actor = make_actor(seed=2)
    agent = make_agent(actor, deterministic=True)
    obs = decision_observations(GAME, 1, seed=5)[0]
    before = agent.policy(obs)
    with torch.no_grad():
        for parameter in actor.parameters():
            parameter.mul_(-3.0)
    np.testing.assert_array_equal(agent.policy(obs), before)


def test_orthogonal_init():
    actor = make_actor(hidden=(16, 8))
    actor.orthogonal_init()
    w = actor.trunk[0].weight.detach()  # (16, 36): orthogonal rows scaled by sqrt(2)
    torch.testing.assert_close(w @ w.T, 2.0 * torch.eye(16), atol=1e-5, rtol=0)
    head = actor.head.weight.detach()  # (13, 8): orthogonal columns scaled by 0.01
    torch.testing.assert_close(head.T @ head, 1e-4 * torch.eye(8), atol=1e-8, rtol=0)
    assert all(torch.all(m.bias == 0) for m in actor.modules() if isinstance(m, nn.Linear))
    layer = nn.Linear(6, 6)
    init_weights(layer, gain=1.0)
    torch.testing.assert_close(layer.weight @ layer.weight.T, torch.eye(6), atol=1e-5, rtol=0)


def test_masked_distribution_is_exact_and_finite():
    logits = torch.tensor([[1e30, 0.0, 3.0, -1e30], [0.0, 0.0, 0.0, 0.0]], requires_grad=True)
    mask = torch.tensor([[0, 1, 1, 0], [1, 0, 0, 1]])
    dist = torch.distributions.Categorical(logits=masked_logits(logits, mask))
    probs = dist.probs
    assert torch.all(probs[mask == 0] == 0)
    torch.testing.assert_close(probs.sum(dim=1), torch.ones(2))
    loss = -(dist.log_prob(torch.tensor([2, 3])).sum() + dist.entropy().sum())
    loss.backward()
    assert torch.isfinite(dist.entropy()).all() and torch.isfinite(logits.grad).all()


def test_actor_distribution_masks_illegal_actions():
    actor = make_actor()
    obs = decision_observations(GAME, 20)
    tensors = torch.from_numpy(np.stack([o.tensor for o in obs]))
    masks = torch.from_numpy(np.stack([o.legal_mask for o in obs]))
    probs = actor.distribution(tensors, masks).probs
    assert torch.all(probs[masks == 0] == 0)


# --------------------------------------------------------------------------- NeuralAgent


def test_policy_is_exactly_zero_on_illegal_actions_even_with_huge_logits():
    actor = make_actor()
    observations = decision_observations(GAME, 50)
    with torch.no_grad():
        actor.head.bias.fill_(1e30)  # every logit huge...
        actor.head.bias[0] = 2e30  # ...and action 0 (illegal once a bid is made) the largest
    agent = make_agent(actor)
    for obs in observations:
        probs = agent.policy(obs)
        assert probs.dtype == np.float64
        assert np.all(probs[obs.legal_mask == 0] == 0.0)
        assert np.all(probs[obs.legal_mask == 1] >= 0.0)
        assert probs.sum() == pytest.approx(1.0, abs=1e-12)
        assert obs.legal_mask[agent.act(obs)] == 1
    assert any(obs.legal_mask[0] == 0 for obs in observations)


def test_masked_softmax_refuses_no_legal_action_and_non_finite_logits():
    with pytest.raises(ValueError, match="no legal action"):
        masked_softmax(np.zeros((1, 3)), np.zeros((1, 3), dtype=bool))
    with pytest.raises(ValueError, match="non-finite"):
        masked_softmax(np.array([[np.inf, 0.0, 0.0]]), np.ones((1, 3), dtype=bool))


def forward_passes(monkeypatch) -> list[int]:
    """The batch size of every forward pass agents make from now on (numpy, no torch)."""
    calls: list[int] = []
    logits = ActorWeights.logits

    def spy(self: ActorWeights, tensors: np.ndarray) -> np.ndarray:
        calls.append(len(tensors))
        return logits(self, tensors)

    monkeypatch.setattr(ActorWeights, "logits", spy)
    return calls


def test_act_batch_equals_act_greedy_in_one_forward_pass(monkeypatch):
    actor = make_actor(seed=3)
    observations = decision_observations(GAME, 200, seed=1)
    agent = make_agent(actor, deterministic=True)
    calls = forward_passes(monkeypatch)
    batched = agent.act_batch(observations)
    assert calls == [len(observations)]  # ONE forward pass for the whole batch
    single = [agent.act(o) for o in observations]
    assert batched == single
    assert batched == [int(np.argmax(agent.policy(o))) for o in observations]
    assert len(set(batched)) > 1  # the test would not see a constant-action bug otherwise


def test_seeded_sampling_is_reproducible():
    actor = make_actor(seed=5, hidden=(4,))  # near-uniform policy: samples vary a lot
    observations = decision_observations(GAME, 100, seed=2)
    first = make_agent(actor, seed=7).act_batch(observations)
    again = make_agent(actor, seed=7)
    assert [again.act(o) for o in observations] == first  # act and act_batch draw alike
    assert make_agent(actor, seed=8).act_batch(observations) != first
    assert all(o.legal_mask[a] == 1 for o, a in zip(observations, first, strict=True))


def test_act_arrays_answers_copies_from_the_arrays_as_act_many_does(monkeypatch):
    """The host's path: copies of one network get the stacked arrays in ONE forward pass, and
    draw exactly what act_many (one Observation per row) draws; other agents fall back."""
    actor = make_actor(seed=5, hidden=(4,))
    observations = decision_observations(GAME, 60, seed=3)
    tensors = np.stack([o.tensor for o in observations])
    masks = np.stack([o.legal_mask for o in observations])
    players = [o.player for o in observations]

    def copies() -> list[NeuralAgent]:
        """One agent's copies, one per game, as the referee makes them (they share weights)."""
        agent = NeuralAgent.for_game(actor, GAME)
        spawned = [agent.spawn() for _ in observations]
        for seed, copy in enumerate(spawned):
            copy.reset(GAME, seat=0, seed=seed)
        return spawned

    agents = copies()
    calls = forward_passes(monkeypatch)
    fast = act_arrays(agents, players, tensors, masks)
    assert calls == [len(observations)]
    assert fast == act_many(copies(), observations)
    assert len(set(fast)) > 1

    def mixed() -> list:
        agents = copies()
        for i in (0, 7):
            agents[i] = RandomAgent()
            agents[i].reset(GAME, 0, 100 + i)
        return agents

    assert act_arrays(mixed(), players, tensors, masks) == act_many(mixed(), observations)


def test_sampling_follows_the_policy():
    actor = make_actor(seed=6, hidden=(4,))
    obs = decision_observations(GAME, 1, seed=4)[0]
    agent = make_agent(actor, seed=0)
    draws = agent.act_batch([obs] * 20_000)
    freq = np.bincount(draws, minlength=GAME.num_distinct_actions) / len(draws)
    np.testing.assert_allclose(freq, agent.policy(obs), atol=0.015)


def test_acting_leaves_torch_threads_and_actor_alone(monkeypatch):
    actor = make_actor()
    actor.train()
    threads = torch.get_num_threads()
    asked = []  # tests/conftest.py makes set_num_threads a no-op: record calls instead
    monkeypatch.setattr(torch, "set_num_threads", asked.append)
    agent = make_agent(actor)
    agent.act_batch(decision_observations(GAME, 10))
    assert torch.get_num_threads() == threads and asked == []
    assert actor.training and all(p.requires_grad for p in actor.parameters())


def test_agent_refuses_wrong_sizes():
    agent = make_agent(make_actor())
    obs = decision_observations(GAME, 1)[0]
    bad = Observation(0, np.zeros(5, dtype=np.float32), obs.legal_mask)
    with pytest.raises(ValueError, match="expects tensors of length 36"):
        agent.act(bad)
    assert agent.act_batch([]) == []


def test_supports_checks_game_params_and_encoding(monkeypatch):
    agent = NeuralAgent.for_game(make_actor(), GAME)
    assert agent.supports(GAME) is None
    assert "'liars_dice', not 'skull'" in agent.supports(games.make("skull", players=2))
    other = games.make("liars_dice", players=2, dice=1, mode="single_round")
    assert "mode='single_round'" in agent.supports(other)
    with pytest.raises(AgentSpecError, match="cannot play"):
        agent.reset(other, seat=0, seed=0)
    monkeypatch.setattr(type(GAME), "observation_encoding", property(lambda self: "v9"))
    assert "observation encoding" in agent.supports(GAME)


# --------------------------------------------------------------------------- export


class ActorCritic(nn.Module):
    """What a CTDE trainer holds: the deployable actor and a centralized critic."""

    def __init__(self, game: Game) -> None:
        super().__init__()
        self.actor = make_actor(game)
        self.critic = nn.Sequential(nn.Linear(game.state_shape[0], 8), nn.Tanh(), nn.Linear(8, 1))


class ActorWithCritic(MLPActor):
    """An actor subclass that smuggles a critic in its own parameters."""

    def __init__(self, config: ActorConfig) -> None:
        super().__init__(config)
        self.critic = nn.Linear(config.obs_dim, 1)


def test_exported_package_holds_only_the_actor(tmp_path):
    model = ActorCritic(GAME)
    path = save_package(
        tmp_path / "pkg",
        model.actor,
        name="ctde-test",
        game=GAME,
        method="ctde",
        training=TRAINING,
        evaluation={},
    )
    with safe_open(str(path / WEIGHTS_FILE), framework="pt") as f:
        keys = set(f.keys())
        for key in keys:
            assert f.get_tensor(key).dtype == torch.float32
    assert keys == set(model.actor.config.parameter_shapes())
    assert not any("critic" in key for key in keys)
    with pytest.raises(TypeError, match="MLPActor"):
        save_package(
            tmp_path / "x",
            model,
            name="x",
            game=GAME,
            method="ctde",
            training=TRAINING,
            evaluation={},
        )
    with pytest.raises(ValueError, match="critic"):
        save_package(
            tmp_path / "y",
            ActorWithCritic(ActorConfig.for_game(GAME, hidden=(8,))),
            name="y",
            game=GAME,
            method="ctde",
            training=TRAINING,
            evaluation={},
        )
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
