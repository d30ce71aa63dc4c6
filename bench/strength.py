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

Two other modes (``bench/strength_exploit.py``, ``bench/strength_curves.py``):

* ``--exploitability``: the approximate exploitability of every zoo table agent, ``heuristic``
  and ``random`` (``arena exploitability``: a learned best response's lower bound, 95%
  interval) on Skull 3/4/6 and Liar's Dice 2/4/6 players, about 20 rows; printed as a markdown
  table and saved row by row to a JSON file that a rerun resumes;
* ``--curves``: NashConv against wall-clock seconds on the Liar's Dice duel, the CTDE self-play
  config against the CFR+ one, several seeds each, one PNG.

    python bench/strength.py --exploitability [--budget B] [--games E] [--only TEXT] [--out F]
    python bench/strength.py --curves [--seeds 3] [--minutes 10] [--png docs/duel_curves.png]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import games
from agents.base import load_agent
from trainers.evaluate import nash_conv, win_rate

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the strength_* helper modules
from strength_exploit import DEFAULT_BUDGET as DEFAULT_RESPONSE_BUDGET
from strength_exploit import DEFAULT_GAMES as DEFAULT_RESPONSE_GAMES
from strength_exploit import DEFAULT_OUT as DEFAULT_EXPLOIT_OUT

EPILOG = f"""\
--exploitability: for each (configuration, agent) row, `arena exploitability AGENT --game G
--players N --budget B --games E --seed S --json` in a subprocess (one torch thread). Cost on
the 2-core development machine (one core, nothing else running), at the defaults (budget
{DEFAULT_RESPONSE_BUDGET:,} decisions, {DEFAULT_RESPONSE_GAMES:,} games): about 60 min of one core
for the 20 rows, from 1.2 min (skull p4 random, measured) to about 8 min (liars_dice p6
heuristic). A row costs about 5 s + B x (0.13 to 1.1 ms) + E x (1 to 24 ms): more players,
Liar's Dice and heuristic opponents cost more (calibrated per row at B=20,480, E=480). The
wall time is longer when the cores are shared.
Rows go to --out as they finish; rerun the same command to resume (rows done with the same
budget, games and seed are skipped). Run it niced when the machine is shared:
  nohup nice -n 19 python bench/strength.py --exploitability --out F > log 2>&1 &

--curves: `arena train liars_dice_duel_ctde` and `arena train liars_dice_duel_cfr_plus`
(seeds 1..N) in subprocesses, each stopped by SIGINT after --minutes of wall-clock unless its
budget ends it first: about 2 x N x M minutes (60 at the defaults); finished runs under --runs
are reused. NashConv is exact; the seconds are the trainers' own clocks (bench/strength_curves.py).
"""

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


def main(argv: list[str] | None = None) -> int:
    """Measure and write the report (or run ``--exploitability`` / ``--curves``)."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--games",
        type=int,
        default=None,
        help="games per cell (>= 2000; default 2000); with --exploitability: evaluation games "
        f"of each best response (default {DEFAULT_RESPONSE_GAMES:,})",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compare-critics", action="store_true")
    parser.add_argument(
        "--budget",
        type=int,
        default=None,
        help="decisions per run (default 1,500,000); with --exploitability: learner decisions "
        f"of each best response (default {DEFAULT_RESPONSE_BUDGET:,})",
    )
    parser.add_argument(
        "--seeds",
        type=int,
        default=None,
        help="seeds per critic (default 2); with --curves: runs per config (default 3)",
    )
    parser.add_argument(
        "--out",
        default=None,
        help="the results file (default docs/results.md); with --exploitability: the JSON "
        f"rows file, resumed if it exists (default {DEFAULT_EXPLOIT_OUT})",
    )
    parser.add_argument(
        "--exploitability",
        action="store_true",
        help="a learned best response's lower bound on every table agent (see below)",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="TEXT",
        help="with --exploitability: only the rows whose 'GAME pN AGENT' label contains TEXT "
        "(repeatable: any of them), e.g. skull, 'liars_dice p6', random",
    )
    parser.add_argument(
        "--curves",
        action="store_true",
        help="NashConv against seconds of the duel's CTDE and CFR+ configs (see below)",
    )
    parser.add_argument(
        "--minutes",
        type=float,
        default=10.0,
        help="with --curves: wall-clock cap of each run (default 10)",
    )
    parser.add_argument("--png", default="docs/duel_curves.png", help="with --curves: the figure")
    parser.add_argument(
        "--runs",
        default="/tmp/bluff-arena-duel-curves",
        help="with --curves: the run directories (finished runs are reused)",
    )
    args = parser.parse_args(argv)
    if args.exploitability and args.curves:
        parser.error("--exploitability and --curves: give one of them")
    if args.exploitability:
        return exploitability_main(args)
    if args.curves:
        return curves_main(args)
    games_per_cell = 2000 if args.games is None else args.games
    budget = 1_500_000 if args.budget is None else args.budget
    start = time.time()
    sections = ["## Zoo: the Liar's Dice duel", *duel_rows(), ""]
    sections += [f"## Zoo: table games ({games_per_cell} games per cell)"]
    sections += table_rows(games_per_cell, args.seed)
    if args.compare_critics:
        sections += [
            "",
            f"## CTDE critic vs plain critic ({budget:,} decisions per run)",
            *critic_rows(
                budget, 2 if args.seeds is None else args.seeds, max(500, games_per_cell // 4)
            ),
        ]
    text = "\n".join(sections)
    print("\n" + text)
    write_section(Path(args.out or "docs/results.md"), "strength", text, time.time() - start)
    return 0


def exploitability_main(args: argparse.Namespace) -> int:
    """``--exploitability``: measure (or resume) the table, print it; 1 if a row failed."""
    from strength_exploit import exploitability_table

    budget = DEFAULT_RESPONSE_BUDGET if args.budget is None else args.budget
    games_ = DEFAULT_RESPONSE_GAMES if args.games is None else args.games
    out = Path(args.out or DEFAULT_EXPLOIT_OUT)
    start = time.time()
    lines, errors = exploitability_table(out, budget, games_, args.seed, args.only)
    print(f"\n## Approximate exploitability of the table agents (seed {args.seed})\n")
    print("\n".join(lines))
    print(f"\n{len(lines) - 2} rows in {out}; this run took {(time.time() - start) / 60:.1f} min")
    for error in errors:
        print(f"failed: {error}")
    return 1 if errors else 0


def curves_main(args: argparse.Namespace) -> int:
    """``--curves``: train (or reuse) the runs, draw the PNG, print a summary."""
    from strength_curves import duel_curves

    seeds = 3 if args.seeds is None else args.seeds
    lines = duel_curves(seeds, args.minutes, Path(args.png), Path(args.runs))
    print("\n".join(["", *lines]))
    return 0


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
    sys.exit(main())
