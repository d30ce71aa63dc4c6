"""The actor network in torch: :class:`MLPActor`, what trainers optimise.

Its parameter names are the keys of ``actor.safetensors`` (see :mod:`agents.neural`, which
holds the architecture and plays the same network in numpy, without torch).

Initialisation: the constructor keeps PyTorch's default initialisation. Trainers that follow the
PPO recipe (CleanRL, "The 37 implementation details of PPO") call
:meth:`MLPActor.orthogonal_init`, i.e. :func:`init_weights` with gain ``sqrt(2)`` on the trunk
and a small gain (``0.01``) on the policy head, so that the initial policy is near uniform.

This module and ``trainers`` are where torch is imported; it never imports ``trainers`` or
``arena``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import torch
from torch import nn

from agents.neural import ActorConfig

ACTIVATIONS: dict[str, type[nn.Module]] = {"relu": nn.ReLU, "tanh": nn.Tanh}
"""Activation names allowed in :class:`ActorConfig` -> their module."""
HIDDEN_GAIN = math.sqrt(2.0)
"""Orthogonal-init gain of the trunk layers (ReLU/tanh PPO convention)."""
HEAD_GAIN = 0.01
"""Orthogonal-init gain of the policy head: a near-uniform initial policy."""


def init_weights(module: nn.Module, gain: float = HIDDEN_GAIN) -> None:
    """Orthogonal weights with ``gain`` and zero biases for every ``nn.Linear`` in ``module``.

    Args:
        module: a layer or any module containing layers (applied recursively).
        gain: the orthogonal gain: ``sqrt(2)`` for hidden layers, ``0.01`` for a policy head,
            ``1.0`` for a value head (the PPO convention).
    """
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            nn.init.orthogonal_(layer.weight, gain=gain)
            nn.init.zeros_(layer.bias)


def masked_logits(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``logits`` with illegal actions (``mask`` false/0) set to the dtype's lowest finite value.

    A finite value (not ``-inf``) keeps softmax, log-probabilities, entropies and their
    gradients free of NaN, while the probability of a masked action underflows to exactly 0.
    Rows with no legal action must not be passed (they would become uniform).
    """
    lowest = torch.finfo(logits.dtype).min
    return torch.where(mask.to(torch.bool), logits, torch.full_like(logits, lowest))


class MLPActor(nn.Module):
    """The deployable policy: ``obs -> hidden... -> logits``.

    Args:
        config: the architecture (see :class:`ActorConfig`).
    """

    def __init__(self, config: ActorConfig) -> None:
        super().__init__()
        self.config = config
        layers: list[nn.Module] = []
        width = config.obs_dim
        for size in config.hidden:
            layers += [nn.Linear(width, size), ACTIVATIONS[config.activation]()]
            width = size
        self.trunk = nn.Sequential(*layers)
        self.head = nn.Linear(width, config.num_actions)

    def orthogonal_init(
        self, hidden_gain: float = HIDDEN_GAIN, head_gain: float = HEAD_GAIN
    ) -> None:
        """PPO initialisation: orthogonal trunk (``hidden_gain``) and head (``head_gain``)."""
        init_weights(self.trunk, hidden_gain)
        init_weights(self.head, head_gain)

    def features(self, obs: torch.Tensor) -> torch.Tensor:
        """The trunk's output (the last hidden layer; ``obs`` itself for a linear policy)."""
        return self.trunk(obs)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """Logits ``(..., num_actions)`` of observations ``(..., obs_dim)``."""
        return self.head(self.trunk(obs))

    def distribution(
        self, obs: torch.Tensor, mask: torch.Tensor
    ) -> torch.distributions.Categorical:
        """The masked action distribution (see :func:`masked_logits`)."""
        return torch.distributions.Categorical(logits=masked_logits(self(obs), mask))


def actor_from_arrays(config: ActorConfig, arrays: Mapping[str, np.ndarray]) -> MLPActor:
    """A frozen :class:`MLPActor` (eval mode, no gradients) holding copies of ``arrays``."""
    actor = MLPActor(config)
    actor.load_state_dict({key: torch.from_numpy(np.array(a)) for key, a in arrays.items()})
    return actor.eval().requires_grad_(False)
