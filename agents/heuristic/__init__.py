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
from functools import lru_cache
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


@lru_cache(maxsize=32)
def strategy_for(game: Game) -> Strategy:
    """The strategy of ``game``'s configuration, made once and shared: a strategy holds only
    what the configuration fixes (its tables and the observation's layout; Liar's Dice's
    binomial tables cost 0.3 ms to build), so every heuristic agent of one configuration,
    in every seat and game, can read the same one."""
    return STRATEGIES[game.name](game)


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
        super().reset(game, seat, seed)
        self.strategy = strategy_for(game)

    def policy(self, obs: Observation) -> np.ndarray:
        if self.strategy is None:
            raise RuntimeError("HeuristicAgent.policy called before reset(game, seat, seed)")
        return self.strategy.policy(obs)

    @property
    def batch_policy(self) -> Callable[[np.ndarray, np.ndarray], np.ndarray] | None:
        """The strategy's policy of many observations at once (``(tensors [B, obs_dim], masks
        [B, A]) -> [B, A]``, the same numbers as :meth:`policy`), where it has one (Liar's Dice);
        the trainer's fixed opponents use it with :meth:`choose`."""
        return getattr(self.strategy, "policies", None)

    def act(self, obs: Observation) -> int:
        return self.choose(self.policy(obs))

    def choose(self, probs: np.ndarray) -> int:
        """The move :meth:`act` makes from its policy ``probs`` (drawn with this agent's
        generator unless one move is certain)."""
        best = int(np.argmax(probs))
        if probs[best] >= 1.0:
            return best
        return int(self.rng.choice(len(probs), p=probs))
