"""Strength of the bundled (zoo) agents, with 95% intervals, and CTDE vs the plain critic.

* ``zoo:liars-dice-duel`` (and its CADP and CTEDD siblings): exact NashConv (OpenSpiel's best
  response) and the training time;
* ``zoo:skull`` at 3, 4, 6 players (``zoo:skull-cadp`` and ``zoo:skull-ctedd`` at 4) and
  ``zoo:liars-dice`` at 2, 4, 6 players: one trained agent against ``heuristic`` in every other
  seat, and against ``random``: win rate, its 95% interval (normal approximation) and the fair
  share 1/N;
* with ``--compare-critics``: CTDE (critic on the global state) against the plain critic (on the
  local observation) at equal decisions, on the duel (NashConv) and Skull at 4 players (win rate
  against heuristic), several seeds each.

Results are printed and written to ``docs/results.md`` (``--out``).

    python bench/strength.py [--games 2000] [--compare-critics] [--budget 1500000] [--seeds 2]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

import games
from agents.base import load_agent
from trainers.evaluate import nash_conv, win_rate

DUELS = ("zoo:liars-dice-duel", "zoo:liars-dice-duel-cadp", "zoo:liars-dice-duel-ctedd")
TABLES = (
    [("zoo:skull", "skull", {"players": n}) for n in (3, 4, 6)]
    + [(f"zoo:skull-{m}", "skull", {"players": 4}) for m in ("cadp", "ctedd")]
    + [("zoo:liars-dice", "liars_dice", {"players": n, "dice": 5}) for n in (2, 4, 6)]
)
"""(zoo spec, game, parameters) of every table measured."""


def installed(spec: str) -> bool:
    """Whether the zoo entry ``spec`` (``zoo:NAME``) is installed."""
    from agents.zoo import zoo_names

    return spec.removeprefix("zoo:") in zoo_names()


def actor_of(spec: str, game: games.Game):
    """The actor network of a neural agent spec, for ``game``."""
    agent = load_agent(spec)
    agent.reset(game, 0, 0)
    agent = getattr(agent, "active", None) or agent
    return agent.actor, getattr(agent, "manifest", None)


def duel_rows() -> list[str]:
    """NashConv of the duel agents and the figures from their packages."""
    from games.openspiel import our_game

    rows = [
        "| agent | method | NashConv | exploitability | budget | training time |",
        "|---|---|---|---|---|---|",
    ]
    for spec in filter(installed, DUELS):
        actor, manifest = actor_of(spec, our_game())
        value = nash_conv(actor)
        training = manifest.training if manifest else {}
        method = manifest.method if manifest else "?"
        minutes = training.get("wall_seconds", float("nan")) / 60
        print(f"{spec}: NashConv {value:.4f}", flush=True)
        budget = (
            f"{training['iterations']:,} full-width iterations"
            if "iterations" in training
            else f"{training.get('steps', 0):,} decisions"
        )
        rows.append(
            f"| {spec} | {method} | {value:.4f} | {value / 2:.4f} | {budget} | {minutes:.1f} min |"
        )
    return [*rows, "", "Reference: uniform random 1.5615; `cfr` (CFR+, 600 iterations) 0.0007."]


def table_rows(games_per_cell: int, seed: int) -> list[str]:
    """Win rates of the zoo agents against heuristic and random tables."""
    rows = [
        "| agent | game | players | vs heuristic (95% CI) | vs random (95% CI) | fair share |",
        "|---|---|---|---|---|---|",
    ]
    for spec, name, params in TABLES:
        game = games.make(name, **params)
        n = game.num_players
        try:
            actor, _ = actor_of(spec, game)
        except ValueError as exc:  # not installed, or no agent for this table
            print(f"{spec} {params}: {exc}", flush=True)
            rows.append(f"| {spec} | {name} | {n} | no agent in the zoo | - | {1 / n:.3f} |")
            continue
        cells = []
        for opponent in ("heuristic", "random"):
            result = win_rate(actor, game, opponent, games_per_cell, seed)
            cells.append(f"{result.rate:.3f} [{result.low:.3f}, {result.high:.3f}]")
            print(f"{spec} {params} vs {opponent}: {cells[-1]}", flush=True)
        rows.append(f"| {spec} | {name} | {n} | {cells[0]} | {cells[1]} | {1 / n:.3f} |")
    return rows


def train_short(config: str, overrides: list[str], out: Path) -> object:
    """A short training run (for the critic comparison)."""
    from trainers.config import load_config
    from trainers.loop import train

    cfg = load_config(config, overrides)
    return train(cfg, out, progress=False)


def critic_rows(budget: int, seeds: int, games_per_cell: int) -> list[str]:
    """CTDE vs plain critic at equal decisions, several seeds each."""
    rows = [
        "| setting | critic | seeds | result per seed | mean |",
        "|---|---|---|---|---|",
    ]
    settings = [
        ("liars_dice_duel_ctde", [], "NashConv (lower is better)"),
        ("skull_ctde", ["params.players=4"], "win rate vs heuristic"),
    ]
    for config, extra, metric in settings:
        for critic in ("global", "local"):
            results = []
            for seed in range(seeds):
                overrides = [
                    *extra,
                    f"critic={critic}",
                    f"seed={seed}",
                    f"total_decisions={budget}",
                    "eval_every=0",
                ]
                with tempfile.TemporaryDirectory() as tmp:
                    run = train_short(config, overrides, Path(tmp))
                if config.startswith("liars"):
                    results.append(nash_conv(run.actor))
                else:
                    results.append(win_rate(run.actor, run.game, "heuristic", games_per_cell, 0)[0])
                print(f"{config} critic={critic} seed={seed}: {results[-1]:.4f}", flush=True)
            per_seed = ", ".join(f"{r:.3f}" for r in results)
            rows.append(
                f"| {config} {' '.join(extra)} ({metric}) | {critic} | {seeds} | {per_seed} "
                f"| {np.mean(results):.3f} |"
            )
    return rows


def main() -> None:
    """Measure and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=2000, help="games per cell (>= 2000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compare-critics", action="store_true")
    parser.add_argument("--budget", type=int, default=1_500_000, help="decisions per run")
    parser.add_argument("--seeds", type=int, default=2, help="seeds per critic")
    parser.add_argument("--out", default="docs/results.md")
    args = parser.parse_args()
    start = time.time()
    sections = ["## Zoo: the Liar's Dice duel", *duel_rows(), ""]
    sections += [f"## Zoo: table games ({args.games} games per cell)"]
    sections += table_rows(args.games, args.seed)
    if args.compare_critics:
        sections += [
            "",
            f"## CTDE critic vs plain critic ({args.budget:,} decisions per run)",
            *critic_rows(args.budget, args.seeds, max(500, args.games // 4)),
        ]
    text = "\n".join(sections)
    print("\n" + text)
    write_section(Path(args.out), "strength", text, time.time() - start)


def write_section(path: Path, key: str, text: str, seconds: float) -> None:
    """Replace (or append) the section ``key`` of the results file."""
    begin, end = f"<!-- {key}:begin -->", f"<!-- {key}:end -->"
    body = f"{begin}\n{text}\n\n_Measured by `bench/{key}.py` in {seconds / 60:.1f} min._\n{end}"
    old = path.read_text() if path.exists() else "# Results\n"
    if begin in old and end in old:
        head, rest = old.split(begin, 1)
        new = head + body + rest.split(end, 1)[1]
    else:
        new = old.rstrip() + "\n\n" + body + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new)
    print(json.dumps({"written": str(path)}))


if __name__ == "__main__":
    main()
