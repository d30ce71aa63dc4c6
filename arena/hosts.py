"""Agent hosts: the unit of isolation between the referee and an agent.

A host loads one agent spec and answers batches of observations (:mod:`arena.host_main`). Two
kinds share one interface (``launch``, ``finish_start``, ``send``, ``receive``, ``stop``,
``close``):

* :class:`ProcessHost` — a child process started with ``subprocess`` (agent code, its factory
  included, never runs in the referee), in its own session and process group, confined by
  :mod:`arena.sandbox` (limits, clean environment, bubblewrap where installed), stdout/stderr
  to the tournament's agent log. Replies are JSON, bounded in size, read with a deadline: a
  host that hangs, dies or answers garbage loses the games it was asked about, and is
  restarted for the next ones.
* :class:`arena.inline_host.InlineHost` — the agent in the referee's process (``--isolation
  none``): fast, for trusted agents only; errors are still caught and slow moves still forfeit.

What each level protects against is spelled out in docs/security.md.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
import pickle
import select
import signal
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

from arena.host_main import FRAME
from arena.options import DEFAULT_LOAD_TIMEOUT
from arena.sandbox import (
    HostLimits,
    bwrap_prefix,
    host_env,
    limit_child,
    spec_paths,
    user_processes,
)
from arena.shared_arrays import ArrayRing

MAX_REPLY_BYTES = 4 << 20
"""The largest reply a host may send (a few bytes per observation are needed)."""
PIPE_BYTES = 1 << 20


class HostError(Exception):
    """The host failed as a whole (died, hung, garbled); ``reason`` is the forfeit reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Batch:
    """What the referee sends one host in one round trip."""

    resets: list[tuple[int, int, int]]
    """Games to start: ``(slot, seat, seed)``."""
    drops: list[tuple[int, list[float]]]
    """``(slot, returns)`` of games that ended."""
    slots: list[int]
    """The slot of each observation."""
    players: list[int]
    tensors: np.ndarray
    masks: np.ndarray
    texts: list[str] | None


@dataclass
class Reply:
    """One action or one forfeit reason per observation of a :class:`Batch`."""

    actions: list[int | None]
    errors: dict[int, str]


class ProcessHost:
    """One agent in a child process (sandboxed when ``sandboxed``); restarted after a fault.

    Args:
        spec: the agent spec.
        game_name, params: the configuration it plays.
        expected_hash: the content hash its package must still have ('' to skip the check).
        limits: resource limits.
        sandboxed: run inside bubblewrap.
        log: the file receiving the agent's stderr, and its stdout unless ``out`` is given.
        out: the file receiving the agent's stdout.
        move_timeout: seconds per observation of a batch.
        load_timeout: seconds to start and load.
    """

    def __init__(
        self,
        spec: str,
        game_name: str,
        params: dict[str, Any],
        *,
        expected_hash: str = "",
        limits: HostLimits | None = None,
        sandboxed: bool = False,
        log: IO[bytes] | None = None,
        out: IO[bytes] | None = None,
        move_timeout: float = 10.0,
        load_timeout: float = DEFAULT_LOAD_TIMEOUT,
    ) -> None:
        self.spec, self.game_name, self.params = spec, game_name, params
        self.expected_hash, self.sandboxed = expected_hash, sandboxed
        self.limits = limits or HostLimits()
        self.log, self.move_timeout, self.load_timeout = log, move_timeout, load_timeout
        self.out = out or log
        self.proc: subprocess.Popen | None = None
        self.generation = 0
        self.needs_text = True
        self.agent_name = spec
        """The name the agent gave when it loaded."""
        self._wfd = self._rfd = -1
        self._pending: deque[tuple[float, float, bool]] = deque()
        """(sent at, seconds allowed, arrays in the ring) of each request not yet answered,
        oldest first."""
        self._ring: ArrayRing | None = None
        """The shared memory the requests' arrays go through (:mod:`arena.shared_arrays`)."""
        self._answered = 0.0
        self._loading = 0.0
        """When the agent being loaded must have answered (set by :meth:`launch`)."""

    @property
    def alive(self) -> bool:
        """Whether the child is running."""
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        """Start the child and load the agent (:meth:`launch`, then :meth:`finish_start`).

        Raises:
            HostError: ``failed to start: ...`` (the agent cannot load, or the child died).
        """
        self.launch()
        self.finish_start()

    def launch(self) -> None:
        """Start the child and send it the agent to load, without waiting: several hosts
        load at once (importing torch takes a second or two each).

        Raises:
            HostError: ``failed to start: ...`` (the child cannot be started or fed).
        """
        self.close()
        self.generation += 1
        to_host, from_host = os.pipe(), os.pipe()
        self._ring = ArrayRing.create()
        ring_fd = -1 if self._ring is None else self._ring.fd
        fds = [to_host[0], from_host[1]]
        command = [sys.executable, "-m", "arena.host_main", *map(str, fds), str(ring_fd)]
        if self.sandboxed:
            command = bwrap_prefix(spec_paths(self.spec)) + command
        try:
            self.proc = subprocess.Popen(
                command,
                pass_fds=(*fds, ring_fd) if ring_fd >= 0 else tuple(fds),
                stdin=subprocess.DEVNULL,
                stdout=self.out or subprocess.DEVNULL,
                stderr=self.log or subprocess.DEVNULL,
                env=host_env(self.sandboxed),
                cwd="/tmp" if self.sandboxed else None,
                start_new_session=True,
                preexec_fn=functools.partial(
                    limit_child, self.limits, user_processes() + self.limits.processes
                ),
            )
        finally:
            os.close(to_host[0])
            os.close(from_host[1])
        self._wfd, self._rfd = to_host[1], from_host[0]
        for fd in (self._wfd, self._rfd):
            os.set_blocking(fd, False)
            with contextlib.suppress(OSError):
                fcntl.fcntl(fd, 1031, PIPE_BYTES)  # F_SETPIPE_SZ
        args = (self.spec, self.game_name, self.params, self.expected_hash)
        self._loading = time.monotonic() + self.load_timeout
        try:
            self._write({"kind": "load", "args": args}, self._loading)
        except HostError as exc:
            self.close()
            raise HostError(f"failed to start: {exc.reason}") from None

    def finish_start(self) -> None:
        """Wait for the agent launched by :meth:`launch` to load (``load_timeout`` from the
        launch).

        Raises:
            HostError: ``failed to start: ...`` (the agent cannot load, or the child died).
        """
        try:
            reply = self._read(self._loading)
        except HostError as exc:
            self.close()
            reason = exc.reason
            if reason.startswith("timeout"):
                reason = f"timeout: not loaded within {self.load_timeout:g}s"
            raise HostError(f"failed to start: {reason}") from None
        if "error" in reply:
            self.close()
            raise HostError(f"failed to start: {str(reply['error'])[:300]}")
        info = reply.get("ok") if isinstance(reply.get("ok"), dict) else {}
        self.needs_text = bool(info.get("needs_text", True))
        self.agent_name = str(info.get("name", self.spec))[:200]

    def send(self, batch: Batch) -> None:
        """Send one batch; its reply is due within ``move_timeout`` per observation.

        Several batches may be sent before their replies are read: they are answered in order,
        and each one's time starts when the previous one is answered.

        Raises:
            HostError: the host died or does not read.
        """
        message = {"kind": "batch", **batch.__dict__}
        places = None if self._ring is None else self._ring.put((batch.tensors, batch.masks))
        if places is not None:  # else the arrays go in the pipe
            message["tensors"], message["masks"] = ("ring", places[0]), ("ring", places[1])
        budget = self.move_timeout * max(1, len(batch.slots))
        now = time.monotonic()
        self._pending.append((now, budget, places is not None))
        self._write(message, now + budget)

    def receive(self) -> Reply:
        """The reply to the last batch.

        Raises:
            HostError: timeout, death or a malformed reply (the host is then stopped).
        """
        if not self._pending:
            raise HostError("crashed: agent process died (in another game)")
        sent, budget, ringed = self._pending.popleft()
        # requests are answered in order: the clock of this one starts with the last answer
        reply = self._read(max(sent, self._answered) + budget)
        self._answered = time.monotonic()
        if ringed and self._ring is not None:
            self._ring.release_oldest()
        try:
            actions = [None if a is None else int(a) for a in reply["actions"]]
            errors = {int(k): str(v)[:400] for k, v in reply["errors"].items()}
        except (KeyError, TypeError, ValueError, AttributeError):
            self.close()
            raise HostError("malformed reply from agent process") from None
        return Reply(actions, errors)

    def _write(self, message: dict[str, Any], deadline: float) -> None:
        payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(FRAME.pack(len(payload)) + payload)
        while view:
            if not self._wait(select.POLLOUT, self._wfd, deadline):
                self._fail_timeout(deadline)
            try:
                view = view[os.write(self._wfd, view) :]
            except BlockingIOError:
                continue
            except OSError:
                self._fail_dead()

    def _read(self, deadline: float) -> dict[str, Any]:
        header = self._read_exact(FRAME.size, deadline)
        (size,) = FRAME.unpack(header)
        if size > MAX_REPLY_BYTES:
            self.close()
            raise HostError(f"malformed reply from agent process ({size} bytes)")
        try:
            reply = json.loads(self._read_exact(size, deadline))
        except ValueError:
            self.close()
            raise HostError("malformed reply from agent process") from None
        if not isinstance(reply, dict):
            self.close()
            raise HostError("malformed reply from agent process")
        return reply

    def _read_exact(self, n: int, deadline: float) -> bytes:
        chunks: list[bytes] = []
        while n:
            if not self._wait(select.POLLIN, self._rfd, deadline):
                self._fail_timeout(deadline)
            try:
                chunk = os.read(self._rfd, n)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                self._fail_dead()
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    @staticmethod
    def _wait(event: int, fd: int, deadline: float) -> bool:
        poller = select.poll()
        poller.register(fd, event | select.POLLHUP | select.POLLERR)
        while True:
            # past the deadline, look once more without waiting: a reply that arrived while
            # the referee was busy elsewhere (starting another host) is not the agent's delay
            left = max(0.0, deadline - time.monotonic())
            try:
                return bool(poller.poll(left * 1000))
            except InterruptedError:
                continue

    def _fail_timeout(self, deadline: float) -> None:
        self.close()
        raise HostError(f"timeout: no answer within {self.move_timeout:g}s per move")

    def _fail_dead(self) -> None:
        code = None
        if self.proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = self.proc.wait(timeout=2.0)
        self.close()
        raise HostError(f"crashed: agent process died (exit code {code})")

    def stop(self, drops: list[tuple[int, list[float]]], timeout: float = 10.0) -> int | None:
        """End the games in ``drops`` and close the agent politely, then :meth:`close`.

        Returns:
            the status the agent's ``close`` hook returned (a program's exit status), or None
            (no hook, the host was not running, or it did not answer within ``timeout`` s).
        """
        if not self.alive or self._pending:
            self.close()
            return None
        try:
            self._write({"kind": "close", "drops": drops}, time.monotonic() + timeout)
            reply = self._read(time.monotonic() + timeout)
        except HostError:
            return None
        finally:
            self.close()
        closed = reply.get("ok", {}).get("closed") if isinstance(reply.get("ok"), dict) else None
        return closed if isinstance(closed, int) else None

    def close(self) -> None:
        """Kill the host's whole process group and release the pipes."""
        for fd in (self._wfd, self._rfd):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._wfd = self._rfd = -1
        self._pending.clear()
        ring, self._ring = self._ring, None
        if ring is not None:
            ring.close()
        proc, self.proc = self.proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5.0)


__all__ = ["Batch", "HostError", "ProcessHost", "Reply"]
