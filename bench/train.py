"""Decisions per second of the whole training loop (collect + GAE + PPO), per game.

Runs a few updates of each shipped CTDE config with one torch thread and prints the rate, the
share of time spent collecting, and, for reference, the raw engine's random-play decision rate
in the same run. The Liar's Dice table config asks its heuristic teacher for a policy at every
learner decision during the first quarter of a run; the ``teacher=`` row is the rest of it.

    python bench/train.py [--updates 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

import games
from trainers.config import load_config
from trainers.ctde import CTDE
from trainers.loop import build_run, update_once

sys.path.insert(0, str(Path(__file__).parent))
from engines import measure

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


def bench_run(config: str, overrides: list[str], updates: int) -> tuple[float, float, float]:
    """(training decisions/s, collect share, raw engine decisions/s) for one config."""
    cfg = load_config(config, overrides)
    method = CTDE()
    run = build_run(cfg, method)
    update_once(run, method)  # warm-up
    start, decisions, collect = time.perf_counter(), run.decisions, 0.0
    for _ in range(updates):
        metrics = update_once(run, method)
        collect += metrics["collect_share"] / updates
    rate = (run.decisions - decisions) / (time.perf_counter() - start)
    game = games.make(cfg.game, **cfg.params)
    raw = measure(game.new_initial_state, seconds=1.0, seed=0)[1]
    return rate, collect, raw


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=5, help="timed updates per config")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"{'config':<44} {'train dec/s':>12} {'collect %':>10} {'raw engine dec/s':>17}")
    for config, overrides in RUNS:
        rate, collect, raw = bench_run(config, overrides, args.updates)
        label = config + " " + " ".join(overrides)
        print(f"{label:<44} {rate:>12,.0f} {100 * collect:>9.0f}% {raw:>17,.0f}")


if __name__ == "__main__":
    main()
