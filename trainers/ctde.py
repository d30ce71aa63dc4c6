"""CTDE: self-play PPO with the actor on the local observation and the critic on the global state.

The actor is the deployable ``agents.neural.MLPActor`` itself: what is trained is what ships.
The critic (``trainers.networks.Critic``) reads the global state and gives every seat's value
(``critic = "global"``); ``critic = "local"`` is the plain-critic baseline on the acting seat's
local observation. Nothing of the critic is exported.
"""

from __future__ import annotations

import torch
from torch import nn

from agents.mlp import MLPActor
from agents.neural import ActorConfig
from games.core import Game
from trainers.config import TrainConfig
from trainers.methods import Method
from trainers.ppo import ActorFn, PPOBatch
from trainers.rollout import Batch


class CTDE(Method):
    """The CTDE method: the deployable actor trained by PPO with the loop's defaults."""

    name = "ctde"

    def build_actor(self, cfg: TrainConfig, game: Game) -> nn.Module:
        """An orthogonally initialised :class:`agents.neural.MLPActor` of ``actor_hidden``."""
        actor = MLPActor(ActorConfig.for_game(game, cfg.actor_hidden))
        actor.orthogonal_init()
        return actor

    def actor_fn(self, actor: nn.Module, batch: Batch, progress: float) -> ActorFn:
        """The actor's logits of each sample's local observation; no extra loss."""
        zero = torch.zeros(())

        def logits(mb: PPOBatch) -> tuple[torch.Tensor, torch.Tensor]:
            return actor(mb.obs), zero

        return logits
