"""Seats at a match: an agent behind a fault boundary.

A :class:`Player` wraps one agent for one seat and turns every misbehaviour into a
:class:`Forfeit` with a reason, so the referee (``arena.match``) never crashes because of an
agent. Two kinds:

* :class:`InProcessPlayer` — the agent runs in the referee's process; exceptions are caught
  and the move time is checked after the fact. Fast; for trusted agents (``--isolation none``).
* :class:`ProcessPlayer` — the agent runs in a child process (an *agent host*); a move that
  takes longer than the limit, a hang, or a child that dies gets a forfeit and the child is
  killed and replaced. The child answers in JSON, so a hostile agent cannot make the referee
  unpickle anything.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing as mp
import time
import traceback
from multiprocessing.connection import Connection
from typing import Any

from agents.base import Agent, load_agent
from games.core import Game, Observation

DEFAULT_MOVE_TIMEOUT = 10.0
"""Seconds an agent may think about one move."""
DEFAULT_LOAD_TIMEOUT = 120.0
"""Seconds an agent may take to load and reset (importing torch can take a while)."""


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


def _host_main(conn: Connection, spec: str) -> None:
    """The agent host: load the agent, then answer reset/act requests in JSON until closed."""
    agent: Agent | None = None
    while True:
        try:
            message = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        kind = message[0]
        if kind == "close":
            return
        try:
            if agent is None:
                agent = load_agent(spec)
            if kind == "reset":
                game_cls, params, seat, seed = message[1:]
                agent.reset(game_cls(**params), seat, seed)
                reply: dict[str, Any] = {"ok": None}
            else:
                reply = {"ok": agent.act(message[1])}
        except Exception as exc:
            reply = {"error": _short(exc), "trace": traceback.format_exc(limit=5)}
        try:
            payload = json.dumps(reply)
        except (TypeError, ValueError):
            payload = json.dumps({"garbage": repr(reply.get("ok"))[:200]})
        conn.send_bytes(payload.encode())


def _context() -> mp.context.BaseContext:
    methods = mp.get_all_start_methods()
    return mp.get_context("forkserver" if "forkserver" in methods else "spawn")


class ProcessPlayer:
    """An agent in its own child process, restarted after any fault."""

    def __init__(
        self,
        spec: str,
        move_timeout: float = DEFAULT_MOVE_TIMEOUT,
        load_timeout: float = DEFAULT_LOAD_TIMEOUT,
    ) -> None:
        self.spec = spec
        self.move_timeout = move_timeout
        self.load_timeout = load_timeout
        self._proc: mp.process.BaseProcess | None = None
        self._conn: Connection | None = None

    def _start(self) -> None:
        ctx = _context()
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_host_main, args=(child, self.spec), daemon=True)
        proc.start()
        child.close()
        self._proc, self._conn = proc, parent

    def _request(self, message: tuple, timeout: float) -> Any:
        if self._proc is None:
            self._start()
        try:
            self._conn.send(message)
            if not self._conn.poll(timeout):
                self.close()
                raise Forfeit(f"timeout: no answer within {timeout:g}s")
            raw = self._conn.recv_bytes()
        except (EOFError, OSError, BrokenPipeError) as exc:
            self._proc.join(timeout=2.0)
            code = self._proc.exitcode
            self.close()
            raise Forfeit(f"crashed: agent process died (exit code {code})") from exc
        return self._decode(raw)

    def _decode(self, raw: bytes) -> Any:
        try:
            reply = json.loads(raw)
        except ValueError:
            self.close()
            raise Forfeit("malformed reply from agent process") from None
        if "error" in reply:
            raise Forfeit(f"raised {reply['error']}")
        if "garbage" in reply:
            raise Forfeit(f"malformed action {reply['garbage']:.80}")
        return reply.get("ok")

    def reset(self, game: Game, seat: int, seed: int | None) -> None:
        """Start the host if needed and reset the agent; faults are forfeits."""
        try:
            self._request(("reset", type(game), game.params, seat, seed), self.load_timeout)
        except Forfeit as exc:
            raise Forfeit(f"failed to start: {exc.reason}") from exc

    def act(self, obs: Observation) -> int:
        """The agent's move, validated; raises :class:`Forfeit`."""
        return check_action(self._request(("act", obs), self.move_timeout), obs)

    def close(self) -> None:
        """Stop the child process (politely, then by force)."""
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.send(("close",))
            conn.close()
        if proc is not None:
            proc.join(timeout=0.5)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=5)


Player = InProcessPlayer | ProcessPlayer


def make_player(spec: str, isolation: str, move_timeout: float) -> Player:
    """A player for ``spec`` with ``isolation`` ``"process"`` or ``"none"``."""
    if isolation == "process":
        return ProcessPlayer(spec, move_timeout)
    if isolation == "none":
        return InProcessPlayer(spec, move_timeout)
    raise ValueError(f"isolation must be 'process' or 'none', got {isolation!r}")
