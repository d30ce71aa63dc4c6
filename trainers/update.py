"""One training update: collect a batch by self-play, then learn from it (PPO by default).

    rates    = method.learning_rates(cfg, update)          # the one learning-rate schedule
    batch    = collect(games, actor, pool, ...)            # [T, E, ...]
    batch.value, batch.bootstrap = critic(batch)           # ValueFn.fill
    metrics  = method.learn(run, batch, progress, then)    # default: ppo_learn
    then:    pool, magnet <- actor every so many updates
             (with prefetch) the next batch = collect(games, actor, pool, ...)

Collection reads the actor only; the critic's values are asked once it ends. So the next
batch can be collected as soon as the actor's epochs are done, while the critic's epochs still
run on the other core (``then``, called by the method when its actor is final for the update):
the same batch as collected at the start of the next update, bit for bit, in time that was
idle on one core (``tests/trainers/test_update.py``).

:func:`ppo_learn` is the PPO step a method's ``learn`` runs: GAE, the learner's decisions as
a :class:`~trainers.ppo.PPOBatch`, the optional magnet and teacher terms, the epochs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

from trainers.ppo import ActorFn, PPOBatch, ppo_update
from trainers.rollout import Batch, Opponents, ValueFn, collect, gae, masked_log_softmax
from trainers.run import Run, after_update, drawable_snapshots
from trainers.schedules import ppo_settings
from trainers.shaping import potential_for
from trainers.teacher import Teacher, teacher_weight, with_teacher

if TYPE_CHECKING:
    from trainers.methods import Method


@dataclass
class Prefetched:
    """A batch collected ahead, during the previous update (or what its collection raised,
    raised again when the batch is taken)."""

    batch: Batch | None
    seconds: float
    error: Exception | None = None

    def take(self) -> Batch:
        """The batch (or the collection's error)."""
        if self.error is not None:
            raise self.error
        assert self.batch is not None
        return self.batch


def update_once(run: Run, method: Method, prefetch: bool = False) -> dict[str, float]:
    """One update: collect a batch (unless collected ahead), then learn from it; return the
    metrics.

    Args:
        prefetch: collect the next update's batch while this one's critic learns (see the
            module docstring); it waits in ``run.next_batch``. Leave False before a
            checkpoint: the games would be saved a batch ahead of the networks.
    """
    progress, update = run.progress, run.update
    method.learning_rates(run.cfg, update).apply(run.actor_opt, run.critic_opt)
    start = time.perf_counter()
    if run.next_batch is None:
        batch = collect_batch(run, method.inputs(run.cfg, update), progress)
        collect_s = time.perf_counter() - start
    else:
        batch, collect_s = run.next_batch.take(), run.next_batch.seconds
        run.next_batch = None
    ValueFn(run.critic, run.use_global).fill(batch)
    then = _Once(lambda: _after_actor(run, method, update + 1, prefetch))
    metrics = method.learn(run, batch, progress, then)
    then()  # if the method did not
    elapsed = time.perf_counter() - start
    run.update = update + 1
    run.decisions += batch.action.size
    run.wall += elapsed
    metrics.update(
        update=run.update,
        decisions=run.decisions,
        decisions_per_s=batch.action.size / elapsed,
        collect_share=collect_s / elapsed,
        games_finished=float(batch.done.sum()),
    )
    return metrics


class _Once:
    """A call made at most once."""

    def __init__(self, call: Callable[[], None]) -> None:
        self.call: Callable[[], None] | None = call

    def __call__(self) -> None:
        call, self.call = self.call, None
        if call is not None:
            call()


def _after_actor(run: Run, method: Method, done: int, prefetch: bool) -> None:
    """Once the actor of update ``done`` is final: the pool and the magnet; with ``prefetch``
    the next batch (its error kept for the next update)."""
    after_update(run, done)
    if not prefetch or done >= run.cfg.num_updates:
        return
    start = time.perf_counter()
    try:
        batch = collect_batch(run, method.inputs(run.cfg, done), done / run.cfg.num_updates)
    except Exception as exc:  # raised when the next update takes its batch
        run.next_batch = Prefetched(None, time.perf_counter() - start, exc)
    else:
        run.next_batch = Prefetched(batch, time.perf_counter() - start)


def collect_batch(run: Run, inputs: str, progress: float) -> Batch:
    """``steps_per_env`` decisions in every game, the actor given ``inputs``, against the
    opponents of the run's config (the pool's drawable snapshots, fixed agents)."""
    cfg = run.cfg
    ids = drawable_snapshots(run)
    mix = Opponents(
        pool_size=len(ids),
        pool_prob=cfg.pool_prob,
        agents=cfg.opponent_agents,
        agent_prob=cfg.opponent_agent_prob,
        pool_ids=ids,
    )
    return collect(
        run.games,
        run.actor,
        ValueFn(run.critic, run.use_global),
        run.pool,
        cfg.steps_per_env,
        mix,
        inputs=inputs,
        potential=potential_for(run.game) if cfg.shaping else None,
        teacher=_teacher(run, progress),
        values=False,
    )


def _teacher(run: Run, progress: float) -> Teacher | None:
    """The run's teacher while its weight is above 0 (:mod:`trainers.teacher`)."""
    cfg = run.cfg
    if not cfg.teacher or teacher_weight(cfg.teacher_coef, cfg.teacher_until, progress) <= 0:
        return None
    if run.teacher is None:
        run.teacher = Teacher(cfg.teacher, run.game, cfg.seed)
    return run.teacher


def ppo_batch(
    batch: Batch, advantages: np.ndarray, returns: np.ndarray, use_global: bool
) -> PPOBatch:
    """The learner's decisions of ``batch``, flattened into tensors."""
    rows = np.flatnonzero(batch.learner.reshape(-1))

    def flat(a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(a.reshape(-1, *a.shape[2:])[rows]))

    return PPOBatch(
        obs=flat(batch.obs),
        critic_in=flat(batch.state if use_global else batch.obs),
        seat=flat(batch.seat),
        mask=flat(batch.mask),
        action=flat(batch.action),
        old_logp=flat(batch.logp.astype(np.float32)),
        advantages=flat(advantages.astype(np.float32)),
        returns=flat(returns.astype(np.float32)),
        index=torch.from_numpy(rows),
    )


@torch.no_grad()
def magnet_log_probs(magnet_fn: ActorFn, data: PPOBatch) -> torch.Tensor:
    """The magnet policy's log-probabilities of every sample of ``data`` ``[N, A]``."""
    logits, _ = magnet_fn(data)
    return masked_log_softmax(logits, data.mask)


def ppo_learn(
    run: Run,
    actor_fn: ActorFn,
    batch: Batch,
    progress: float,
    magnet_fn: ActorFn | None = None,
    then: Callable[[], None] | None = None,
) -> dict[str, float]:
    """GAE and the PPO epochs on ``batch`` with ``actor_fn``, at ``progress``; the metrics.

    Args:
        magnet_fn: the same method's logits from the magnet network (``run.magnet``); with
            one and ``magnet_coef > 0`` the update adds ``magnet_coef * KL(pi || rho)``.
        then: called once the actor's epochs are done (:func:`~trainers.ppo.ppo_update`).
    """
    cfg = run.cfg
    weight = teacher_weight(cfg.teacher_coef, cfg.teacher_until, progress)
    if batch.teacher is not None:
        actor_fn = with_teacher(actor_fn, batch.teacher, weight)
    advantages, returns = gae(batch, cfg.gamma, cfg.gae_lambda, cfg.shaping)
    data = ppo_batch(batch, advantages, returns, run.use_global)
    if magnet_fn is not None and cfg.magnet_coef > 0:
        data.magnet_logp = magnet_log_probs(magnet_fn, data)
    metrics = ppo_update(actor_fn, run.models(), data, ppo_settings(cfg, progress), then)
    if cfg.teacher:
        metrics["teacher_weight"] = weight
    return metrics
