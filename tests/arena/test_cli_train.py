"""``arena train`` (arena/cli/train.py): the placement gauntlet, settings refused up front,
signals, resume and extension, divergence, the budget."""

from __future__ import annotations

import csv
import json
import re
import signal
from pathlib import Path

import pytest
import torch

from arena.cli import main
from tests.trainers.helpers import start_training
from trainers.checkpoint import load_checkpoint

TINY = ["total_decisions=2000", "num_envs=16", "steps_per_env=16", "eval_every=0"]
TINY += ["checkpoint_every=2", "actor_hidden=[16]", "critic_hidden=[16]"]


def test_placement_prints_its_configuration_and_marks_the_new_agent(tmp_path, capsys, monkeypatch):
    from arena.cli import options
    from trainers import evaluate

    monkeypatch.setattr(options, "default_workers", lambda: 1)  # 8 games: one worker is enough
    # the final evaluation's exact NashConv (tests/games/test_openspiel.py) is not what this
    # test is about: a known value instead of 8 s of tree walking
    monkeypatch.setattr(evaluate, "nash_conv", lambda actor: 1.5)
    argv = ["train", "liars_dice_duel_ctde", "--out", str(tmp_path / "run"), "--quiet"]
    for item in TINY:
        argv += ["--set", item]
    argv += ["--ladder", "--placement-games", "2", "--db", str(tmp_path / "l.db")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert re.search(
        r"^\nliars_dice .*mode=single_round.*: 8 games; \* marks the new agent$", out, re.M
    )
    package = str(tmp_path / "run" / "agent")
    marked = [line for line in out.splitlines() if line.lstrip().startswith("*")]
    assert len(marked) == 1 and f"{package}@" in marked[0]
    rows = [line.split() for line in out.splitlines() if re.match(r"^\s*\*?\d+\s", line)]
    assert {"random", "heuristic"} <= {row[1] for row in rows}


# -- part 4 of issue 13: a trainer that never loses work and refuses bad settings up front ----

SKULL = [
    "params.players=3",
    "num_envs=8",
    "steps_per_env=8",
    "actor_hidden=[16]",
    "critic_hidden=[16]",
    "eval_every=0",
    "eval_games=10",
    "opponent_agents=[]",
    "opponent_agent_prob=0",
    "epochs=1",
    "minibatches=1",
    "pool_size=2",
    "snapshot_every=2",
    "threads=1",
]
"""Skull at 3 seats, 64 decisions an update, tiny networks (no NashConv at the evaluation), one
torch thread (as tests/conftest.py gives the runs in this process)."""


def train_argv(out: Path, *settings: str) -> list[str]:
    """``arena train skull_ctde --out OUT --quiet`` with :data:`SKULL` and ``settings``."""
    argv = ["train", "skull_ctde", "--out", str(out), "--quiet"]
    for item in (*SKULL, *settings):
        argv += ["--set", item]
    return argv


def metrics_columns(out: Path) -> dict[str, list[str]]:
    """The cells of ``out/metrics.csv`` by column (empty cells left out)."""
    with (out / "metrics.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    return {key: [row[key] for row in rows if row[key]] for key in rows[0]}


BAD_SETTINGS = [
    ("lr=abc", "lr='abc'"),
    ("gamma=-1", "gamma=-1"),
    ("clip=-1", "clip=-1"),
    ("gae_lambda=2", "gae_lambda=2"),
    ("total_decisions=1.5", "total_decisions=1.5"),
    ("epochs=true", "epochs=True"),
    ("threads=0", "threads=0"),
    ("checkpoint_every=0", "checkpoint_every=0"),
    ("lr=nan", "lr=nan"),
    ("actor_hidden=[0]", "actor_hidden.0=0"),
    ("pool_prob=2", "pool_prob=2"),
    ("opponent_agents=['nosuch']", "opponent_agents: unknown agent 'nosuch'"),
    ("teacher=nosuch", "teacher: unknown agent 'nosuch'"),
    ("best_metric=nash_conv", "best_metric must be one of auto, win_vs_random"),
    ("magnet_coef=-0.1", "magnet_coef=-0.1"),
    ("entropy_until=0", "entropy_until=0"),
    ("method=ppo", "method='ppo'"),
    ("params.players=9", "players"),
    ("ctedd_local_fraction=0.5", "ctedd_global_fraction + ctedd_local_fraction must be below 1"),
]


@pytest.mark.parametrize("item, named", BAD_SETTINGS)
def test_a_bad_setting_is_refused_in_one_line_before_anything_is_written(
    tmp_path, capsys, item, named
):
    out = tmp_path / "run"
    assert main(train_argv(out, item)) == 2
    err = capsys.readouterr().err
    assert err.startswith("arena: error: ") and err.count("\n") == 1 and named in err
    assert not out.exists()


def test_the_budget_is_met_exactly_or_the_rounding_is_printed(tmp_path, capsys):
    assert main(train_argv(tmp_path / "exact", "total_decisions=256")) == 0
    assert "note:" not in capsys.readouterr().err
    assert main(train_argv(tmp_path / "rounded", "total_decisions=200")) == 0
    err = capsys.readouterr().err
    assert "total_decisions 200 is not a multiple of the 64 decisions" in err
    assert "training 192 decisions in 3 updates" in err
    for name, steps in (("exact", 256), ("rounded", 192)):
        package = json.loads((tmp_path / name / "agent" / "agent.json").read_text())
        assert package["training"]["steps"] == steps


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_before_the_first_checkpoint_saves_one_and_the_run_resumes(tmp_path, capsys, sig):
    out = tmp_path / "run"
    argv = train_argv(out, "total_decisions=6400", "checkpoint_every=1000")  # 100 updates
    proc = start_training(argv, out)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 128 + sig, err
    stopped = load_checkpoint(out)["update"]
    assert 1 <= stopped < 100  # no periodic checkpoint before update 1000
    assert f"stopped after update {stopped} of 100" in err and f"--resume {out}" in err
    assert not (out / "agent").exists()
    assert main(["train", "--resume", str(out), "--quiet"]) == 0
    assert load_checkpoint(out)["update"] == 100 and (out / "agent" / "agent.json").exists()
    columns = metrics_columns(out)
    assert columns["update"] == [str(u) for u in range(1, 101)]  # integers across the resume
    for key, cells in columns.items():  # every column keeps one type: ints stay ints
        kinds = {cell.lstrip("-").isdigit() for cell in cells}
        assert len(kinds) == 1, (key, cells)


def test_resume_with_a_larger_budget_extends_a_finished_run(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(train_argv(out, "total_decisions=256")) == 0  # 4 updates, then exported
    argv = ["train", "--resume", str(out), "--quiet"]
    assert main([*argv, "--set", "total_decisions=512"]) == 0
    saved = load_checkpoint(out)
    assert saved["update"] == 8 and saved["config"]["total_decisions"] == 512
    package = json.loads((out / "agent" / "agent.json").read_text())
    assert package["training"]["steps"] == 512
    assert metrics_columns(out)["update"] == [str(u) for u in range(1, 9)]
    capsys.readouterr()
    assert main([*argv, "--set", "lr=0.5"]) == 2  # only the budget and bookkeeping may change
    assert "lr differ" in capsys.readouterr().err
    assert main([*argv, "--set", "total_decisions=128"]) == 2  # less than already trained
    assert "more than the 2 of total_decisions=128" in capsys.readouterr().err
    assert load_checkpoint(out)["update"] == 8


def test_a_diverged_run_stops_naming_the_loss_and_keeps_the_last_good_checkpoint(tmp_path, capsys):
    out = tmp_path / "run"
    # lr goes from 1e-8 (update 1) to ~1e29 (update 2): the weights overflow in update 2.
    argv = train_argv(out, "total_decisions=512", "lr=1e-8", "lr_final=1e30", "epochs=2")
    assert main([*argv, "--set", "checkpoint_every=1"]) == 1
    err = capsys.readouterr().err
    assert re.search(r"stopped: \w+ is (nan|inf|-inf) \(not finite\) in update 2", err), err
    assert f"the last good checkpoint (update 1) is kept in {out}" in err
    saved = load_checkpoint(out)
    assert saved["update"] == 1
    assert all(bool(torch.isfinite(w).all()) for w in saved["actor"].values())
    assert not (out / "agent").exists()
