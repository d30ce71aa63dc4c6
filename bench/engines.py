"""Random-play speed of our engines, next to pyspiel's in the same run.

Full games per second and decisions (non-chance moves) per second, playing uniformly random
moves from Python with the same loop for every engine: our Liar's Dice in the OpenSpiel
configuration against ``pyspiel.load_game("liars_dice")`` (with the ratio), then our table games.

    python bench/engines.py [--seconds 3] [--seed 0]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import games
from games import openspiel as bridge


def sample(outcomes: list[tuple[int, float]], u: float) -> int:
    """The outcome at cumulative probability ``u``."""
    for action, prob in outcomes:
        u -= prob
        if u < 0:
            return action
    return outcomes[-1][0]


def play_random(new_state: Callable[[], Any], rng: np.random.Generator) -> int:
    """Play one game with uniform random moves; return the number of decisions."""
    state = new_state()
    decisions = 0
    while not state.is_terminal():
        if state.is_chance_node():
            state.apply_action(sample(state.chance_outcomes(), rng.random()))
            continue
        legal = state.legal_actions()
        state.apply_action(legal[int(rng.integers(len(legal)))])
        decisions += 1
    return decisions


def measure(new_state: Callable[[], Any], seconds: float, seed: int) -> tuple[float, float]:
    """Games per second and decisions per second over about ``seconds``."""
    rng = np.random.default_rng(seed)
    games_played = decisions = 0
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(50):
            decisions += play_random(new_state, rng)
            games_played += 1
    return games_played / elapsed, decisions / elapsed


def row(label: str, rates: tuple[float, float], peer: tuple[float, float] | None = None) -> str:
    """One line of the table."""
    text = f"{label:<44} {rates[0]:>12,.0f} {rates[1]:>14,.0f}"
    if peer:
        text += f" {rates[0] / peer[0]:>10.2f}x"
    return text


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per engine")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"{'engine':<44} {'games/s':>12} {'decisions/s':>14} {'vs pyspiel':>11}")
    os_game = bridge.openspiel_game()
    peer = measure(os_game.new_initial_state, args.seconds, args.seed)
    ours = measure(bridge.our_game().new_initial_state, args.seconds, args.seed)
    print(row("pyspiel liars_dice (OpenSpiel config)", peer))
    print(row("ours liars_dice (OpenSpiel config)", ours, peer))
    for name, params in [
        ("liars_dice", dict(players=4, dice=5)),
        ("liars_dice", dict(players=6, dice=5)),
        ("skull", dict(players=4)),
        ("skull", dict(players=6)),
    ]:
        game = games.make(name, **params)
        label = f"ours {name} " + " ".join(f"{k}={v}" for k, v in params.items())
        print(row(label, measure(game.new_initial_state, args.seconds, args.seed)))


if __name__ == "__main__":
    main()
