"""Shared helpers for the trainer tests."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

from games.core import Game
from trainers.rollout import Batch
from trainers.run import Run


def assert_same_networks(a: Run, b: Run) -> None:
    """The actors and critics of two runs have bit-identical weights."""
    for net_a, net_b in ((a.actor, b.actor), (a.critic, b.critic)):
        for x, y in zip(net_a.parameters(), net_b.parameters(), strict=True):
            np.testing.assert_array_equal(x.detach().numpy(), y.detach().numpy())


def two_seat_batch(**extra: np.ndarray) -> Batch:
    """One game slot, two seats alternating: seat 0, seat 1, seat 0 (the game ends: returns
    +1/-1), then seat 1 of a new game; ``extra`` adds optional fields (e.g. potentials)."""
    return Batch(
        obs=np.zeros((4, 1, 1)), state=np.zeros((4, 1, 0)), mask=np.ones((4, 1, 2), bool),
        action=np.zeros((4, 1), int), logp=np.zeros((4, 1)),
        value=np.array([[0.1], [0.2], [0.3], [0.4]]), seat=np.array([[0], [1], [0], [1]]),
        learner=np.ones((4, 1), bool), done=np.array([[False], [False], [True], [False]]),
        returns=np.array([[[0, 0]], [[0, 0]], [[1.0, -1.0]], [[0, 0]]]),
        bootstrap=np.array([[0.5, 0.7]]), **extra,
    )  # fmt: skip


def uniform_actor(game: Game) -> Callable[[torch.Tensor], torch.Tensor]:
    """An actor of equal logits for every action of ``game`` (uniform over the legal ones)."""

    def logits(obs: torch.Tensor) -> torch.Tensor:
        return torch.zeros(len(obs), game.num_distinct_actions)

    return logits


def start_training(argv: list[str], out: Path) -> subprocess.Popen:
    """Start ``arena ARGV`` (a training run writing to ``out``) from the repository root and
    return once it has logged its first update."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "arena.cli", *argv],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_first_update(out, proc)
    return proc


def wait_for_first_update(out: Path, proc: subprocess.Popen) -> None:
    """Block until the run in ``proc`` has logged an update (a guard, not a timing test)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        path = out / "metrics.csv"
        if path.exists() and len(path.read_text().splitlines()) >= 2:
            return
        time.sleep(0.05)
    proc.kill()
    pytest.fail(f"the run did not start: {proc.communicate()}")
