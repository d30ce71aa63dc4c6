"""CTEDD: the global policy, distillation (L_D goes down), packages, resume, the phase split."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import games
from agents.mlp import MLPActor
from agents.package import load_package
from arena.match import play_match
from arena.players import InProcessPlayer
from tests.trainers.helpers import assert_same_networks
from trainers.config import load_config
from trainers.ctedd import CTEDD, distill_loss, global_updates, phase_of
from trainers.loop import train
from trainers.networks import GlobalPolicy
from trainers.run import build_run
from trainers.update import update_once

TINY = ["total_decisions=2600", "num_envs=32", "steps_per_env=16", "eval_every=0", "eval_games=8"]
TINY += ["checkpoint_every=2", "actor_hidden=[32]", "critic_hidden=[32]"]
TINY += ["ctedd_global_hidden=[32]", "pool_size=2", "snapshot_every=2", "pool_prob=0.5"]
TINY += ["distill_batch=128", "params.players=3"]


def test_phases_split_the_updates():
    cfg = load_config("skull_ctedd", TINY)
    assert cfg.num_updates == 5 and global_updates(cfg) == 2
    assert global_updates(load_config("skull_ctedd", [*TINY, "ctedd_global_fraction=0.9"])) == 4
    assert global_updates(load_config("skull_ctedd", [*TINY, "total_decisions=100"])) == 1
    with pytest.raises(ValueError, match="ctedd_global_fraction"):
        load_config("skull_ctedd", ["ctedd_global_fraction=1.0"])
    with pytest.raises(ValueError, match="distill_loss"):
        load_config("skull_ctedd", ["distill_loss=l1"])


def test_the_local_phase_takes_the_last_updates_and_leaves_one_to_distillation():
    cfg = load_config(
        "skull_ctedd", [*TINY, "ctedd_global_fraction=0.4", "ctedd_local_fraction=0.4"]
    )
    phases = [phase_of(cfg, u) for u in range(cfg.num_updates)]
    assert [p for p, _ in phases] == ["global", "global", "distill", "local", "local"]
    assert [w for _, w in phases] == [0.0, 0.5, 0.0, 0.0, 0.5]  # each phase anneals on its own
    method = CTEDD()
    assert [method.inputs(cfg, u) for u in (1, 2, 3)] == ["global", "global", "obs"]
    cfg = load_config(
        "skull_ctedd", [*TINY, "ctedd_global_fraction=0.6", "ctedd_local_fraction=0.39"]
    )
    assert [phase_of(cfg, u)[0] for u in range(5)] == ["global"] * 3 + ["distill", "local"]
    none = load_config("skull_ctedd", TINY)  # 0 by default: the paper's two phases
    assert [phase_of(none, u)[0] for u in range(5)] == ["global"] * 2 + ["distill"] * 3
    with pytest.raises(ValueError, match=r"ctedd_global_fraction \+ ctedd_local_fraction"):
        load_config("skull_ctedd", ["ctedd_global_fraction=0.5", "ctedd_local_fraction=0.5"])


def test_global_policy_reads_the_state_and_the_acting_seat():
    policy = GlobalPolicy(state_dim=5, players=3, num_actions=4, hidden=(8,))
    state = torch.rand(2, 5).repeat(3, 1)
    seat = torch.tensor([0, 0, 1, 1, 2, 2])
    logits = policy(state, seat)
    assert logits.shape == (6, 4) and not torch.allclose(logits[0], logits[2])


def test_distill_loss_is_the_distance_between_distributions():
    mask = torch.tensor([[True, True, False], [True, True, True]])
    target = torch.tensor([[0.25, 0.75, 0.0], [1 / 3, 1 / 3, 1 / 3]])
    logits = torch.log(target.clamp_min(1e-30))
    for kind in ("mse", "kl"):
        assert float(distill_loss(logits, mask, target, kind)) == pytest.approx(0.0, abs=1e-6)
    uniform = torch.zeros(2, 3)
    assert float(distill_loss(uniform, mask, target, "mse")) == pytest.approx(0.125 / 2)
    kl = 0.25 * np.log(0.5) + 0.75 * np.log(1.5)
    assert float(distill_loss(uniform, mask, target, "kl")) == pytest.approx(kl / 2, rel=1e-5)


@pytest.mark.parametrize("kind", ["mse", "kl"])
def test_distillation_drives_l_d_down(kind):
    cfg = load_config(
        "skull_ctedd",
        [*TINY, "total_decisions=20000", f"distill_loss={kind}", "pool_size=0", "distill_lr=3e-3"],
    )
    method = CTEDD()
    run = build_run(cfg, method)
    with torch.no_grad():  # a decided global policy, so that there is something to distil
        run.actor.global_policy.net.head.weight.mul_(3000.0)
    run.update = global_updates(cfg)  # straight to the distillation phase
    losses = [update_once(run, method)["distill_loss"] for _ in range(8)]  # fresh samples
    assert np.mean(losses[-2:]) < 0.75 * np.mean(losses[:2]), losses


def test_package_is_the_distilled_local_actor(tmp_path):
    cfg = load_config("skull_ctedd", TINY)
    run = train(cfg, tmp_path, progress=False)
    agent = load_package(tmp_path / "agent")
    assert agent.manifest.method == "ctedd" and isinstance(agent.actor, MLPActor)
    local = run.actor.local.state_dict()
    for key, value in agent.actor.state_dict().items():
        torch.testing.assert_close(value, local[key])
    game = games.make(cfg.game, **cfg.params)
    players = [InProcessPlayer(str(tmp_path / "agent"))] + [InProcessPlayer("random")] * 2
    assert not play_match(game, players, deal=1, seeds=[0, 1, 2]).forfeits
    evaluation = agent.manifest.evaluation
    assert {"win_vs_heuristic", "global_win_vs_heuristic", "global_win_vs_random"} <= set(
        evaluation
    )


def test_the_local_phase_trains_the_distilled_actor_by_ppo_in_play(tmp_path):
    cfg = load_config("skull_ctedd", [*TINY, "ctedd_local_fraction=0.4"])
    method = CTEDD()
    run = build_run(cfg, method)
    while phase_of(cfg, run.update)[0] != "local":
        update_once(run, method)
    glob = {k: v.clone() for k, v in run.actor.global_policy.state_dict().items()}
    local = {k: v.clone() for k, v in run.actor.local.state_dict().items()}
    metrics = update_once(run, method)
    assert metrics["local_phase"] == 1.0 and "pg_loss" in metrics  # PPO, not distillation
    assert all(torch.equal(v, run.actor.global_policy.state_dict()[k]) for k, v in glob.items())
    assert not all(torch.equal(v, run.actor.local.state_dict()[k]) for k, v in local.items())
    obs = torch.rand(5, run.actor.local.config.obs_dim)
    torch.testing.assert_close(run.actor(obs), run.actor.local(obs))  # it plays from obs


@pytest.mark.parametrize("stop", [1, 4])  # in the global phase, in the local phase
def test_resume_continues_exactly_across_the_phases(tmp_path, stop):
    cfg = load_config("skull_ctedd", [*TINY, "ctedd_local_fraction=0.4"])  # g g d l l
    whole = train(cfg, tmp_path / "whole", progress=False)
    train(cfg, tmp_path / "part", progress=False, stop_after=stop)
    resumed = train(cfg, tmp_path / "part", progress=False, resume=True)
    assert resumed.update == whole.update == cfg.num_updates
    assert_same_networks(whole, resumed)
