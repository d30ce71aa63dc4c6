"""Speed of the batched Skull engine against the per-game engine, in the same run.

Per row and step, the cost of what the referee does for a decision: the legal mask, the
observation of the seat to act and the move (``legal_masks`` + ``observations`` + ``apply``
on all rows at once, against ``legal_actions_mask`` + ``observation_tensor`` + ``apply_action``
on each ``SkullState``). The rows are random games at mixed phases (warmed up first; a finished
game restarts in its row, untimed); chance outcomes are drawn with ``chance_outcome_at`` (timed
apart) and applied like the decisions. The batch is timed twice: returning fresh observation
arrays, and writing them into one reused array (``out=``): a fresh array of a few hundred KB
can cost more than the encoding when the C allocator hands its memory back to the system after
each use and takes it again (page faults). Each engine is timed in several chunks of steps and the
fastest chunk is shown, which filters out other load on a shared machine.

    python bench/skull_batched.py [--players 4] [--rows 64 128 256] [--chunks 8] [--steps 50]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import games
from games.core import CHANCE
from games.skull.batched import SkullBatch
from games.skull.rules import SkullGame, SkullState

PARTS = ("apply", "legal", "obs", "chance")
"""The timed calls, in the order of the table."""


def batch_chunks(
    game: SkullGame, n: int, chunks: int, steps: int, seed: int, reuse: bool
) -> list[np.ndarray]:
    """Seconds spent in each part (:data:`PARTS`) per chunk of ``steps`` steps of ``n`` rows;
    with ``reuse``, the observations are written into one array (``out=``)."""
    rng = np.random.default_rng(seed)
    batch = SkullBatch(game, n)
    rows = rng.permutation(n)
    buffer = np.zeros((n, *game.observation_shape), dtype=np.float32) if reuse else None
    clock = time.perf_counter
    out = []
    for chunk in range(chunks + 1):  # chunk 0 warms up
        spent = np.zeros(len(PARTS))
        for _ in range(steps):
            t0 = clock()
            players = batch.current_players(rows)
            masks = batch.legal_masks(rows)
            t1 = clock()
            obs = batch.observations(rows, np.maximum(players, 0), out=buffer)
            t2 = clock()
            actions = np.argmax(masks * rng.random(masks.shape), axis=1)  # uniform legal
            chance = np.flatnonzero(players == CHANCE)
            t3 = clock()
            if len(chance):
                actions[chance] = batch.chance_outcome_at(rows[chance], rng.random(len(chance)))
            t4 = clock()
            batch.apply(rows, actions)
            t5 = clock()
            spent += (t5 - t4, t1 - t0, t2 - t1, t4 - t3)
            del obs  # used by the agents, then dropped (outside the timing)
            ended = rows[batch.terminal(rows)]
            if len(ended):
                batch.reset(ended)
        if chunk:
            out.append(spent)
    return out


def state_chunks(game: SkullGame, n: int, chunks: int, steps: int, seed: int) -> list[np.ndarray]:
    """The same for ``n`` :class:`SkullState` stepped one by one."""
    rng = np.random.default_rng(seed)
    states: list[SkullState] = [game.new_initial_state() for _ in range(n)]
    clock = time.perf_counter
    out = []
    for chunk in range(chunks + 1):
        spent = np.zeros(len(PARTS))
        for _ in range(steps):
            for i, state in enumerate(states):
                t0 = clock()
                player = state.current_player()
                mask = state.legal_actions_mask()
                t1 = clock()
                obs = state.observation_tensor(max(player, 0))
                t2 = clock()
                t_chance = 0.0
                if player == CHANCE:
                    action = state.chance_outcome_at(rng.random())
                    t_chance = clock() - t2
                else:
                    legal = np.flatnonzero(mask)
                    action = int(legal[rng.integers(len(legal))])
                t3 = clock()
                state.apply_action(action)
                t4 = clock()
                spent += (t4 - t3, t1 - t0, t2 - t1, t_chance)
                del obs
                if state.is_terminal():
                    states[i] = game.new_initial_state()
        if chunk:
            out.append(spent)
    return out


def best(chunks: list[np.ndarray], n: int, steps: int) -> np.ndarray:
    """Microseconds per row and step of each part in the chunk with the least total."""
    fastest = min(chunks, key=lambda spent: spent[:3].sum())
    return 1e6 * fastest / (n * steps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", type=int, default=4)
    parser.add_argument("--rows", type=int, nargs="+", default=[64, 128, 256])
    parser.add_argument("--chunks", type=int, default=8, help="timed chunks per engine")
    parser.add_argument("--steps", type=int, default=50, help="steps per chunk")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    game = games.make("skull", players=args.players)
    print(f"Skull, {args.players} players: microseconds per row and step (fastest chunk)")
    print(f"{'engine':<28} {'apply':>7} {'legal':>7} {'obs':>7} {'sum':>7} {'chance':>7}")
    per_game = 64
    steps = max(args.steps // 4, 5)
    results = [
        (
            f"per-game SkullState x{per_game}",
            best(state_chunks(game, per_game, args.chunks, steps, args.seed), per_game, steps),
        )
    ]
    for reuse in (False, True):
        for n in args.rows:
            chunks = batch_chunks(game, n, args.chunks, args.steps, args.seed, reuse)
            label = f"SkullBatch, {n} rows" + (", out=" if reuse else "")
            results.append((label, best(chunks, n, args.steps)))
    for label, t in results:
        print(
            f"{label:<28} {t[0]:>7.2f} {t[1]:>7.2f} {t[2]:>7.2f} {t[:3].sum():>7.2f} {t[3]:>7.2f}"
        )
    print("sum = apply + legal + obs; chance = chance_outcome_at, per row of all rows stepped;")
    print("out= : observations written into one reused array (no fresh allocation per call)")


if __name__ == "__main__":
    main()
