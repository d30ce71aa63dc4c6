"""CTDE vs CADP vs CTEDD at equal decision budgets, several seeds each.

* The OpenSpiel configuration of Liar's Dice (the duel): exact NashConv over training of each
  method's exported agent, with CADP(C) beside CADP(D) and CTEDD's global policy (CTEDD-G)
  beside the distilled one.
* Skull at 4 players: win rate against ``heuristic`` over training (same pairs), and a
  round-robin of the final agents (with ``heuristic`` and ``random``) rated by Bradley-Terry.

Runs go to ``--runs`` (one folder per setting, method and seed; an interrupted benchmark resumes
them, a finished one is reused). Writes the ``methods`` section of ``docs/results.md`` and the
curves to ``docs/methods_duel.png`` and ``docs/methods_skull.png``.

    python bench/methods.py [--budget 2000000] [--seeds 3] [--games 500] [--evals 10]
        [--deals 2] [--runs runs/bench-methods] [--set KEY=VALUE ...]
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

# bench/arena.py would shadow the `arena` package: keep this folder off the path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import numpy as np  # noqa: E402
import torch  # noqa: E402

from trainers.checkpoint import load_checkpoint  # noqa: E402
from trainers.config import TrainConfig, config_from_dict, load_config  # noqa: E402
from trainers.loop import train  # noqa: E402

if TYPE_CHECKING:
    import pandas as pd


def _sibling(name: str) -> ModuleType:
    """Import ``bench/NAME.py`` (the bench folder is not a package)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", _HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


write_section = _sibling("strength").write_section

METHODS = ("ctde", "cadp", "ctedd")
SETTINGS = {
    "duel": ("liars_dice_duel", [], "nash_conv", "NashConv (lower is better)"),
    "skull": ("skull", ["params.players=4"], "win_vs_heuristic", "win rate vs heuristic"),
}
"""Setting -> (config prefix, overrides, metric, its description)."""
SERIES = (
    ("CTDE", "ctde", ""),
    ("CADP(D)", "cadp", ""),
    ("CADP(C)", "cadp", "cadp_c_"),
    ("CTEDD", "ctedd", ""),
    ("CTEDD-G", "ctedd", "global_"),
)
"""Curve label -> (method, prefix of the metric's key): the exported agent has no prefix."""


@dataclass
class Result:
    """One finished run: its config, its metrics rows and its package."""

    cfg: TrainConfig
    rows: list[dict[str, float]]
    package: Path

    def final(self, key: str) -> float:
        """The last evaluation of ``key`` (NaN if never measured)."""
        values = [r[key] for r in self.rows if r.get(key) is not None]
        return values[-1] if values else float("nan")

    def before_pruning(self, key: str) -> float:
        """The last evaluation of ``key`` before any update with the pruning loss."""
        values = [r[key] for r in self.rows if r.get(key) is not None and not r["prune_alpha"]]
        return values[-1] if values else float("nan")


def run_config(setting: str, method: str, seed: int, args: argparse.Namespace) -> TrainConfig:
    """The config of one run: the shipped one, the budget, the seed, ``--set``."""
    prefix, extra, _, _ = SETTINGS[setting]
    overrides = [
        *extra,
        f"seed={seed}",
        f"total_decisions={args.budget}",
        f"eval_games={args.games}",
        *args.set,
    ]
    cfg = load_config(f"{prefix}_{method}", overrides)
    every = max(1, cfg.num_updates // args.evals)
    return config_from_dict({**cfg.to_json(), "eval_every": every, "name": f"{method}-s{seed}"})


def ensure_trained(cfg: TrainConfig, out: Path) -> None:
    """Train ``cfg`` in ``out``, resume it, or reuse it when finished."""
    if not (out / "checkpoint.pt").exists():
        train(cfg, out, progress=False)
        return
    saved = load_checkpoint(out)
    if config_from_dict(saved["config"]) != cfg:
        raise ValueError(f"{out} holds a run of another config: remove it or pass --runs")
    if saved["update"] < cfg.num_updates or not (out / "agent").exists():
        train(cfg, out, progress=False, resume=True)


def read_metrics(out: Path) -> list[dict[str, float]]:
    """The rows of ``out/metrics.csv`` as floats (None where empty)."""
    with (out / "metrics.csv").open() as f:
        return [{k: float(v) if v else None for k, v in row.items()} for row in csv.DictReader(f)]


def train_all(setting: str, args: argparse.Namespace) -> dict[str, list[Result]]:
    """Every method and seed of ``setting``, trained (or reused)."""
    results: dict[str, list[Result]] = {m: [] for m in METHODS}
    for method in METHODS:
        for seed in range(args.seeds):
            cfg = run_config(setting, method, seed, args)
            out = Path(args.runs) / setting / f"{method}-s{seed}"
            start = time.time()
            ensure_trained(cfg, out)
            results[method].append(Result(cfg, read_metrics(out), out / "agent"))
            metric = SETTINGS[setting][2]
            value = results[method][-1].final(metric)
            print(
                f"{setting} {method} seed {seed}: {metric} {value:.4f} "
                f"({time.time() - start:.0f}s)",
                flush=True,
            )
    return results


def mean_sd(values: list[float]) -> str:
    """``mean ± sd`` (sd over seeds; none for one seed)."""
    values = [v for v in values if np.isfinite(v)]
    if not values:
        return "n/a"
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{np.mean(values):.3f} ± {np.std(values, ddof=1):.3f}"


def final_table(setting: str, results: dict[str, list[Result]]) -> list[str]:
    """Final value of every series, per seed and on average."""
    metric = SETTINGS[setting][2]
    rows = ["| agent | per seed | mean ± sd |", "|---|---|---|"]
    for label, method, prefix in SERIES:
        values = [r.final(prefix + metric) for r in results[method]]
        per_seed = ", ".join(f"{v:.3f}" for v in values)
        rows.append(f"| {label} | {per_seed} | {mean_sd(values)} |")
    return rows


def pruning_table(all_results: dict[str, dict[str, list[Result]]]) -> list[str]:
    """CADP(C) and CADP(D) before pruning starts and at the end."""
    rows = [
        "| setting | CADP(C) before | CADP(D) before | CADP(C) after | CADP(D) after |",
        "|---|---|---|---|---|",
    ]
    for setting, results in all_results.items():
        metric, runs = SETTINGS[setting][2], results["cadp"]
        cells = [
            mean_sd([getattr(r, when)(prefix + metric) for r in runs])
            for when in ("before_pruning", "final")
            for prefix in ("cadp_c_", "")
        ]
        rows.append(f"| {setting} ({SETTINGS[setting][3]}) | {' | '.join(cells)} |")
    return rows


def curve(runs: list[Result], key: str) -> tuple[list[float], list[float]]:
    """Mean over seeds of ``key`` at each evaluation: ``(decisions, values)``."""
    points: dict[float, list[float]] = {}
    for run in runs:
        for row in run.rows:
            if row.get(key) is not None:
                points.setdefault(row["decisions"], []).append(row[key])
    xs = sorted(points)
    return xs, [float(np.mean(points[x])) for x in xs]


def plot_curves(setting: str, results: dict[str, list[Result]], path: Path) -> Path:
    """One PNG: every series over training, the pruning start and CTEDD's phase switch."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from trainers.ctedd import global_updates

    metric, description = SETTINGS[setting][2], SETTINGS[setting][3]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for label, method, prefix in SERIES:
        xs, ys = curve(results[method], prefix + metric)
        style = "--" if prefix else "-"
        ax.plot(xs, ys, style, marker="." if len(xs) < 40 else None, label=label)
    cadp, ctedd = results["cadp"][0].cfg, results["ctedd"][0].cfg
    ax.axvline(cadp.prune_start * cadp.total_decisions, color="grey", ls=":", label="prune start")
    switch = global_updates(ctedd) * ctedd.batch_size
    ax.axvline(switch, color="black", ls=":", label="CTEDD: distillation starts")
    ax.set(xlabel="decisions", ylabel=description, title=f"{setting}: mean over seeds")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def round_robin(results: dict[str, list[Result]], args: argparse.Namespace) -> pd.DataFrame:
    """Bradley-Terry ratings of a round-robin of the final Skull agents, heuristic, random."""
    from arena import tournament as tour
    from arena.ladder import Ladder
    from arena.options import RunOptions
    from arena.report import ratings_table

    labels = {str(r.package): f"{m}-s{r.cfg.seed}" for m, runs in results.items() for r in runs}
    config = tour.TournamentConfig(
        game="skull",
        params=results["ctde"][0].cfg.params,
        agents=(*labels, "heuristic", "random"),
        games_per_pairing=args.deals,
        isolation="none",
    )
    name = f"methods-{args.budget}-{args.seeds}-{args.deals}"
    with Ladder(Path(args.runs) / "methods.sqlite") as ladder:
        row = ladder.tournament(name) or tour.create(ladder, config, name)
        tour.run(ladder, row, options=RunOptions(workers=args.workers))
        table = ratings_table(ladder.games(tournament=name))
    table["agent"] = table["agent"].map(lambda label: labels.get(label.rpartition("@")[0], label))
    return table


def ratings_rows(table: pd.DataFrame) -> list[str]:
    """The ratings table in Markdown, and each method's mean rating over its seeds."""
    rows = ["| rank | agent | rating (95% CI) | games | win rate |", "|---|---|---|---|---|"]
    for r in table.itertuples():
        ci = f"{r.rating:.0f} (-{r.minus:.0f}/+{r.plus:.0f})"
        rows.append(f"| {r.rank} | {r.agent} | {ci} | {r.games} | {r.win_rate:.3f} |")
    means = {m: table[table.agent.str.startswith(f"{m}-")].rating.mean() for m in METHODS}
    rows += ["", "Mean rating per method: " + ", ".join(f"{m} {v:.0f}" for m, v in means.items())]
    return rows


def _mean_final(runs: list[Result], key: str) -> float:
    values = [r.final(key) for r in runs]
    return float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")


def conclusion(
    all_results: dict[str, dict[str, list[Result]]], table: pd.DataFrame, seeds: int
) -> list[str]:
    """Plain sentences drawn from the numbers above."""
    duel, skull = all_results["duel"], all_results["skull"]
    nash = {
        "CTDE": _mean_final(duel["ctde"], "nash_conv"),
        "CADP(D)": _mean_final(duel["cadp"], "nash_conv"),
        "CTEDD": _mean_final(duel["ctedd"], "nash_conv"),
    }
    best = min(nash, key=lambda k: nash[k] if np.isfinite(nash[k]) else np.inf)
    means = {m: table[table.agent.str.startswith(f"{m}-")].rating.mean() for m in METHODS}
    top = max(means, key=lambda k: means[k] if np.isfinite(means[k]) else -np.inf)
    gap = [r.final("nash_conv") - r.final("cadp_c_nash_conv") for r in duel["cadp"]]
    gap0 = [
        r.before_pruning("nash_conv") - r.before_pruning("cadp_c_nash_conv") for r in duel["cadp"]
    ]
    distil = [r.final("nash_conv") - r.final("global_nash_conv") for r in duel["ctedd"]]
    win = {m: _mean_final(skull[m], "win_vs_heuristic") for m in METHODS}
    return [
        f"* Duel: the deployable agent with the lowest mean NashConv is {best}'s "
        f"({', '.join(f'{k} {v:.3f}' for k, v in nash.items())}).",
        f"* Skull (4 players): the best mean Bradley-Terry rating is {top}'s "
        f"(win rates vs heuristic: {', '.join(f'{k} {v:.3f}' for k, v in win.items())}).",
        f"* Pruning: CADP(D) minus CADP(C) NashConv on the duel is {mean_sd(gap0)} before "
        f"pruning and {mean_sd(gap)} at the end: pruning makes the shipped, decentralized "
        "actor play like the centralized one it was trained as when this goes to 0. CADP(C) "
        "reads the opponent's observation (its die) through the advice, so its NashConv is "
        "not an exploitability and may be negative; a large gap means the centralized policy "
        "leans on hidden information that pruning has not yet removed.",
        f"* Distillation: the distilled CTEDD agent's NashConv minus its global policy's is "
        f"{mean_sd(distil)} (the global policy reads the opponent's die: its NashConv against "
        "honest best responses may even be negative).",
        f"* {seeds} seed(s) per method: differences smaller than the spread over seeds "
        "(± sd in the tables) are not significant.",
    ]


def main() -> None:
    """Train, evaluate, play the round-robin, write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=2_000_000, help="decisions per run")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per method (>= 3)")
    parser.add_argument("--games", type=int, default=500, help="games per win-rate evaluation")
    parser.add_argument("--evals", type=int, default=10, help="evaluations per run")
    parser.add_argument("--deals", type=int, default=2, help="deals per round-robin table")
    parser.add_argument("--workers", type=int, default=1, help="round-robin worker processes")
    parser.add_argument("--runs", default="runs/bench-methods", help="folder of the runs")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config field of every run (e.g. num_envs=64)",
    )
    parser.add_argument("--out", default="docs/results.md")
    args = parser.parse_args()
    torch.set_num_threads(1)
    start = time.time()
    all_results = {setting: train_all(setting, args) for setting in SETTINGS}
    table = round_robin(all_results["skull"], args)
    text = report(all_results, table, args)
    print("\n" + text)
    write_section(Path(args.out), "methods", text, time.time() - start)


def report(
    all_results: dict[str, dict[str, list[Result]]], table: pd.DataFrame, args: argparse.Namespace
) -> str:
    """The Markdown section, with the plots written beside ``--out``."""
    docs = Path(args.out).parent
    lines = [
        f"## Methods: CTDE vs CADP vs CTEDD ({args.budget:,} decisions per run, "
        f"{args.seeds} seed(s), {args.games} games per win rate)",
        "",
    ]
    for setting in SETTINGS:
        png = plot_curves(setting, all_results[setting], docs / f"methods_{setting}.png")
        lines += [
            f"### {setting}: {SETTINGS[setting][3]} at the end",
            "",
            *final_table(setting, all_results[setting]),
            "",
            f"![{setting}]({png.name})",
            "",
        ]
    lines += [
        "### CADP(C) vs CADP(D), before and after pruning",
        "",
        *pruning_table(all_results),
        "",
        "### Skull round-robin of the final agents (Bradley-Terry, random = 0)",
        "",
        *ratings_rows(table),
        "",
        "### Conclusion",
        "",
        *conclusion(all_results, table, args.seeds),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
