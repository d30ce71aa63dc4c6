"""Exact NashConv on the duel's tree (trainers/exact.py) against OpenSpiel's C++ best response."""

from __future__ import annotations

import numpy as np
import pytest

from games import openspiel as bridge
from trainers.exact import policy_nash_conv


def _lopsided(observations) -> np.ndarray:
    """A deterministic, far-from-uniform policy with mass on illegal actions and negative
    values (which the tabular form clips and renormalises away)."""
    rows = np.stack([o.tensor for o in observations]).astype(np.float64)
    rng = np.random.default_rng(7)
    weights = rng.normal(size=(rows.shape[1], 13))
    probs = np.exp(np.tanh(rows @ weights) * 3.0)
    probs[:, 1::3] *= -1.0  # never every legal action: 0 or the liar call (12) is legal
    return probs


def test_policy_nash_conv_equals_openspiels():
    """OpenSpiel's C++ value is computed once here (3.5 s); uniform random play's known value
    (1.5615) checks both, since they are equal."""
    assert policy_nash_conv(_lopsided) == pytest.approx(bridge.nash_conv(_lopsided), abs=1e-9)
    assert policy_nash_conv(bridge.uniform_policy) == pytest.approx(1.5615, abs=1e-3)


def test_a_policy_without_mass_on_a_legal_action_is_refused():
    def never(observations):
        return np.zeros((len(observations), 13))

    with pytest.raises(ValueError, match="no probability to a legal action"):
        policy_nash_conv(never)
