"""Full-width training on the duel: a tabular solve, distilled into the deployable actor.

    solver = make_solver(cfg, tree)                       # MMD (trainers.mmd) or CFR+
    for each iteration: solver.step()                     # exact, every information state
        every eval_every:    tabular NashConv                       -> metrics.csv
        every distill_every: distil into the actor (warm), its NashConv -> metrics.csv
    final distillation, evaluation (win rates, OpenSpiel's NashConv), the agent package

The duel (Liar's Dice in the OpenSpiel configuration) has 24,576 information states, so a
solver can visit all of them at every iteration with exact values
(:class:`trainers.exact.DuelTree`), where self-play PPO samples. What ships is the same
:class:`agents.neural.MLPActor` as every other method, fitted to the tabular policy
(:mod:`trainers.tabular_distill`). Ctrl-C or SIGTERM stops the solve after the iteration in
progress; the policy reached is still distilled and exported (a second signal aborts).

Every NashConv here is exact, computed on the tree (:func:`trainers.exact.tabular_nash_conv`, the
best responses of :mod:`trainers.exact`); it equals OpenSpiel's (``arena exploitability``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch

import games
from agents.mlp import MLPActor
from agents.neural import ActorConfig
from trainers.cfr_plus import CFRPlusState, cfr_plus_step
from trainers.config import TrainConfig
from trainers.exact import DuelTree, duel_tree, tabular_nash_conv
from trainers.logger import MetricsLog
from trainers.mmd import MMDState, mmd_update
from trainers.signals import StopSignals
from trainers.tabular_distill import InfoStates, distil, distillation_weights, network_policy


class Solver(Protocol):
    """A tabular solver: one exact iteration at a time, and the policy it stands for."""

    iteration: int

    def step(self) -> None:
        """One iteration over every information state."""

    def policy(self) -> np.ndarray:
        """The policy to measure and distil ``[S, 6, A]``."""


@dataclass
class MMDSolver:
    """Magnetic Mirror Descent (:mod:`trainers.mmd`); its policy is the last iterate."""

    tree: DuelTree
    eta: float
    alpha: float
    magnet_every: int
    state: MMDState
    iteration: int = 0

    def step(self) -> None:
        """``pi := mmd_update(pi)``; the magnet ``rho := pi`` every ``magnet_every``."""
        s = self.state
        s.log_pi = mmd_update(self.tree, s.log_pi, s.log_rho, self.eta, self.alpha)
        self.iteration = s.iteration = s.iteration + 1
        if self.magnet_every and self.iteration % self.magnet_every == 0:
            s.log_rho = s.log_pi.copy()

    def policy(self) -> np.ndarray:
        """The current policy."""
        return self.state.policy


@dataclass
class CFRPlusSolver:
    """CFR+ (:mod:`trainers.cfr_plus`); its policy is the linearly weighted average."""

    tree: DuelTree
    state: CFRPlusState
    iteration: int = 0

    def step(self) -> None:
        """One CFR+ iteration of both seats."""
        cfr_plus_step(self.tree, self.state)
        self.iteration = self.state.iteration

    def policy(self) -> np.ndarray:
        """The average policy."""
        return self.state.average(self.tree)


def make_solver(cfg: TrainConfig, tree: DuelTree) -> Solver:
    """The solver of ``cfg.method`` (``mmd`` or ``cfr_plus``), at its start."""
    if cfg.method == "mmd":
        start = MMDState.uniform(tree)
        return MMDSolver(tree, cfg.mmd_eta, cfg.mmd_alpha, cfg.mmd_magnet_every, start)
    if cfg.method == "cfr_plus":
        return CFRPlusSolver(tree, CFRPlusState.start(tree))
    raise ValueError(f"method {cfg.method!r} is not full width: use mmd or cfr_plus")


@dataclass
class FullWidthRun:
    """One full-width run: the solver, the actor it is distilled into, the metrics.

    Attributes:
        start: ``time.perf_counter()`` at the start (``wall_s`` in the metrics counts from it,
            the tree and the information states' observations included).
        stopped: the signal that stopped the solve early, if one did.
        evaluation: the final evaluation (empty until the end).
    """

    cfg: TrainConfig
    out: Path
    tree: DuelTree
    states: InfoStates
    actor: MLPActor
    solver: Solver
    log: MetricsLog
    generator: torch.Generator
    start: float
    stopped: str | None = None
    evaluation: dict[str, float] = field(default_factory=dict)

    @property
    def wall(self) -> float:
        """Seconds since the start."""
        return time.perf_counter() - self.start

    def distil(self) -> dict[str, float]:
        """Distil the solver's policy into the actor (continuing from its weights); the
        distillation's loss and the actor's exact NashConv."""
        cfg, target = self.cfg, self.solver.policy()
        weights = distillation_weights(self.tree, target, cfg.distill_weighting)
        loss = distil(
            self.actor,
            self.states,
            target,
            weights,
            epochs=cfg.distill_epochs,
            lr=cfg.distill_lr,
            batch=cfg.distill_batch,
            generator=self.generator,
        )
        net = network_policy(self.actor, self.states, self.tree)
        return {"distill_loss": loss, "nash_conv": tabular_nash_conv(self.tree, net)}

    def measure(self, distil: bool) -> dict[str, Any]:
        """A metrics row: the tabular NashConv, and the distilled actor's when ``distil``."""
        row: dict[str, Any] = {"update": self.solver.iteration}
        row["tabular_nash_conv"] = tabular_nash_conv(self.tree, self.solver.policy())
        if distil:
            row |= self.distil()
        row["wall_s"] = round(self.wall, 2)
        self.log.add(row)
        return row


def build_full_width(cfg: TrainConfig, out: Path) -> FullWidthRun:
    """A fresh run (seeded actor, solver at its start, empty metrics in ``out``)."""
    start = time.perf_counter()
    torch.manual_seed(cfg.seed)
    game = games.make(cfg.game, **cfg.params)
    actor = MLPActor(ActorConfig.for_game(game, cfg.actor_hidden))
    actor.orthogonal_init()
    tree = duel_tree()
    return FullWidthRun(
        cfg=cfg,
        out=out,
        tree=tree,
        states=InfoStates.build(tree),
        actor=actor,
        solver=make_solver(cfg, tree),
        log=MetricsLog(out),
        generator=torch.Generator().manual_seed(cfg.seed),
        start=start,
    )


def train_full_width(
    cfg: TrainConfig, out: Path, *, progress: bool = True, handle_signals: bool = True
) -> FullWidthRun:
    """Solve, distil and export ``cfg`` (a full-width method) into ``out``: ``metrics.csv``
    (NashConv of the tabular policy and of the actor against ``wall_s``), ``curves.png`` and
    the agent package ``out/agent``."""
    from tqdm import tqdm

    torch.set_num_threads(cfg.threads)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    run = build_full_width(cfg, out)
    with StopSignals(enabled=handle_signals) as stop:
        with tqdm(total=cfg.tabular_iterations, unit="it", disable=not progress) as bar:
            while run.solver.iteration < cfg.tabular_iterations and stop.received is None:
                run.solver.step()
                bar.update(1)
                k = run.solver.iteration
                distil_now = bool(cfg.distill_every) and k % cfg.distill_every == 0
                if distil_now or (cfg.eval_every and k % cfg.eval_every == 0):
                    bar.set_postfix_str(_postfix(run.measure(distil_now)), refresh=False)
        run.stopped = stop.name
        _finish(run)  # a first signal from here on waits for the package; a second aborts
    plot_curves(run.log.rows, out / "curves.png", f"{cfg.agent_name} ({cfg.method})")
    return run


def _finish(run: FullWidthRun) -> None:
    """The final distillation and evaluation (win rates against ``random`` and ``heuristic``,
    the exact NashConv of the actor and of the tabular policy), and the package."""
    from agents.package import save_package
    from trainers.evaluate import evaluate

    cfg = run.cfg
    last = run.log.rows[-1] if run.log.rows else {}
    done = last.get("update") == run.solver.iteration and last.get("nash_conv") is not None
    final = last if done else run.measure(distil=True)
    game = games.make(cfg.game, **cfg.params)
    evaluation = evaluate(run.actor, game, cfg.eval_games, seed=cfg.seed, with_nash_conv=False)
    evaluation |= {key: final[key] for key in ("nash_conv", "tabular_nash_conv")}
    evaluation["iterations"] = final["update"]
    run.evaluation = evaluation
    training = {
        "steps": run.solver.iteration,
        "iterations": run.solver.iteration,
        "seed": cfg.seed,
        "wall_seconds": round(run.wall, 1),
        "config": cfg.to_json(),
        "curves": run.log.curves(x="wall_s"),
    }
    save_package(
        run.out / "agent",
        run.actor,
        name=cfg.agent_name,
        game=game,
        method=cfg.method,
        training=training,
        evaluation=evaluation,
        overwrite=True,
    )


def _postfix(row: dict[str, Any]) -> str:
    parts = [f"tabular NashConv {row['tabular_nash_conv']:.4f}"]
    if "nash_conv" in row:
        parts.append(f"actor {row['nash_conv']:.4f}")
    return ", ".join(parts)


def plot_curves(rows: list[dict[str, Any]], path: Path, title: str) -> Path:
    """NashConv of the tabular policy and of the distilled actor against wall-clock seconds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4))
    for key, label in (("tabular_nash_conv", "tabular"), ("nash_conv", "distilled actor")):
        pts = [(r["wall_s"], r[key]) for r in rows if r.get(key) is not None]
        if pts:
            ax.plot(*zip(*pts, strict=True), marker=".", label=label)
    ax.set(xlabel="wall-clock seconds", ylabel="NashConv", yscale="log", title=title)
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
