"""Intervals for proportions: Wilson's score interval, and win rates clustered by deal.

Wilson's interval is scipy's (``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")``)
when the counts are whole; :func:`wilson_interval` is the same formula vectorised and with a
real-valued number of trials, which the deal-clustered rates need (an effective sample size).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np


def wilson_interval(
    successes: np.ndarray | float, trials: np.ndarray | float, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson's score interval of ``successes / trials`` (arrays broadcast; trials > 0).

    Equals ``scipy.stats.binomtest(k, n).proportion_ci(confidence, method="wilson")`` for
    whole counts; ``trials`` may be an effective (real) number of trials.

    Returns:
        ``(lower, upper)``; NaN where ``trials`` is 0.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    z = NormalDist().inv_cdf(0.5 + confidence / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denominator = 1.0 + z**2 / n
        centre = (p + z**2 / (2.0 * n)) / denominator
        half = z / denominator * np.sqrt(p * (1.0 - p) / n + z**2 / (4.0 * n**2))
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def clustered_rates(
    successes: np.ndarray, trials: np.ndarray, counts: np.ndarray, confidence: float = 0.95
) -> dict[str, np.ndarray]:
    """Rates of K quantities observed in clusters (deals), with deal-clustered intervals.

    The rate is ``sum(successes) / sum(trials)``; its variance is the ratio estimator's
    between-deal variance (what resampling deals measures); the design effect is that variance
    over the binomial one (at least 1), and the interval is Wilson's with the trials divided
    by the design effect. A rate of 0 or 1 shows no variance to measure: its interval then
    counts each deal once (the most a correlation within deals could cost).

    Args:
        successes: ``(P, K)`` successes in one deal of each pattern.
        trials: ``(P, K)`` trials in one deal of each pattern.
        counts: ``(P,)`` deals of each pattern.
        confidence: Coverage of the interval.

    Returns:
        Arrays of K: ``successes``, ``trials``, ``rate``, ``lower``, ``upper``, ``design_effect``.
    """
    c = np.asarray(counts, dtype=float)[:, None]
    s, n = np.asarray(successes, dtype=float), np.asarray(trials, dtype=float)
    total_s, total_n = (c * s).sum(axis=0), (c * n).sum(axis=0)
    deals = (c * (n > 0)).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = total_s / total_n
        spread = (c * (s - rate * n) ** 2).sum(axis=0) * deals / np.maximum(deals - 1.0, 1.0)
        binomial = rate * (1.0 - rate) * total_n
        deff = np.where(binomial > 0, spread / binomial, np.nan)
    effective = np.where(np.isnan(deff), deals, total_n / np.maximum(np.nan_to_num(deff), 1.0))
    lower, upper = wilson_interval(rate * effective, effective, confidence)
    return {
        "successes": total_s,
        "trials": total_n,
        "rate": rate,
        "lower": lower,
        "upper": upper,
        "design_effect": deff,
    }
