"""Shared helpers for the trainer tests."""

from __future__ import annotations

import numpy as np

from trainers.loop import Run


def assert_same_networks(a: Run, b: Run) -> None:
    """The actors and critics of two runs have bit-identical weights."""
    for net_a, net_b in ((a.actor, b.actor), (a.critic, b.critic)):
        for x, y in zip(net_a.parameters(), net_b.parameters(), strict=True):
            np.testing.assert_array_equal(x.detach().numpy(), y.detach().numpy())
