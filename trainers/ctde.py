"""CTDE: self-play PPO with the actor on the local observation and the critic on the global state.

The actor is the deployable ``agents.neural.MLPActor`` itself: what is trained is what ships.
The critic (``trainers.networks.Critic``) reads the global state and gives every seat's value
(``critic = "global"``); ``critic = "local"`` is the plain-critic baseline on the acting seat's
local observation. Nothing of the critic is exported.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from agents.neural import ActorConfig, MLPActor
from games.core import Game
from trainers.config import TrainConfig
from trainers.loop import Run, train
from trainers.ppo import ActorFn, PPOBatch
from trainers.rollout import Batch


class CTDE:
    """The CTDE method for :func:`trainers.loop.train`."""

    name = "ctde"

    def build_actor(self, cfg: TrainConfig, game: Game) -> nn.Module:
        actor = MLPActor(ActorConfig.for_game(game, cfg.actor_hidden))
        actor.orthogonal_init()
        return actor

    def actor_fn(self, actor: nn.Module, batch: Batch, progress: float) -> ActorFn:
        zero = torch.zeros(())

        def logits(mb: PPOBatch) -> tuple[torch.Tensor, torch.Tensor]:
            return actor(mb.obs), zero

        return logits

    def deployable(self, actor: nn.Module) -> nn.Module:
        return actor

    def extra_eval(self, actor: nn.Module, game: Game) -> dict[str, float]:
        return {}


def train_ctde(cfg: TrainConfig, out: Path, **kwargs) -> Run:
    """Train ``cfg`` with CTDE (see :func:`trainers.loop.train` for the keyword arguments)."""
    return train(cfg, CTDE(), out, **kwargs)
