"""Tabular CFR+ with exact counterfactual values, on the duel's enumerated tree.

Tammelin et al., *Solving Large Imperfect Information Games Using CFR+* (2014). At every
information state ``s`` (the acting seat's die and the bid sequence), with ``q_t(s, a)`` the
counterfactual action values of the current policy (:func:`trainers.mmd.counterfactual_values`)
and ``v_t(s) = sum_a pi_t(a|s) q_t(s, a)``::

    R_{t+1}(s, a) = max(0, R_t(s, a) + q_t(s, a) - v_t(s))             (regret matching+)
    pi_{t+1}(a|s) = R_{t+1}(s, a) / sum_b R_{t+1}(s, b)   (uniform when the sum is 0)
    avg(a|s) ∝ sum_t  t * reach_own_t(s) * pi_t(a|s)                   (linear averaging)

Both seats update simultaneously; the AVERAGE policy converges to a Nash equilibrium (the
current one need not), so it is the one that is measured and distilled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trainers.exact import DuelTree
from trainers.mmd import counterfactual_values, reach


def _normalised(weights: np.ndarray, legal: np.ndarray) -> np.ndarray:
    """``weights`` (``>= 0``, ``[S, 6, A]``) normalised over the legal actions; uniform over
    them where the weights sum to 0."""
    weights = np.where(legal, weights, 0.0)
    total = weights.sum(axis=-1, keepdims=True)
    uniform = np.broadcast_to(legal / legal.sum(axis=-1, keepdims=True), weights.shape)
    return np.where(total > 0, weights / np.where(total > 0, total, 1.0), uniform)


@dataclass
class CFRPlusState:
    """CFR+ in progress.

    Attributes:
        regrets: the cumulative clipped regrets ``R_t`` ``[S, 6, A]``.
        average_weights: ``sum_t t * reach_own_t * pi_t`` ``[S, 6, A]``.
        iteration: iterations done.
    """

    regrets: np.ndarray
    average_weights: np.ndarray
    iteration: int = 0

    @classmethod
    def start(cls, tree: DuelTree) -> CFRPlusState:
        """No regret yet (the first policy is uniform)."""
        shape = (len(tree.seqs), 6, tree.legal.shape[1])
        return cls(np.zeros(shape), np.zeros(shape))

    def current(self, tree: DuelTree) -> np.ndarray:
        """The current policy ``pi_t`` ``[S, 6, A]`` (regret matching+)."""
        return _normalised(self.regrets, tree.legal[:, None, :])

    def average(self, tree: DuelTree) -> np.ndarray:
        """The linearly weighted average policy ``[S, 6, A]`` (uniform where never reached)."""
        return _normalised(self.average_weights, tree.legal[:, None, :])


def cfr_plus_step(tree: DuelTree, state: CFRPlusState) -> CFRPlusState:
    """One CFR+ iteration for both seats (``state`` changed in place and returned)."""
    pi = state.current(tree)
    reaches = reach(tree, pi, 0), reach(tree, pi, 1)
    q = counterfactual_values(tree, pi, reaches)
    v = (pi * q).sum(axis=-1, keepdims=True)
    legal = tree.legal[:, None, :]
    state.regrets = np.maximum(state.regrets + np.where(legal, q - v, 0.0), 0.0)
    state.iteration += 1
    own = np.where((tree.player == 0)[:, None], *reaches)
    state.average_weights += state.iteration * own[:, :, None] * pi
    return state
