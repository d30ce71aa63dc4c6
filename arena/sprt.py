"""The sequential probability ratio test on paired deals: is A stronger than B?

As in fishtest, cutechess and fastchess, a match plays *deals* in every seat rotation (for two
seats: both seat orders on the same cards, a "game pair"), and each deal is one observation:
A's mean pairwise score against B's seats over the deal's games, in [0, 1]. For two seats this
is the pentanomial model (scores 0, 1/4, 1/2, 3/4, 1 of a game pair); at N-player tables (A
against N-1 copies of B, N rotations) the deal score takes more values, and the same test
applies to its distribution, whatever it is. Pairing the rotations removes the luck of the cards
from the comparison, which is why a deal, not a game, is the unit.

Hypotheses are on the logistic Elo scale of the pairwise score: ``score = 1 / (1 + 10 **
(-elo / 400))``, which for two seats is the usual Elo of the game. H0: ``elo = elo0``, H1:
``elo = elo1``. The log-likelihood ratio is the generalized one (GSPRT) of Michel Van den
Bergh's analysis used by fishtest: the deal scores are a multinomial over their observed values,
and each hypothesis takes the maximum-likelihood distribution whose mean is that hypothesis's
score. The test accepts H1 when ``LLR >= log((1 - beta) / alpha)``, H0 when
``LLR <= log(beta / (1 - alpha))``, and goes on in between.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

_PSEUDO = 1e-3
"""Pseudo-count of the extreme scores 0 and 1, so that both hypotheses stay inside the support
even while every deal so far scored the same (fishtest regularises the same way)."""


def score_of(elo: float | np.ndarray) -> float | np.ndarray:
    """The expected pairwise score of an Elo difference (logistic)."""
    return 1.0 / (1.0 + 10.0 ** (-np.asarray(elo, dtype=float) / 400.0))


def elo_of(score: float | np.ndarray) -> float | np.ndarray:
    """The Elo difference of an expected pairwise score; +-inf at 1 and 0."""
    s = np.asarray(score, dtype=float)
    with np.errstate(divide="ignore"):
        return 400.0 * (np.log10(s) - np.log10(1.0 - s))


@dataclass(frozen=True)
class Hypotheses:
    """The test's parameters.

    Attributes:
        elo0: Elo difference of H0 (A is not better by more than this).
        elo1: Elo difference of H1 (A is better by at least this); ``elo1 > elo0``.
        alpha: Probability of accepting H1 when H0 holds.
        beta: Probability of accepting H0 when H1 holds.
    """

    elo0: float = 0.0
    elo1: float = 10.0
    alpha: float = 0.05
    beta: float = 0.05

    def __post_init__(self) -> None:
        for name in ("elo0", "elo1", "alpha", "beta"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"sprt {name} must be a number, got {value!r}")
            if not math.isfinite(value):
                raise ValueError(f"sprt {name} must be finite, got {value!r}")
        if not self.elo1 > self.elo0:
            raise ValueError(f"sprt needs elo1 > elo0, got elo0={self.elo0} elo1={self.elo1}")
        if abs(self.elo0) >= 2000 or abs(self.elo1) >= 2000:
            raise ValueError("sprt elo0 and elo1 must be within +-2000")
        for name in ("alpha", "beta"):
            if not 0 < getattr(self, name) < 0.5:
                raise ValueError(f"sprt {name} must be in (0, 0.5), got {getattr(self, name)}")

    @property
    def lower(self) -> float:
        """The LLR at or below which H0 is accepted."""
        return math.log(self.beta / (1.0 - self.alpha))

    @property
    def upper(self) -> float:
        """The LLR at or above which H1 is accepted."""
        return math.log((1.0 - self.beta) / self.alpha)

    @classmethod
    def parse(cls, items: Sequence[str]) -> Hypotheses:
        """``["elo0=0", "elo1=10", "alpha=0.05", "beta=0.05"]`` (any subset; the rest default).

        Raises:
            ValueError: For an unknown name, a missing ``=`` or a bad value.
        """
        names = ("elo0", "elo1", "alpha", "beta")
        values: dict[str, float] = {}
        for item in items:
            name, sep, text = item.partition("=")
            if not sep or name not in names:
                raise ValueError(
                    f"--sprt takes NAME=VALUE with NAME in {', '.join(names)}, got {item!r}"
                )
            try:
                values[name] = float(text)
            except ValueError:
                raise ValueError(f"--sprt {name} must be a number, got {text!r}") from None
        return cls(**values)

    def to_json(self) -> dict[str, float]:
        """The parameters as a dict (stored with a match)."""
        return {"elo0": self.elo0, "elo1": self.elo1, "alpha": self.alpha, "beta": self.beta}


def _constrained(values: np.ndarray, probs: np.ndarray, mean: float) -> np.ndarray:
    """The distribution on ``values`` closest to ``probs`` (max likelihood) with this mean.

    ``p_i = probs_i / (1 + lam (x_i - mean))``, ``lam`` the root of ``sum p_i (x_i - mean) = 0``
    (decreasing in ``lam``), found by bisection; rows are independent (``probs`` is (M, K)).
    """
    d = values - mean  # (K,)
    low = np.full(probs.shape[0], -1.0 / d.max() + 1e-12)
    high = np.full(probs.shape[0], 1.0 / -d.min() - 1e-12)
    for _ in range(100):
        lam = 0.5 * (low + high)
        f = (probs * d / (1.0 + lam[:, None] * d)).sum(axis=1)
        low, high = np.where(f > 0, lam, low), np.where(f > 0, high, lam)
    lam = 0.5 * (low + high)
    return probs / (1.0 + lam[:, None] * d)


def llr(counts: np.ndarray, values: np.ndarray, hypotheses: Hypotheses) -> np.ndarray:
    """The generalized log-likelihood ratio of H1 against H0.

    Args:
        counts: ``(K,)`` or ``(M, K)``: deals observed at each score of ``values``.
        values: ``(K,)`` the possible deal scores, in [0, 1].
        hypotheses: The test.

    Returns:
        ``(M,)``: the LLR of each of M independent tests (M = 1 for ``(K,)`` counts).
    """
    counts = np.atleast_2d(np.asarray(counts, dtype=float))
    values = np.asarray(values, dtype=float)
    support = np.concatenate([values, [0.0, 1.0]])
    padded = np.hstack([counts, np.full((counts.shape[0], 2), _PSEUDO)])
    n = counts.sum(axis=1)
    probs = padded / padded.sum(axis=1, keepdims=True)
    p0 = _constrained(support, probs, float(score_of(hypotheses.elo0)))
    p1 = _constrained(support, probs, float(score_of(hypotheses.elo1)))
    seen = probs > 0  # a value never observed has probability 0 under both: no term
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(seen, probs * (np.log(p1) - np.log(p0)), 0.0)
    out = n * terms.sum(axis=1)
    return out


@dataclass(frozen=True)
class Result:
    """Where a test stands after some deals.

    Attributes:
        deals: Deals observed.
        games: Games observed.
        llr: The log-likelihood ratio.
        lower: LLR bound that accepts H0.
        upper: LLR bound that accepts H1.
        decision: ``"H1"``, ``"H0"`` or ``""`` (go on).
        score: A's mean deal score.
        elo: Its Elo difference (logistic).
        elo_lower: Lower end of the 95% interval of the Elo difference.
        elo_upper: Upper end.
        los: Likelihood of superiority, ``P(elo > 0)`` (normal approximation).
        pentanomial: For two seats, the deals scoring 0, 1/4, 1/2, 3/4 and 1.
    """

    deals: int
    games: int
    llr: float
    lower: float
    upper: float
    decision: str
    score: float
    elo: float
    elo_lower: float
    elo_upper: float
    los: float
    pentanomial: tuple[int, ...] = ()

    def summary(self, hypotheses: Hypotheses) -> str:
        """One line: LLR and bounds, Elo and interval, LOS, deals and games, decision."""
        verdict = {"H1": "accepted H1", "H0": "accepted H0"}.get(self.decision, "undecided")
        penta = f", pentanomial {list(self.pentanomial)}" if self.pentanomial else ""
        return (
            f"LLR {self.llr:.2f} [{self.lower:.2f}, {self.upper:.2f}] "
            f"(elo0={hypotheses.elo0:g} elo1={hypotheses.elo1:g} alpha={hypotheses.alpha:g} "
            f"beta={hypotheses.beta:g}); Elo {self.elo:+.1f} "
            f"[{self.elo_lower:+.1f}, {self.elo_upper:+.1f}] (95%); "
            f"LOS {100 * self.los:.1f}%; {self.deals} deals, {self.games} games{penta}: "
            f"{verdict}"
        )


def evaluate(
    deal_scores: Sequence[float], hypotheses: Hypotheses, seats: int = 2, games: int | None = None
) -> Result:
    """The test on A's deal scores (one per complete deal, in [0, 1]).

    Args:
        deal_scores: A's mean pairwise score against B in each deal.
        hypotheses: The test.
        seats: Seats at the table (a deal is that many games, one per rotation); 0 for deals
            of several table sizes (no pentanomial then).
        games: Games of those deals (default ``seats`` per deal).
    """
    scores = np.round(np.asarray(deal_scores, dtype=float), 9)
    if scores.size and not ((scores >= 0) & (scores <= 1)).all():
        raise ValueError("deal scores must be in [0, 1]")
    values, counts = np.unique(scores, return_counts=True)
    n = int(scores.size)
    ratio = float(llr(counts, values, hypotheses)[0]) if n else 0.0
    decision = "H1" if ratio >= hypotheses.upper else "H0" if ratio <= hypotheses.lower else ""
    mean = float(scores.mean()) if n else 0.5
    # the interval and LOS: the scores with half a deal at 0 and half at 1 added, so that a
    # clean sweep still has a spread (Agresti-Coull's idea); the estimate is the plain mean
    padded, weights = np.append(scores, [0.0, 1.0]), np.append(np.ones(n), [0.5, 0.5])
    centre = float(np.average(padded, weights=weights))
    se = math.sqrt(float(np.average((padded - centre) ** 2, weights=weights)) / (n + 1))
    z = NormalDist().inv_cdf(0.975)
    low, high = (float(elo_of(min(max(centre + k * z * se, 0.0), 1.0))) for k in (-1, 1))
    penta = tuple(int(np.sum(np.isclose(scores, v))) for v in (0, 0.25, 0.5, 0.75, 1.0))
    penta = penta if seats == 2 and n else ()
    return Result(
        deals=n,
        games=seats * n if games is None else games,
        llr=ratio,
        lower=hypotheses.lower,
        upper=hypotheses.upper,
        decision=decision,
        score=mean,
        elo=float(elo_of(mean)),
        elo_lower=low,
        elo_upper=high,
        los=NormalDist().cdf((centre - 0.5) / se),
        pentanomial=penta,
    )
