"""CADP: centralized advising and decentralized pruning (Zhou et al., AAMAS 2025; 2305.17352).

During training the acting seat's actor (:class:`trainers.networks.AdviceActor`) attends over
the local observations of every seat still in the game at that same decision (eq. 1, the
"advice"), and its action head reads its own path and the advice (eq. 2). The pruning loss
``L_p = KL(e_i || c_i) = -log c_ii`` (eq. 3, averaged over heads), weighted by ``prune_alpha``
and switched on once training passes ``prune_start``, drives the confidence to the identity;
then CADP(D), the same network with ``z_i = v_i``, acts like CADP(C) from the agent's own
observation, and it is what ships, as an exactly equivalent :class:`agents.neural.MLPActor`
(:func:`decentralized_actor`).

Grouping: every decision of the batch carries its own group, ``views [P, obs_dim]`` (every
seat of THAT game at THAT decision) and ``alive [P]``; the attention runs along that axis only,
so a PPO minibatch, whatever rows it draws, never mixes seats of different games or times
(the authors' code does, at update time).

CADP(C) reads the other seats' observations, so it is evaluated here (never in ``agents``) by
a lockstep loop that builds them from the states (:func:`state_win_rate`), and on the OpenSpiel
configuration of Liar's Dice by an exact NashConv over histories (:func:`state_nash_conv`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from agents.base import load_agent
from agents.neural import ActorConfig, MLPActor
from games.core import Game, State
from games.openspiel import bid_sequences, our_game
from trainers.config import TrainConfig
from trainers.evaluate import is_openspiel_config
from trainers.loop import Run, ppo_learn, train
from trainers.networks import AdviceActor
from trainers.ppo import ActorFn, PPOBatch
from trainers.rollout import Batch, gumbel_sample, masked_log_softmax, views_of

StateLogits = Callable[[Sequence[State]], torch.Tensor]
"""A policy that may read the whole state: states (each with a seat to act) -> logits [B, A]."""


def prune_weight(cfg: TrainConfig, progress: float) -> float:
    """``alpha`` once training has passed ``prune_start`` (a fraction of the budget), else 0."""
    return cfg.prune_alpha if progress >= cfg.prune_start else 0.0


def prune_loss(log_c: torch.Tensor) -> torch.Tensor:
    """``L_p = KL(e_i || c_i) = -log c_ii``, averaged over heads and samples.

    Args:
        log_c: the acting seat's log-confidences ``[B, H, P]`` (the acting seat first).
    """
    return -log_c[:, :, 0].mean()


def self_confidence(log_c: torch.Tensor) -> torch.Tensor:
    """``c_ii`` of each sample, averaged over heads ``[B]``."""
    return log_c[:, :, 0].exp().mean(dim=1)


def group_inputs(batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
    """Every decision's own group, flattened like :func:`trainers.loop.ppo_batch`'s rows.

    Returns:
        ``(views [T * E, P, obs_dim], alive [T * E, P])``: row ``r`` is decision ``r`` of the
        batch (``PPOBatch.index`` selects rows), with the seats of its game at its time only.
    """
    if batch.views is None or batch.alive is None:
        raise ValueError("CADP needs a batch collected with inputs='views'")
    t_, e_, p_, d_ = batch.views.shape
    views = torch.from_numpy(np.ascontiguousarray(batch.views.reshape(t_ * e_, p_, d_)))
    return views, torch.from_numpy(np.ascontiguousarray(batch.alive.reshape(t_ * e_, p_)))


def decentralized_actor(actor: AdviceActor) -> MLPActor:
    """CADP(D) as an :class:`agents.neural.MLPActor` with exactly the same logits.

    CADP(D)'s logits are ``head([trunk(o) ; a])`` with ``a = relu(W_z W_v o + b_z)``. The MLP's
    first layer computes ``[trunk layer 1 ; W_z W_v]`` (``W_v`` folded into ``W_z``: no query,
    key or value weights ship); every later layer is ``[[W_l, 0], [0, I]]``, which carries
    ``a`` through unchanged (``a >= 0``, so ``relu(a) = a`` exactly); the head is CADP's.
    """
    linears = [m for m in actor.trunk if isinstance(m, nn.Linear)]
    advice = actor.advice_layer
    width = advice.out_features
    hidden = tuple(layer.out_features + width for layer in linears)
    config = ActorConfig(linears[0].in_features, actor.head.out_features, hidden)
    mlp_actor = MLPActor(config)
    with torch.no_grad():
        folded = advice.weight.double() @ actor.value.weight.double()
        first = mlp_actor.trunk[0]
        first.weight.copy_(torch.cat([linears[0].weight, folded.float()]))
        first.bias.copy_(torch.cat([linears[0].bias, advice.bias]))
        for k, layer in enumerate(linears[1:], start=1):
            _carry(mlp_actor.trunk[2 * k], layer, width)
        mlp_actor.head.load_state_dict(actor.head.state_dict())
    return mlp_actor


def _carry(target: nn.Linear, layer: nn.Linear, width: int) -> None:
    """``target = [[layer, 0], [0, I_width]]`` (no gradient)."""
    target.weight.zero_()
    target.bias.zero_()
    target.weight[: layer.out_features, : layer.in_features] = layer.weight
    target.weight[layer.out_features :, layer.in_features :] = torch.eye(width)
    target.bias[: layer.out_features] = layer.bias


class CADP:
    """The CADP method for :func:`trainers.loop.train` (collects with every seat's view)."""

    name = "cadp"
    policy_inputs = "views"

    def build_actor(self, cfg: TrainConfig, game: Game) -> nn.Module:
        """An :class:`~trainers.networks.AdviceActor` of the config's sizes."""
        return AdviceActor(
            game.observation_shape[0], game.num_distinct_actions, cfg.actor_hidden,
            cfg.cadp_heads, cfg.cadp_head_dim, cfg.cadp_advice_dim,
        )  # fmt: skip

    def actor_fn(
        self, actor: nn.Module, batch: Batch, progress: float, alpha: float = 0.0,
        record: dict[str, list[float]] | None = None,
    ) -> ActorFn:  # fmt: skip
        """CADP(C)'s logits of each sample from its own group, and ``alpha * L_p``.

        Args:
            alpha: the pruning weight now (see :func:`prune_weight`).
            record: if given, ``confidence`` (mean ``c_ii``) and ``prune_loss`` of every
                minibatch are appended to it.
        """
        views, alive = group_inputs(batch)

        def logits(mb: PPOBatch) -> tuple[torch.Tensor, torch.Tensor]:
            out, log_c = actor.centralized(views[mb.index], alive[mb.index])
            loss = prune_loss(log_c)
            if record is not None:
                record["confidence"].append(float(self_confidence(log_c.detach()).mean()))
                record["prune_loss"].append(float(loss.detach()))
            return out, alpha * loss

        return logits

    def learn(self, run: Run, batch: Batch, progress: float) -> dict[str, float]:
        """PPO with the pruning loss; logs ``confidence``, ``prune_loss`` and ``prune_alpha``."""
        alpha = prune_weight(run.cfg, progress)
        record: dict[str, list[float]] = {"confidence": [], "prune_loss": []}
        actor_fn = self.actor_fn(run.actor, batch, progress, alpha, record)
        metrics = ppo_learn(run, actor_fn, batch, progress)
        metrics.update({key: float(np.mean(values)) for key, values in record.items()})
        metrics["prune_alpha"] = alpha
        return metrics

    def deployable(self, actor: nn.Module) -> nn.Module:
        """CADP(D) as an exactly equivalent :class:`agents.neural.MLPActor`."""
        return decentralized_actor(actor)

    def extra_eval(
        self, actor: nn.Module, game: Game, games: int = 200, seed: int = 0
    ) -> dict[str, float]:
        """CADP(C) and CADP(D) side by side, on the same deals and seeds."""
        policies = {"cadp_c": centralized_policy(actor), "cadp_d": decentralized_policy(actor)}
        out: dict[str, float] = {}
        for key, policy in policies.items():
            for opponent in ("random", "heuristic"):
                rate = state_win_rate(policy, game, opponent, games, seed)
                out[f"{key}_win_vs_{opponent}"] = rate
            if is_openspiel_config(game):
                out[f"{key}_nash_conv"] = state_nash_conv(policy)
        return out

    def extra_eval_run(self, run: Run) -> dict[str, float]:
        """:meth:`extra_eval` with the run's evaluation games and seed."""
        return self.extra_eval(run.actor, run.game, run.cfg.eval_games, run.cfg.seed + run.update)


def train_cadp(cfg: TrainConfig, out: Path, **kwargs: Any) -> Run:
    """Train ``cfg`` with CADP (see :func:`trainers.loop.train` for the keyword arguments)."""
    return train(cfg, CADP(), out, **kwargs)


# -- policies that read more than the acting seat's observation -----------------------------


def centralized_policy(actor: AdviceActor) -> StateLogits:
    """CADP(C) over states: builds every seat's observation of each state for the attention."""

    def logits(states: Sequence[State]) -> torch.Tensor:
        views, alive = views_of(states, [s.current_player() for s in states])
        return actor(torch.from_numpy(views), torch.from_numpy(alive))

    return logits


def decentralized_policy(actor: AdviceActor) -> StateLogits:
    """CADP(D) over states: the acting seat's own observation only."""

    def logits(states: Sequence[State]) -> torch.Tensor:
        obs = np.stack([s.observation_tensor(s.current_player()) for s in states])
        return actor.decentralized(torch.from_numpy(obs))

    return logits


def state_log_probs(policy: StateLogits, states: Sequence[State]) -> np.ndarray:
    """Masked log-probabilities of the seat to act in each state ``[B, A]``."""
    mask = torch.from_numpy(np.stack([s.legal_actions_mask() for s in states]).astype(bool))
    with torch.no_grad():
        return masked_log_softmax(policy(states), mask).numpy()


@torch.no_grad()
def state_win_rate(policy: StateLogits, game: Game, opponent: str, games: int, seed: int) -> float:
    """Win rate of ``policy`` in one seat (rotating) against ``opponent`` in every other seat.

    Like :func:`trainers.evaluate.win_rate`, but the policy is given the states, so it may build
    what it reads (every seat's observation, the global state); the opponents get their own
    observation only.
    """
    rng = np.random.default_rng(seed)
    n = game.num_players
    states = [game.new_initial_state() for _ in range(games)]
    learner = np.arange(games) % n
    agents = [[load_agent(opponent) for _ in range(n)] for _ in range(games)]
    for seats in agents:
        for seat, agent in enumerate(seats):
            agent.reset(game, seat, int(rng.integers(2**31)))
    live = list(range(games))
    while live:
        for g in live:
            while states[g].is_chance_node():
                states[g].apply_action(states[g].sample_chance(rng))
        live = [g for g in live if not states[g].is_terminal()]
        mine = [g for g in live if states[g].current_player() == learner[g]]
        if mine:
            logp = state_log_probs(policy, [states[g] for g in mine])
            for g, a in zip(mine, gumbel_sample(logp, rng), strict=True):
                states[g].apply_action(int(a))
        for g in [g for g in live if g not in set(mine)]:
            seat = states[g].current_player()
            states[g].apply_action(int(agents[g][seat].act(states[g].observation(seat))))
    return float(np.mean([_won(states[g].returns(), learner[g]) for g in range(games)]))


def _won(returns: list[float], seat: int) -> bool:
    best = max(returns)
    return returns[seat] == best and returns.count(best) == 1


# -- exact NashConv of a state policy on the OpenSpiel configuration of Liar's Dice ----------


@dataclass(frozen=True)
class DuelTree:
    """The decision points of the OpenSpiel configuration, deal by deal.

    ``S`` bid sequences (strictly increasing subsets of the bids, the empty one first, parents
    before children), for each of the 36 deals ``(d0, d1)``.

    Attributes:
        seqs: the bid sequences.
        parent: index of each sequence's parent (``-1`` for the empty one).
        child: ``[S, bids]`` index of ``seq + (b,)`` when bid ``b`` is legal there, else ``-1``.
        legal: ``[S, A]`` legal actions (the same for every deal).
        player: ``[S]`` the seat to act.
        last: ``[S]`` the last bid (``-1`` for the empty sequence).
        liar_value: ``[S, 6, 6]`` seat 0's return when the seat to act calls liar.
    """

    seqs: tuple[tuple[int, ...], ...]
    parent: np.ndarray
    child: np.ndarray
    legal: np.ndarray
    player: np.ndarray
    last: np.ndarray
    liar_value: np.ndarray


def _deal_states(deal: tuple[int, int], tree_seqs: Sequence[tuple[int, ...]]) -> list[State]:
    """The decision states of one deal, one per bid sequence (built parent before child)."""
    root = our_game().new_initial_state()
    for die in deal:
        root.apply_action(die)
    index = {seq: k for k, seq in enumerate(tree_seqs)}
    states: list[State] = []
    for seq in tree_seqs:
        state = (states[index[seq[:-1]]] if seq else root).clone()
        if seq:
            state.apply_action(seq[-1])
        states.append(state)
    return states


def _liar_returns() -> np.ndarray:
    """Seat 0's return when ``caller`` calls liar on bid ``b``: ``[6, 6, bids, caller]``.

    Replayed in our engine on the shortest history ending with that bid and that caller.
    """
    game = our_game()
    out = np.zeros((6, 6, game.liar, 2))
    for d0, d1, bid in np.ndindex(6, 6, game.liar):
        for caller, bids in ((1, (bid,)), (0, (0, bid))):
            if len(set(bids)) == len(bids):  # no ``(0, 0)``: seat 0 never calls a first bid 0
                state = game.new_initial_state()
                for action in (d0, d1, *bids, game.liar):
                    state.apply_action(action)
                out[d0, d1, bid, caller] = state.returns()[0]
    return out


@cache
def duel_tree() -> DuelTree:
    """The :class:`DuelTree` (built once, by replay in our engine)."""
    game = our_game()
    seqs = tuple(bid_sequences(game.liar))
    index = {seq: k for k, seq in enumerate(seqs)}
    child = np.full((len(seqs), game.liar), -1, dtype=np.int64)
    for k, seq in enumerate(seqs[1:], start=1):
        child[index[seq[:-1]], seq[-1]] = k
    states = _deal_states((0, 0), seqs)
    player = np.array([s.current_player() for s in states])
    last = np.array([s[-1] if s else -1 for s in seqs])
    liar_value = _liar_returns()[:, :, last, player].transpose(2, 0, 1)
    liar_value[last < 0] = 0.0  # no liar call on the empty sequence
    return DuelTree(
        seqs, np.array([index[s[:-1]] if s else -1 for s in seqs]), child,
        np.stack([s.legal_actions_mask() for s in states]).astype(bool), player, last, liar_value,
    )  # fmt: skip


def duel_policy(policy: StateLogits, tree: DuelTree) -> np.ndarray:
    """``policy``'s probabilities at every decision ``[S, 6, 6, A]`` (zero where illegal)."""
    out = np.zeros((len(tree.seqs), 6, 6, tree.legal.shape[1]))
    mask = torch.from_numpy(tree.legal)
    for d0, d1 in np.ndindex(6, 6):
        with torch.no_grad():
            logits = policy(_deal_states((d0, d1), tree.seqs))
            out[:, d0, d1] = masked_log_softmax(logits, mask).double().exp().numpy()
    return out / out.sum(axis=-1, keepdims=True)  # renormalised in float64, like the bridge


def _action_values(
    tree: DuelTree, values: np.ndarray, rows: np.ndarray, liar: np.ndarray
) -> np.ndarray:
    """``Q [rows, A, 6, 6]`` from the children's ``values`` and the liar returns ``liar``."""
    q = np.zeros((len(rows), tree.legal.shape[1], 6, 6))
    kids = tree.child[rows]
    for b in range(kids.shape[1]):
        has = kids[:, b] >= 0
        q[has, b] = values[kids[has, b]]
    q[:, -1] = liar[rows]
    return q


def on_policy_value(tree: DuelTree, probs: np.ndarray) -> np.ndarray:
    """Seat 0's expected return from every decision under ``probs`` ``[S, 6, 6]``."""
    values = np.zeros((len(tree.seqs), 6, 6))
    for last in range(tree.child.shape[1] - 1, -2, -1):  # children have a later last bid
        rows = np.flatnonzero(tree.last == last)
        q = _action_values(tree, values, rows, tree.liar_value)
        values[rows] = np.einsum("rxya,raxy->rxy", probs[rows], q)
    return values


def best_response_value(tree: DuelTree, probs: np.ndarray, seat: int) -> float:
    """Seat ``seat``'s expected return when it best-responds (from its own information: its
    die and the bids) to ``probs`` played by the other seat."""
    probs = probs if seat == 0 else probs.transpose(0, 2, 1, 3)  # axes: (own die, other die)
    liar = tree.liar_value if seat == 0 else -tree.liar_value.transpose(0, 2, 1)
    reach = np.ones((len(tree.seqs), 6, 6))  # the other seat's reach probability
    for k in range(1, len(tree.seqs)):
        up = tree.parent[k]
        own = tree.player[up] == seat
        reach[k] = reach[up] * (1.0 if own else probs[up, :, :, tree.last[k]])
    values = np.zeros((len(tree.seqs), 6, 6))
    for last in range(tree.child.shape[1] - 1, -2, -1):
        rows = np.flatnonzero(tree.last == last)
        q = _action_values(tree, values, rows, liar)
        mine = tree.player[rows] == seat
        values[rows[~mine]] = np.einsum("rxya,raxy->rxy", probs[rows[~mine]], q[~mine])
        values[rows[mine]] = _best_choice(q[mine], reach[rows[mine]], tree.legal[rows[mine]])
    return float(values[0].mean())


def _best_choice(q: np.ndarray, reach: np.ndarray, legal: np.ndarray) -> np.ndarray:
    """Values ``[R, 6, 6]`` of the best action per information state (own die = axis 1)."""
    score = np.einsum("raxy,rxy->rax", q, reach)
    score = np.where(legal[:, :, None], score, -np.inf)
    best = score.argmax(axis=1)  # [R, own die]
    return np.take_along_axis(q, best[:, None, :, None], axis=1)[:, 0]


def state_nash_conv(policy: StateLogits) -> float:
    """Exact NashConv of ``policy`` (both seats) in the OpenSpiel configuration of Liar's Dice.

    The best responses read their own information only; ``policy`` may read anything of the
    state (CADP(C), CTEDD's global policy). For a policy of the local observation this equals
    :func:`games.openspiel.nash_conv`; for one that reads hidden information it measures how
    much honest best responses gain against it, and it can be negative (such a policy may win
    more than any honest one).
    """
    tree = duel_tree()
    probs = duel_policy(policy, tree)
    value = float(on_policy_value(tree, probs)[0].mean())  # seat 0's; seat 1's is -value
    gains = best_response_value(tree, probs, 0) - value, best_response_value(tree, probs, 1) + value
    return float(sum(gains))
