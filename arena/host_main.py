"""The agent host process: ``python -m arena.host_main READ_FD WRITE_FD RING_FD``.

Started by :class:`arena.hosts.ProcessHost` (inside bubblewrap where available). It loads ONE
agent spec (the factory runs here, never in the referee), then answers batches: each request
carries the games to start (slot, seat, seed), the games that ended (slot, returns), and the
observations waiting on this agent; the reply carries one action or one error per observation.
``close`` ends the last games and closes the agent, then the process exits.

Requests come from the referee, which this process trusts (pickle); replies go back as JSON
only, so a hostile agent cannot make the referee unpickle anything. The agent's stdout and
stderr are the log file the referee opened; the protocol uses its own two descriptors, and
the observation arrays come through shared memory mapped read-only (``RING_FD``, -1: in the
pipe; :mod:`arena.shared_arrays`).
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import struct
import sys
import traceback
from typing import Any

FRAME = struct.Struct("<I")


def short(exc: BaseException) -> str:
    """``Type: message``, at most 300 characters."""
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 300 else text[:297] + "..."


def encode_action(action: object) -> tuple[str, Any]:
    """``("ok", int)`` for an integral action (numpy integers too), else why not."""
    if isinstance(action, BaseException):
        reason = getattr(action, "forfeit_reason", None)  # an agent's own account of a fault
        return "error", reason[:300] if isinstance(reason, str) else f"raised {short(action)}"
    if isinstance(action, (bool, str, bytes)):
        return "error", f"malformed action {action!r:.80}"
    try:
        value = int(action)  # type: ignore[call-overload]
        integral = value == action
    except (TypeError, ValueError, OverflowError):
        integral = False
    if not integral:
        return "error", f"malformed action {action!r:.80}"
    return "ok", value


def _read_exact(fd: int, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = os.read(fd, left)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _send(fd: int, reply: dict[str, Any]) -> None:
    payload = json.dumps(reply).encode()
    data = FRAME.pack(len(payload)) + payload
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class Host:
    """The agent and its per-game copies (one per slot: a seat of a game in flight)."""

    def __init__(self, ring: Any = None) -> None:
        self.ring = ring
        """The referee's :class:`arena.shared_arrays.RingReader`, if it sent one."""
        self.prototype: Any = None
        self.game: Any = None
        self.copies: dict[int, Any] = {}
        self.leaves: dict[int, Any] = {}
        """Slot -> its copy's batch leaf (``agents.base.batch_leaf_of``), found when it starts."""
        self.keys: dict[int, tuple] = {}
        """Slot -> its leaf's ``agents.base.group_key`` (copies with one key answer together)."""

    def load(self, spec: str, game_name: str, params: dict, expected_hash: str) -> dict:
        """Load the agent and check that it plays the game (and that its package is intact)."""
        import games
        from agents.base import AgentSpecError, load_agent

        if expected_hash:
            from agents.content_hash import spec_hash

            found = spec_hash(spec)
            if found != expected_hash:
                raise AgentSpecError(
                    f"agent {spec!r} changed since the tournament began "
                    f"(content {found[:8]}, expected {expected_hash[:8]})"
                )
        self.game = games.make(game_name, **params)
        self.prototype = load_agent(spec)
        supports = getattr(self.prototype, "supports", None)
        reason = supports(self.game) if callable(supports) else None
        if reason is not None:
            raise AgentSpecError(f"agent {spec!r} cannot play {self.game!r}: {reason}")
        name = str(getattr(self.prototype, "name", spec))[:200]
        return {"name": name, "needs_text": bool(getattr(self.prototype, "needs_text", True))}

    def _copy(self) -> Any:
        spawn = getattr(self.prototype, "spawn", None)
        if callable(spawn):
            return spawn()
        import copy

        return copy.deepcopy(self.prototype)

    def drop(self, drops: list) -> None:
        """Forget the copies of games that ended, telling each its returns (``end`` hook)."""
        for slot, returns in drops:
            agent = self.copies.pop(slot, None)
            self.leaves.pop(slot, None)
            self.keys.pop(slot, None)
            end = getattr(agent, "end", None)
            if callable(end):
                try:
                    end(returns)
                except Exception:  # the game is over: nothing to forfeit
                    traceback.print_exc()

    def close(self, drops: list) -> dict:
        """End the games in ``drops``, then close the agent (``close`` hook, e.g. a program
        told to quit); what closing returned, for ``arena check-agent``."""
        self.drop(drops)
        close = getattr(self.prototype, "close", None)
        status = close() if callable(close) else None
        return {"closed": status if isinstance(status, int) else None}

    def batch(self, request: dict) -> dict:
        """Start games, end games, then answer the observations (one action or error each)."""
        from agents.base import act_arrays, batch_leaf_of, group_key
        from arena.shared_arrays import read_arrays

        self.drop(request["drops"])
        errors: dict[int, str] = {}
        for slot, seat, seed in request["resets"]:
            try:
                agent = self._copy()
                agent.reset(self.game, seat, seed)
                self.copies[slot] = agent
                self.leaves[slot] = leaf = batch_leaf_of(agent)
                self.keys[slot] = group_key(leaf)
            except Exception as exc:
                errors[slot] = f"failed to start: {short(exc)}"
        slots, texts = request["slots"], request["texts"]
        ready = [i for i, slot in enumerate(slots) if slot not in errors]
        tensors = read_arrays(self.ring, request["tensors"])
        masks = read_arrays(self.ring, request["masks"])
        players = request["players"]
        if len(ready) < len(slots):
            tensors, masks = tensors[ready], masks[ready]
            players = [players[i] for i in ready]
            texts = None if texts is None else [texts[i] for i in ready]
        agents = [self.copies[slots[i]] for i in ready]
        leaves = [self.leaves[slots[i]] for i in ready]
        keys = [self.keys[slots[i]] for i in ready]
        answers = act_arrays(agents, players, tensors, masks, texts, leaves, keys)
        if len(ready) == len(slots) and all(type(a) is int for a in answers):
            return {"actions": answers, "errors": {}}  # the common case: plain ints, no error
        actions: list[int | None] = [None] * len(slots)
        for i, answer in zip(ready, answers, strict=True):
            kind, value = encode_action(answer)
            if kind == "ok":
                actions[i] = value
            else:
                errors[slots[i]] = value
        return {"actions": actions, "errors": {str(k): v for k, v in errors.items()}}


def serve(rfd: int, wfd: int, ring_fd: int = -1) -> None:
    """Answer requests until the referee closes the pipe or says ``close``."""
    ring = None
    if ring_fd >= 0:
        from arena.shared_arrays import RingReader

        ring = RingReader(ring_fd)
    host = Host(ring)
    while True:
        try:
            (size,) = FRAME.unpack(_read_exact(rfd, FRAME.size))
            message = pickle.loads(_read_exact(rfd, size))
        except EOFError:
            return
        kind = message["kind"]
        try:
            if kind == "load":
                reply = {"ok": host.load(*message["args"])}
            elif kind == "close":
                reply = {"ok": host.close(message.get("drops", []))}
            else:
                reply = host.batch(message)
        except Exception as exc:
            traceback.print_exc()
            reply = {"error": short(exc)}
        _send(wfd, reply)
        if kind == "close":
            return


def main(argv: list[str]) -> None:
    """Entry point: the two protocol descriptors are the arguments."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the referee decides when to stop
    rfd, wfd = int(argv[1]), int(argv[2])
    serve(rfd, wfd, int(argv[3]) if len(argv) > 3 else -1)
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv)
