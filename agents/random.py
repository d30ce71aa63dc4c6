"""The uniform random agent: every legal action equally likely, seeded by ``reset``."""

from __future__ import annotations

import numpy as np

from agents.base import BaseAgent
from games.core import Observation


class RandomAgent(BaseAgent):
    """Uniform over the legal actions; provides :meth:`policy` for exact evaluation."""

    name = "random"

    def policy(self, obs: Observation) -> np.ndarray:
        mask = obs.legal_mask.astype(np.float64)
        return mask / mask.sum()

    def act(self, obs: Observation) -> int:
        legal = np.flatnonzero(obs.legal_mask)
        return int(legal[self.rng.integers(len(legal))])
