"""Decisions per second of the whole training loop (collect + GAE + PPO), today's way and the
old way, side by side in one run.

For each shipped CTDE config, a few updates are timed twice:

* ``old``: the path before issue 13 part 5: one torch thread, one ``State`` per game, chance
  drawn with ``State.sample_chance`` (``rng.choice(p=...)``), the heuristic opponents' moves
  and the teacher's policies one game at a time, each batch collected at the start of its
  update;
* ``new``: the config as ``arena train`` runs it: ``threads`` torch threads (2: the actor's
  and the critic's PPO epochs side by side, one thread each, the next batch collected as soon
  as the actor's are done, beside the critic's), the batched engines (Liar's Dice, Skull) with
  the heuristic's moves and the teacher's policies in one batched call (Liar's Dice);
* ``new 1 thr``: the same with one torch thread (what the engine and the sampling give alone;
  on a machine whose cores are busy with other work, a second thread has nothing to run on).

The paths alternate ``--repeats`` times. ``best/best`` divides each path's best rate, so that
a burst of load from elsewhere on the machine does not decide the ratio; ``per round`` is the
median (and range) of the ratios of the old and new runs measured one after the other, so that
the machine's slower and faster spells land on both sides of each ratio. The Liar's Dice
table config asks its heuristic teacher for a policy at every learner decision during the first
quarter of a run; the ``teacher=`` row is the rest of it. ``collect %`` is the new path's
collection time over the update's (most of it beside the critic's epochs, overlapped).

``--baseline REV`` also times the code of revision ``REV`` itself (exported with ``git
archive`` into a temporary directory, each config run there by ``bench/_baseline_rate.py``
in a fresh process), beside the others in every round: ``base dec/s`` and ``new/base``
(best against best). ``--baseline fcf8352`` is the code issue 13 measured ("today about
13.8k" decisions/s on the duel); the ``old`` path above only emulates it, and runs faster
(it keeps what later changes gave both paths).

    python bench/train.py [--updates 5] [--repeats 2] [--only duel] [--baseline fcf8352]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from statistics import median

from agents.heuristic import HeuristicAgent
from games.core import State
from trainers.config import load_config
from trainers.engines import StateEngine
from trainers.methods import get_method
from trainers.run import build_run
from trainers.update import update_once

RUNS = [
    ("liars_dice_duel_ctde", []),
    ("liars_dice_ctde", ["params.players=2"]),
    ("liars_dice_ctde", ["params.players=4"]),
    ("liars_dice_ctde", ["params.players=6"]),
    ("liars_dice_ctde", ["params.players=6", "teacher="]),  # after the teacher's quarter
    ("skull_ctde", ["params.players=3"]),
    ("skull_ctde", ["params.players=4"]),
    ("skull_ctde", ["params.players=6"]),
]

OLD = ["threads=1", "engine=per-game"]
"""The overrides that select the old path (with ``State.sample_chance`` and the heuristic's
one-game ``act``, set below). Fused Adam and the unshuffled single minibatch are in both paths."""


def _old_chance(state: State, rng) -> int:
    return state.sample_chance(rng)


def bench_run(
    config: str, overrides: list[str], updates: int, old: bool, more: tuple[str, ...] = ()
) -> tuple[float, float]:
    """(training decisions/s, collect share) of ``updates`` updates of one config."""
    import torch  # after ``trainers``, which sets OpenMP's wait policy (see its docstring)

    cfg = load_config(config, [*overrides, *(OLD if old else []), *more])
    torch.set_num_threads(cfg.threads)
    method = get_method("ctde")
    run = build_run(cfg, method)
    if old:
        assert isinstance(run.games.engine, StateEngine)
        run.games.engine.chance = _old_chance
    with _one_heuristic_move_at_a_time(old):
        update_once(run, method, prefetch=not old)  # warm-up (and the first batch, new path)
        start, decisions, collect = time.perf_counter(), run.decisions, 0.0
        for _ in range(updates):
            metrics = update_once(run, method, prefetch=not old)
            collect += metrics["collect_share"] / updates
        rate = (run.decisions - decisions) / (time.perf_counter() - start)
    return rate, collect


@contextmanager
def _one_heuristic_move_at_a_time(old: bool) -> Iterator[None]:
    """On the old path, fixed heuristic opponents ``act`` one game at a time (no batch
    policy), as they did before."""
    if not old:
        yield
        return
    batch_policy = HeuristicAgent.batch_policy
    HeuristicAgent.batch_policy = None  # type: ignore[assignment]
    try:
        yield
    finally:
        HeuristicAgent.batch_policy = batch_policy  # type: ignore[method-assign]


def export_revision(rev: str, into: Path) -> Path:
    """The files of git revision ``rev`` of this repository, written under ``into``."""
    repo = Path(__file__).resolve().parent.parent
    command = ["git", "-C", str(repo), "archive", "--format=tar", rev]
    done = subprocess.run(command, capture_output=True, check=False)
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()[-1:]
        print(f"--baseline {rev}: git archive failed: {' '.join(reason)}", file=sys.stderr)
        raise SystemExit(2)
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def baseline_rate(base: Path, config: str, overrides: list[str], updates: int) -> float:
    """Training decisions/s of ``config`` with the code exported in ``base``."""
    script = Path(__file__).resolve().parent / "_baseline_rate.py"
    args = [sys.executable, str(script), config, str(updates), *overrides]
    env = {**os.environ, "PYTHONPATH": str(base)}
    out = subprocess.run(args, cwd=base, env=env, capture_output=True, text=True, check=True)
    return float(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=5, help="timed updates per config")
    parser.add_argument("--repeats", type=int, default=2, help="alternations old/new per config")
    parser.add_argument("--only", default="", help="only configs whose label contains this")
    parser.add_argument("--baseline", default="", help="also time this git revision's code")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = export_revision(args.baseline, Path(tmp)) if args.baseline else None
        table(args, base)


def table(args: argparse.Namespace, base: Path | None) -> None:
    """Time every config and print its row (with the baseline's columns given ``base``)."""
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    extra = f" {'base dec/s':>10} {'new/base':>9}" if base else ""
    print(
        f"{'config':<40} {'old dec/s':>10} {'new 1 thr':>10} {'new dec/s':>10} {'best/best':>9} "
        f"{'per round (range)':>20} {'collect %':>10}{extra}"
    )
    for config, overrides in RUNS:
        label = config + " " + " ".join(overrides)
        if args.only not in label:
            continue
        old, one, new, collect, ratios, base_rate = 0.0, 0.0, 0.0, 0.0, [], 0.0
        for _ in range(args.repeats):
            if base is not None:
                base_rate = max(base_rate, baseline_rate(base, config, overrides, args.updates))
            old_rate = bench_run(config, overrides, args.updates, old=True)[0]
            one = max(one, bench_run(config, overrides, args.updates, False, ("threads=1",))[0])
            rate, share = bench_run(config, overrides, args.updates, old=False)
            old, ratios = max(old, old_rate), [*ratios, rate / old_rate]
            if rate > new:
                new, collect = rate, share
        rounds = f"{median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f})"
        extra = f" {base_rate:>10,.0f} {new / base_rate:>8.2f}x" if base else ""
        print(
            f"{label:<40} {old:>10,.0f} {one:>10,.0f} {new:>10,.0f} {new / old:>8.2f}x "
            f"{rounds:>20} {100 * collect:>9.0f}%{extra}"
        )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
