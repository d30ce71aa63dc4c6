"""NashConv against wall-clock seconds on the Liar's Dice duel (``bench/strength.py --curves``).

Two shipped configs, ``--seeds`` runs each (seeds 1, 2, ...):

* ``liars_dice_duel_ctde``: the old agent, CTDE self-play; the exact NashConv of its actor at
  every evaluation (``eval_every`` is set to 10 updates per minute of cap, between 5 and the
  config's 100, so that short runs have points too);
* ``liars_dice_duel_cfr_plus``: the new one, full-width CFR+; the exact NashConv of its tabular
  policy every 50 iterations and of the distilled actor (the deployed agent) every 500 and at
  the end.

Each run is ``arena train CONFIG --set seed=K --out RUNS/CONFIG/seed-K`` in a subprocess (its
config's torch threads, the niceness of this process), stopped with SIGINT (a checkpoint, and
for CFR+ its final distillation and package) after ``--minutes`` of wall-clock unless its own
budget ends it first. The seconds are the trainers' own clocks, the ``wall_s`` column of
``metrics.csv`` (both count their NashConv measurements; for a self-play run written before its
loop logged ``wall_s``, the sum of its updates' times, evaluations left out). A run
directory with a ``bench-done.json`` for the same cap is not run again, so an interrupted
benchmark resumes and ``--png`` can be redrawn for free.
"""

from __future__ import annotations

import csv
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

CONFIGS = (
    ("liars_dice_duel_ctde", "CTDE self-play (old)"),
    ("liars_dice_duel_cfr_plus", "CFR+ full width, distilled (new)"),
)
"""(shipped config, panel title) of the two runs compared."""

DONE = "bench-done.json"
"""The marker a finished run directory carries."""

GRACE_S = 300.0
"""Seconds a run may take after SIGINT (its checkpoint; CFR+'s final distillation and
package) before a second SIGINT aborts it."""


def overrides(config: str, seed: int, minutes: float) -> list[str]:
    """The ``--set`` values of a run."""
    sets = [f"seed={seed}"]
    if "ctde" in config:
        sets.append(f"eval_every={max(5, min(100, round(10 * minutes)))}")
    return sets


def train_until(config: str, seed: int, minutes: float, out: Path) -> dict:
    """Train ``config`` into ``out`` for at most ``minutes`` (then SIGINT); what happened."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    cmd = [sys.executable, "-m", "arena.cli", "train", config, "--out", str(out), "--quiet"]
    for value in overrides(config, seed, minutes):
        cmd += ["--set", value]
    start = time.perf_counter()
    with (out / "train.log").open("w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        try:
            proc.wait(timeout=minutes * 60)
            stopped = False
        except subprocess.TimeoutExpired:
            stopped = True
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=GRACE_S)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGINT)
                proc.wait()
    done = {
        "config": config,
        "seed": seed,
        "minutes": minutes,
        "stopped_by_cap": stopped,
        "returncode": proc.returncode,
        "process_s": round(time.perf_counter() - start, 1),
    }
    if proc.returncode not in ((0, 128 + signal.SIGINT) if stopped else (0,)):  # 130: by SIGINT
        raise RuntimeError(f"{config} seed {seed}: exit {proc.returncode}, see {out}/train.log")
    (out / DONE).write_text(json.dumps(done) + "\n")
    return done


def read_metrics(path: Path) -> list[dict[str, float]]:
    """The rows of a ``metrics.csv``, numbers parsed, empty cells left out."""
    with path.open(newline="") as f:
        return [{k: float(v) for k, v in row.items() if v} for row in csv.DictReader(f)]


def curves(rows: list[dict[str, float]]) -> dict[str, np.ndarray]:
    """``{label: array of (seconds, NashConv)}`` of one run's metrics."""
    if any("tabular_nash_conv" in r for r in rows):  # full width
        keys = (("tabular_nash_conv", "tabular policy"), ("nash_conv", "distilled actor"))
    else:
        keys = (("nash_conv", "actor"),)
    if rows and all("wall_s" in r for r in rows):  # the trainer's clock
        seconds = [r["wall_s"] for r in rows]
    else:  # a self-play run from before its loop logged a clock: the sum of its updates' times
        steps = np.diff([0.0] + [r["decisions"] for r in rows])
        seconds = np.cumsum(steps / np.array([r["decisions_per_s"] for r in rows])).tolist()
    out = {}
    for key, label in keys:
        pts = [(s, r[key]) for s, r in zip(seconds, rows, strict=True) if key in r]
        if pts:
            out[label] = np.array(pts)
    return out


def mean_curve(runs: list[np.ndarray], points: int = 200) -> np.ndarray | None:
    """The seeds' mean, interpolated on a common grid up to the shortest run's end."""
    runs = [r for r in runs if len(r) >= 2]
    if len(runs) < 2:
        return None
    start = max(r[0, 0] for r in runs)
    end = min(r[-1, 0] for r in runs)
    if end <= start:
        return None
    grid = np.linspace(start, end, points)
    return np.column_stack([grid, np.mean([np.interp(grid, r[:, 0], r[:, 1]) for r in runs], 0)])


def plot(runs: dict[str, list[dict[str, np.ndarray]]], png: Path, minutes: float) -> Path:
    """One panel per config: every seed thin, the mean bold, log-scale NashConv."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(CONFIGS), figsize=(12, 4.5), sharex=True, sharey=True)
    for ax, (config, title) in zip(axes, CONFIGS, strict=True):
        labels = list(dict.fromkeys(k for run in runs.get(config, []) for k in run))
        for color, label in zip(("C0", "C1", "C2"), labels, strict=False):
            series = [run[label] for run in runs[config] if label in run]
            marker = "o" if label == "distilled actor" else None
            for i, s in enumerate(series):
                ax.plot(
                    *s.T,
                    color=color,
                    lw=0.8,
                    alpha=0.6,
                    marker=marker,
                    ms=3,
                    label=f"{label} (each seed)" if i == 0 else None,
                )
            mean = mean_curve(series)
            if mean is not None:
                ax.plot(*mean.T, color=color, lw=2.5, label=f"{label} (mean of {len(series)})")
        ax.set(title=f"{title}\n{config}", xlabel="wall-clock seconds", yscale="log")
        ax.grid(alpha=0.3, which="both")
        ax.legend(loc="upper right", fontsize=8)
    axes[0].set_ylabel("NashConv (exact)")
    fig.suptitle(f"Liar's Dice duel: NashConv against time (runs capped at {minutes:g} min)")
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=110)
    plt.close(fig)
    return png


def duel_curves(seeds: int, minutes: float, png: Path, runs_dir: Path) -> list[str]:
    """Run (or resume) every config and seed, draw ``png``; summary lines."""
    if seeds < 1 or minutes <= 0:
        raise ValueError(f"--seeds must be >= 1 and --minutes > 0, got {seeds}, {minutes}")
    runs: dict[str, list[dict[str, np.ndarray]]] = {}
    lines = [
        "| config | seed | seconds | last NashConv of the actor | stopped by the cap |",
        "|---|---|---|---|---|",
    ]
    for config, _ in CONFIGS:
        for seed in range(1, seeds + 1):
            out = runs_dir / config / f"seed-{seed}"
            marker = out / DONE
            done = json.loads(marker.read_text()) if marker.exists() else None
            if done is None or done.get("minutes") != minutes:
                print(f"{config} seed {seed}: training up to {minutes:g} min -> {out}", flush=True)
                done = train_until(config, seed, minutes, out)
            run = curves(read_metrics(out / "metrics.csv"))
            runs.setdefault(config, []).append(run)
            last = run.get("distilled actor", run.get("actor", np.full((1, 2), np.nan)))[-1]
            lines.append(
                f"| {config} | {seed} | {last[0]:.0f} | {last[1]:.4f} | {done['stopped_by_cap']} |"
            )
            print(lines[-1], flush=True)
    plot(runs, png, minutes)
    print(json.dumps({"written": str(png)}), flush=True)
    return lines
