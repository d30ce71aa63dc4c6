"""Evaluation during training (trainers/evaluate.py): win rates with Wilson intervals."""

from __future__ import annotations

import pytest

import games
from tests.trainers.helpers import uniform_actor
from trainers.evaluate import WinRate, evaluate


def test_a_win_rate_carries_its_wilson_interval():
    none = WinRate.of(0, 20)  # the normal approximation would give [0, 0]
    assert none.rate == none.low == 0.0
    assert none.high == pytest.approx(1.96**2 / (20 + 1.96**2), abs=1e-4)  # 0.161
    half = WinRate.of(50, 100)
    assert (half.low, half.high) == pytest.approx((0.4038, 0.5962), abs=1e-4)
    assert WinRate.of(20, 20).high == 1.0


def test_evaluate_reports_each_rate_between_its_bounds():
    game = games.make("skull", players=3)
    out = evaluate(uniform_actor(game), game, games=12, seed=0, opponents=("random",))
    assert set(out) == {"win_vs_random", "win_vs_random_low", "win_vs_random_high"}
    assert 0.0 <= out["win_vs_random_low"] <= out["win_vs_random"] <= out["win_vs_random_high"]
    assert out["win_vs_random"] * 12 == round(out["win_vs_random"] * 12)  # whole games
