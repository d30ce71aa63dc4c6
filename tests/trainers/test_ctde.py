"""CTDE training end to end on tiny budgets: packages, resume, GAE, configs."""

from __future__ import annotations

import numpy as np
import pytest

import games
from agents.base import load_agent
from arena.match import play_match
from arena.players import InProcessPlayer
from tests.trainers.helpers import assert_same_networks, two_seat_batch
from trainers import evaluate
from trainers.checkpoint import load_checkpoint
from trainers.config import load_config, shipped_configs
from trainers.logger import MetricsLog
from trainers.loop import train
from trainers.rollout import gae

TINY = ["total_decisions=3000", "num_envs=32", "steps_per_env=16", "eval_every=0", "eval_games=20"]
TINY += ["checkpoint_every=2", "actor_hidden=[32]", "critic_hidden=[32]", "pool_size=2"]
TINY += ["snapshot_every=2", "pool_prob=0.5"]


@pytest.mark.parametrize(
    "config, extra",
    [
        ("liars_dice_duel_ctde", []),
        ("liars_dice_ctde", ["params.players=3", "params.dice=2", "opponent_agent_prob=0.3"]),
        ("skull_ctde", ["params.players=3"]),
        ("skull_ctde", ["params.players=3", "critic=local"]),
    ],
)
def test_tiny_run_exports_a_package_that_plays(tmp_path, monkeypatch, config, extra):
    # the duel's final evaluation would add the exact NashConv (asserted by test_selfplay.py):
    # a known value instead, as this test is about the export
    monkeypatch.setattr(evaluate, "nash_conv", lambda actor: 1.5615)
    cfg = load_config(config, TINY + extra)
    run = train(cfg, tmp_path, progress=False)
    assert run.update == cfg.num_updates
    assert (tmp_path / "metrics.csv").exists() and (tmp_path / "curves.png").exists()
    clock = [row["wall_s"] for row in MetricsLog(tmp_path).rows]  # the run's clock, every row
    assert len(clock) == cfg.num_updates and clock == sorted(clock) and clock[-1] > 0
    spec = str(tmp_path / "agent")
    game = games.make(cfg.game, **cfg.params)
    players = [InProcessPlayer(spec)] + [InProcessPlayer("random")] * (game.num_players - 1)
    result = play_match(game, players, deal=1, seeds=list(range(game.num_players)))
    assert not result.forfeits
    agent = load_agent(spec)
    assert agent.supports(game) is None
    other = games.make(cfg.game, **{**cfg.params, "players": cfg.params["players"] + 1})
    assert agent.supports(other) is not None


def test_resume_continues_exactly(tmp_path):
    cfg = load_config("skull_ctde", TINY + ["params.players=3", "total_decisions=4000"])
    whole = train(cfg, tmp_path / "whole", progress=False)
    train(cfg, tmp_path / "part", progress=False, stop_after=3)
    saved = load_checkpoint(tmp_path / "part")
    assert saved["update"] == 3 and saved["actor_opt"]["state"]  # optimizer moments saved
    resumed = train(cfg, tmp_path / "part", progress=False, resume=True)
    assert resumed.update == whole.update == cfg.num_updates
    assert_same_networks(whole, resumed)


def test_resume_refuses_another_config(tmp_path):
    cfg = load_config("skull_ctde", TINY + ["params.players=3"])
    train(cfg, tmp_path, progress=False, stop_after=1)
    other = load_config("skull_ctde", TINY + ["params.players=3", "lr=0.5"])
    with pytest.raises(ValueError, match="another config"):
        train(other, tmp_path, progress=False, resume=True)


def test_gae_follows_each_seats_own_decisions():
    # The helper's batch; lambda=1, gamma=1: advantages are returns minus values.
    batch = two_seat_batch()
    adv, ret = gae(batch, gamma=1.0, lam=1.0)
    np.testing.assert_allclose(adv[:, 0], [1 - 0.1, -1 - 0.2, 1 - 0.3, 0.7 - 0.4])
    np.testing.assert_allclose(ret[:, 0], [1.0, -1.0, 1.0, 0.7])
    adv, _ = gae(batch, gamma=1.0, lam=0.0)  # one-step TD: next own value
    np.testing.assert_allclose(adv[:, 0], [0.3 - 0.1, -1 - 0.2, 1 - 0.3, 0.7 - 0.4])


def test_shipped_configs_load_and_bad_overrides_are_refused():
    assert {"liars_dice_duel_ctde", "liars_dice_ctde", "skull_ctde"} <= set(shipped_configs())
    for name in shipped_configs():
        load_config(name)
    with pytest.raises(ValueError, match="unknown config field"):
        load_config("skull_ctde", ["learning_rate=1"])
    with pytest.raises(ValueError, match="players"):
        load_config("skull_ctde", ["params.players=9"])
    with pytest.raises(ValueError, match="no config"):
        load_config("nonexistent")
    with pytest.raises(ValueError, match="critic"):
        load_config("skull_ctde", ["critic=psychic"])
    with pytest.raises(ValueError, match=r"must not exceed 1, got 0.5 \+ 0.7"):
        load_config("liars_dice_ctde", ["pool_prob=0.5"])
