"""The Ray executor (``--executor ray``): chunks of games on Ray actors that host the agents.
This module is the driver's side (starting actors, handing out chunks, replaying lost ones).

Each actor (one CPU) holds one :class:`arena.referee.Referee` (and so one host process per
agent) for the whole run, exactly like a worker of :class:`arena.executor.LocalExecutor`, and
plays whole chunks of games per call (never one remote call per move). The driver only sends
chunks and yields the rows back: it stays the only writer of the ladder, so resume works as
with the local executor, and since a game's result depends only on its seeds, the rows are the
same whatever executor, actor count, node or retry played them.

Cluster: ``--ray-address ADDR`` joins a running cluster; without it a local one is started
(and shut down at the end). A Ray already initialised in this process (a test's cluster) is
used as it is. Every node needs this project installed (``pip install "bluff-arena[ray]"``).

Agent packages given as paths are shipped through Ray's object store, and each actor writes its
agent output on its own node: see :mod:`arena.ray_actor`, which holds the actor.

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
import json
import logging
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arena.executor import Chunk, forfeit_row, make_chunks
from arena.ladder.rows import GameRow
from arena.options import RunOptions
from arena.ray_actor import GameActor, shipped_packages
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


def _ray() -> Any:
    try:
        import ray
    except ImportError:  # pragma: no cover - depends on the installation
        raise RuntimeError('--executor ray needs Ray: pip install "bluff-arena[ray]"') from None
    return ray


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
            ray.put(shipped_packages(config)),
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
    ) -> Iterator[list[GameRow]]:
        """Yield the rows of each finished chunk until ``todo`` is played or ``stop()``."""
        ray = _ray()
        queue = make_chunks(todo, self.options)
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
            ref = slot.handle.play.remote([g.as_tuple() for g in chunk.games], suspect)
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

    def _requeue(self, chunk: Chunk, queue: deque[Chunk]) -> list[GameRow] | None:
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

    def _blame(self, game: ScheduledGame) -> GameRow:
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
