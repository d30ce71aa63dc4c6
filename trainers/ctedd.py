"""CTEDD: centralized training and exploration, decentralized execution via policy distillation.

Two consecutive phases over one budget (``ctedd_global_fraction`` of the updates, then the rest):

1. **Global phase.** A global policy (:class:`trainers.networks.GlobalPolicy`: the global state
   and the acting seat's one-hot) plays every learner seat and is trained by self-play PPO with
   an entropy bonus and the global critic. (The paper trains its global policy with DDPG and
   max-entropy exploration for continuous actions; ours are discrete, so PPO's entropy bonus
   plays that role.)
2. **Distillation.** The trained global policy, frozen, keeps playing; the learner decisions
   of its play, ``(local obs, legal mask, global policy's distribution)``, form the
   distillation buffer in collection order, and the local :class:`agents.neural.MLPActor` is
   trained on it oldest first, ``distill_iterations`` steps on each batch of
   ``distill_batch`` samples, minimising ``L_D`` (eq. 2: the squared distance between the two
   distributions; ``distill_loss = "kl"`` for ``KL(global || local)``).

3. **Local phase** (optional, ``ctedd_local_fraction`` of the updates at the end; our addition,
   like CADP's hard pruning): the distilled local actor plays and is trained by self-play PPO
   with the global critic, starting from the distillation's result. Where the global policy
   reads hidden information (the duel: the opponent's die), the distilled actor can only
   average it over what it cannot see, which is no equilibrium; this phase lets PPO correct it.

The local actor is what ships. It reads its own observation only: the paper's message channel
between local policies is left out, because in these games players may not talk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from torch import nn

from agents.mlp import MLPActor
from agents.neural import ActorConfig
from games.core import Game, State
from trainers.config import TrainConfig
from trainers.ctde import CTDE
from trainers.evaluate import StateLogits, is_openspiel_config, state_win_rate
from trainers.exact import state_nash_conv
from trainers.guards import check_finite
from trainers.methods import Method
from trainers.networks import GlobalPolicy
from trainers.ppo import ActorFn, PPOBatch
from trainers.rollout import Batch, masked_log_softmax
from trainers.run import Run
from trainers.schedules import LearningRates
from trainers.update import ppo_learn


class CTEDDActors(nn.Module):
    """The global policy (what plays at collection) and the local actor distilled from it."""

    def __init__(self, global_policy: GlobalPolicy, local: MLPActor) -> None:
        super().__init__()
        self.global_policy = global_policy
        self.local = local

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        """Logits ``[B, A]``: the global policy's from ``(state, seat)`` (collection with
        ``inputs="global"``), the local actor's from ``(obs,)`` (the local phase)."""
        if len(inputs) == 1:
            return self.local(inputs[0])
        return self.global_policy(*inputs)


def global_updates(cfg: TrainConfig) -> int:
    """Updates of the global phase: ``ctedd_global_fraction`` of them, leaving at least one
    to distillation when there are two or more."""
    total = cfg.num_updates
    return min(max(1, round(cfg.ctedd_global_fraction * total)), max(1, total - 1))


def local_updates(cfg: TrainConfig) -> int:
    """Updates of the local phase at the end: ``ctedd_local_fraction`` of them, leaving at
    least one to the distillation."""
    room = cfg.num_updates - global_updates(cfg) - 1
    return max(0, min(round(cfg.ctedd_local_fraction * cfg.num_updates), room))


Phase = Literal["global", "distill", "local"]


def phase_of(cfg: TrainConfig, update: int) -> tuple[Phase, float]:
    """The phase of update ``update`` and the progress (0 -> 1) within it (the schedules
    anneal over each phase separately)."""
    split, local = global_updates(cfg), local_updates(cfg)
    distill_end = cfg.num_updates - local
    if update < split:
        return "global", update / split
    if update < distill_end:
        return "distill", (update - split) / max(1, distill_end - split)
    return "local", (update - distill_end) / max(1, local)


@dataclass
class DistillBuffer:
    """States from the global policy's play, in collection order (oldest first).

    Attributes:
        obs: the acting seat's local observations ``[N, obs_dim]``.
        mask: legal actions ``[N, A]``.
        target: the global policy's action distribution there ``[N, A]``.
    """

    obs: torch.Tensor
    mask: torch.Tensor
    target: torch.Tensor

    def batches(self, size: int) -> Iterator[DistillBuffer]:
        """Consecutive batches of ``size`` samples, oldest first."""
        for start in range(0, len(self.obs), size):
            rows = slice(start, start + size)
            yield DistillBuffer(self.obs[rows], self.mask[rows], self.target[rows])


@torch.no_grad()
def distill_buffer(batch: Batch, global_policy: nn.Module) -> DistillBuffer:
    """The learner decisions of ``batch`` (time-major: oldest first) with their targets."""
    rows = np.flatnonzero(batch.learner.reshape(-1))

    def flat(a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(a.reshape(-1, *a.shape[2:])[rows]))

    mask = flat(batch.mask)
    logits = global_policy(flat(batch.state), flat(batch.seat))
    return DistillBuffer(flat(batch.obs), mask, masked_log_softmax(logits, mask).exp())


def distill_loss(
    logits: torch.Tensor, mask: torch.Tensor, target: torch.Tensor, kind: str = "mse"
) -> torch.Tensor:
    """``L_D`` between the global distribution ``target`` and the local one, batch mean.

    Args:
        kind: ``mse``: ``sum_a (pi_global(a) - pi_local(a))^2`` (the paper's eq. 2);
            ``kl``: ``KL(pi_global || pi_local)``.
    """
    logp = masked_log_softmax(logits, mask)
    if kind == "mse":
        return (target - logp.exp()).pow(2).sum(dim=-1).mean()
    if kind == "kl":
        return (torch.xlogy(target, target) - target * logp).sum(dim=-1).mean()
    raise ValueError(f"distill_loss must be mse or kl, got {kind!r}")


def _entropy(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    logp = masked_log_softmax(logits, mask)
    return -(logp.exp() * logp.masked_fill(~mask, 0.0)).sum(dim=-1).mean()


def distill(
    local: MLPActor, buffer: DistillBuffer, optimizer: torch.optim.Optimizer, cfg: TrainConfig
) -> dict[str, float]:
    """Train ``local`` on ``buffer`` oldest first; return the mean losses.

    ``distill_loss`` is each batch's loss before any step on it (samples the local actor has
    not been trained on), ``distill_loss_fit`` the loss at its last step.
    """
    fresh, fit = [], []
    for part in buffer.batches(cfg.distill_batch):
        for _ in range(cfg.distill_iterations):
            loss = distill_loss(local(part.obs), part.mask, part.target, cfg.distill_loss)
            check_finite({"distill_loss": loss})
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(local.parameters(), cfg.max_grad_norm)
            optimizer.step()
            fit.append(loss.item())
        fresh.append(fit[-cfg.distill_iterations])
    with torch.no_grad():
        entropy = float(_entropy(local(buffer.obs), buffer.mask))
    return {"distill_loss": float(np.mean(fresh)), "distill_loss_fit": fit[-1], "entropy": entropy}


class CTEDD(Method):
    """The CTEDD method (collects with the global policy; ships the distilled local actor)."""

    name = "ctedd"
    policy_inputs = "global"

    def build_actor(self, cfg: TrainConfig, game: Game) -> nn.Module:
        """The global policy and the (deployable) local actor."""
        local = MLPActor(ActorConfig.for_game(game, cfg.actor_hidden))
        local.orthogonal_init()
        players, actions = game.num_players, game.num_distinct_actions
        glob = GlobalPolicy(game.state_shape[0], players, actions, cfg.ctedd_global_hidden)
        return CTEDDActors(glob, local)

    def inputs(self, cfg: TrainConfig, update: int) -> str:
        """The global policy plays (``global``), the local actor in the local phase (``obs``)."""
        return "obs" if phase_of(cfg, update)[0] == "local" else "global"

    def actor_fn(self, actor: nn.Module, batch: Batch, progress: float) -> ActorFn:
        """The global policy's logits of each sample, from its global state and seat."""
        state = torch.from_numpy(batch.state.reshape(-1, batch.state.shape[-1]))
        seat = torch.from_numpy(batch.seat.reshape(-1))
        zero = torch.zeros(())

        def logits(mb: PPOBatch) -> tuple[torch.Tensor, torch.Tensor]:
            return actor.global_policy(state[mb.index], seat[mb.index]), zero

        return logits

    def learning_rates(self, cfg: TrainConfig, update: int) -> LearningRates:
        """``lr`` and ``critic_lr`` annealed over the global phase; then ``distill_lr``
        annealed over the distillation, with the critic still (rate 0); then ``lr`` and
        ``critic_lr`` again, annealed over the local phase."""
        phase, progress = phase_of(cfg, update)
        if phase == "distill":
            return LearningRates.annealed(cfg, progress, cfg.distill_lr, 0.0)
        return LearningRates.annealed(cfg, progress, cfg.lr, cfg.critic_lr)

    def learn(
        self, run: Run, batch: Batch, progress: float, then: Callable[[], None] | None = None
    ) -> dict[str, float]:
        """PPO on the global policy in the global phase, then distillation of the local
        actor, then (local phase) PPO on the local actor.

        ``progress`` is not read: the entropy bonus anneals over each phase separately
        (:func:`phase_of`), as the learning rates do; the magnet term (``magnet_coef``)
        regularises the PPO of the phase's policy.
        """
        phase, within = phase_of(run.cfg, run.update)
        marks = {"global_phase": float(phase == "global"), "local_phase": float(phase == "local")}
        if phase == "global":
            return {**super().learn(run, batch, within, then), **marks}
        if phase == "local":  # CTDE's PPO on the local actor
            local_fn = CTDE().actor_fn
            magnet = None if run.magnet is None else local_fn(run.magnet.local, batch, within)
            actor_fn = local_fn(run.actor.local, batch, within)
            return {**ppo_learn(run, actor_fn, batch, within, magnet, then), **marks}
        buffer = distill_buffer(batch, run.actor.global_policy)
        return {**distill(run.actor.local, buffer, run.actor_opt, run.cfg), **marks}

    def deployable(self, actor: nn.Module) -> nn.Module:
        """The distilled local actor."""
        return actor.local

    def extra_eval(self, run: Run) -> dict[str, float]:
        """The global policy (CTEDD-G), beside the distilled one (the standard keys), with
        the run's evaluation games and seed."""
        game, games, seed = run.game, run.cfg.eval_games, run.cfg.seed + run.update
        policy = global_policy_logits(run.actor.global_policy)
        out = {
            f"global_win_vs_{opponent}": state_win_rate(policy, game, opponent, games, seed).rate
            for opponent in ("random", "heuristic")
        }
        if is_openspiel_config(game):
            out["global_nash_conv"] = state_nash_conv(policy)
        return out


def global_policy_logits(policy: GlobalPolicy) -> StateLogits:
    """The global policy over states (reads each state's global state)."""

    def logits(states: list[State]) -> torch.Tensor:
        state = np.stack([s.global_state_tensor() for s in states])
        seat = torch.tensor([s.current_player() for s in states])
        return policy(torch.from_numpy(state), seat)

    return logits
