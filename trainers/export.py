"""Evaluation during training, the choice of the best actor, and the exported agent package.

Every ``eval_every`` updates the deployable actor is evaluated (:func:`run_eval`: win rates,
NashConv in the OpenSpiel configuration, and the method's own metrics); with
``export = "best"`` the weights of the best evaluation so far are kept
(:func:`remember_if_best`) and packaged at the end (:func:`export`).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from torch import nn

from trainers.config import TrainConfig
from trainers.evaluate import evaluate
from trainers.run import Run

if TYPE_CHECKING:
    from trainers.methods import Method


def run_eval(run: Run, method: Method) -> dict[str, float]:
    """Evaluation metrics of the current actor, and the method's own."""
    actor = method.deployable(run.actor)
    out = evaluate(actor, run.game, run.cfg.eval_games, seed=run.cfg.seed + run.update)
    out.update(method.extra_eval(run))
    return out


def selection_score(cfg: TrainConfig, evaluation: dict[str, float]) -> float:
    """How good an evaluation is for ``export = "best"`` (higher is better)."""
    metric = cfg.best_metric
    if metric == "auto":
        if "nash_conv" in evaluation:
            return -evaluation["nash_conv"]
        rates = [v for k, v in evaluation.items() if _is_win_rate(k)]
        return float(np.mean(rates)) if rates else float("-inf")
    if metric not in evaluation:
        raise ValueError(f"best_metric {metric!r} is not an evaluation: {sorted(evaluation)}")
    return -evaluation[metric] if metric.endswith("nash_conv") else evaluation[metric]


def _is_win_rate(key: str) -> bool:
    """Whether ``key`` is a win rate of :func:`trainers.evaluate.evaluate` (not a bound)."""
    return key.startswith("win_vs_") and not key.endswith(("_low", "_high"))


def remember_if_best(run: Run, evaluation: dict[str, float]) -> None:
    """Keep the actor's weights when ``evaluation`` is the best so far."""
    score = selection_score(run.cfg, evaluation)
    if run.best is None or score > run.best["score"]:
        weights = {k: v.detach().clone() for k, v in run.actor.state_dict().items()}
        run.best = {
            "score": score,
            "update": run.update,
            "evaluation": dict(evaluation),
            "actor": weights,
        }


def exported_actor(run: Run, method: Method) -> tuple[nn.Module, dict[str, Any]]:
    """The actor to package (best or final, per the config) and its evaluation."""
    if run.cfg.export == "best" and run.best is not None:
        actor = copy.deepcopy(run.actor)
        actor.load_state_dict(run.best["actor"])
        info = {**run.best["evaluation"], "selected_update": run.best["update"]}
        return method.deployable(actor), info
    return method.deployable(run.actor), {}


def export(
    run: Run,
    method: Method,
    out: Path,
    evaluation: dict[str, float],
    curves: dict[str, list[list[float]]] | None = None,
) -> Path:
    """Write the agent package (best or final actor, per the config) to ``out/agent``, with the
    evaluation ``curves`` of the run (``training.curves``: ``{metric: [[update, value], ...]}``,
    drawn by the HTML report)."""
    from agents.package import save_package

    actor, selected = exported_actor(run, method)
    evaluation = selected or evaluation
    training = {
        "steps": run.decisions,
        "updates": run.update,
        "seed": run.cfg.seed,
        "wall_seconds": round(run.wall, 1),
        "critic": run.cfg.critic,
        "config": run.cfg.to_json(),
        "curves": curves or {},
    }
    return save_package(
        out / "agent",
        actor,
        name=run.cfg.agent_name,
        game=run.game,
        method=method.name,
        training=training,
        evaluation=evaluation,
        overwrite=True,
    )
