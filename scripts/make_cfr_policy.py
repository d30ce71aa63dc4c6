"""Compute the ``cfr`` agent's policy table: CFR+ on OpenSpiel's ``liars_dice``.

Runs OpenSpiel's C++ ``CFRPlusSolver`` on ``pyspiel.load_game("liars_dice")``, checking the
NashConv of its AVERAGE policy every ``--check-every`` iterations, until it is at most
``--target`` (or ``--iterations`` have run). The average policy is then written, as float32,
in the canonical index of :mod:`agents.cfr`, to a compressed ``.npz`` (no pickle), with the
iterations, the NashConv of the stored table and the open-spiel version.

Usage (from the repository root)::

    python scripts/make_cfr_policy.py                      # the shipped table
    python scripts/make_cfr_policy.py --target 0.0005 --out /tmp/cfr.npz
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

import numpy as np
import pyspiel

from agents.cfr import (
    NUM_ACTIONS,
    NUM_INDICES,
    CFRTable,
    default_table_path,
    info_index,
    save_table,
)
from games.openspiel import InfoState, information_states, openspiel_game


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--iterations", type=int, default=3000, help="most CFR+ iterations to run (default 3000)"
    )
    parser.add_argument(
        "--target", type=float, default=0.0008, help="stop once NashConv <= this (default 0.0008)"
    )
    parser.add_argument(
        "--check-every", type=int, default=100, help="iterations between NashConv checks"
    )
    parser.add_argument(
        "--out", type=Path, default=default_table_path(), help="where to write the .npz table"
    )
    args = parser.parse_args(argv)
    if args.iterations < 1 or args.check_every < 1:
        parser.error("--iterations and --check-every must be at least 1")
    return args


def solve(iterations: int, target: float, check_every: int) -> tuple[Any, int, float]:
    """Run CFR+ until the average policy's NashConv is at most ``target``.

    Returns:
        The solver, the iterations run and the NashConv of its average policy. Keep the solver
        alive while its ``average_policy()`` is used: the policy refers into it.
    """
    game = openspiel_game()
    solver = pyspiel.CFRPlusSolver(game)
    start, done, nash_conv = time.perf_counter(), 0, float("inf")
    while done < iterations and nash_conv > target:
        for _ in range(min(check_every, iterations - done)):
            solver.evaluate_and_update_policy()
        done += min(check_every, iterations - done)
        nash_conv = float(pyspiel.nash_conv(game, solver.average_policy()))
        elapsed = time.perf_counter() - start
        print(f"iteration {done:5d}  NashConv {nash_conv:.6f}  ({elapsed:.0f} s)", flush=True)
    return solver, done, nash_conv


def table_from_policy(policy: Any) -> np.ndarray:
    """The policy as a float32 ``(24576, 13)`` array in the canonical index of ``agents.cfr``."""
    probs = np.zeros((NUM_INDICES, NUM_ACTIONS), dtype=np.float64)
    seen = np.zeros(NUM_INDICES, dtype=bool)
    for info in information_states():
        index = _index(info)
        if seen[index]:
            raise RuntimeError(f"two information states share index {index}")
        seen[index] = True
        for action, prob in policy.get_state_policy(info.key):
            probs[index, action] = prob
    if not seen.all():
        raise RuntimeError(f"{int((~seen).sum())} indices have no information state")
    probs /= probs.sum(axis=1, keepdims=True)
    return probs.astype(np.float32)


def _index(info: InfoState) -> int:
    """Canonical index of ``info`` (its history is the deal, then the bids)."""
    return info_index(info.history[info.player], info.history[2:])


def table_nash_conv(probs: np.ndarray) -> float:
    """NashConv of the table ``probs`` itself, with OpenSpiel's C++ best response."""
    policy = {}
    for info in information_states():
        row = probs[_index(info)].astype(np.float64)
        policy[info.key] = [(a, float(row[a] / row.sum())) for a in info.legal_actions]
    return float(pyspiel.nash_conv(openspiel_game(), policy))


def main(argv: list[str] | None = None) -> int:
    """Compute, check and write the table; exit status 1 if the target was not reached."""
    args = parse_args(argv)
    solver, done, solver_nash_conv = solve(args.iterations, args.target, args.check_every)
    probs = table_from_policy(solver.average_policy())
    nash_conv = table_nash_conv(probs)
    print(f"CFR+ average policy after {done} iterations: NashConv {solver_nash_conv:.6f}")
    print(f"stored float32 table: NashConv {nash_conv:.6f}")
    if nash_conv > args.target:
        print(f"target {args.target} not reached: raise --iterations", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_table(args.out, CFRTable(probs, done, nash_conv, pyspiel.__version__))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
