"""The heuristic agent: a hand-written strategy per game, a fair opponent for a casual player.

``HeuristicAgent`` (the built-in spec ``heuristic``) picks a per-game strategy in :meth:`reset`
(:class:`~agents.heuristic.liars_dice.LiarsDiceStrategy`,
:class:`~agents.heuristic.skull.SkullStrategy`). A strategy reads only the Observation it is
given (the local tensor through the game's named observation slices, and the legal mask) and
returns a probability vector: mostly one move, with a little mixing (bluffs, close calls) so
that it is not trivially exploitable. :meth:`HeuristicAgent.act` samples it with the agent's
seeded generator, so the same seed gives the same moves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from agents.base import BaseAgent
from agents.heuristic.liars_dice import LiarsDiceStrategy
from agents.heuristic.skull import SkullStrategy
from games.core import Game, Observation

__all__ = ["STRATEGIES", "HeuristicAgent", "LiarsDiceStrategy", "SkullStrategy", "Strategy"]


class Strategy(Protocol):
    """A per-game heuristic: a policy over the game's actions from a local observation."""

    def policy(self, obs: Observation) -> np.ndarray:
        """Action probabilities over ``num_distinct_actions``, zero on illegal actions."""


STRATEGIES: dict[str, Callable[[Any], Strategy]] = {
    "liars_dice": LiarsDiceStrategy,
    "skull": SkullStrategy,
}
"""Game name -> strategy factory (called with the Game)."""


class HeuristicAgent(BaseAgent):
    """Dispatches to the strategy of the game; see the module docstring."""

    name = "heuristic"

    def __init__(self) -> None:
        super().__init__()
        self.strategy: Strategy | None = None

    def supports(self, game: Game) -> str | None:
        if game.name not in STRATEGIES:
            return f"no heuristic for game {game.name!r}; games: {', '.join(STRATEGIES)}"
        return None

    def reset(self, game: Game, seat: int, seed: int | None) -> None:
        previous = self.game
        super().reset(game, seat, seed)
        if self.strategy is None or previous != game:
            self.strategy = STRATEGIES[game.name](game)

    def policy(self, obs: Observation) -> np.ndarray:
        if self.strategy is None:
            raise RuntimeError("HeuristicAgent.policy called before reset(game, seat, seed)")
        return self.strategy.policy(obs)

    def act(self, obs: Observation) -> int:
        probs = self.policy(obs)
        best = int(np.argmax(probs))
        if probs[best] >= 1.0:
            return best
        return int(self.rng.choice(len(probs), p=probs))
