"""The in-process agent host (``--isolation none``): fast, for trusted agents only.

Same interface as :class:`arena.hosts.ProcessHost`; agent errors are still caught and slow
moves still forfeit, but the agent shares the referee's process (docs/security.md).
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from arena.host_main import short
from arena.hosts import Batch, HostError, Reply


class InlineHost:
    """The agent in the referee's own process (``--isolation none``): trusted agents only."""

    def __init__(
        self,
        spec: str,
        game_name: str,
        params: dict[str, Any],
        *,
        move_timeout: float = 10.0,
        **_: Any,
    ) -> None:
        from arena.host_main import Host

        self.spec, self.game_name, self.params = spec, game_name, params
        self.move_timeout = move_timeout
        self.generation = 0
        self.needs_text = True
        self._host = Host()
        self._replies: deque[Reply] = deque()

    @property
    def alive(self) -> bool:
        """Whether the agent is loaded."""
        return self._host.prototype is not None

    def start(self) -> None:
        """Load the agent.

        Raises:
            HostError: ``failed to start: ...``.
        """
        self.launch()
        self.finish_start()

    def launch(self) -> None:
        """Nothing to start: the agent loads in :meth:`finish_start`."""

    def finish_start(self) -> None:
        """Load the agent.

        Raises:
            HostError: ``failed to start: ...``.
        """
        self.generation += 1
        try:
            info = self._host.load(self.spec, self.game_name, self.params, "")
        except Exception as exc:
            raise HostError(f"failed to start: {short(exc)}") from None
        self.needs_text = info["needs_text"]

    def send(self, batch: Batch) -> None:
        """Answer the batch at once (errors caught; a slow batch forfeits afterwards)."""
        start = time.perf_counter()
        raw = self._host.batch(batch.__dict__)
        errors = {int(k): v for k, v in raw["errors"].items()}
        if time.perf_counter() - start > self.move_timeout * max(1, len(batch.slots)):
            reason = f"timeout: no answer within {self.move_timeout:g}s per move"
            errors.update({slot: reason for slot in batch.slots})
        self._replies.append(Reply(raw["actions"], errors))

    def receive(self) -> Reply:
        """The answer computed by :meth:`send` (the oldest not yet read)."""
        if not self._replies:
            raise HostError("crashed: agent process died (in another game)")
        return self._replies.popleft()

    def stop(self, drops: list[tuple[int, list[float]]], timeout: float = 5.0) -> int | None:
        """End the games in ``drops`` and close the agent (see :meth:`ProcessHost.stop`)."""
        if not self.alive:
            return None
        try:
            closed = self._host.close(drops)["closed"]
        except Exception:  # closing a trusted agent that fails: nothing left to forfeit
            return None
        finally:
            self._host.prototype = None
        return closed

    def close(self) -> None:
        """Nothing to release."""
