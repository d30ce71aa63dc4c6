"""The shared PPO update (clipped surrogate, entropy bonus, magnet, value regression).

The actor minimises (docs/methods.md, "The objective")::

    actor_loss = pg_loss - entropy_coef * entropy + magnet_coef * magnet_kl + extra

``magnet_kl = KL(pi || rho)``, the reverse KL from the policy to the magnet policy ``rho``
(Magnetic Mirror Descent), present when the batch carries the magnet's log-probabilities;
``extra`` is a method's own actor loss (CADP's pruning loss, a teacher's cross-entropy).

Importable pieces: :func:`policy_losses`, :func:`magnet_kl`, :func:`actor_objective`, and
:func:`ppo_update`, which runs the epochs over one batch on :class:`PPOModels`.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from trainers.guards import check_finite
from trainers.rollout import masked_log_softmax


@dataclass
class PPOBatch:
    """Flattened training samples (learner decisions only), as tensors.

    Attributes:
        obs: local observations ``[N, obs_dim]``.
        critic_in: critic inputs ``[N, in_dim]`` (global states or local observations).
        seat: acting seat ``[N]`` (selects the critic output of a global critic).
        mask: legal actions ``[N, A]``.
        action: taken actions ``[N]``.
        old_logp: log-probabilities at collection ``[N]``.
        advantages: GAE advantages ``[N]``.
        returns: value targets ``[N]``.
        index: row indices into the collection batch ``[N]`` (for method-specific inputs).
        magnet_logp: the magnet policy's log-probabilities ``[N, A]`` (None: no magnet term).
    """

    obs: torch.Tensor
    critic_in: torch.Tensor
    seat: torch.Tensor
    mask: torch.Tensor
    action: torch.Tensor
    old_logp: torch.Tensor
    advantages: torch.Tensor
    returns: torch.Tensor
    index: torch.Tensor
    magnet_logp: torch.Tensor | None = None


@dataclass(frozen=True)
class PPOSettings:
    """The knobs of one update (annealed values already applied)."""

    clip: float
    entropy_coef: float
    value_coef: float
    epochs: int
    minibatches: int
    max_grad_norm: float
    normalize_advantages: bool
    magnet_coef: float = 0.0
    """Weight of ``KL(pi || rho)`` (0: the term is left out of the loss)."""


@dataclass(frozen=True)
class PPOModels:
    """What one PPO update trains.

    Attributes:
        actor: the network whose parameters the actor loss trains (through an :data:`ActorFn`).
        critic: the value network.
        actor_opt: the actor's optimizer.
        critic_opt: the critic's optimizer.
        generator: draws the order of the minibatches.
        use_global: whether the critic reads the global state and gives every seat's value
            (else the acting seat's local observation and one value).
    """

    actor: nn.Module
    critic: nn.Module
    actor_opt: torch.optim.Optimizer
    critic_opt: torch.optim.Optimizer
    generator: torch.Generator
    use_global: bool = True


ActorFn = Callable[[PPOBatch], tuple[torch.Tensor, torch.Tensor]]
"""Minibatch -> (logits [n, A], extra actor loss (scalar, e.g. CADP's prune loss))."""


def critic_values(critic: nn.Module, mb: PPOBatch, use_global: bool) -> torch.Tensor:
    """The critic's value of each sample's acting seat."""
    out = critic(mb.critic_in)
    if use_global:
        return out.gather(1, mb.seat[:, None])[:, 0]
    return out[:, 0]


CRITIC_FIELDS = frozenset({"critic_in", "seat", "returns"})
"""The fields of a :class:`PPOBatch` that the critic's loss reads (the actor's reads the
others: the rows of a minibatch are gathered for the job that reads them only)."""


def _minibatch(batch: PPOBatch, rows: torch.Tensor | None, critic: bool) -> PPOBatch:
    """The samples ``rows`` (None: all) of the fields of ``batch`` that the critic's job
    (``critic``) or the actor's reads; the other job's fields are left empty (0 rows)."""
    fields: dict[str, torch.Tensor | None] = {}
    for name, value in vars(batch).items():
        if value is None or rows is None:
            fields[name] = value
        elif (name in CRITIC_FIELDS) == critic:
            fields[name] = value[rows]
        else:
            fields[name] = value[:0]
    return PPOBatch(**fields)


def magnet_kl(logp: torch.Tensor, magnet_logp: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``KL(pi || rho) = sum_a pi(a) (log pi(a) - log rho(a))`` over legal actions, batch mean.

    Args:
        logp: the policy's log-probabilities ``[n, A]`` (illegal actions at any value).
        magnet_logp: the magnet's log-probabilities ``[n, A]``.
        mask: legal actions ``[n, A]``.
    """
    gap = (logp - magnet_logp).masked_fill(~mask, 0.0)
    return (logp.exp() * gap).sum(1).mean()


def policy_losses(
    logits: torch.Tensor, mb: PPOBatch, settings: PPOSettings
) -> dict[str, torch.Tensor]:
    """Clipped surrogate ``pg_loss``, ``entropy``, ``approx_kl`` and ``clip_frac``; and
    ``magnet_kl`` when the minibatch carries the magnet's log-probabilities."""
    logp_all = masked_log_softmax(logits, mb.mask)
    logp = logp_all.gather(1, mb.action[:, None])[:, 0]
    probs = logp_all.exp()
    entropy = -(probs * logp_all.masked_fill(~mb.mask, 0.0)).sum(1).mean()
    adv = mb.advantages
    if settings.normalize_advantages and len(adv) > 1:
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)
    log_ratio = logp - mb.old_logp
    ratio = log_ratio.exp()
    clipped = ratio.clamp(1 - settings.clip, 1 + settings.clip)
    pg_loss = -torch.min(ratio * adv, clipped * adv).mean()
    with torch.no_grad():
        approx_kl = ((ratio - 1) - log_ratio).mean()
        clip_frac = ((ratio - 1).abs() > settings.clip).float().mean()
    losses = {"pg_loss": pg_loss, "entropy": entropy}
    losses.update(approx_kl=approx_kl, clip_frac=clip_frac)
    if mb.magnet_logp is not None:
        losses["magnet_kl"] = magnet_kl(logp_all, mb.magnet_logp, mb.mask)
    return losses


def actor_objective(
    losses: dict[str, torch.Tensor], settings: PPOSettings, extra: torch.Tensor
) -> torch.Tensor:
    """``pg_loss - entropy_coef * entropy + magnet_coef * magnet_kl + extra`` (the magnet term
    only with a magnet and a coefficient above 0: then the loss is exactly plain PPO's)."""
    loss = losses["pg_loss"] - settings.entropy_coef * losses["entropy"]
    if settings.magnet_coef and "magnet_kl" in losses:
        loss = loss + settings.magnet_coef * losses["magnet_kl"]
    return loss + extra


def _step(optimizer: torch.optim.Optimizer, loss: torch.Tensor, params, max_norm: float) -> None:
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    nn.utils.clip_grad_norm_(params, max_norm)
    optimizer.step()


def ppo_update(
    actor_fn: ActorFn,
    models: PPOModels,
    batch: PPOBatch,
    settings: PPOSettings,
    then: Callable[[], None] | None = None,
) -> dict[str, float]:
    """Run the PPO epochs on ``batch``; return the mean of each metric.

    The actor's and the critic's losses share no parameter and no input that the update
    changes (the advantages are fixed before it), so their epochs are two independent jobs
    over the same minibatches. With two or more torch threads they run at once, each on its
    own thread with half of them (:func:`_side_by_side`): one core each on the reference
    machine, instead of both cores meeting at every operator, which is the same result (each
    network's steps are those of a sequential update) in 0.64 of the time on the duel
    (107 ms against 168 ms; ``bench/train.py``).

    Args:
        actor_fn: the logits (and extra actor loss) of a minibatch, from ``models.actor``.
        models: the networks trained and their optimizers.
        batch: the samples of this update.
        settings: the knobs of this update.
        then: work that needs the updated actor but not the critic (the next batch's
            collection): run on the calling thread as soon as the actor's epochs are done,
            while the critic's may still run on the other; one after the other otherwise.
    """
    minibatches = _minibatch_rows(len(batch.action), settings, models.generator)
    actor_sums, critic_sums = _side_by_side(
        lambda: _actor_epochs(actor_fn, models, batch, settings, minibatches),
        lambda: _critic_epochs(models, batch, settings, minibatches),
        then,
    )
    metrics = {k: v / len(minibatches) for k, v in {**actor_sums, **critic_sums}.items()}
    metrics["explained_variance"] = explained_variance(batch)
    return metrics


def _minibatch_rows(
    n: int, settings: PPOSettings, generator: torch.Generator
) -> list[torch.Tensor | None]:
    """The rows of each minibatch of every epoch, in order (None: the whole batch, when an
    epoch is one minibatch: its mean loss does not depend on the order of the samples)."""
    if settings.minibatches == 1:
        return [None] * settings.epochs
    orders = [torch.randperm(n, generator=generator) for _ in range(settings.epochs)]
    return [rows for order in orders for rows in order.chunk(settings.minibatches)]


def _actor_epochs(
    actor_fn: ActorFn,
    models: PPOModels,
    batch: PPOBatch,
    settings: PPOSettings,
    minibatches: list[torch.Tensor | None],
) -> dict[str, float]:
    """The actor's steps over ``minibatches``; the sum of each of its metrics."""
    params = list(models.actor.parameters())
    sums: dict[str, float] = {}
    for rows in minibatches:
        mb = _minibatch(batch, rows, critic=False)
        logits, extra = actor_fn(mb)
        losses = policy_losses(logits, mb, settings)
        loss = actor_objective(losses, settings, extra)
        if not bool(torch.isfinite(loss)):
            check_finite({**losses, "extra_loss": extra})
        _step(models.actor_opt, loss, params, settings.max_grad_norm)
        losses["extra_loss"] = extra
        _accumulate(sums, losses)
    return sums


def _critic_epochs(
    models: PPOModels,
    batch: PPOBatch,
    settings: PPOSettings,
    minibatches: list[torch.Tensor | None],
) -> dict[str, float]:
    """The critic's steps over ``minibatches``; the sum of its value loss."""
    params = list(models.critic.parameters())
    sums: dict[str, float] = {}
    for rows in minibatches:
        mb = _minibatch(batch, rows, critic=True)
        values = critic_values(models.critic, mb, models.use_global)
        value_loss = 0.5 * (values - mb.returns).pow(2).mean()
        if not bool(torch.isfinite(value_loss)):
            check_finite({"value_loss": value_loss})
        _step(models.critic_opt, settings.value_coef * value_loss, params, settings.max_grad_norm)
        _accumulate(sums, {"value_loss": value_loss})
    return sums


def _accumulate(sums: dict[str, float], values: dict[str, torch.Tensor]) -> None:
    for key, value in values.items():
        sums[key] = sums.get(key, 0.0) + float(torch.as_tensor(value).detach())


def _side_by_side(
    first: Callable[[], dict[str, float]],
    second: Callable[[], dict[str, float]],
    then: Callable[[], None] | None = None,
) -> tuple[dict[str, float], dict[str, float]]:
    """Both jobs' results: one after the other on one torch thread, else at once, each on its
    own Python thread with half of the torch threads (the operators release the GIL); ``then``
    runs on the calling thread after ``first`` (and, on one thread, after ``second``)."""
    threads = torch.get_num_threads()
    if threads < 2:
        results = first(), second()
        if then is not None:
            then()
        return results

    def halved(job: Callable[[], dict[str, float]]) -> dict[str, float]:
        torch.set_num_threads(threads // 2)
        return job()

    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            other = pool.submit(halved, second)
            mine = halved(first)
            if then is not None:
                then()
            return mine, other.result()
    finally:
        torch.set_num_threads(threads)


def explained_variance(batch: PPOBatch) -> float:
    """``1 - Var[returns - V] / Var[returns]`` with ``V`` the critic's values at collection,
    those the advantages were computed from (``returns - V = advantages``): how much of the
    value targets' variance the critic predicted before it learned from them (as CleanRL and
    Stable-Baselines3 report it; no extra pass of the critic)."""
    target = batch.returns.numpy()
    var = float(np.var(target))
    return float("nan") if var == 0 else 1.0 - float(np.var(batch.advantages.numpy())) / var
