"""The training loop: updates, evaluations, checkpoints, and the package at the end.

    run = build_run(cfg, method)              # or restore_run(checkpoint) to resume
    while run.update < last:
        update_once(run, method, prefetch)    # collect, learn (trainers.update); the next
                                              # batch collected meanwhile, unless a
                                              # checkpoint or the end comes first
        every eval_every:       run_eval, remember_if_best   (trainers.export)
        every checkpoint_every: save_checkpoint              (trainers.run, trainers.checkpoint)
    final evaluation, checkpoint, export      # unless stopped early

A method (CTDE, CADP, CTEDD) is a :class:`trainers.methods.Method`, found by the config's
``method``; everything else (rollouts with a global or local critic, the opponent pool,
logging, resume) is shared.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from trainers.checkpoint import load_checkpoint, save_checkpoint
from trainers.config import TrainConfig
from trainers.export import export, remember_if_best, run_eval
from trainers.guards import NonFiniteError
from trainers.logger import MetricsLog
from trainers.methods import Method, get_method
from trainers.run import Run, build_run, checkpoint_payload, restore_run
from trainers.signals import StopSignals
from trainers.update import update_once


@dataclass
class Session:
    """One call of :func:`train`: the run, its method, where it writes and where it stops.

    Attributes:
        last: the update to stop after (the budget's last, or ``stop_after``).
        evaluation: the latest evaluation (empty: none in this session yet).
    """

    run: Run
    method: Method
    out: Path
    log: MetricsLog
    last: int
    evaluation: dict[str, float] = field(default_factory=dict)

    def save(self) -> None:
        """Write the run's checkpoint."""
        save_checkpoint(self.out, checkpoint_payload(self.run))
        self.run.saved_update = self.run.update

    def evaluate(self) -> dict[str, float]:
        """Evaluate the current actor, remember it if it is the best so far; the metrics."""
        self.evaluation = run_eval(self.run, self.method)
        remember_if_best(self.run, self.evaluation)
        return self.evaluation


def train(
    cfg: TrainConfig,
    out: Path,
    *,
    method: Method | None = None,
    resume: bool = False,
    progress: bool = True,
    stop_after: int | None = None,
    handle_signals: bool = True,
) -> Run:
    """Train ``cfg``, writing metrics, checkpoints and the package to ``out``.

    Args:
        method: the training method (default: ``get_method(cfg.method)``).
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
    method = get_method(cfg.method) if method is None else method
    run = restore_run(load_checkpoint(out), cfg, method) if resume else build_run(cfg, method)
    last = min(stop_after if stop_after is not None else cfg.num_updates, cfg.num_updates)
    session = Session(run, method, out, MetricsLog(out), last)
    session.log.truncate(run.update)
    with StopSignals(enabled=handle_signals) as stop:
        try:
            _updates(session, stop, progress)
        except NonFiniteError as exc:
            exc.update, exc.checkpoint = run.update + 1, run.saved_update
            raise
    run.stopped = stop.name
    if run.stopped is None and run.update >= cfg.num_updates:
        _finish(session)
    title = f"{cfg.agent_name} ({method.name}, critic {cfg.critic})"
    session.log.plot(out / "curves.png", title)
    return run


def _updates(session: Session, stop: StopSignals, progress: bool) -> None:
    """Updates until ``session.last`` or a stop signal, with evaluations and checkpoints."""
    from tqdm import tqdm

    run, cfg = session.run, session.run.cfg
    with tqdm(total=cfg.num_updates, initial=run.update, unit="upd", disable=not progress) as bar:
        # after a stop signal, the update whose batch is already collected still runs
        while run.update < session.last and (stop.received is None or run.next_batch is not None):
            metrics = update_once(run, session.method, _prefetch(session, stop))
            if cfg.eval_every and run.update % cfg.eval_every == 0:
                start = time.perf_counter()
                metrics.update(session.evaluate())
                run.wall += time.perf_counter() - start
            metrics["wall_s"] = round(run.wall, 2)  # the run's clock, evaluations included
            session.log.add(metrics)
            bar.update(1)
            bar.set_postfix_str(_postfix(metrics, session.evaluation), refresh=False)
            if run.update % cfg.checkpoint_every == 0 or run.update == session.last:
                session.save()
    if stop.received is not None and run.saved_update != run.update:
        session.save()


def _prefetch(session: Session, stop: StopSignals) -> bool:
    """Whether the next update's batch may be collected during this one: not when a
    checkpoint or the session's end follows it (the checkpoint would hold games a batch ahead
    of the networks), nor after a stop signal."""
    done = session.run.update + 1  # once this update is done
    checkpoint = done % session.run.cfg.checkpoint_every == 0 or done >= session.last
    return stop.received is None and not checkpoint


def _finish(session: Session) -> None:
    """The final evaluation (unless the last update had one), checkpoint and package."""
    cfg = session.run.cfg
    if not session.evaluation or cfg.num_updates % max(cfg.eval_every, 1):
        session.log.update_last(session.evaluate())
    session.save()
    export(session.run, session.method, session.out, session.evaluation, session.log.curves())


def _postfix(metrics: dict[str, float], evaluation: dict[str, float]) -> str:
    parts = [f"{metrics['decisions_per_s']:,.0f} dec/s", f"ent {metrics['entropy']:.2f}"]
    for key in ("nash_conv", "win_vs_heuristic"):
        if key in evaluation:
            parts.append(f"{key} {evaluation[key]:.3f}")
    return ", ".join(parts)
