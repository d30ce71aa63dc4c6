"""Training-only networks: critics. The deployable actor lives in ``agents.neural``."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import torch
from torch import nn


def mlp(sizes: Sequence[int], activation: type[nn.Module] = nn.ReLU) -> nn.Sequential:
    """Linear layers of ``sizes`` with ``activation`` between them (none after the last)."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


class Critic(nn.Module):
    """A value MLP.

    With ``outputs = players`` and the global state as input, it gives every seat's value in
    absolute seat order (the CTDE critic); with ``outputs = 1`` and a local observation, the
    observer's value (the plain critic).
    """

    def __init__(self, in_dim: int, outputs: int, hidden: Sequence[int]) -> None:
        super().__init__()
        self.net = mlp([in_dim, *hidden, outputs])
        last = self.net[-1]
        nn.init.orthogonal_(last.weight, gain=1.0)
        nn.init.zeros_(last.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Values ``[B, outputs]``."""
        return self.net(x)
