"""What a training method plugs into the shared loop, and the methods by name.

A method (CTDE, CADP, CTEDD) is a :class:`Method`: it must say how to build its actor and how
that actor gives logits during the PPO update; every other hook has a default that a method
overrides only where it differs (CADP collects every seat's view and adds its pruning loss,
CTEDD collects with its global policy, has two phases and ships the distilled actor).
:func:`trainers.loop.train` finds the method of a config with :func:`get_method`. The
full-width methods (``mmd``, ``cfr_plus``: :data:`trainers.config_fields.FULL_WIDTH`) are no PPO
methods; :func:`trainers.full_width.train_full_width` runs them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import ClassVar

from torch import nn

from games.core import Game
from trainers.config import TrainConfig
from trainers.config_fields import FULL_WIDTH, METHODS
from trainers.ppo import ActorFn
from trainers.rollout import Batch
from trainers.run import Run
from trainers.schedules import LearningRates, learning_rates
from trainers.update import ppo_learn


class Method(ABC):
    """The contract between a training method and the loop (defaults: plain PPO, CTDE-like).

    Attributes:
        name: the method's name (``method`` in a config, ``method`` in the package).
        policy_inputs: what the actor is given at collection, one of
            :data:`trainers.rollout.POLICY_INPUTS`.
    """

    name: ClassVar[str]
    policy_inputs: ClassVar[str] = "obs"

    @abstractmethod
    def build_actor(self, cfg: TrainConfig, game: Game) -> nn.Module:
        """The trained actor, freshly initialised (the loop seeds torch first)."""

    @abstractmethod
    def actor_fn(self, actor: nn.Module, batch: Batch, progress: float) -> ActorFn:
        """Minibatch -> (logits, extra actor loss), for the PPO update at ``progress``."""

    def inputs(self, cfg: TrainConfig, update: int) -> str:
        """What the actor is given at the collection of update ``update`` (default:
        :attr:`policy_inputs` throughout)."""
        return self.policy_inputs

    def learning_rates(self, cfg: TrainConfig, update: int) -> LearningRates:
        """The learning rates of update ``update`` (default: ``lr`` and ``critic_lr``
        annealed over the whole budget, :func:`trainers.schedules.learning_rates`)."""
        return learning_rates(cfg, update / cfg.num_updates)

    def learn(
        self, run: Run, batch: Batch, progress: float, then: Callable[[], None] | None = None
    ) -> dict[str, float]:
        """The update on one collected batch; its metrics (default: PPO with
        :meth:`actor_fn`, and the magnet term from the magnet network's :meth:`actor_fn`).

        ``then`` is to be called once the actor is final for this update (the next batch may
        be collected then, while the critic still learns); the caller calls it after
        ``learn`` if it was not."""
        actor_fn = self.actor_fn(run.actor, batch, progress)
        magnet_fn = None if run.magnet is None else self.actor_fn(run.magnet, batch, progress)
        return ppo_learn(run, actor_fn, batch, progress, magnet_fn, then)

    def deployable(self, actor: nn.Module) -> nn.Module:
        """The decentralized actor to export, an ``agents.neural.MLPActor`` (default: the
        trained actor itself)."""
        return actor

    def extra_eval(self, run: Run) -> dict[str, float]:
        """Method-specific evaluation metrics with the run's evaluation settings (default:
        none)."""
        return {}


def get_method(name: str) -> Method:
    """The method called ``name``.

    Raises:
        ValueError: for an unknown or not yet available method.
    """
    if name == "ctde":
        from trainers.ctde import CTDE

        return CTDE()
    if name == "cadp":
        from trainers.cadp import CADP

        return CADP()
    if name == "ctedd":
        from trainers.ctedd import CTEDD

        return CTEDD()
    if name in FULL_WIDTH:
        raise ValueError(
            f"method {name!r} is not self-play PPO: trainers.full_width.train_full_width runs it"
        )
    if name in METHODS:
        raise ValueError(f"method {name!r} is not available yet: use ctde, cadp or ctedd")
    raise ValueError(f"unknown method {name!r}: methods are {', '.join(METHODS)}")
