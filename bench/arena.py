"""Tournament speed: games per second of a tournament, next to the raw engine's random play.

For the Liar's Dice duel and Skull at 4 players: the raw engine playing random moves in a plain
loop (no agents), then tournaments of random, heuristic and zoo neural agents, in process
(``--isolation none``) and in agent hosts (the default), one game at a time (batch 1) and
batched (the default batch size of games in flight), with one and two workers, and
(``--ray``) on a local two-node Ray cluster; each rate also as a share of the raw engine's,
all in the same run. Programs speaking the agent protocol (``cmd:`` agents, examples/) get rows
next to a Python agent.

    python bench/arena.py [--games 2000] [--ray] [--repeats 3] [--only skull] [--agents random-py]

The last column is the share of the whole machine's CPU time that was busy during the row (all
processes: referee, workers, agent hosts, Ray's daemons): a second worker can only help where
one left CPU idle. With ``--repeats N`` the compared rows (batched and process-isolated: one
worker, two workers, Ray) are measured N times in turn and their medians printed, with the
range; a last table gives the ratios that have targets (medians of the per-round ratios).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# This script is called arena.py: keep its folder off the path so `arena` is the package.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import numpy as np  # noqa: E402

import games  # noqa: E402
from arena.ladder import Ladder  # noqa: E402
from arena.options import DEFAULT_BATCH_SIZE, RunOptions  # noqa: E402
from arena.tournament import TournamentConfig, create, run  # noqa: E402


def _sibling(name: str):
    """Import ``bench/NAME.py`` (the bench folder is not a package)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", _HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


play_random = _sibling("engines").play_random

SCENARIOS = [
    (
        "liars_dice",
        {"players": 2, "dice": 1, "mode": "single_round"},
        (80, 20),
        [
            ("random", "agents.random:RandomAgent"),
            ("random", "examples/random-py"),
            ("random", "examples/random-js"),
            ("random", "heuristic"),
            ("zoo:liars-dice-duel", "zoo:liars-dice-duel-cadp"),
        ],
    ),
    (
        "skull",
        {"players": 4},
        (4, 1),
        [
            ("random", "agents.random:RandomAgent"),
            ("random", "examples/random-py"),
            ("random", "heuristic"),
            ("zoo:skull", "zoo:skull-cadp"),
        ],
    ),
]
"""Configurations, how many times ``--games`` to play there, batched and one game at a time (a
duel game is 50 times shorter than a Skull game: enough games that start-up does not dominate,
80,000 batched duel games, 8-14 s a row, of which starting workers and hosts is under a second;
fewer one at a time, where it matters less, since those rows are slow), and the pairs of agents
(the last pair: neural agents only). ``examples/random-py`` and ``random-js`` are programs
speaking docs/protocol.md (Python, Node.js), next to the same policy in process
(``agents.random:RandomAgent``)."""


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
    name: str,
    params: dict,
    agents: tuple[str, ...],
    isolation: str,
    games_: int,
    options: RunOptions,
) -> float:
    """Games per second of a round-robin tournament (the ladder in a temporary file).

    Start-up (spawning workers, loading agents) is included: use enough games.
    """
    per_pairing = max(1, games_ // (2 * params["players"]))
    config = TournamentConfig(
        game=name,
        params=params,
        agents=agents,
        games_per_pairing=per_pairing,
        isolation=isolation,
        seed=0,
    )
    with tempfile.TemporaryDirectory() as tmp, Ladder(Path(tmp) / "bench.db") as ladder:
        row = create(ladder, config, "bench")
        options = dataclasses.replace(options, log_dir=tmp)
        start = time.perf_counter()
        summary = run(ladder, row, options=options)
        return summary.played / (time.perf_counter() - start)


def _short(spec: str) -> str:
    """``RandomAgent`` for ``agents.random:RandomAgent``, ``cmd random-py`` for an example."""
    if spec.startswith("examples/"):
        return f"cmd {spec.removeprefix('examples/')}"
    return spec.split(":")[-1] if ":" in spec and not spec.startswith("zoo:") else spec


def _label(name: str, params: dict) -> str:
    return name + " " + " ".join(f"{k}={v}" for k, v in params.items())


def _row(config: str, what: str, rate: float, raw: float, busy: str = "") -> None:
    print(f"| {config} | {what} | {rate:,.1f} | {100 * rate / raw:.2f}% | {busy} |", flush=True)


def _busy_jiffies() -> tuple[int, int] | None:
    """(busy, total) CPU time of the whole machine so far (Linux ``/proc/stat``), else None."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:9]]
    except OSError:
        return None
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def measured(rate_fn: Callable[..., float], *args: Any) -> tuple[float, float | None]:
    """``rate_fn(*args)`` and the share of the machine's CPU time busy meanwhile (any process:
    the referee, workers, agent hosts, Ray's daemons), or None where it cannot be read."""
    before = _busy_jiffies()
    rate = rate_fn(*args)
    after = _busy_jiffies()
    if before is None or after is None or after[1] == before[1]:
        return rate, None
    return rate, (after[0] - before[0]) / (after[1] - before[1])


def _pct(busy: float | None) -> str:
    return "" if busy is None else f"{100 * busy:.0f}%"


def _spread(values: list[float]) -> str:
    return "" if len(values) < 2 else f" ({min(values):,.0f}-{max(values):,.0f})"


def main() -> None:
    """Print the table (Markdown), then the ratios that have targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--games",
        type=int,
        default=2000,
        help="games per Skull tournament one game at a time (batched: 4x; the duel: 80x batched, "
        "20x one at a time)",
    )
    parser.add_argument("--ray", action="store_true", help="add the Ray rows (2-node cluster)")
    parser.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="measure the compared rows (batched and isolated: 1 worker, 2 workers, Ray) this "
        "many times, interleaved, and print medians (the machine's speed drifts between rows)",
    )
    parser.add_argument("--only", help="only the configuration of this game")
    parser.add_argument("--agents", help="only the pairs with an agent spec containing this")
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    print(
        "| configuration | what | games/s | of raw engine | machine busy |\n|---|---|---|---|---|"
    )
    ratios: list[tuple[str, str, list[float], list[float]]] = []
    for name, params, (scale, scale_one), pairs in SCENARIOS:
        if args.only and name != args.only:
            continue
        count, count_one = args.games * scale, args.games * scale_one
        label = _label(name, params)
        raw = engine_rate(name, params)
        _row(label, "raw engine, random moves", raw, raw)
        for agents in pairs:
            if args.agents and not any(args.agents in a for a in agents):
                continue
            who = " vs ".join(_short(a) for a in agents)
            agents = tuple(
                str(_HERE.parent / a) if a.startswith("examples/") else a for a in agents
            )
            for isolation, batch in (("none", 1), ("none", DEFAULT_BATCH_SIZE), ("process", 1)):
                options = RunOptions(workers=1, batch_size=batch)
                n = count_one if batch == 1 else count
                rate, busy = measured(tournament_rate, name, params, agents, isolation, n, options)
                what = f"{who}, isolation={isolation}, batch {batch}, 1 worker"
                _row(label, what, rate, raw, _pct(busy))
            compared = compare(name, params, agents, count, args.ray, args.repeats)
            batched = f"{who}, isolation=process, batch {DEFAULT_BATCH_SIZE}"
            labels = {
                "1 worker": f"{batched}, 1 worker",
                "2 workers": f"{batched}, 2 workers",
                "Ray": f"{who}, isolation=process, Ray 2-node cluster, 2 actors",
            }
            for key, runs in compared.items():
                rates = [r for r, _ in runs]
                busy = [b for _, b in runs if b is not None]
                what = labels[key] + (f", median of {len(runs)}" if len(runs) > 1 else "")
                median_busy = float(np.median(busy)) if busy else None
                _row(label, what + _spread(rates), float(np.median(rates)), raw, _pct(median_busy))
            two = _per_round(compared["2 workers"], compared["1 worker"])
            ray = _per_round(compared.get("Ray", []), compared["2 workers"])
            ratios.append((label, who, two, ray))
    _ratio_table(ratios, args.ray)


def compare(
    name: str, params: dict, agents: tuple[str, ...], games_: int, ray: bool, repeats: int
) -> dict[str, list[tuple[float, float | None]]]:
    """The rows with targets (1 worker, 2 workers, Ray), ``repeats`` rounds of each in turn:
    a slow spell of the machine then lands on every row of a round alike."""
    out: dict[str, list[tuple[float, float | None]]] = {"1 worker": [], "2 workers": []}
    if ray:
        out["Ray"] = []
    for _ in range(repeats):
        for workers in (1, 2):
            options = RunOptions(workers=workers)
            key = "1 worker" if workers == 1 else "2 workers"
            out[key].append(
                measured(tournament_rate, name, params, agents, "process", games_, options)
            )
        if ray:
            out["Ray"].append(ray_rate(name, params, agents, games_))
    return out


def _per_round(
    numerator: list[tuple[float, float | None]], denominator: list[tuple[float, float | None]]
) -> list[float]:
    """Rate ratios, round by round (empty where the numerator's rows were not measured)."""
    return [a / b for (a, _), (b, _) in zip(numerator, denominator, strict=False)]


def _ratio_table(ratios: list[tuple[str, str, list[float], list[float]]], ray: bool) -> None:
    """The targets: two workers faster than one; Ray at 0.8x the local executor or better
    (medians of the per-round ratios)."""
    print("\n| configuration | agents | 2 workers / 1 worker (target > 1) |", end="")
    print(" Ray / local 2 workers (target >= 0.8) |" if ray else "")
    print("|---|---|---|" + ("---|" if ray else ""))
    for label, who, two, ray_ratios in ratios:
        line = f"| {label} | {who} | {_ratio(two, 1.0, strict=True)} |"
        if ray:
            line += f" {_ratio(ray_ratios, 0.8, strict=False)} |"
        print(line, flush=True)


def _ratio(values: list[float], target: float, strict: bool) -> str:
    median = float(np.median(values))
    met = median > target if strict else median >= target
    spread = "" if len(values) < 2 else f" ({min(values):.2f}-{max(values):.2f})"
    return f"{median:.2f}x{spread} {'met' if met else 'NOT met'}"


def ray_rate(
    name: str, params: dict, agents: tuple[str, ...], games_: int
) -> tuple[float, float | None]:
    """The tournament on a local two-node Ray cluster (one CPU each), two actors; without the
    dashboard, like the local cluster that ``--executor ray`` starts itself (on this one
    machine the dashboard's processes would take CPU from the actors: about 4% of a core
    measured idle)."""
    import ray
    from ray.cluster_utils import Cluster

    head = {"num_cpus": 1, "include_dashboard": False}
    cluster = Cluster(initialize_head=True, head_node_args=head)
    cluster.add_node(num_cpus=1)
    ray.init(address=cluster.address, log_to_driver=False)
    try:
        _warm_up(ray)
        options = RunOptions(workers=2, executor="ray")
        return measured(tournament_rate, name, params, agents, "process", games_, options)
    finally:
        ray.shutdown()
        cluster.shutdown()


def _warm_up(ray: Any) -> None:
    """Run one small task on each node, so that the measurement starts on a cluster whose
    nodes are up and have started their worker processes, as a cluster joined with
    ``--ray-address`` would be (a row measured right after the cluster's start also measured
    the last of its boot)."""

    @ray.remote(num_cpus=1)
    def node() -> str:
        return ray.get_runtime_context().get_node_id()

    ray.get([node.options(scheduling_strategy="SPREAD").remote() for _ in range(2)])


if __name__ == "__main__":
    main()
