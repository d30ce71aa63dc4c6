"""Distilling a tabular policy of the duel into the deployable actor network.

The tabular solvers (:mod:`trainers.mmd`, :mod:`trainers.cfr_plus`) give a policy ``pi_tab``
``[S, 6, A]`` over every information state (bid sequence, the acting seat's die). The actor
(:class:`agents.neural.MLPActor`, the network every method ships) is fitted to it on the local
observations of all those information states, minimising::

    L(theta) = sum_s w(s) KL(pi_tab(.|s) || pi_theta(.|o_s)) / sum_s w(s)

with ``w(s)`` the acting seat's own reach probability of ``s`` under ``pi_tab`` (``reach``:
what a best response can exploit of a mistake at ``s`` is proportional to it) or 1
(``uniform``). :func:`network_policy` reads the actor back as a table, so its exact NashConv is
:func:`trainers.exact.tabular_nash_conv` of that table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from agents.mlp import MLPActor
from trainers.exact import DuelTree, deal_states
from trainers.masking import masked_log_softmax
from trainers.mmd import DICE, reach

Weighting = Literal["reach", "uniform"]


@dataclass(frozen=True)
class InfoStates:
    """The local observation and legal mask of every information state, flattened in the
    order of a table ``[S, 6, ...]`` (sequence-major).

    Attributes:
        obs: ``[S * 6, obs_dim]`` float32.
        mask: ``[S * 6, A]`` bool.
    """

    obs: torch.Tensor
    mask: torch.Tensor

    @classmethod
    def build(cls, tree: DuelTree) -> InfoStates:
        """Replayed in our engine: for die ``x``, the deal ``(x, x)``, observed by the seat to
        act (its observation does not depend on the other die)."""
        per_die = []
        for die in range(DICE):
            states = deal_states((die, die), tree.seqs)
            per_die.append(np.stack([s.observation_tensor(s.current_player()) for s in states]))
        obs = np.stack(per_die, axis=1).reshape(len(tree.seqs) * DICE, -1)
        mask = np.repeat(tree.legal, DICE, axis=0)
        return cls(torch.from_numpy(obs.astype(np.float32)), torch.from_numpy(mask))


def network_policy(actor: MLPActor, states: InfoStates, tree: DuelTree) -> np.ndarray:
    """The actor's policy as a table ``[S, 6, A]`` (float64, renormalised over legal)."""
    with torch.no_grad():
        logp = masked_log_softmax(actor(states.obs), states.mask).double()
    probs = logp.exp().numpy().reshape(len(tree.seqs), DICE, -1)
    return probs / probs.sum(axis=-1, keepdims=True)


def distillation_weights(tree: DuelTree, policy: np.ndarray, weighting: Weighting) -> np.ndarray:
    """``w(s)`` ``[S, 6]``: the acting seat's own reach under ``policy``, or 1; summing to 1."""
    if weighting == "uniform":
        weights = np.ones(policy.shape[:2])
    else:
        weights = np.where(
            (tree.player == 0)[:, None], reach(tree, policy, 0), reach(tree, policy, 1)
        )
    return weights / weights.sum()


def distil(
    actor: MLPActor,
    states: InfoStates,
    target: np.ndarray,
    weights: np.ndarray,
    *,
    epochs: int,
    lr: float,
    batch: int,
    generator: torch.Generator,
) -> float:
    """Fit ``actor`` to ``target`` ``[S, 6, A]`` by minimising the ``w``-weighted
    ``KL(target || actor)`` with Adam (learning rate annealed linearly to 0 over ``epochs``
    passes over the information states, in shuffled minibatches of ``batch``).

    Returns:
        The weighted KL over all information states after the last step.
    """
    p = torch.from_numpy(target.reshape(len(states.obs), -1))
    w = torch.from_numpy(weights.reshape(-1) * len(states.obs))  # mean 1
    log_p = torch.where(p > 0, p.log(), torch.zeros(()))
    opt = torch.optim.Adam(actor.parameters(), lr=lr)
    steps = epochs * -(-len(p) // batch)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: 1.0 - k / steps)
    for _ in range(epochs):
        for rows in torch.randperm(len(p), generator=generator).split(batch):
            loss = _weighted_kl(actor, states, p, log_p, w, rows)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    with torch.no_grad():
        return float(_weighted_kl(actor, states, p, log_p, w, torch.arange(len(p))))


def _weighted_kl(
    actor: MLPActor,
    states: InfoStates,
    p: torch.Tensor,
    log_p: torch.Tensor,
    w: torch.Tensor,
    rows: torch.Tensor,
) -> torch.Tensor:
    """The mean over ``rows`` of ``w * KL(p || actor)`` (``w`` has mean 1 over all rows)."""
    log_q = masked_log_softmax(actor(states.obs[rows]), states.mask[rows]).double()
    log_q = torch.where(states.mask[rows], log_q, torch.zeros(()))
    kl = (p[rows] * (log_p[rows] - log_q)).sum(dim=-1)
    return (w[rows] * kl).mean()
