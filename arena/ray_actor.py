"""The Ray actor of :mod:`arena.ray_executor` (:class:`GameActor`) and what it needs on its node.

Agent packages: a package given as a path (directory, ``.zip`` or ``agent.json``) is read once
by the driver when the run starts and put in Ray's object store; every actor's node writes it
once into ``<temp dir>/arena-packages/<sha256>/`` (:func:`write_package`) and its hosts load
that copy, checking the content hash recorded when the tournament was created: a package that
changed since (or arrived damaged) is refused on every node alike, its games forfeited.
``zoo:``, built-in, plugin and ``module:factory`` agents are code: they must be installed on
every node (as this project must be).

Agent output: actors on the driver's node append to the run's agent log; actors elsewhere
write ``arena-agents-<name>`` in their node's temporary directory (see
:func:`agent_log_for_node`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from arena.ladder.rows import GameRow
from arena.options import RunOptions
from arena.schedule import ScheduledGame

if TYPE_CHECKING:
    from arena.tournament import TournamentConfig

PackedPackage = tuple[str, str, list[tuple[tuple[str, ...], bytes]]]
"""What a package spec ships: the sha256 of what is shipped, the path to load relative to its
copy, and its files."""


# ----------------------------------------------------------------------------- packages


def package_files(spec: str) -> PackedPackage | None:
    """The files of the package a path spec names, or None when the spec is not a path.

    The returned path is where the spec points inside the copy (the package directory, the
    ``.zip`` or ``DIR/agent.json``); file names are relative to the copy's root, whose own
    name is kept (a single file's hash covers its name). The first item identifies the
    shipped bytes (it names the copy on each node; the hosts check the tournament's hash).
    """
    from agents.content_hash import regular_files
    from agents.package import MANIFEST_FILE

    path = Path(spec).expanduser()
    if spec.startswith("zoo:") or not path.exists():
        return None
    if path.is_file() and path.name == MANIFEST_FILE:
        root, target = path.parent, f"{path.parent.name}/{MANIFEST_FILE}"
    else:
        root, target = path, path.name
    if root.is_file():
        files = [((root.name,), root.read_bytes())]
    else:
        files = [((root.name, *p), file.read_bytes()) for p, file, _ in regular_files(root)]
    digest = hashlib.sha256(target.encode())
    for parts, data in files:
        digest.update(json.dumps([parts, len(data)]).encode())
        digest.update(data)
    return digest.hexdigest(), target, files


def write_package(packed: PackedPackage) -> str:
    """Write a shipped package once per node and version; the spec that loads the copy.

    The copy lives in ``<temp dir>/arena-packages/<sha256 of the shipped bytes>``, written to
    a scratch folder and renamed in place, so actors of one node share it and never see half
    of it.
    """
    digest, target, files = packed
    root = Path(tempfile.gettempdir()) / "arena-packages"
    folder = root / digest
    if not folder.exists():
        root.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".writing-", dir=root))
        for parts, data in files:
            file = scratch.joinpath(*parts)
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_bytes(data)
        try:
            scratch.rename(folder)
        except OSError:  # another actor of this node was first
            shutil.rmtree(scratch, ignore_errors=True)
    return str(folder / target)


def shipped_packages(config: TournamentConfig) -> dict[str, PackedPackage]:
    """The package of every agent spec that has a content hash and is a path."""
    shipped = {}
    for spec in config.agents:
        if config.hashes.get(spec) and (packed := package_files(spec)) is not None:
            shipped[spec] = packed
    return shipped


# ----------------------------------------------------------------------------- the actor


def agent_log_for_node(log_path: str, same_node: bool) -> IO[bytes]:
    """The agent log of an actor: the run's on the driver's node, else one in its temp dir."""
    path = Path(log_path)
    if not same_node:
        path = Path(tempfile.gettempdir()) / f"arena-agents-{path.name}"
    return open(path, "ab")  # kept open for the actor's life


class GameActor:
    """A Ray actor playing chunks of games with one referee (built on the first chunk).

    Args:
        config_json: the tournament (:meth:`TournamentConfig.to_json`, as JSON text).
        options: :class:`RunOptions` as a dict.
        log_path: the run's agent log (used on the driver's node only).
        status_dir: where the referee records each host request (driver's node only).
        driver_node: the Ray node id of the driver.
        packages: the shipped packages, by spec.
    """

    def __init__(
        self,
        config_json: str,
        options: dict[str, Any],
        log_path: str,
        status_dir: str,
        driver_node: str,
        packages: dict[str, PackedPackage],
    ) -> None:
        self._args = (config_json, options, log_path, status_dir, driver_node, packages)
        self._referee: Any = None
        self._to_local: dict[str, str] = {}
        self._to_spec: dict[str, str] = {}

    def ready(self) -> str:
        """The node this actor runs on (answering means it is up)."""
        import ray

        return ray.get_runtime_context().get_node_id()

    def play(self, games: list[tuple], recording: bool = False) -> list[GameRow]:
        """Play a chunk of games (as :meth:`ScheduledGame.as_tuple`); their rows.

        ``recording``: note each request in the status file (a suspect game played alone).
        """
        if self._referee is None:
            self._referee = self._build()
        self._referee.recording = recording
        local = self._to_local
        chunk = [ScheduledGame(*g) for g in games]
        chunk = [
            dataclasses.replace(g, seats=tuple(local.get(s, s) for s in g.seats)) for g in chunk
        ]
        rows = self._referee.play(chunk)
        return [
            dataclasses.replace(row, seats=[self._to_spec.get(s, s) for s in row.seats])
            for row in rows
        ]

    def _build(self) -> Any:
        import ray

        from arena.referee import Referee
        from arena.tournament import TournamentConfig

        config_json, options, log_path, status_dir, driver_node, packages = self._args
        config = TournamentConfig.from_json(json.loads(config_json))
        same_node = ray.get_runtime_context().get_node_id() == driver_node
        self._to_local = {spec: write_package(packed) for spec, packed in packages.items()}
        self._to_spec = {v: k for k, v in self._to_local.items()}
        local = self._to_local
        config = dataclasses.replace(
            config,
            agents=tuple(local.get(s, s) for s in config.agents),
            hashes={local.get(s, s): h for s, h in config.hashes.items()},
        )
        record = None
        if same_node and os.path.isdir(status_dir):
            status = Path(status_dir) / str(os.getpid())
            to_spec = self._to_spec

            def record(spec: str, items: list[tuple[int, int]]) -> None:
                status.write_text(json.dumps([to_spec.get(spec, spec), items]))

        log = agent_log_for_node(log_path, same_node)
        return Referee(config, RunOptions(**options), log, record)
