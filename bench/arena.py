"""Tournament speed: games per second of a tournament, next to the raw engine's random play.

For each game configuration: the raw engine playing random moves in a plain loop (no agents),
then tournaments of ``random`` and ``heuristic`` agents with in-process agents (``--isolation
none``) and with every agent in its own process (the default), in the same run.

    python bench/arena.py [--games 200] [--workers 1]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

# This script is called arena.py: keep its folder off the path so `arena` is the package.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import numpy as np  # noqa: E402

import games  # noqa: E402
from arena.ladder import Ladder  # noqa: E402
from arena.tournament import TournamentConfig, create, run  # noqa: E402


def _sibling(name: str):
    """Import ``bench/NAME.py`` (the bench folder is not a package)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", _HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


play_random = _sibling("engines").play_random

CONFIGS = [
    ("liars_dice", {"players": 2, "dice": 1, "mode": "single_round"}),
    ("liars_dice", {"players": 4, "dice": 5}),
    ("skull", {"players": 4}),
]


def engine_rate(name: str, params: dict, seconds: float = 2.0) -> float:
    """Random-play full games per second of the raw engine."""
    game = games.make(name, **params)
    rng = np.random.default_rng(0)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        play_random(game.new_initial_state, rng)
        done += 1
    return done / (time.perf_counter() - start)


def tournament_rate(
    name: str, params: dict, agents: tuple[str, ...], isolation: str, games_: int, workers: int
) -> float:
    """Games per second of a round-robin tournament (the ladder in a temporary file)."""
    per_pairing = max(1, games_ // (2 * params["players"]))
    config = TournamentConfig(
        game=name, params=params, agents=agents, games_per_pairing=per_pairing,
        isolation=isolation,
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp, Ladder(Path(tmp) / "bench.db") as ladder:
        row = create(ladder, config, "bench")
        start = time.perf_counter()
        summary = run(ladder, row, workers=workers)
        return summary.played / (time.perf_counter() - start)


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=200, help="games per tournament (about)")
    parser.add_argument("--workers", type=int, default=1, help="tournament worker processes")
    args = parser.parse_args()
    print(f"{'configuration':<44} {'what':<34} {'games/s':>9}")
    for name, params in CONFIGS:
        label = name + " " + " ".join(f"{k}={v}" for k, v in params.items())
        print(f"{label:<44} {'raw engine, random moves':<34} {engine_rate(name, params):>9,.0f}")
        for agents in [("random", "agents.random:RandomAgent"), ("random", "heuristic")]:
            for isolation in ("none", "process"):
                rate = tournament_rate(name, params, agents, isolation, args.games, args.workers)
                what = f"{' vs '.join(a.split(':')[-1] for a in agents)}, isolation={isolation}"
                print(f"{'':<44} {what:<34} {rate:>9,.1f}")


if __name__ == "__main__":
    main()
