"""CADP: attention grouping, exact CADP(D) export, pruning, packages, resume, central NashConv."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import games
from agents.mlp import MLPActor
from agents.package import load_package
from arena.match import play_match
from arena.players import InProcessPlayer
from games.openspiel import OPENSPIEL_PARAMS
from tests.trainers.helpers import assert_same_networks
from trainers.cadp import (
    CADP,
    decentralized_actor,
    decentralized_policy,
    group_inputs,
    prune_loss,
)
from trainers.config import load_config
from trainers.evaluate import nash_conv, state_win_rate, win_rate
from trainers.exact import state_nash_conv
from trainers.loop import train
from trainers.networks import AdviceActor
from trainers.rollout import Opponents, SelfPlayGames, ValueFn, collect, seats_in_game
from trainers.run import build_run
from trainers.update import ppo_batch, update_once

TINY = ["total_decisions=1600", "num_envs=32", "steps_per_env=16", "eval_every=0", "eval_games=8"]
TINY += ["checkpoint_every=2", "actor_hidden=[32]", "critic_hidden=[32]", "pool_size=2"]
TINY += ["snapshot_every=2", "pool_prob=0.5", "cadp_heads=2", "cadp_head_dim=8"]
TINY += ["cadp_advice_dim=16", "params.players=3"]


def _advice_actor(obs_dim: int, num_actions: int, hidden=(32, 24), seed: int = 0) -> AdviceActor:
    """A random advice actor whose attention is far from uniform and from the identity."""
    torch.manual_seed(seed)
    actor = AdviceActor(obs_dim, num_actions, hidden, heads=2, head_dim=8, advice_dim=16)
    with torch.no_grad():
        for module in (actor.query, actor.key, actor.head, actor.advice_layer):
            module.weight.mul_(4.0)
        actor.advice_layer.bias.normal_()
    return actor


def _skull_batch(actor: AdviceActor, envs: int = 4, steps: int = 3):
    game = games.make("skull", players=4)
    critic = torch.nn.Linear(game.state_shape[0], game.num_players)
    selfplay = SelfPlayGames(game, envs, np.random.default_rng(0))
    batch = collect(selfplay, actor, ValueFn(critic, True), [], steps, Opponents(), "views")
    zeros = np.zeros(batch.action.shape)
    return batch, ppo_batch(batch, zeros, zeros, use_global=True)


def _outputs(actor: AdviceActor, batch, data) -> tuple[torch.Tensor, torch.Tensor]:
    """Logits through CADP's update-time path, and c_ii, for the whole minibatch ``data``."""
    with torch.no_grad():
        logits, _ = CADP().actor_fn(actor, batch, 0.0)(data)
        views, alive = group_inputs(batch)
        _, log_c = actor.centralized(views[data.index], alive[data.index])
    return logits, log_c[:, :, 0].exp()


def test_attention_only_mixes_the_seats_of_one_game_at_one_decision():
    game = games.make("skull", players=4)
    actor = _advice_actor(game.observation_shape[0], game.num_distinct_actions)
    batch, data = _skull_batch(actor)
    t_, e_ = batch.action.shape
    assert batch.views.shape == (t_, e_, 4, game.observation_shape[0])
    np.testing.assert_array_equal(batch.views[:, :, 0], batch.obs)  # acting seat first
    logits, c_ii = _outputs(actor, batch, data)
    assert len(data.index) == t_ * e_ and 0.05 < float(c_ii.mean()) < 0.95
    sample = 5  # one decision (t=1, e=1); every other row is another game or another time
    t, e = divmod(int(data.index[sample]), e_)
    others = np.ones((t_, e_), dtype=bool)
    others[t, e] = False
    rng = np.random.default_rng(1)
    batch.views[others] = rng.random(batch.views[others].shape, dtype=np.float32)
    new_logits, new_c = _outputs(actor, batch, data)
    torch.testing.assert_close(new_logits[sample], logits[sample], rtol=0, atol=0)
    torch.testing.assert_close(new_c[sample], c_ii[sample], rtol=0, atol=0)
    assert not torch.allclose(new_logits[sample - 1], logits[sample - 1])
    batch.views[t, e, 2] = rng.random(batch.views.shape[-1], dtype=np.float32)  # its own group
    own_logits, own_c = _outputs(actor, batch, data)
    assert not torch.allclose(own_logits[sample], logits[sample])
    assert not torch.allclose(own_c[sample], c_ii[sample])


def test_seats_out_of_the_game_are_masked_out_of_the_attention():
    game = games.make("skull", players=4)
    actor = _advice_actor(game.observation_shape[0], game.num_distinct_actions)
    views = torch.rand(3, 4, game.observation_shape[0])
    alive = torch.tensor([[True, True, False, True]] * 3)
    logits, log_c = actor.centralized(views, alive)
    assert torch.all(log_c[:, :, 2].exp() == 0)
    views[:, 2] = torch.rand_like(views[:, 2])
    torch.testing.assert_close(actor.centralized(views, alive)[0], logits, rtol=0, atol=0)


def test_seats_in_game_follows_each_games_rules():
    state = games.make("liars_dice", players=3, dice=1).new_initial_state()
    rng = np.random.default_rng(0)
    while state.is_chance_node() or all(state.dice_counts):  # bid, then call, until one is out
        if state.is_chance_node():
            state.apply_action(state.sample_chance(rng))
        else:
            state.apply_action(state.game.liar if state.bids else state.legal_actions()[0])
    np.testing.assert_array_equal(seats_in_game(state), [c > 0 for c in state.dice_counts])
    skull = games.make("skull", players=3).new_initial_state()
    skull.out[1] = True  # as after losing its last disc
    assert seats_in_game(skull).tolist() == [True, False, True]


def test_cadp_d_is_exactly_an_mlp_actor_without_query_or_key():
    actor = _advice_actor(40, 9, hidden=(32, 24, 16))
    mlp = decentralized_actor(actor)
    assert isinstance(mlp, MLPActor) and mlp.config.hidden == (48, 40, 32)
    assert set(mlp.state_dict()) == set(mlp.config.parameter_shapes())
    obs = torch.randn(256, 40) * 2
    with torch.no_grad():
        torch.testing.assert_close(mlp(obs), actor.decentralized(obs), rtol=0, atol=1e-5)


def test_pruning_drives_the_confidence_to_the_identity():
    pruning = ["total_decisions=100000", "prune_start=0", "prune_alpha=10", "lr=1e-2"]
    cfg = load_config("skull_cadp", [*TINY, *pruning, "pool_size=0", "epochs=4"])
    method = CADP()
    run = build_run(cfg, method)
    confidence = [update_once(run, method)["confidence"] for _ in range(6)]
    assert confidence[0] < 0.6 and confidence[-1] > 0.95, confidence


def test_hard_pruning_makes_cadp_c_exactly_cadp_d():
    actor = _advice_actor(40, 9)
    views, alive = torch.randn(128, 3, 40) * 2, torch.rand(128, 3) > 0.3
    alive[:, 0] = True
    with torch.no_grad():
        before, log_c = actor.centralized(views, alive)
        own = actor.decentralized(views[:, 0])
        assert (before - own).abs().max() > 0.1 and float(prune_loss(log_c)) > 0.1
        saved = {k: v.clone() for k, v in actor.state_dict().items() if k != "pruned"}
        actor.prune()
        after, log_c = actor.centralized(views, alive)
        # Computed as CADP(D) once pruned; the attention, which masks the other seats, agrees.
        masked = actor.confidence(views, alive)
        attended = actor.logits(views[:, 0], actor.advice(views, masked))
    torch.testing.assert_close(after, own, rtol=0, atol=1e-6)
    torch.testing.assert_close(attended, own, rtol=0, atol=1e-6)
    torch.testing.assert_close(masked.exp(), log_c.exp(), rtol=0, atol=0)
    assert float(prune_loss(log_c)) == 0.0
    pruned = {k: v.clone() for k, v in actor.state_dict().items()}
    actor.load_state_dict(saved)  # weights saved before hard pruning existed: not pruned
    assert not actor.pruned
    actor.load_state_dict(pruned)
    assert actor.pruned


def test_package_acts_from_local_observations_alone(tmp_path, monkeypatch):
    cfg = load_config("skull_cadp", TINY)
    run = train(cfg, tmp_path, progress=False)
    agent = load_package(tmp_path / "agent")
    actor, manifest = agent.actor, agent.manifest
    assert manifest.method == "cadp" and isinstance(actor, MLPActor)
    assert not any(("query" in k or "key" in k) for k in actor.state_dict())
    obs = torch.rand(64, actor.config.obs_dim)
    with torch.no_grad():
        torch.testing.assert_close(actor(obs), run.actor.decentralized(obs), rtol=0, atol=1e-5)
    game = games.make(cfg.game, **cfg.params)
    state_type = type(game.new_initial_state())
    built = []
    original = state_type.observation_tensor

    def spy(state, player):
        built.append(player == state.current_player())
        return original(state, player)

    monkeypatch.setattr(state_type, "observation_tensor", spy)
    players = [InProcessPlayer(str(tmp_path / "agent")), InProcessPlayer("random")] * 2
    result = play_match(game, players[:3], deal=1, seeds=[0, 1, 2])
    assert not result.forfeits and built and all(built)


def test_resume_continues_exactly(tmp_path):
    """Hard pruning after update 2 of 3 (its progress is 1/3): the checkpoint written then
    carries it, so the resumed update 3 is collected pruned too."""
    settings = ["total_decisions=2000", "prune_start=0.5", "prune_hard=0.3"]
    cfg = load_config("skull_cadp", [*TINY, *settings])
    whole = train(cfg, tmp_path / "whole", progress=False)
    part = train(cfg, tmp_path / "part", progress=False, stop_after=2)
    assert part.actor.pruned
    resumed = train(cfg, tmp_path / "part", progress=False, resume=True)
    assert resumed.update == whole.update == cfg.num_updates == 3
    assert whole.actor.pruned and resumed.actor.pruned
    assert_same_networks(whole, resumed)


def test_history_nash_conv_equals_the_information_state_one_on_observation_policies():
    game = games.make("liars_dice", **OPENSPIEL_PARAMS)
    actor = _advice_actor(game.observation_shape[0], game.num_distinct_actions, hidden=(16,))
    mlp = decentralized_actor(actor)
    ours = state_nash_conv(lambda states: mlp(_own_obs(states)))
    assert ours == pytest.approx(nash_conv(mlp), abs=1e-7)


def _own_obs(states) -> torch.Tensor:
    return torch.from_numpy(np.stack([s.observation_tensor(s.current_player()) for s in states]))


def test_lockstep_win_rate_of_cadp_d_matches_the_exported_agents():
    game = games.make("skull", players=3)
    actor = _advice_actor(game.observation_shape[0], game.num_distinct_actions)
    ours = state_win_rate(decentralized_policy(actor), game, "heuristic", 24, seed=3)
    assert ours == win_rate(decentralized_actor(actor), game, "heuristic", 24, seed=3)
