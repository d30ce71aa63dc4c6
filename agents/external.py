"""Agents in any language: a program speaking the JSON-lines protocol of docs/protocol.md.

Two agent specs name such a program:

* ``cmd:PROGRAM [ARGS]`` — split like a shell line; ``python``/``python3`` mean the
  interpreter running the arena, another bare ``PROGRAM`` is looked up on the standard
  ``PATH`` (``/usr/local/bin:/usr/bin:/bin``), relative paths are relative to the working
  directory of the ``arena`` command, where the program runs;
* a directory holding ``agent.toml`` (or the path of that file): ``command`` (a string split
  like a shell line, or a list), optional ``workdir`` (relative to the directory, default the
  directory itself) and optional ``name``.

:class:`CommandAgent` starts the program, checks its handshake, and then plays every game the
agent is given through that ONE program (game ids keep them apart); its per-game copies
(:meth:`CommandAgent.spawn`) share the program, and :func:`agents.base.act_many` asks it for
all of their actions in one ``act`` message. Only local information crosses the protocol:
the configuration, the seat, the seed, the observation tensor, the legal actions with their
strings, the seat's text view, and at the end the returns.

Any fault of the program — no or wrong handshake, a line that is not a JSON object of the
expected type, a line over :data:`MAX_LINE_BYTES`, a wrong number of actions, exiting, no
answer within the timeout — raises :class:`ProtocolError`; the referee turns it into a forfeit
with that reason, exactly as for a Python agent that raises. The program is then stopped, and
started again (with a new handshake) for the next game.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import select
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.base import AgentFactory, AgentSpecError, BaseAgent
from games.core import Game, Observation

PROTOCOL_VERSION = 1
"""The version of docs/protocol.md this module speaks."""
CMD_PREFIX = "cmd:"
MANIFEST = "agent.toml"
MAX_LINE_BYTES = 1 << 20
"""The longest line a program may write (a reply needs a few bytes per observation)."""
HANDSHAKE_TIMEOUT = 30.0
"""Seconds a program may take to answer ``hello`` (the referee's load timeout also applies)."""
MOVE_TIMEOUT = 10.0
"""Seconds per observation of an ``act`` message (the referee's move timeout also applies)."""
QUIT_TIMEOUT = 2.0
"""Seconds a program may take to exit after ``quit`` before it is killed."""
STANDARD_PATH = "/usr/local/bin:/usr/bin:/bin"


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


def _program(program: str, cwd: str) -> str:
    """The absolute path of ``program`` (see the module docstring for the lookup rules)."""
    if program in ("python", "python3"):
        return sys.executable
    if os.sep in program:
        path = program if os.path.isabs(program) else os.path.join(cwd, program)
        if not os.path.isfile(path):
            raise AgentSpecError(f"agent program {program!r} not found (looked at {path})")
        return os.path.abspath(path)
    found = shutil.which(program, path=STANDARD_PATH)
    if found is None:
        raise AgentSpecError(
            f"agent program {program!r} is not on the standard PATH ({STANDARD_PATH}): "
            "give its path"
        )
    return found


def _split(line: str, where: str) -> list[str]:
    try:
        argv = shlex.split(line)
    except ValueError as exc:
        raise AgentSpecError(f"{where}: cannot split the command line: {exc}") from None
    if not argv:
        raise AgentSpecError(f"{where}: empty command")
    return argv


def command_of(spec: str) -> Command | None:
    """The :class:`Command` of a ``cmd:`` spec or an ``agent.toml`` directory; None otherwise.

    Raises:
        AgentSpecError: a malformed command or manifest, or a program that cannot be found.
    """
    spec = spec.strip()
    if spec.startswith(CMD_PREFIX):
        cwd = os.getcwd()
        argv = _split(spec.removeprefix(CMD_PREFIX), f"agent {spec!r}")
        argv[0] = _program(argv[0], cwd)
        return Command(tuple(argv), cwd, Path(argv[-1]).stem or "cmd")
    path = Path(spec).expanduser()
    manifest = path / MANIFEST if path.is_dir() else path
    if manifest.name != MANIFEST or not manifest.is_file():
        return None
    return _read_manifest(manifest.resolve())


def _read_manifest(manifest: Path) -> Command:
    where = f"agent manifest {manifest}"
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise AgentSpecError(f"{where}: {exc}") from None
    unknown = sorted(set(data) - {"command", "workdir", "name"})
    if unknown:
        raise AgentSpecError(f"{where}: unknown key {unknown[0]!r} (keys: command, workdir, name)")
    command = data.get("command")
    if isinstance(command, str):
        argv = _split(command, where)
    elif isinstance(command, list) and command and all(isinstance(a, str) for a in command):
        argv = list(command)
    else:
        raise AgentSpecError(f"{where}: 'command' must be a string or a list of strings")
    workdir = data.get("workdir", ".")
    name = data.get("name", manifest.parent.name)
    if not isinstance(workdir, str) or not isinstance(name, str) or not name:
        raise AgentSpecError(f"{where}: 'workdir' and 'name' must be strings")
    cwd = (manifest.parent / workdir).resolve()
    if not cwd.is_dir():
        raise AgentSpecError(f"{where}: workdir {str(cwd)!r} is not a directory")
    argv[0] = _program(argv[0], str(cwd))
    return Command(tuple(argv), str(cwd), name)


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

    def act(self, requests: Sequence[dict[str, Any]], legal: Sequence[Sequence[int]]) -> list[int]:
        """One action per request; each must be one of that request's legal actions.

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
        for action, allowed in zip(actions, legal, strict=True):
            if isinstance(action, bool) or not isinstance(action, int) or action not in allowed:
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


class CommandAgent(BaseAgent):
    """An agent played by an external program (see the module docstring).

    The program starts when the agent is created (the handshake says its name and games);
    :meth:`spawn` gives copies sharing it; :meth:`close` says ``quit``.
    """

    def __init__(self, command: Command, move_timeout: float = MOVE_TIMEOUT) -> None:
        super().__init__()
        self.program = Program(command, move_timeout)
        self.program.start()
        self.name = str(self.program.hello["name"])[:200]
        self.needs_text = bool(self.program.hello.get("text", True))
        self.wants_tensor = bool(self.program.hello.get("tensor", True))
        self.game_id = ""
        self.generation = 0
        self.action_strings: tuple[str, ...] = ()

    @property
    def shared_policy(self) -> Program:
        """What the copies share (see :meth:`BaseAgent.batch_leaf`)."""
        return self.program

    def batch_leaf(self) -> CommandAgent:
        return self

    def supports(self, game: Game) -> str | None:
        claims = self.program.hello.get("games", [])
        if claim_covers(claims, game):
            return None
        said = ", ".join(_describe_claim(c) for c in claims)
        return f"the program plays {said}"

    def reset(self, game: Game, seat: int, seed: int | None) -> None:
        super().reset(game, seat, seed)
        self.program.ensure_started()
        self.generation = self.program.generation
        self.game_id = self.program.new_id()
        self.action_strings = tuple(game.action_strings)
        message = {
            "type": "new_game",
            "game_id": self.game_id,
            "game": game.name,
            "params": game.params,
            "players": game.num_players,
            "seat": seat,
            "seed": seed,
        }
        self.program.send(message)

    def request(self, obs: Observation) -> dict[str, Any]:
        """The ``act`` request for ``obs`` (local information only)."""
        if self.generation != self.program.generation:
            raise ProtocolError("agent program restarted during this game")
        legal = obs.legal_actions
        request: dict[str, Any] = {
            "game_id": self.game_id,
            "seat": obs.player,
            "legal_actions": legal,
            "legal_strings": [self.action_strings[a] for a in legal],
        }
        if self.wants_tensor:
            request["observation"] = obs.tensor.tolist()
        if self.needs_text:
            request["text"] = obs.text
        return request

    def act(self, obs: Observation) -> int:
        (answer,) = self.act_together([self], [obs])
        if isinstance(answer, BaseException):
            raise answer
        return answer  # type: ignore[return-value]

    def act_together(
        self, copies: Sequence[CommandAgent], observations: Sequence[Observation]
    ) -> list[object]:
        """One action (or the error) per copy, asked of the program in ONE message."""
        try:
            requests = [c.request(o) for c, o in zip(copies, observations, strict=True)]
            legal = [set(o.legal_actions) for o in observations]
            return list(self.program.act(requests, legal))
        except ProtocolError as exc:
            return [exc] * len(copies)

    def end(self, returns: Sequence[float]) -> None:
        """Tell the program this game ended, with every seat's return."""
        if self.game_id and self.generation == self.program.generation:
            with contextlib.suppress(ProtocolError):
                message = {"type": "end_game", "game_id": self.game_id, "returns": list(returns)}
                self.program.send(message)
        self.game_id = ""

    def close(self) -> int | None:
        """Say ``quit`` and wait for the program to exit; its exit status (None if killed)."""
        return self.program.stop()


def _describe_claim(claim: Mapping[str, Any]) -> str:
    """``liars_dice (players [2], dice [1])`` for messages."""
    limits = {"players": claim.get("players") or []} | dict(claim.get("params") or {})
    said = ", ".join(f"{k} {v}" for k, v in limits.items() if v)
    return f"{claim['game']} ({said})" if said else str(claim["game"])


def resolve_spec(spec: str) -> AgentFactory | None:
    """The resolver of ``cmd:`` specs and ``agent.toml`` directories (one of
    :data:`agents.base.SPEC_RESOLVERS`); None for other specs.

    Raises:
        AgentSpecError: a malformed command or manifest.
    """
    command = command_of(spec)
    if command is None:
        return None

    def factory() -> CommandAgent:
        try:
            return CommandAgent(command)
        except ProtocolError as exc:
            raise AgentSpecError(f"agent {spec!r}: {exc}") from None

    return factory
