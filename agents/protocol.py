"""The agent protocol of docs/protocol.md, version 1, from the referee's side: one running
program (:class:`Program`) that answers JSON lines on its stdin/stdout, its handshake and the
games it claims. Every fault of the program raises :class:`ProtocolError`, whose message is the
forfeit reason. :mod:`agents.external` turns such a program into an agent."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import select
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from games.core import Game

PROTOCOL_VERSION = 1
"""The version of docs/protocol.md this module speaks."""
MAX_LINE_BYTES = 1 << 20
"""The longest line a program may write (a reply needs a few bytes per observation)."""
HANDSHAKE_TIMEOUT = 30.0
"""Seconds a program may take to answer ``hello`` (the referee's load timeout also applies)."""
MOVE_TIMEOUT = 10.0
"""Seconds per observation of an ``act`` message (the referee's move timeout also applies)."""
QUIT_TIMEOUT = 5.0
"""Seconds a program may take to exit after ``quit`` before it is killed."""


class ProtocolError(RuntimeError):
    """The program broke the protocol (or died, or was too slow); the message says how.

    The referee records :attr:`forfeit_reason` (the message itself) as the forfeit reason.
    """

    @property
    def forfeit_reason(self) -> str:
        """The reason recorded with the forfeit."""
        return str(self)


@dataclass(frozen=True)
class Command:
    """How to start one program: its argument vector and working directory."""

    argv: tuple[str, ...]
    cwd: str
    name: str

    def paths(self) -> list[str]:
        """The files and directories the program needs to see (for the sandbox)."""
        found = [self.cwd]
        for arg in self.argv:
            path = arg if os.path.isabs(arg) else os.path.join(self.cwd, arg)
            if os.path.exists(path) and os.path.abspath(path) != "/":
                found.append(os.path.abspath(path))
        return found


class Program:
    """One running program speaking the protocol (shared by an agent's per-game copies).

    Args:
        command: what to start.
        move_timeout: seconds per observation of an ``act`` message.
    """

    def __init__(self, command: Command, move_timeout: float = MOVE_TIMEOUT) -> None:
        self.command, self.move_timeout = command, move_timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self.hello: dict[str, Any] = {}
        self.generation = 0
        self.failure: str | None = None
        self._buffer = b""
        self._ids = itertools.count(1)

    # -- life cycle --------------------------------------------------------------------------
    def start(self) -> None:
        """Start the program and check its handshake.

        Raises:
            ProtocolError: it cannot start, or its handshake is missing or wrong.
        """
        self.stop()
        self.generation += 1
        self.failure, self._buffer = None, b""
        try:
            self.proc = subprocess.Popen(
                self.command.argv,
                cwd=self.command.cwd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=None,  # the agent's log (the host's stderr)
            )
        except OSError as exc:
            raise ProtocolError(f"cannot start {self.command.argv[0]!r}: {exc}") from None
        os.set_blocking(self.proc.stdout.fileno(), False)  # type: ignore[union-attr]
        self.send({"type": "hello", "protocol": PROTOCOL_VERSION})
        hello = self.receive("hello", HANDSHAKE_TIMEOUT)
        self.hello = check_hello(hello)

    def ensure_started(self) -> None:
        """Start the program if it is not running (after a fault, or for the first time)."""
        if self.proc is None or self.failure is not None or self.proc.poll() is not None:
            self.start()

    def stop(self, timeout: float = QUIT_TIMEOUT) -> int | None:
        """Say ``quit``, wait up to ``timeout`` s for the exit, else kill; the exit status."""
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        with contextlib.suppress(OSError, ValueError):
            self._write(proc, {"type": "quit"})
            proc.stdin.close()  # type: ignore[union-attr]
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return None
        finally:
            with contextlib.suppress(OSError):
                proc.stdout.close()  # type: ignore[union-attr]

    def fail(self, reason: str) -> ProtocolError:
        """Record a fault, kill the program, and return the error to raise."""
        self.failure = reason
        proc, self.proc = self.proc, None
        if proc is not None:
            with contextlib.suppress(OSError):
                proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5.0)
        return ProtocolError(reason)

    def new_id(self) -> str:
        """A game id not used before by this program."""
        return f"g{next(self._ids)}"

    # -- messages ----------------------------------------------------------------------------
    def send(self, message: Mapping[str, Any]) -> None:
        """Write one message line.

        Raises:
            ProtocolError: the program is not running or does not read.
        """
        if self.proc is None:
            raise ProtocolError(self.failure or "agent program is not running")
        try:
            self._write(self.proc, message)
        except (OSError, ValueError):
            raise self.fail(f"agent program exited ({self._exit_status()})") from None

    @staticmethod
    def _write(proc: subprocess.Popen[bytes], message: Mapping[str, Any]) -> None:
        proc.stdin.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")  # type: ignore[union-attr]
        proc.stdin.flush()  # type: ignore[union-attr]

    def receive(self, expected: str, timeout: float) -> dict[str, Any]:
        """The next line, a JSON object whose ``type`` is ``expected``.

        Raises:
            ProtocolError: timeout, exit, a huge line, or a line that is not that object.
        """
        line = self._read_line(time.monotonic() + timeout, timeout)
        try:
            message = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            raise self.fail(f"garbage from agent program: {_clip(line)}") from None
        if not isinstance(message, dict) or message.get("type") != expected:
            raise self.fail(f"expected a {expected!r} message, got {_clip(line)}")
        return message

    def _read_line(self, deadline: float, timeout: float) -> bytes:
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buffer:
            if len(self._buffer) > MAX_LINE_BYTES:
                raise self.fail(f"agent program wrote a line over {MAX_LINE_BYTES} bytes")
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise self.fail(f"timeout: agent program gave no answer within {timeout:g}s")
            try:
                chunk = os.read(fd, 1 << 16)
            except BlockingIOError:
                continue
            if not chunk:
                raise self.fail(f"agent program exited ({self._exit_status()})")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        if len(line) > MAX_LINE_BYTES:
            raise self.fail(f"agent program wrote a line over {MAX_LINE_BYTES} bytes")
        return line

    def _exit_status(self) -> str:
        proc = self.proc
        if proc is None:
            return "not running"
        with contextlib.suppress(subprocess.TimeoutExpired):
            code = proc.wait(timeout=1.0)
            return f"exit status {code}"
        return "closed its output"

    def act(self, requests: Sequence[dict[str, Any]]) -> list[int]:
        """One action per request; each must be one of that request's ``legal_actions``.

        Raises:
            ProtocolError: see :meth:`receive`; also a wrong count or an illegal action.
        """
        self.send({"type": "act", "requests": list(requests)})
        reply = self.receive("actions", self.move_timeout * max(1, len(requests)))
        actions = reply.get("actions")
        if not isinstance(actions, list) or len(actions) != len(requests):
            raise self.fail(
                f"'actions' must be a list of {len(requests)} action ids, got {_clip(actions)}"
            )
        for action, request in zip(actions, requests, strict=True):
            legal = request["legal_actions"]
            if isinstance(action, bool) or not isinstance(action, int) or action not in legal:
                raise self.fail(f"illegal action {_clip(action)}")
        return actions


def _clip(value: object, limit: int = 80) -> str:
    text = value.decode(errors="replace") if isinstance(value, bytes) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_hello(hello: dict[str, Any]) -> dict[str, Any]:
    """The handshake reply, checked: protocol version, a name, the games claimed.

    Raises:
        ProtocolError: a field missing or malformed.
    """
    if hello.get("protocol") != PROTOCOL_VERSION:
        raise ProtocolError(
            f"handshake: protocol {hello.get('protocol')!r}, this arena speaks {PROTOCOL_VERSION}"
        )
    name = hello.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ProtocolError("handshake: 'name' must be a non-empty string")
    claims = hello.get("games")
    if not isinstance(claims, list) or not claims:
        raise ProtocolError("handshake: 'games' must be a non-empty list of game claims")
    for claim in claims:
        if not isinstance(claim, dict) or not isinstance(claim.get("game"), str):
            raise ProtocolError(f"handshake: each game claim needs a 'game' name: {claim!r:.80}")
        players = claim.get("players", [])
        params = claim.get("params", {})
        if not isinstance(players, list) or not all(type(p) is int for p in players):
            raise ProtocolError("handshake: 'players' must be a list of integers")
        if not isinstance(params, dict) or not all(isinstance(v, list) for v in params.values()):
            raise ProtocolError("handshake: 'params' must map names to lists of values")
    for flag in ("text", "tensor"):
        if not isinstance(hello.get(flag, True), bool):
            raise ProtocolError(f"handshake: {flag!r} must be true or false")
    return hello


def claim_covers(claims: Sequence[Mapping[str, Any]], game: Game) -> bool:
    """Whether one of the handshake's game claims covers the configuration ``game``."""
    for claim in claims:
        if claim["game"] != game.name:
            continue
        players = claim.get("players") or []
        if players and game.num_players not in players:
            continue
        params = claim.get("params") or {}
        if all(game.params.get(k) in values for k, values in params.items()):
            return True
    return False


def describe_claim(claim: Mapping[str, Any]) -> str:
    """``liars_dice (players [2], dice [1])`` for messages."""
    limits = {"players": claim.get("players") or []} | dict(claim.get("params") or {})
    said = ", ".join(f"{k} {v}" for k, v in limits.items() if v)
    return f"{claim['game']} ({said})" if said else str(claim["game"])
