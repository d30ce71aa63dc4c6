"""The shared training loop: collect, GAE, PPO, snapshots, evaluation, checkpoints, export.

A method (CTDE, CADP, CTEDD) supplies a :class:`Method`: how to build its actor, how the actor
gives logits during the PPO update (and any extra actor loss), and what to export. Everything
else (rollouts with a global or local critic, the opponent pool, logging, resume) is here.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from torch import nn

import games
from games.core import Game
from trainers.checkpoint import load_checkpoint, save_checkpoint
from trainers.config import TrainConfig, check_resumable, config_from_dict
from trainers.evaluate import evaluate
from trainers.guards import NonFiniteError
from trainers.logger import MetricsLog
from trainers.networks import Critic
from trainers.ppo import ActorFn, PPOBatch, PPOSettings, ppo_update
from trainers.rollout import (
    Batch,
    Opponents,
    SelfPlayGames,
    ValueFn,
    collect,
    gae,
    masked_log_softmax,
)
from trainers.shaping import potential_for
from trainers.signals import StopSignals
from trainers.teacher import Teacher, teacher_weight, with_teacher


class Method(Protocol):
    """What a training method plugs into the loop.

    Optional hooks, read with ``getattr`` (a method without them is unchanged):

    * ``policy_inputs``: what the actor is given at collection, one of
      :data:`trainers.rollout.POLICY_INPUTS` (default ``"obs"``);
    * ``learn(run, batch, progress) -> metrics``: the update of one collected batch (default:
      :func:`ppo_learn` with :meth:`actor_fn`);
    * ``extra_eval_run(run) -> metrics``: used instead of :meth:`extra_eval`, to read the
      run's evaluation settings (games, seed).
    """

    name: str

    def build_actor(self, cfg: TrainConfig, game: Game) -> nn.Module:
        """The trained actor (its ``forward(obs)`` gives logits from local observations)."""

    def actor_fn(self, actor: nn.Module, batch: Batch, progress: float) -> ActorFn:
        """Minibatch -> (logits, extra actor loss), for the PPO update at ``progress``."""

    def deployable(self, actor: nn.Module) -> nn.Module:
        """The decentralized actor to export (an ``agents.neural.MLPActor``)."""

    def extra_eval(self, actor: nn.Module, game: Game) -> dict[str, float]:
        """Method-specific evaluation (e.g. CADP(C) vs CADP(D))."""


@dataclass
class Run:
    """The complete training state."""

    cfg: TrainConfig
    game: Game
    actor: nn.Module
    critic: Critic
    actor_opt: torch.optim.Optimizer
    critic_opt: torch.optim.Optimizer
    games: SelfPlayGames
    generator: torch.Generator
    pool: dict[int, nn.Module] = field(default_factory=dict)
    """Past snapshots of the actor by id (ids grow by one per snapshot). New games draw among
    the newest ``pool_size``; an older one stays while a game in progress still plays it."""
    magnet: nn.Module | None = None
    """The magnet policy ``rho`` (a frozen copy of the actor) when ``magnet_coef > 0``."""
    update: int = 0
    decisions: int = 0
    wall: float = 0.0
    """Training seconds so far (over every resume)."""
    best: dict[str, Any] | None = None
    """The best evaluation so far: its ``score``, ``update``, ``evaluation`` and ``actor``."""
    teacher: Teacher | None = None
    """The kickstarting teacher (built on first use; it holds no training state)."""
    saved_update: int | None = None
    """The update of the last checkpoint written or read (None: none yet)."""
    stopped: str | None = None
    """The signal (``SIGINT``, ``SIGTERM``) that stopped the run early, if one did."""

    @property
    def use_global(self) -> bool:
        """Whether the critic reads the global state."""
        return self.cfg.critic == "global"


def build_run(cfg: TrainConfig, method: Method) -> Run:
    """A fresh run: seeded networks, optimizers and games."""
    torch.manual_seed(cfg.seed)
    game = games.make(cfg.game, **cfg.params)
    actor = method.build_actor(cfg, game)
    if cfg.critic == "global":
        critic = Critic(game.state_shape[0], game.num_players, cfg.critic_hidden)
    else:
        critic = Critic(game.observation_shape[0], 1, cfg.critic_hidden)
    return Run(
        cfg=cfg,
        game=game,
        actor=actor,
        critic=critic,
        actor_opt=torch.optim.Adam(actor.parameters(), lr=cfg.lr, eps=1e-5),
        critic_opt=torch.optim.Adam(critic.parameters(), lr=cfg.critic_lr, eps=1e-5),
        games=SelfPlayGames(game, cfg.num_envs, np.random.default_rng(cfg.seed)),
        generator=torch.Generator().manual_seed(cfg.seed),
        magnet=copy.deepcopy(actor) if cfg.magnet_coef > 0 else None,
    )


def checkpoint_payload(run: Run) -> dict[str, Any]:
    """Everything needed to resume ``run``."""
    return {
        "config": run.cfg.to_json(),
        "update": run.update,
        "decisions": run.decisions,
        "wall": run.wall,
        "actor": run.actor.state_dict(),
        "critic": run.critic.state_dict(),
        "actor_opt": run.actor_opt.state_dict(),
        "critic_opt": run.critic_opt.state_dict(),
        "pool": [p.state_dict() for p in run.pool.values()],
        "pool_ids": list(run.pool),
        "magnet": None if run.magnet is None else run.magnet.state_dict(),
        "generator": run.generator.get_state(),
        "games": run.games.to_json(),
        "best": run.best,
    }


def restore_run(payload: dict[str, Any], cfg: TrainConfig, method: Method) -> Run:
    """The run saved in ``payload``.

    ``cfg`` must equal the saved config but for :data:`trainers.config.RESUMABLE` fields: a
    larger ``total_decisions`` extends the run (the annealing schedules then follow the new
    budget from the update reached).
    """
    check_resumable(config_from_dict(payload["config"]), cfg)
    if payload["update"] > cfg.num_updates:
        raise ValueError(
            f"the run has done {payload['update']} updates, more than the "
            f"{cfg.num_updates} of total_decisions={cfg.total_decisions}"
        )
    run = build_run(cfg, method)
    run.actor.load_state_dict(payload["actor"])
    run.critic.load_state_dict(payload["critic"])
    run.actor_opt.load_state_dict(payload["actor_opt"])
    run.critic_opt.load_state_dict(payload["critic_opt"])
    ids = payload.get("pool_ids", range(len(payload["pool"])))
    for snapshot_id, state in zip(ids, payload["pool"], strict=True):
        run.pool[int(snapshot_id)] = _copy_with(run.actor, state)
    if run.magnet is not None and payload.get("magnet") is not None:
        run.magnet.load_state_dict(payload["magnet"])
    run.generator.set_state(payload["generator"])
    run.games = SelfPlayGames.from_json(run.game, payload["games"])
    run.update, run.decisions, run.wall = payload["update"], payload["decisions"], payload["wall"]
    run.best = payload.get("best")
    run.saved_update = run.update
    return run


def _copy_with(actor: nn.Module, state: dict[str, torch.Tensor]) -> nn.Module:
    """A copy of ``actor`` with the weights ``state``."""
    snapshot = copy.deepcopy(actor)
    snapshot.load_state_dict(state)
    return snapshot


def anneal(start: float, end: float, progress: float) -> float:
    """Linear interpolation from ``start`` to ``end`` as ``progress`` goes 0 -> 1."""
    return start + (end - start) * min(max(progress, 0.0), 1.0)


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


@torch.no_grad()
def magnet_log_probs(magnet_fn: ActorFn, data: PPOBatch) -> torch.Tensor:
    """The magnet policy's log-probabilities of every sample of ``data`` ``[N, A]``."""
    logits, _ = magnet_fn(data)
    return masked_log_softmax(logits, data.mask)


def _set_lr(run: Run, progress: float) -> None:
    cfg = run.cfg
    for group in run.actor_opt.param_groups:
        group["lr"] = anneal(cfg.lr, cfg.lr_final, progress)
    for group in run.critic_opt.param_groups:
        group["lr"] = anneal(
            cfg.critic_lr, cfg.critic_lr * cfg.lr_final / cfg.lr if cfg.lr else 0.0, progress
        )


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
    metrics = ppo_update(
        actor_fn=actor_fn,
        actor_params=list(run.actor.parameters()),
        critic=run.critic,
        actor_opt=run.actor_opt,
        critic_opt=run.critic_opt,
        batch=data,
        settings=ppo_settings(cfg, progress),
        use_global=run.use_global,
        generator=run.generator,
    )
    if cfg.teacher:
        metrics["teacher_weight"] = weight
    return metrics


def _teacher(run: Run, progress: float) -> Teacher | None:
    """The run's teacher while its weight is above 0 (:mod:`trainers.teacher`)."""
    cfg = run.cfg
    if not cfg.teacher or teacher_weight(cfg.teacher_coef, cfg.teacher_until, progress) <= 0:
        return None
    if run.teacher is None:
        run.teacher = Teacher(cfg.teacher, run.game, cfg.seed)
    return run.teacher


def update_once(run: Run, method: Method) -> dict[str, float]:
    """One update: collect a batch, then learn from it (PPO by default); return the metrics."""
    cfg = run.cfg
    progress = run.update / cfg.num_updates
    _set_lr(run, progress)
    start = time.perf_counter()
    ids = drawable_snapshots(run)
    mix = Opponents(
        pool_size=len(ids),
        pool_prob=cfg.pool_prob,
        agents=cfg.opponent_agents,
        agent_prob=cfg.opponent_agent_prob,
        pool_ids=ids,
    )
    batch = collect(
        run.games,
        run.actor,
        ValueFn(run.critic, run.use_global),
        run.pool,
        cfg.steps_per_env,
        mix,
        inputs=getattr(method, "policy_inputs", "obs"),
        potential=potential_for(run.game) if cfg.shaping else None,
        teacher=_teacher(run, progress),
    )
    collect_s = time.perf_counter() - start
    metrics = _learn(run, method, batch, progress)
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
    _after_update(run)
    return metrics


def _learn(run: Run, method: Method, batch: Batch, progress: float) -> dict[str, float]:
    """The method's ``learn``, or PPO with its ``actor_fn`` (and the magnet's, if any)."""
    learn = getattr(method, "learn", None)
    if learn is not None:
        return learn(run, batch, progress)
    actor_fn = method.actor_fn(run.actor, batch, progress)
    magnet_fn = None if run.magnet is None else method.actor_fn(run.magnet, batch, progress)
    return ppo_learn(run, actor_fn, batch, progress, magnet_fn)


def _after_update(run: Run) -> None:
    """Snapshots for the pool and the magnet's refresh, every so many updates."""
    cfg = run.cfg
    if cfg.pool_size and run.update % cfg.snapshot_every == 0:
        run.pool[max(run.pool, default=-1) + 1] = copy.deepcopy(run.actor)
    retire_snapshots(run)
    if run.magnet is not None and cfg.magnet_every and run.update % cfg.magnet_every == 0:
        run.magnet.load_state_dict(run.actor.state_dict())


def drawable_snapshots(run: Run) -> tuple[int, ...]:
    """The ids of the snapshots new games may draw: the newest ``pool_size``."""
    if not run.cfg.pool_size:
        return ()
    return tuple(sorted(run.pool)[-run.cfg.pool_size :])


def retire_snapshots(run: Run) -> None:
    """Drop the snapshots that new games no longer draw and no game in progress plays (so
    trimming the pool never changes the opponent of a game in progress)."""
    keep = set(drawable_snapshots(run)) | {int(k) for k in run.games.opponent if k >= 0}
    for snapshot_id in [k for k in run.pool if k not in keep]:
        del run.pool[snapshot_id]


def run_eval(run: Run, method: Method) -> dict[str, float]:
    """Evaluation metrics of the current actor."""
    actor = method.deployable(run.actor)
    out = evaluate(actor, run.game, run.cfg.eval_games, seed=run.cfg.seed + run.update)
    extra_eval_run = getattr(method, "extra_eval_run", None)
    if extra_eval_run is not None:
        out.update(extra_eval_run(run))
    else:
        out.update(method.extra_eval(run.actor, run.game))
    return out


def selection_score(cfg: TrainConfig, evaluation: dict[str, float]) -> float:
    """How good an evaluation is for ``export = "best"`` (higher is better)."""
    metric = cfg.best_metric
    if metric == "auto":
        if "nash_conv" in evaluation:
            return -evaluation["nash_conv"]
        rates = [v for k, v in evaluation.items() if k.startswith("win_vs_") and "_ci" not in k]
        return float(np.mean(rates)) if rates else float("-inf")
    if metric not in evaluation:
        raise ValueError(f"best_metric {metric!r} is not an evaluation: {sorted(evaluation)}")
    return -evaluation[metric] if metric.endswith("nash_conv") else evaluation[metric]


def remember_if_best(run: Run, evaluation: dict[str, float]) -> None:
    """Keep the actor's weights when ``evaluation`` is the best so far."""
    score = selection_score(run.cfg, evaluation)
    if run.best is None or score > run.best["score"]:
        weights = {k: v.detach().clone() for k, v in run.actor.state_dict().items()}
        run.best = {
            "score": score,
            "update": run.update,
            "evaluation": dict(evaluation),
            "actor": weights,
        }


def exported_actor(run: Run, method: Method) -> tuple[nn.Module, dict[str, Any]]:
    """The actor to package (best or final, per the config) and its evaluation."""
    if run.cfg.export == "best" and run.best is not None:
        actor = copy.deepcopy(run.actor)
        actor.load_state_dict(run.best["actor"])
        info = {**run.best["evaluation"], "selected_update": run.best["update"]}
        return method.deployable(actor), info
    return method.deployable(run.actor), {}


def export(run: Run, method: Method, out: Path, evaluation: dict[str, float]) -> Path:
    """Write the agent package (best or final actor, per the config) to ``out/agent``."""
    from agents.package import save_package

    actor, selected = exported_actor(run, method)
    evaluation = selected or evaluation
    training = {
        "steps": run.decisions,
        "updates": run.update,
        "seed": run.cfg.seed,
        "wall_seconds": round(run.wall, 1),
        "critic": run.cfg.critic,
        "config": run.cfg.to_json(),
    }
    return save_package(
        out / "agent",
        actor,
        name=run.cfg.agent_name,
        game=run.game,
        method=method.name,
        training=training,
        evaluation=evaluation,
        overwrite=True,
    )


def train(
    cfg: TrainConfig,
    method: Method,
    out: Path,
    *,
    resume: bool = False,
    progress: bool = True,
    stop_after: int | None = None,
    handle_signals: bool = True,
) -> Run:
    """Train ``cfg`` with ``method``, writing metrics, checkpoints and the package to ``out``.

    Args:
        resume: continue from ``out/checkpoint.pt`` (``cfg`` may extend its budget).
        progress: show a progress bar.
        stop_after: stop (with a checkpoint, no export) after this many updates in total;
            for tests of resume.
        handle_signals: on SIGINT or SIGTERM (from the main thread), finish the update in
            progress, write a checkpoint and return with ``run.stopped`` set (a second signal
            aborts at once: :mod:`trainers.signals`).

    Raises:
        NonFiniteError: a loss or the policy became NaN or infinite; nothing of it was saved
            (the error names the last checkpoint written).
    """
    torch.set_num_threads(cfg.threads)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    run = restore_run(load_checkpoint(out), cfg, method) if resume else build_run(cfg, method)
    log = MetricsLog(out)
    log.truncate(run.update)
    last = min(stop_after if stop_after is not None else cfg.num_updates, cfg.num_updates)
    with StopSignals(enabled=handle_signals) as stop:
        try:
            evaluation = _updates(run, method, out, log, last, stop, progress)
        except NonFiniteError as exc:
            exc.update, exc.checkpoint = run.update + 1, run.saved_update
            raise
    run.stopped = stop.name
    if run.stopped is None and run.update >= cfg.num_updates:
        _finish(run, method, out, log, evaluation)
    log.plot(out / "curves.png", f"{cfg.agent_name} ({method.name}, critic {cfg.critic})")
    return run


def _save(run: Run, out: Path) -> None:
    save_checkpoint(out, checkpoint_payload(run))
    run.saved_update = run.update


def _updates(
    run: Run,
    method: Method,
    out: Path,
    log: MetricsLog,
    last: int,
    stop: StopSignals,
    progress: bool,
) -> dict[str, float]:
    """Updates until ``last`` or a stop signal, with evaluations and checkpoints; the last
    evaluation."""
    from tqdm import tqdm

    cfg = run.cfg
    evaluation: dict[str, float] = {}
    with tqdm(total=cfg.num_updates, initial=run.update, unit="upd", disable=not progress) as bar:
        while run.update < last and stop.received is None:
            metrics = update_once(run, method)
            if cfg.eval_every and run.update % cfg.eval_every == 0:
                evaluation = run_eval(run, method)
                remember_if_best(run, evaluation)
                metrics.update(evaluation)
            log.add(metrics)
            bar.update(1)
            bar.set_postfix_str(_postfix(metrics, evaluation), refresh=False)
            if run.update % cfg.checkpoint_every == 0 or run.update == last:
                _save(run, out)
    if stop.received is not None and run.saved_update != run.update:
        _save(run, out)
    return evaluation


def _finish(
    run: Run, method: Method, out: Path, log: MetricsLog, evaluation: dict[str, float]
) -> None:
    """The final evaluation (unless the last update had one), checkpoint and package."""
    cfg = run.cfg
    if not evaluation or cfg.num_updates % max(cfg.eval_every, 1):
        evaluation = run_eval(run, method)
        remember_if_best(run, evaluation)
        log.update_last(evaluation)
    _save(run, out)
    export(run, method, out, evaluation)


def _postfix(metrics: dict[str, float], evaluation: dict[str, float]) -> str:
    parts = [f"{metrics['decisions_per_s']:,.0f} dec/s", f"ent {metrics['entropy']:.2f}"]
    for key in ("nash_conv", "win_vs_heuristic"):
        if key in evaluation:
            parts.append(f"{key} {evaluation[key]:.3f}")
    return ", ".join(parts)
