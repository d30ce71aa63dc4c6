"""The Ray executor (``--executor ray``): chunks of games on Ray actors that host the agents.

Each actor (one CPU) holds one :class:`arena.referee.Referee` (and so one host process per
agent) for the whole run, exactly like a worker of :class:`arena.executor.LocalExecutor`, and
plays whole chunks of games per call (never one remote call per move). The driver only sends
chunks and yields the rows back: it stays the only writer of the ladder, so resume works as
with the local executor, and since a game's result depends only on its seeds, the rows are the
same whatever executor, actor count, node or retry played them.

Cluster: ``--ray-address ADDR`` joins a running cluster; without it a local one is started
(and shut down at the end). A Ray already initialised in this process (a test's cluster) is
used as it is. Every node needs this project installed (``pip install "bluff-arena[ray]"``).

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

Faults: an actor that dies (killed, out of memory, its node removed) loses the chunks it held
(at most two): a new actor replaces it and they are replayed with the same seeds, so every
game is yielded exactly once, with the same row. A chunk lost twice is split into single
games, each then played alone on an actor; a single game lost that way twice more is forfeited
by the agent whose request was in flight (known on the driver's node; else seat 0). The run
gives up after :data:`MAX_BARREN_DEATHS` actor deaths in a row with no chunk finished, and an
exception raised by our own code in an actor is re-raised at once as a ``RuntimeError``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from arena.executor import Chunk, default_chunk_size, forfeit_row
from arena.options import RunOptions
from arena.schedule import ScheduledGame

if TYPE_CHECKING:
    from arena.tournament import TournamentConfig

MAX_BARREN_DEATHS = 8
"""Actor deaths in a row with no chunk finished in between before the run gives up."""
SPLIT_AFTER = 2
"""A chunk lost this many times is split into single games, each played alone on an actor."""
SOLO_TRIES = 2
"""Times a single game played alone may lose its actor before it is forfeited."""
PER_ACTOR = 2
"""Chunks in flight on one actor (one playing, one queued behind it)."""
START_TIMEOUT = 600.0
"""Seconds without any live actor (none could be placed) before the run gives up."""
WAIT_SECONDS = 0.5

PackedPackage = tuple[str, str, list[tuple[tuple[str, ...], bytes]]]
"""What a package spec ships: the sha256 of what is shipped, the path to load relative to its
copy, and its files."""


def _ray() -> Any:
    try:
        import ray
    except ImportError:  # pragma: no cover - depends on the installation
        raise RuntimeError('--executor ray needs Ray: pip install "bluff-arena[ray]"') from None
    return ray


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


def _shipped(config: TournamentConfig) -> dict[str, PackedPackage]:
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

    def play(self, games: list[tuple], recording: bool = False) -> list[dict[str, Any]]:
        """Play a chunk of games (as ``dataclasses.astuple``); their rows.

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
        for row in rows:
            row["seats"] = [self._to_spec.get(s, s) for s in row["seats"]]
        return rows

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


# ----------------------------------------------------------------------------- the driver


@dataclass(eq=False)
class ActorSlot:
    """One actor as the driver sees it."""

    handle: Any
    ready: bool = False
    node: str = ""
    """Its Ray node id, once it is up."""
    load: int = 0
    """Weight of its chunks in flight (a chunk played alone weighs :data:`PER_ACTOR`)."""
    chunks: list[Any] = field(default_factory=list)
    """Object refs of its chunks in flight."""


def _weight(chunk: Chunk) -> int:
    return PER_ACTOR if chunk.breaks >= SPLIT_AFTER else 1


class RayExecutor:
    """Plays chunks on ``options.workers`` Ray actors (see the module docstring).

    Same interface and guarantees as :class:`arena.executor.LocalExecutor`.
    """

    def __init__(
        self, config: TournamentConfig, options: RunOptions, log_path: Path, work_dir: Path
    ) -> None:
        ray = _ray()
        self.options = options
        self._owns_ray = not ray.is_initialized()
        if self._owns_ray:
            ray.init(
                address=options.ray_address or "local",
                log_to_driver=False,
                include_dashboard=False,
                logging_level=logging.WARNING,
            )
        self.status_dir = work_dir / "status"
        self.status_dir.mkdir(parents=True, exist_ok=True)
        self._args = (
            json.dumps(config.to_json()),
            dataclasses.asdict(options),
            str(log_path),
            str(self.status_dir),
            ray.get_runtime_context().get_node_id(),
            ray.put(_shipped(config)),
        )
        self._cls = ray.remote(num_cpus=1, max_restarts=0)(GameActor)
        self.actors: list[ActorSlot] = []
        """The live actors (tests kill one through its ``handle``)."""
        self.deaths = 0
        """Actor deaths seen during the run."""
        self._pings: dict[Any, ActorSlot] = {}

    # -- actors ---------------------------------------------------------------------------
    def _start_actor(self) -> None:
        handle = self._cls.options(scheduling_strategy="SPREAD").remote(*self._args)
        slot = ActorSlot(handle)
        self.actors.append(slot)
        self._pings[handle.ready.remote()] = slot

    def _bury(self, slot: ActorSlot) -> None:
        """Forget a dead actor (killing it to be sure) and start its replacement."""
        with contextlib.suppress(Exception):
            _ray().kill(slot.handle, no_restart=True)
        if slot in self.actors:
            self.actors.remove(slot)
        self.deaths += 1
        self._start_actor()

    # -- the run --------------------------------------------------------------------------
    def run(
        self, todo: Sequence[ScheduledGame], stop: Callable[[], bool]
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield the rows of each finished chunk until ``todo`` is played or ``stop()``."""
        ray = _ray()
        size = default_chunk_size(len(todo), self.options)
        queue = deque(Chunk(list(todo[i : i + size])) for i in range(0, len(todo), size))
        while queue and len(self.actors) < self.options.workers:
            self._start_actor()
        inflight: dict[Any, tuple[ActorSlot, Chunk]] = {}
        barren, idle_since = 0, time.monotonic()
        while (queue and not stop()) or inflight:
            if not stop():
                self._submit(queue, inflight)
            if inflight or any(s.ready for s in self.actors):
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since > START_TIMEOUT:
                raise RuntimeError(
                    f"no Ray actor could start in {START_TIMEOUT:.0f} s: does the cluster have "
                    "a free CPU?"
                )
            dead: dict[ActorSlot, None] = {}
            for ref in self._finished([*inflight, *self._pings]):
                if ref in self._pings:
                    slot = self._pings.pop(ref)
                    try:
                        slot.node = ray.get(ref)
                        slot.ready = True
                    except ray.exceptions.RayError:
                        dead[slot] = None
                    continue
                if ref not in inflight:
                    continue
                slot, chunk = inflight[ref]
                try:
                    rows = ray.get(ref)
                except ray.exceptions.RayTaskError as exc:
                    raise RuntimeError(f"a Ray actor failed: {exc}") from None
                except ray.exceptions.RayError:
                    dead[slot] = None
                    continue
                del inflight[ref]
                slot.chunks.remove(ref)
                slot.load -= _weight(chunk)
                barren = 0
                yield rows
            for slot in dead:
                barren += 1
                if barren > MAX_BARREN_DEATHS:
                    raise RuntimeError(
                        f"Ray actors died {barren} times in a row without finishing any "
                        "games (see the agent log)"
                    )
                lost = [inflight.pop(ref)[1] for ref in slot.chunks if ref in inflight]
                self._bury(slot)
                for chunk in reversed(lost):
                    rows = self._requeue(chunk, queue)
                    if rows is not None:
                        yield rows

    def _submit(self, queue: deque[Chunk], inflight: dict[Any, tuple[ActorSlot, Chunk]]) -> None:
        """Give the queue's chunks, in order, to the least loaded live actors."""
        while queue:
            chunk = queue[0]
            ready = [s for s in self.actors if s.ready]
            slot = min(ready, key=lambda s: s.load, default=None)
            if slot is None or slot.load + _weight(chunk) > PER_ACTOR:
                return
            queue.popleft()
            suspect = chunk.breaks >= SPLIT_AFTER and len(chunk.games) == 1
            ref = slot.handle.play.remote([dataclasses.astuple(g) for g in chunk.games], suspect)
            inflight[ref] = (slot, chunk)
            slot.chunks.append(ref)
            slot.load += _weight(chunk)

    @staticmethod
    def _finished(refs: list[Any]) -> list[Any]:
        """The refs that are ready, waiting up to :data:`WAIT_SECONDS` for the first."""
        if not refs:
            time.sleep(WAIT_SECONDS)
            return []
        ray = _ray()
        done, rest = ray.wait(refs, num_returns=1, timeout=WAIT_SECONDS)
        if done and rest:
            done += ray.wait(rest, num_returns=len(rest), timeout=0)[0]
        return done

    def _requeue(self, chunk: Chunk, queue: deque[Chunk]) -> list[dict[str, Any]] | None:
        """Put back a chunk lost with its actor; the forfeit row of a game that kills them."""
        chunk.breaks += 1
        if chunk.breaks < SPLIT_AFTER:
            queue.appendleft(chunk)
        elif len(chunk.games) > 1:
            queue.extendleft(Chunk([g], chunk.breaks) for g in reversed(chunk.games))
        elif chunk.breaks < SPLIT_AFTER + SOLO_TRIES:
            queue.appendleft(chunk)
        else:
            return [self._blame(chunk.games[0])]
        return None

    def _blame(self, game: ScheduledGame) -> dict[str, Any]:
        """The forfeit row of a game that killed every actor it was played on alone."""
        seat = 0
        for status in self.status_dir.iterdir():
            with contextlib.suppress(OSError, ValueError):
                _, items = json.loads(status.read_text())
                seat = next((s for i, s in items if i == game.index), seat)
        reason = f"crashed: its Ray actor died {SOLO_TRIES} times while this agent played alone"
        return forfeit_row(game, seat, reason)

    def close(self) -> None:
        """Kill every actor; shut Ray down if this executor started it."""
        ray = _ray()
        if not ray.is_initialized():
            return
        for slot in self.actors:
            with contextlib.suppress(Exception):
                ray.kill(slot.handle, no_restart=True)
        self.actors.clear()
        self._pings.clear()
        if self._owns_ray:
            ray.shutdown()
