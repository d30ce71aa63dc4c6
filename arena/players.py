"""A seat at a single match played in this process: an agent behind a fault boundary.

:class:`InProcessPlayer` wraps one trusted agent for one seat (the terminal app's opponents,
:func:`arena.match.play_match` in tests and evaluations) and turns every misbehaviour into a
:class:`Forfeit` with a reason. Tournaments do not use it: they play many games at once
through agent hosts (:mod:`arena.hosts`, :mod:`arena.referee`), where agent code never runs in
the referee.
"""

from __future__ import annotations

import time
from typing import Any

from agents.base import Agent, load_agent
from games.core import Game, Observation

DEFAULT_MOVE_TIMEOUT = 10.0
"""Seconds an agent may think about one move."""


class Forfeit(Exception):
    """An agent lost the game by misbehaving; ``reason`` says how."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 300 else text[:297] + "..."


def check_action(action: Any, obs: Observation) -> int:
    """Validate an agent's answer against the legal mask.

    Raises:
        Forfeit: ``malformed action`` (not an integer) or ``illegal action``.
    """
    if isinstance(action, bool) or not isinstance(action, int):
        try:
            is_integral = int(action) == action and not isinstance(action, (str, bytes, bool))
        except (TypeError, ValueError, OverflowError):
            is_integral = False
        if not is_integral:
            raise Forfeit(f"malformed action {action!r:.80}")
        action = int(action)
    if not 0 <= action < len(obs.legal_mask) or not obs.legal_mask[action]:
        raise Forfeit(f"illegal action {action}")
    return action


class InProcessPlayer:
    """An agent in the referee's process (no protection against hangs or exits)."""

    def __init__(self, spec: str, move_timeout: float = DEFAULT_MOVE_TIMEOUT) -> None:
        self.spec = spec
        self.move_timeout = move_timeout
        self.agent: Agent | None = None

    def reset(self, game: Game, seat: int, seed: int | None) -> None:
        """Load (once) and reset the agent; any error is a forfeit."""
        try:
            if self.agent is None:
                self.agent = load_agent(self.spec)
            self.agent.reset(game, seat, seed)
        except Exception as exc:
            raise Forfeit(f"failed to start: {_short(exc)}") from exc

    def act(self, obs: Observation) -> int:
        """The agent's move, validated; raises :class:`Forfeit`."""
        start = time.perf_counter()
        try:
            action = self.agent.act(obs)
        except Exception as exc:
            raise Forfeit(f"raised {_short(exc)}") from exc
        if time.perf_counter() - start > self.move_timeout:
            raise Forfeit(f"timeout: move took longer than {self.move_timeout:g}s")
        return check_action(action, obs)

    def close(self) -> None:
        """Nothing to release."""


Player = InProcessPlayer
