"""The annealing schedules of a training run: learning rates, the entropy bonus, PPO's knobs.

Every schedule is linear in ``progress``, the fraction (0 -> 1) of the budget (or, for a
method with phases, of the phase) reached. The learning rates follow one rule, set in one
place (:func:`trainers.update.update_once`, with the rates the method asks for):

    lr(progress) = anneal(start, start * lr_final / lr, progress)

so the actor's rate goes from ``lr`` to ``lr_final`` and every other rate (the critic's,
CTEDD's distillation rate) ends at the same fraction of its start.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from trainers.config import TrainConfig
from trainers.ppo import PPOSettings


def anneal(start: float, end: float, progress: float) -> float:
    """Linear interpolation from ``start`` to ``end`` as ``progress`` goes 0 -> 1."""
    return start + (end - start) * min(max(progress, 0.0), 1.0)


@dataclass(frozen=True)
class LearningRates:
    """The learning rates of one update.

    Attributes:
        actor: the actor optimizer's rate.
        critic: the critic optimizer's rate (0: the critic does not learn).
    """

    actor: float
    critic: float

    @classmethod
    def annealed(
        cls, cfg: TrainConfig, progress: float, actor: float, critic: float
    ) -> LearningRates:
        """The rates at ``progress`` of schedules starting at ``actor`` and ``critic``, each
        annealed linearly to ``lr_final / lr`` of its start."""
        return cls(
            actor=anneal(actor, actor * cfg.lr_final / cfg.lr, progress),
            critic=anneal(critic, critic * cfg.lr_final / cfg.lr, progress),
        )

    def apply(self, actor_opt: torch.optim.Optimizer, critic_opt: torch.optim.Optimizer) -> None:
        """Set the rates on the two optimizers."""
        for optimizer, lr in ((actor_opt, self.actor), (critic_opt, self.critic)):
            for group in optimizer.param_groups:
                group["lr"] = lr


def learning_rates(cfg: TrainConfig, progress: float) -> LearningRates:
    """``lr`` and ``critic_lr`` annealed over the whole budget (a method's default)."""
    return LearningRates.annealed(cfg, progress, cfg.lr, cfg.critic_lr)


def entropy_weight(cfg: TrainConfig, progress: float) -> float:
    """The entropy bonus at ``progress``: ``entropy_coef`` annealed linearly to
    ``entropy_final`` at ``entropy_until`` of the budget, then constant (it can reach 0)."""
    return anneal(cfg.entropy_coef, cfg.entropy_final, progress / cfg.entropy_until)


def ppo_settings(cfg: TrainConfig, progress: float) -> PPOSettings:
    """The PPO knobs of ``cfg`` at ``progress`` (annealed values applied)."""
    return PPOSettings(
        clip=cfg.clip,
        entropy_coef=entropy_weight(cfg, progress),
        value_coef=cfg.value_coef,
        epochs=cfg.epochs,
        minibatches=cfg.minibatches,
        max_grad_norm=cfg.max_grad_norm,
        normalize_advantages=cfg.normalize_advantages,
        magnet_coef=cfg.magnet_coef,
    )
