"""One training update: collect a batch by self-play, then learn from it (PPO by default).

    rates    = method.learning_rates(cfg, update)          # the one learning-rate schedule
    batch    = collect(games, actor, critic, pool, ...)    # [T, E, ...]
    metrics  = method.learn(run, batch, progress)          # default: ppo_learn
    pool, magnet <- actor every so many updates

:func:`ppo_learn` is the PPO step a method's ``learn`` runs: GAE, the learner's decisions as
a :class:`~trainers.ppo.PPOBatch`, the optional magnet and teacher terms, the epochs.
"""

from __future__ import annotations

import time
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


def update_once(run: Run, method: Method) -> dict[str, float]:
    """One update: collect a batch, then learn from it; return the metrics."""
    progress = run.progress
    method.learning_rates(run.cfg, run.update).apply(run.actor_opt, run.critic_opt)
    start = time.perf_counter()
    batch = collect_batch(run, method.inputs(run.cfg, run.update), progress)
    collect_s = time.perf_counter() - start
    metrics = method.learn(run, batch, progress)
    elapsed = time.perf_counter() - start
    run.update += 1
    run.decisions += batch.action.size
    run.wall += elapsed
    metrics.update(
        update=run.update,
        decisions=run.decisions,
        decisions_per_s=batch.action.size / elapsed,
        collect_share=collect_s / elapsed,
        games_finished=float(batch.done.sum()),
    )
    after_update(run)
    return metrics


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
) -> dict[str, float]:
    """GAE and the PPO epochs on ``batch`` with ``actor_fn``, at ``progress``; the metrics.

    Args:
        magnet_fn: the same method's logits from the magnet network (``run.magnet``); with
            one and ``magnet_coef > 0`` the update adds ``magnet_coef * KL(pi || rho)``.
    """
    cfg = run.cfg
    weight = teacher_weight(cfg.teacher_coef, cfg.teacher_until, progress)
    if batch.teacher is not None:
        actor_fn = with_teacher(actor_fn, batch.teacher, weight)
    advantages, returns = gae(batch, cfg.gamma, cfg.gae_lambda, cfg.shaping)
    data = ppo_batch(batch, advantages, returns, run.use_global)
    if magnet_fn is not None and cfg.magnet_coef > 0:
        data.magnet_logp = magnet_log_probs(magnet_fn, data)
    metrics = ppo_update(actor_fn, run.models(), data, ppo_settings(cfg, progress))
    if cfg.teacher:
        metrics["teacher_weight"] = weight
    return metrics
