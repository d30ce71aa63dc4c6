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
expected type, a line over :data:`agents.protocol.MAX_LINE_BYTES`, a wrong number of actions,
exiting, no answer within the timeout — raises :class:`agents.protocol.ProtocolError`; the
referee turns it into a forfeit with that reason, exactly as for a Python agent that raises.
The program is then stopped, and started again (with a new handshake) for the next game.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agents.base import AgentFactory, AgentSpecError, BaseAgent
from agents.protocol import (
    MOVE_TIMEOUT,
    Command,
    Program,
    ProtocolError,
    claim_covers,
    describe_claim,
)
from games.core import Game, Observation

CMD_PREFIX = "cmd:"
MANIFEST = "agent.toml"
STANDARD_PATH = "/usr/local/bin:/usr/bin:/bin"
"""Where a bare program name is looked up (the host's environment has this ``PATH``)."""


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
        said = ", ".join(describe_claim(c) for c in claims)
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
            return list(self.program.act(requests))
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
