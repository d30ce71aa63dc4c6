"""The state of a training run: networks, optimizers, games, the snapshot pool; and its checkpoint.

A :class:`Run` holds everything a resumed run needs to continue exactly
(:func:`checkpoint_payload` / :func:`restore_run`, written by :mod:`trainers.checkpoint`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

import games
from games.core import Game
from trainers.config import TrainConfig, check_resumable, config_from_dict
from trainers.networks import Critic
from trainers.ppo import PPOModels
from trainers.selfplay import SelfPlayGames
from trainers.teacher import Teacher

if TYPE_CHECKING:
    from trainers.methods import Method
    from trainers.update import Prefetched


@dataclass
class Run:
    """The complete training state."""

    cfg: TrainConfig
    game: Game
    actor: nn.Module
    critic: Critic
    actor_opt: torch.optim.Optimizer
    critic_opt: torch.optim.Optimizer
    games: SelfPlayGames
    generator: torch.Generator
    pool: dict[int, nn.Module] = field(default_factory=dict)
    """Past snapshots of the actor by id (ids grow by one per snapshot). New games draw among
    the newest ``pool_size``; an older one stays while a game in progress still plays it."""
    magnet: nn.Module | None = None
    """The magnet policy ``rho`` (a frozen copy of the actor) when ``magnet_coef > 0``."""
    update: int = 0
    decisions: int = 0
    wall: float = 0.0
    """Training seconds so far, periodic evaluations included (over every resume)."""
    best: dict[str, Any] | None = None
    """The best evaluation so far: its ``score``, ``update``, ``evaluation`` and ``actor``."""
    teacher: Teacher | None = None
    """The kickstarting teacher (built on first use; it holds no training state)."""
    saved_update: int | None = None
    """The update of the last checkpoint written or read (None: none yet)."""
    stopped: str | None = None
    """The signal (``SIGINT``, ``SIGTERM``) that stopped the run early, if one did."""
    next_batch: Prefetched | None = None
    """The next update's batch, collected while the critic learned (never in a checkpoint:
    the training loop collects none ahead of one, :func:`trainers.loop._prefetch`)."""

    @property
    def use_global(self) -> bool:
        """Whether the critic reads the global state."""
        return self.cfg.critic == "global"

    @property
    def progress(self) -> float:
        """The fraction of the budget's updates done."""
        return self.update / self.cfg.num_updates

    def models(self) -> PPOModels:
        """What the PPO update trains: the actor, the critic and their optimizers."""
        return PPOModels(
            actor=self.actor,
            critic=self.critic,
            actor_opt=self.actor_opt,
            critic_opt=self.critic_opt,
            generator=self.generator,
            use_global=self.use_global,
        )


def build_run(cfg: TrainConfig, method: Method) -> Run:
    """A fresh run: seeded networks, optimizers and games."""
    torch.manual_seed(cfg.seed)
    game = games.make(cfg.game, **cfg.params)
    actor = method.build_actor(cfg, game)
    if cfg.critic == "global":
        critic = Critic(game.state_shape[0], game.num_players, cfg.critic_hidden)
    else:
        critic = Critic(game.observation_shape[0], 1, cfg.critic_hidden)
    return Run(
        cfg=cfg,
        game=game,
        actor=actor,
        critic=critic,
        actor_opt=torch.optim.Adam(actor.parameters(), lr=cfg.lr, eps=1e-5, fused=True),
        critic_opt=torch.optim.Adam(critic.parameters(), lr=cfg.critic_lr, eps=1e-5, fused=True),
        games=SelfPlayGames(
            game, cfg.num_envs, np.random.default_rng(cfg.seed), cfg.engine, cfg.opponent_agents
        ),
        generator=torch.Generator().manual_seed(cfg.seed),
        magnet=copy.deepcopy(actor) if cfg.magnet_coef > 0 else None,
    )


def checkpoint_payload(run: Run) -> dict[str, Any]:
    """Everything needed to resume ``run``.

    Raises:
        RuntimeError: the next batch is already collected (its games are not those saved).
    """
    if run.next_batch is not None:
        raise RuntimeError("a checkpoint between a batch's collection and its update")
    return {
        "config": run.cfg.to_json(),
        "update": run.update,
        "decisions": run.decisions,
        "wall": run.wall,
        "actor": run.actor.state_dict(),
        "critic": run.critic.state_dict(),
        "actor_opt": run.actor_opt.state_dict(),
        "critic_opt": run.critic_opt.state_dict(),
        "pool": [p.state_dict() for p in run.pool.values()],
        "pool_ids": list(run.pool),
        "magnet": None if run.magnet is None else run.magnet.state_dict(),
        "generator": run.generator.get_state(),
        "games": run.games.to_json(),
        "best": run.best,
    }


def restore_run(payload: dict[str, Any], cfg: TrainConfig, method: Method) -> Run:
    """The run saved in ``payload``.

    ``cfg`` must equal the saved config but for :data:`trainers.config.RESUMABLE` fields: a
    larger ``total_decisions`` extends the run (the annealing schedules then follow the new
    budget from the update reached).
    """
    check_resumable(config_from_dict(payload["config"]), cfg)
    if payload["update"] > cfg.num_updates:
        raise ValueError(
            f"the run has done {payload['update']} updates, more than the "
            f"{cfg.num_updates} of total_decisions={cfg.total_decisions}"
        )
    run = build_run(cfg, method)
    run.actor.load_state_dict(payload["actor"])
    run.critic.load_state_dict(payload["critic"])
    run.actor_opt.load_state_dict(payload["actor_opt"])
    run.critic_opt.load_state_dict(payload["critic_opt"])
    ids = payload.get("pool_ids", range(len(payload["pool"])))
    for snapshot_id, state in zip(ids, payload["pool"], strict=True):
        run.pool[int(snapshot_id)] = copy_with(run.actor, state)
    if run.magnet is not None and payload.get("magnet") is not None:
        run.magnet.load_state_dict(payload["magnet"])
    run.generator.set_state(payload["generator"])
    run.games = SelfPlayGames.from_json(run.game, payload["games"])
    run.update, run.decisions, run.wall = payload["update"], payload["decisions"], payload["wall"]
    run.best = payload.get("best")
    run.saved_update = run.update
    return run


def copy_with(actor: nn.Module, state: dict[str, torch.Tensor]) -> nn.Module:
    """A copy of ``actor`` with the weights ``state``."""
    snapshot = copy.deepcopy(actor)
    snapshot.load_state_dict(state)
    return snapshot


# -- the snapshot pool and the magnet ----------------------------------------------------------


def after_update(run: Run, done: int) -> None:
    """Snapshots for the pool and the magnet's refresh, every so many updates (``done``: the
    updates done, this one included)."""
    cfg = run.cfg
    if cfg.pool_size and done % cfg.snapshot_every == 0:
        run.pool[max(run.pool, default=-1) + 1] = copy.deepcopy(run.actor)
    retire_snapshots(run)
    if run.magnet is not None and cfg.magnet_every and done % cfg.magnet_every == 0:
        run.magnet.load_state_dict(run.actor.state_dict())


def drawable_snapshots(run: Run) -> tuple[int, ...]:
    """The ids of the snapshots new games may draw: the newest ``pool_size``."""
    if not run.cfg.pool_size:
        return ()
    return tuple(sorted(run.pool)[-run.cfg.pool_size :])


def retire_snapshots(run: Run) -> None:
    """Drop the snapshots that new games no longer draw and no game in progress plays (so
    trimming the pool never changes the opponent of a game in progress)."""
    keep = set(drawable_snapshots(run)) | {int(k) for k in run.games.opponent if k >= 0}
    for snapshot_id in [k for k in run.pool if k not in keep]:
        del run.pool[snapshot_id]
