"""Training-only networks: critics, the CADP advice actor and the CTEDD global policy.

The deployable actor lives in ``agents.neural``; what ships of CADP and CTEDD is an
:class:`agents.neural.MLPActor` (see :mod:`trainers.cadp` and :mod:`trainers.ctedd`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import torch
from torch import nn

from agents.mlp import MLPActor, init_weights
from agents.neural import ActorConfig


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


class AdviceActor(nn.Module):
    """CADP's actor: the agent's own path plus the advice exchanged among the seats.

    For the acting seat ``i`` and the seats ``j`` of ITS game at ITS decision (one row of
    ``views``, acting seat first, so ``i = 0``), with ``H`` heads of width ``d``::

        q_i = W_q o_i,  k_j = W_k o_j,  v_j = W_v o_j               (bias-free)
        c_ij = softmax_j(q_i . k_j / sqrt(d))  over the seats in the game   (confidence)
        z_i = sum_j c_ij v_j                                         (advice, eq. 1)
        logits_i = head([trunk(o_i) ; relu(W_z z_i + b_z)])          (eq. 2's residual input)

    CADP(C) is this network; CADP(D) forces ``c_i = e_i``, i.e. ``z_i = v_i = W_v o_i``, and
    reads the agent's own observation only. Once :meth:`prune` has been called (hard pruning),
    the attention itself sees the acting seat only, so CADP(C) is CADP(D).

    Args:
        obs_dim: local observation length.
        num_actions: number of logits.
        hidden: the trunk's hidden sizes (at least one layer).
        heads: attention heads ``H``.
        head_dim: width ``d`` of each head.
        advice_dim: width of the advice features ``relu(W_z z + b_z)``.
    """

    def __init__(
        self,
        obs_dim: int,
        num_actions: int,
        hidden: Sequence[int],
        heads: int = 4,
        head_dim: int = 32,
        advice_dim: int = 128,
    ) -> None:
        super().__init__()
        if not hidden:
            raise ValueError("the advice actor needs at least one hidden layer (actor_hidden)")
        self.heads, self.head_dim = heads, head_dim
        self.trunk = nn.Sequential(*mlp([obs_dim, *hidden]), nn.ReLU())
        self.query = nn.Linear(obs_dim, heads * head_dim, bias=False)
        self.key = nn.Linear(obs_dim, heads * head_dim, bias=False)
        self.value = nn.Linear(obs_dim, heads * head_dim, bias=False)
        self.advice_layer = nn.Linear(heads * head_dim, advice_dim)
        self.head = nn.Linear(hidden[-1] + advice_dim, num_actions)
        init_weights(self.trunk)
        init_weights(self.advice_layer)
        init_weights(self.head, gain=0.01)
        self.register_buffer("pruned", torch.tensor(False))
        """Hard pruning (checkpointed with the weights): the attention sees the acting seat
        only, so this network is CADP(D) (see :meth:`prune`)."""

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs) -> None:
        """Weights saved before hard pruning existed load as not pruned."""
        state_dict.setdefault(prefix + "pruned", torch.tensor(False))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def prune(self) -> None:
        """Prune for good: from now on every other seat is masked out of the attention
        (``c_ii = 1``, ``z_i = v_i``), at collection and in the update alike."""
        self.pruned.fill_(True)

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        """``[..., H * d] -> [..., H, d]``."""
        return x.unflatten(-1, (self.heads, self.head_dim))

    def confidence(self, views: torch.Tensor, alive: torch.Tensor) -> torch.Tensor:
        """``log c_0j`` of the acting seat over the seats of its group ``[B, H, P]``.

        Args:
            views: ``[B, P, obs_dim]``, each row one game at one decision, acting seat first.
            alive: ``[B, P]``, the seats still in the game (masked out of the softmax).
        """
        q = self._split(self.query(views[:, 0]))  # [B, H, d]
        k = self._split(self.key(views))  # [B, P, H, d]
        scores = torch.einsum("bhd,bphd->bhp", q, k) / self.head_dim**0.5
        if self.pruned:
            alive = torch.zeros_like(alive)
            alive[:, 0] = True
        scores = scores.masked_fill(~alive[:, None, :], torch.finfo(scores.dtype).min)
        return torch.log_softmax(scores, dim=-1)

    def advice(self, views: torch.Tensor, log_c: torch.Tensor) -> torch.Tensor:
        """``z_0 = sum_j c_0j v_j`` of each row, heads concatenated ``[B, H * d]``."""
        v = self._split(self.value(views))  # [B, P, H, d]
        return torch.einsum("bhp,bphd->bhd", log_c.exp(), v).flatten(1)

    def logits(self, obs: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """The action head on the own path and the advice features."""
        features = torch.relu(self.advice_layer(z))
        return self.head(torch.cat([self.trunk(obs), features], dim=-1))

    def centralized(
        self, views: torch.Tensor, alive: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """CADP(C): ``(logits [B, A], log c_0j [B, H, P])``.

        Once pruned, ``c_00 = 1`` and every other ``c_0j = 0`` whatever the queries and keys
        say, so the advice is ``v_0`` and this is CADP(D) on the acting seat's view: computed
        as such, without the attention (the same logits, the same gradients for every weight
        that still matters; the duel's actor update in half the time)."""
        if self.pruned:
            return self.decentralized(views[:, 0]), self._pruned_confidence(*views.shape[:2])
        log_c = self.confidence(views, alive)
        return self.logits(views[:, 0], self.advice(views, log_c)), log_c

    def _pruned_confidence(self, rows: int, seats: int) -> torch.Tensor:
        """``log c_0j`` once pruned ``[rows, H, seats]``: 0 for the acting seat, -inf else."""
        log_c = torch.full((rows, self.heads, seats), -torch.inf)
        log_c[:, :, 0] = 0.0
        return log_c

    def forward(self, views: torch.Tensor, alive: torch.Tensor) -> torch.Tensor:
        """CADP(C)'s logits ``[B, A]`` (what plays at collection)."""
        return self.centralized(views, alive)[0]

    def decentralized(self, obs: torch.Tensor) -> torch.Tensor:
        """CADP(D)'s logits from the own observation ``[B, obs_dim]`` only (``z = v``)."""
        return self.logits(obs, self.value(obs))


class GlobalPolicy(nn.Module):
    """CTEDD's global policy: the acting seat's logits from the global state.

    An :class:`agents.neural.MLPActor` over ``[global state ; one-hot of the acting seat]``:
    the network is the paper's shared global component, the seat's one-hot its per-agent part
    (all seats share the parameters, as in every method here).

    Args:
        state_dim: global state length.
        players: seats (the one-hot's length).
        num_actions: number of logits.
        hidden: hidden layer sizes.
    """

    def __init__(
        self, state_dim: int, players: int, num_actions: int, hidden: Sequence[int]
    ) -> None:
        super().__init__()
        self.players = players
        self.net = MLPActor(ActorConfig(state_dim + players, num_actions, tuple(hidden)))
        self.net.orthogonal_init()

    def forward(self, state: torch.Tensor, seat: torch.Tensor) -> torch.Tensor:
        """Logits ``[B, A]`` of ``state [B, state_dim]`` for the seats ``seat [B]`` to act."""
        one_hot = nn.functional.one_hot(seat.long(), self.players).to(state.dtype)
        return self.net(torch.cat([state, one_hot], dim=-1))
