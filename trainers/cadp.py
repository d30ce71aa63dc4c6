"""CADP: centralized advising and decentralized pruning (Zhou et al., AAMAS 2025; 2305.17352).

During training the acting seat's actor (:class:`trainers.networks.AdviceActor`) attends over
the local observations of every seat still in the game at that same decision (eq. 1, the
"advice"), and its action head reads its own path and the advice (eq. 2). The pruning loss
``L_p = KL(e_i || c_i) = -log c_ii`` (eq. 3, averaged over heads), weighted by ``prune_alpha``
and switched on once training passes ``prune_start``, drives the confidence to the identity;
then CADP(D), the same network with ``z_i = v_i``, acts like CADP(C) from the agent's own
observation, and it is what ships. Hard pruning (``prune_hard``, the limit of an infinite
``prune_alpha``) masks the other seats out of the attention for the rest of the run, so PPO then
trains CADP(D) itself. CADP(D) ships as an exactly equivalent :class:`agents.neural.MLPActor`
(:func:`decentralized_actor`).

Grouping: every decision of the batch carries its own group, ``views [P, obs_dim]`` (every
seat of THAT game at THAT decision) and ``alive [P]``; the attention runs along that axis only,
so a PPO minibatch, whatever rows it draws, never mixes seats of different games or times
(the authors' code does, at update time).

CADP(C) reads the other seats' observations, so it is evaluated here (never in ``agents``) by
a lockstep loop that builds them from the states (:func:`state_win_rate`), and on the OpenSpiel
configuration of Liar's Dice by an exact NashConv over histories (:mod:`trainers.exact`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from agents.mlp import MLPActor
from agents.neural import ActorConfig
from games.core import Game, State
from trainers.config import TrainConfig
from trainers.evaluate import StateLogits, is_openspiel_config, nash_conv, state_win_rate
from trainers.exact import state_nash_conv
from trainers.methods import Method
from trainers.networks import AdviceActor
from trainers.ppo import ActorFn, PPOBatch
from trainers.rollout import Batch, views_of
from trainers.run import Run
from trainers.update import ppo_learn


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


def hard_prune(run: Run) -> None:
    """Hard pruning from now on (``prune_hard``): the actor and its magnet see the acting seat
    only, so the rest of the run is PPO on CADP(D) itself."""
    run.actor.prune()
    if run.magnet is not None:
        run.magnet.prune()


def group_inputs(batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
    """Every decision's own group, flattened like :func:`trainers.update.ppo_batch`'s rows.

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


class CADP(Method):
    """The CADP method (collects with every seat's view; ships CADP(D))."""

    name = "cadp"
    policy_inputs = "views"

    def build_actor(self, cfg: TrainConfig, game: Game) -> nn.Module:
        """An :class:`~trainers.networks.AdviceActor` of the config's sizes."""
        return AdviceActor(
            game.observation_shape[0],
            game.num_distinct_actions,
            cfg.actor_hidden,
            cfg.cadp_heads,
            cfg.cadp_head_dim,
            cfg.cadp_advice_dim,
        )

    def actor_fn(
        self,
        actor: nn.Module,
        batch: Batch,
        progress: float,
        alpha: float = 0.0,
        record: dict[str, list[float]] | None = None,
    ) -> ActorFn:
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

    def learn(
        self, run: Run, batch: Batch, progress: float, then: Callable[[], None] | None = None
    ) -> dict[str, float]:
        """PPO with the pruning loss (and the magnet term, whose policy is CADP(C) from the
        magnet network); logs ``confidence``, ``prune_loss`` and ``prune_alpha``."""
        alpha = prune_weight(run.cfg, progress)
        record: dict[str, list[float]] = {"confidence": [], "prune_loss": []}
        actor_fn = self.actor_fn(run.actor, batch, progress, alpha, record)
        magnet_fn = None if run.magnet is None else self.actor_fn(run.magnet, batch, progress)

        def pruned_then() -> None:
            if progress >= run.cfg.prune_hard and not run.actor.pruned:
                hard_prune(run)  # after this update: the next batch is collected pruned
            if then is not None:
                then()

        metrics = ppo_learn(run, actor_fn, batch, progress, magnet_fn, pruned_then)
        metrics.update({key: float(np.mean(values)) for key, values in record.items()})
        metrics["prune_alpha"] = alpha
        return metrics

    def deployable(self, actor: nn.Module) -> nn.Module:
        """CADP(D) as an exactly equivalent :class:`agents.neural.MLPActor`."""
        return decentralized_actor(actor)

    def extra_eval(self, run: Run) -> dict[str, float]:
        """CADP(C) and CADP(D) side by side, on the same deals and seeds (the run's
        evaluation games and seed)."""
        actor, game = run.actor, run.game
        games, seed = run.cfg.eval_games, run.cfg.seed + run.update
        policies = {"cadp_c": centralized_policy(actor), "cadp_d": decentralized_policy(actor)}
        out: dict[str, float] = {}
        for key, policy in policies.items():
            for opponent in ("random", "heuristic"):
                result = state_win_rate(policy, game, opponent, games, seed)
                out[f"{key}_win_vs_{opponent}"] = result.rate
        if is_openspiel_config(game):
            out["cadp_d_nash_conv"] = nash_conv(actor.decentralized)  # reads its observation only
            pruned = bool(actor.pruned)  # then CADP(C) is CADP(D)
            c_value = out["cadp_d_nash_conv"] if pruned else state_nash_conv(policies["cadp_c"])
            out["cadp_c_nash_conv"] = c_value
        return out


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
