"""Tabular Magnetic Mirror Descent with exact values, on the duel's enumerated tree.

Sokota et al., *A Unified Approach to Reinforcement Learning, Quantal Response Equilibria, and
Two-Player Zero-Sum Games* (ICLR 2023). At every information state ``s`` (the acting seat's
die and the bid sequence: 6 x 4,096 of them in the OpenSpiel configuration of Liar's Dice),
with step size ``eta`` and weight ``alpha`` of the magnet ``rho``::

    pi_{t+1}(.|s) ∝ [ pi_t(.|s) * rho(.|s)^(alpha*eta) * exp(eta * q_t(s, .)) ]^(1/(1+alpha*eta))

(:func:`mmd_step`), for every information state at once (:func:`mmd_update`); the magnet is
refreshed to the current policy every ``magnet_every`` iterations (:func:`run_mmd`).

``q_t(s, a)`` is the counterfactual value of ``a`` (weighted by the other seat's reach under
``pi_t`` and by chance; exact, from the tree of :class:`trainers.exact.DuelTree`): the games
that end right after ``a``, plus the regularised values ``V_{t+1}(s')`` of the acting seat's
next information states ``s'``, computed from the last bid down. This is MMD with the dilated
entropy (the paper's sequence-form MMD, whose step has this closed form); taking for ``q`` the
plain counterfactual values of ``pi_t`` (the behavioural form) barely moved the deep
information states and stalled (NashConv 1.2 after 400 iterations, where this gives 0.07).

A tabular policy is an array ``[S, 6, A]``: bid sequence, the ACTING seat's die, action
(probability 0 on illegal actions). MMD keeps its log (``-inf`` where illegal).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from trainers.exact import DICE, DuelTree, joint_probs, on_policy_value

CHANCE = 1.0 / DICE**2
"""Probability of each deal ``(d0, d1)``."""


def uniform_log_policy(tree: DuelTree) -> np.ndarray:
    """The uniform policy over the legal actions, as logs ``[S, 6, A]`` (``-inf`` illegal)."""
    legal = tree.legal[:, None, :]
    logp = -np.log(tree.legal.sum(axis=1))[:, None, None]
    return np.where(legal, np.broadcast_to(logp, (*tree.legal.shape[:1], DICE, 1)), -np.inf)


def reach(tree: DuelTree, policy: np.ndarray, seat: int) -> np.ndarray:
    """``seat``'s own reach probability of every sequence, per its die ``[S, 6]`` (the product
    of its own action probabilities along the sequence; the other seat's and chance's are not
    included). Filled one sequence length at a time (parents are one bid shorter)."""
    out = np.ones((len(tree.seqs), DICE))
    length = np.array([len(seq) for seq in tree.seqs])
    for size in range(1, int(length.max()) + 1):
        rows = np.flatnonzero(length == size)
        up = tree.parent[rows]
        step = policy[up, :, tree.last[rows]]  # [rows, 6]
        own = (tree.player[up] == seat)[:, None]
        out[rows] = out[up] * np.where(own, step, 1.0)
    return out


def action_values(tree: DuelTree, probs: np.ndarray) -> np.ndarray:
    """Seat 0's expected return after each action at every decision ``[S, A, 6, 6]``, under the
    joint probabilities ``probs`` (:func:`joint_probs`) from there on (0 where illegal)."""
    values = on_policy_value(tree, probs)
    q = np.zeros((len(tree.seqs), tree.legal.shape[1], DICE, DICE))
    kids = tree.child
    for bid in range(kids.shape[1]):
        has = kids[:, bid] >= 0
        q[has, bid] = values[kids[has, bid]]
    q[:, -1] = tree.liar_value
    return q


def counterfactual_values(
    tree: DuelTree, policy: np.ndarray, reaches: tuple[np.ndarray, np.ndarray] | None = None
) -> np.ndarray:
    """The acting seat's counterfactual action values ``[S, 6, A]`` under ``policy``.

    For the seat ``p`` to act at sequence ``seq`` with die ``x``::

        q(seq, x, a) = sum_y  CHANCE * reach_other(seq, y) * u_p(seq + a | x, y)

    where ``u_p`` is ``p``'s expected return under ``policy`` (0 on illegal actions).
    ``reaches``: both seats' :func:`reach` under ``policy``, when already computed.
    """
    q = action_values(tree, joint_probs(tree, policy))
    r0, r1 = reaches if reaches is not None else (reach(tree, policy, 0), reach(tree, policy, 1))
    seat0 = np.einsum("saxy,sy->sxa", q, r1)  # seat 0 acts: own die x, other y
    seat1 = -np.einsum("saxy,sx->sya", q, r0)  # seat 1 acts: own die y, other x
    cfv = np.where((tree.player == 0)[:, None, None], seat0, seat1) * CHANCE
    return np.where(tree.legal[:, None, :], cfv, 0.0)


def mmd_step(
    log_pi: np.ndarray, log_rho: np.ndarray, q: np.ndarray, eta: float, alpha: float
) -> tuple[np.ndarray, np.ndarray]:
    """The MMD update of information states (last axis: actions; ``-inf`` where illegal)::

        pi_{t+1} ∝ [pi_t * rho^(alpha*eta) * exp(eta * q)]^(1/(1+alpha*eta))

    Returns:
        ``log pi_{t+1}`` and the state's regularised value ``V = (1+alpha*eta)/eta * log Z``
        (``Z``: the normaliser of the bracket raised to its power), which the parent's ``q``
        adds up (:func:`mmd_update`).
    """
    legal = np.isfinite(log_pi)
    magnet = np.where(legal, log_rho, 0.0)  # 0 * -inf is nan: keep the illegal entries out
    power = 1.0 + alpha * eta
    mixed = (np.where(legal, log_pi, 0.0) + alpha * eta * magnet + eta * q) / power
    mixed = np.where(legal, mixed, -np.inf)
    top = mixed.max(axis=-1, keepdims=True)
    log_z = top + np.log(np.exp(mixed - top).sum(axis=-1, keepdims=True))
    return mixed - log_z, power / eta * log_z[..., 0]


def mmd_update(
    tree: DuelTree, log_pi: np.ndarray, log_rho: np.ndarray, eta: float, alpha: float
) -> np.ndarray:
    """One MMD iteration of both seats: ``log pi_{t+1}`` ``[S, 6, A]``.

    The step with the dilated entropy (the paper's sequence-form MMD) solved in closed form
    from the leaves up: for seat ``p`` at information state ``s``, ``q_t(s, a)`` is the
    counterfactual value (other seat's reach under ``pi_t`` and chance) of the games that end
    right after ``a``, plus the regularised values ``V`` of ``p``'s next information states
    after ``a`` (:func:`mmd_step`); the other seat plays ``pi_t``.
    """
    out = np.empty_like(log_pi)
    for seat in (0, 1):
        _seat_update(tree, log_pi, log_rho, eta, alpha, seat, out)
    return out


def _seat_update(
    tree: DuelTree,
    log_pi: np.ndarray,
    log_rho: np.ndarray,
    eta: float,
    alpha: float,
    seat: int,
    out: np.ndarray,
) -> None:
    """Fill ``out`` at ``seat``'s sequences, from the last bid down (children first)."""
    pi = np.exp(log_pi)
    other = reach(tree, pi, 1 - seat)  # [S, y]
    u = tree.liar_value if seat == 0 else -tree.liar_value.transpose(0, 2, 1)  # [S, x, y]
    liar = CHANCE * np.einsum("sy,sxy->sx", other, u)  # a liar call at s, other's reach to s
    value = np.zeros((len(tree.seqs), DICE))  # own: V; other's: what its moves lead to
    for last in range(tree.child.shape[1] - 1, -2, -1):
        rows = np.flatnonzero(tree.last == last)
        kids = tree.child[rows]
        after = np.where((kids >= 0)[:, :, None], value[np.maximum(kids, 0)], 0.0)  # [R, B, x]
        own = tree.player[rows] == seat
        theirs = rows[~own]
        value[theirs] = after[~own].sum(axis=1) + CHANCE * np.einsum(
            "sy,sy,sxy->sx", other[theirs], pi[theirs, :, -1], u[theirs]
        )
        mine = rows[own]
        q = np.concatenate([after[own].transpose(0, 2, 1), liar[mine][:, :, None]], axis=2)
        out[mine], value[mine] = mmd_step(log_pi[mine], log_rho[mine], q, eta, alpha)


@dataclass
class MMDState:
    """Tabular MMD in progress: the policy, the magnet and the iterations done.

    Attributes:
        log_pi: the current policy's log-probabilities ``[S, 6, A]``.
        log_rho: the magnet's ``[S, 6, A]``.
        iteration: iterations done.
    """

    log_pi: np.ndarray
    log_rho: np.ndarray
    iteration: int = 0

    @classmethod
    def uniform(cls, tree: DuelTree) -> MMDState:
        """The start: policy and magnet uniform over the legal actions."""
        start = uniform_log_policy(tree)
        return cls(start, start.copy())

    @property
    def policy(self) -> np.ndarray:
        """The current policy's probabilities ``[S, 6, A]``."""
        return np.exp(self.log_pi)


def run_mmd(
    tree: DuelTree,
    state: MMDState,
    iterations: int,
    eta: float,
    alpha: float,
    magnet_every: int,
    callback: Callable[[MMDState], bool] | None = None,
) -> MMDState:
    """``iterations`` more MMD iterations on ``state`` (changed in place and returned).

    After iteration ``t`` (counted from the start of the run), the magnet becomes the current
    policy when ``magnet_every`` divides ``t`` (``magnet_every = 0``: the magnet never moves).
    ``callback(state)`` runs after every iteration; returning True stops early.
    """
    for _ in range(iterations):
        state.log_pi = mmd_update(tree, state.log_pi, state.log_rho, eta, alpha)
        state.iteration += 1
        if magnet_every and state.iteration % magnet_every == 0:
            state.log_rho = state.log_pi.copy()
        if callback is not None and callback(state):
            break
    return state
