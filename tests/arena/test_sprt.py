"""Tests of arena/sprt.py: the GSPRT on paired deals, its error rates, parsing."""

from __future__ import annotations

import math

import numpy as np
import pytest

from arena.sprt import Hypotheses, elo_of, evaluate, llr, score_of

PENTANOMIAL = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
BASE = np.array([0.08, 0.22, 0.4, 0.22, 0.08])
"""A symmetric deal-score distribution (mean 1/2) of game pairs."""


def tilted(elo: float) -> np.ndarray:
    """BASE tilted exponentially until its mean is the score of ``elo``."""
    target = float(score_of(elo))
    low, high = -50.0, 50.0
    for _ in range(100):
        theta = 0.5 * (low + high)
        p = BASE * np.exp(theta * PENTANOMIAL)
        p /= p.sum()
        low, high = (theta, high) if p @ PENTANOMIAL < target else (low, theta)
    return p


def run_tests(elo: float, hypotheses: Hypotheses, runs: int, seed: int) -> np.ndarray:
    """``runs`` sequential tests on deals drawn at ``elo``, looked at every 4 deals; the
    decision of each: +1 H1, -1 H0, 0 none within 20,000 deals."""
    rng = np.random.default_rng(seed)
    p = tilted(elo)
    counts = np.zeros((runs, 5))
    decision = np.zeros(runs)
    for _ in range(5000):
        live = np.flatnonzero(decision == 0)
        if live.size == 0:
            break
        counts[live] += rng.multinomial(4, p, size=live.size)
        ratio = llr(counts[live], PENTANOMIAL, hypotheses)
        decision[live] = np.where(
            ratio >= hypotheses.upper, 1, np.where(ratio <= hypotheses.lower, -1, 0)
        )
    return decision


@pytest.mark.parametrize("alpha", [0.05, 0.1])
def test_error_rates_are_those_asked(alpha: float) -> None:
    """Over 300 seeded tests at each hypothesis, the SPRT errs at most about as often as asked
    (Wald's bounds are conservative: looking every 4 deals overshoots them, erring less)."""
    hypotheses = Hypotheses(elo0=0.0, elo1=40.0, alpha=alpha, beta=0.05)
    under_h0 = run_tests(0.0, hypotheses, 300, seed=1)
    under_h1 = run_tests(40.0, hypotheses, 300, seed=2)
    assert (under_h0 != 0).all() and (under_h1 != 0).all()  # every test ended
    false_h1, false_h0 = np.mean(under_h0 == 1), np.mean(under_h1 == -1)
    print(f"alpha={alpha}: accepted H1 under H0 {false_h1:.3f}, H0 under H1 {false_h0:.3f}")
    assert 0.2 * alpha <= false_h1 <= alpha + 0.03
    assert 0.01 <= false_h0 <= 0.05 + 0.03


def test_llr_of_plain_wins_is_the_bernoulli_ratio() -> None:
    """With only wins and losses (scores 0 and 1) the GSPRT is the classic Bernoulli SPRT."""
    h = Hypotheses(elo0=0.0, elo1=50.0)
    p0, p1 = score_of(0.0), score_of(50.0)
    wins, losses = 70, 50
    expected = wins * math.log(p1 / p0) + losses * math.log((1 - p1) / (1 - p0))
    got = llr(np.array([losses, wins]), np.array([0.0, 1.0]), h)[0]
    assert got == pytest.approx(expected, rel=1e-3)


def test_evaluate_reports_the_pentanomial_and_the_decision() -> None:
    h = Hypotheses(elo0=0.0, elo1=10.0)
    scores = np.random.default_rng(0).choice(PENTANOMIAL, p=tilted(60.0), size=3000)
    result = evaluate(scores, h)
    assert result.decision == "H1" and result.llr >= h.upper
    assert sum(result.pentanomial) == 3000 and result.games == 6000
    assert result.elo_lower < result.elo < result.elo_upper
    assert result.elo == pytest.approx(float(elo_of(scores.mean())))
    assert result.los > 0.99
    assert "accepted H1" in result.summary(h) and "pentanomial" in result.summary(h)
    even = evaluate(np.random.default_rng(1).choice(PENTANOMIAL, p=BASE, size=3000), h)
    assert even.decision == "H0"
    four = evaluate([1.0, 1 / 3, 0.5], h, seats=4)
    assert four.pentanomial == () and four.games == 12 and four.decision == ""


def test_a_clean_sweep_has_a_finite_lower_bound() -> None:
    result = evaluate([1.0] * 30, Hypotheses())
    assert result.elo == math.inf and math.isfinite(result.elo_lower) and result.elo_lower > 0


@pytest.mark.parametrize(
    ("items", "words"),
    [
        (["elo0=0", "elo1=0"], "elo1 > elo0"),
        (["alpha=0.7"], "alpha must be in"),
        (["gamma=1"], "NAME=VALUE"),
        (["elo1"], "NAME=VALUE"),
        (["beta=x"], "must be a number"),
        (["elo1=inf"], "finite"),
    ],
)
def test_bad_hypotheses_are_refused(items: list[str], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        Hypotheses.parse(items)


def test_parse_fills_the_defaults() -> None:
    h = Hypotheses.parse(["elo1=5", "beta=0.1"])
    assert h == Hypotheses(elo0=0.0, elo1=5.0, alpha=0.05, beta=0.1)
    assert h.upper == pytest.approx(math.log(0.9 / 0.05))
    assert h.lower == pytest.approx(math.log(0.1 / 0.95))
