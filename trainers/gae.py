"""Generalized advantage estimation over each seat's own decisions (the PPO update's input).

Schulman et al. (2016): ``delta_t = r_t + gamma * V(s_{t+1}) - V(s_t)`` and
``A_t = delta_t + gamma * lambda * A_{t+1}``, where ``t+1`` is the same seat's next decision.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from trainers.rollout import Batch


def gae(
    batch: Batch, gamma: float, lam: float, shaping: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Advantages and value targets per seat over that seat's own decisions.

    Walking back in time, every game slot keeps, per seat, the value and advantage of that
    seat's next decision; a game's end resets them and leaves its returns as the reward of
    each seat's last decision; the acting seat's GAE step then reads them. With ``shaping``
    (and the batch's potentials), each decision's reward also gets
    ``shaping * (gamma * Phi(next own decision) - Phi(this decision))``, ``Phi = 0`` at the
    end of a game (:mod:`trainers.shaping`).

    Returns:
        ``(advantages, returns)``, each ``[T, E]``.
    """
    t_, e_ = batch.action.shape
    rows = np.arange(e_)
    next_value = batch.bootstrap.astype(np.float64).copy()
    next_adv = np.zeros_like(next_value)
    reward = np.zeros_like(next_value)
    shaped = bool(shaping) and batch.potential is not None
    if shaped:
        phi = shaping * batch.potential.astype(np.float64)
        next_phi = shaping * batch.bootstrap_potential.astype(np.float64)
    advantages = np.zeros((t_, e_))
    for t in range(t_ - 1, -1, -1):
        ended = batch.done[t]
        next_value[ended] = 0.0
        next_adv[ended] = 0.0
        reward[ended] = batch.returns[t][ended]
        seat = batch.seat[t]
        value = batch.value[t]
        step_reward = reward[rows, seat]
        if shaped:
            next_phi[ended] = 0.0
            step_reward = step_reward + gamma * next_phi[rows, seat] - phi[t, rows, seat]
            next_phi[rows, seat] = phi[t, rows, seat]
        delta = step_reward + gamma * next_value[rows, seat] - value
        adv = delta + gamma * lam * next_adv[rows, seat]
        advantages[t] = adv
        next_adv[rows, seat] = adv
        next_value[rows, seat] = value
        reward[rows, seat] = 0.0
    return advantages, advantages + batch.value
