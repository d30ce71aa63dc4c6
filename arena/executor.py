"""The local executor: chunks of games on a process pool that survives dead workers.

Each worker process holds one :class:`arena.referee.Referee` (and so one host per agent) for
the whole run and plays the chunks of games it is given, many games at once. The driver (the
``arena`` process) only feeds chunks and collects rows; it never runs agent code.

Faults:

* A worker that dies (the OOM killer, ``kill -9``, an agent that kills its parent) breaks the
  pool (``concurrent.futures`` reports ``BrokenProcessPool``): a new pool replays every chunk
  that was in flight, with the same seeds, so the same rows come back. A chunk that breaks the
  pool twice is split into single games, and a single game that breaks it again is played
  alone in a quarantine worker: if that worker dies too, the agent whose request was in flight
  (recorded by the worker in a status file) forfeits the game with the reason.
* Workers and their hosts die with the driver (parent-death signal), ignore SIGINT (the driver
  decides: on Ctrl-C or SIGTERM it tells them to finish the games in flight and start no new
  one) and are killed when the run ends for any reason.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import multiprocessing as mp
import multiprocessing.util as mp_util
import os
import select
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arena.ladder.rows import GameRow
from arena.match import MatchResult, forfeit_returns
from arena.options import RunOptions
from arena.referee import Referee, row_of
from arena.sandbox import die_with_parent
from arena.schedule import ScheduledGame

MAX_KILLS = 3
"""Breaks after which a game that also kills its quarantine worker is forfeited by the agent
that was to move (twice in its chunk, once alone, then once in quarantine)."""

MIN_CHUNK = 32
"""Games per chunk at least (when there are enough): each chunk costs a round trip and a commit."""
CHUNKS_PER_WORKER = 2
"""Chunks in flight per worker: the next one waits in the pool's queue, so a worker starts it
as soon as it has returned the last, not after the driver has committed that one's rows."""
MAX_BARREN_BREAKS = 8
"""Breaks of the main pool in a row, with no game finished in between, before the run gives up
(workers that cannot start, say)."""

_BARREN = (
    "the worker processes died {} times in a row without finishing any games (see the agent log)"
)
_REFEREE: Referee | None = None


@dataclass
class Chunk:
    """Games sent to a worker at once, and how many times they broke the pool."""

    games: list[ScheduledGame]
    breaks: int = 0


def worker_context() -> Any:
    """How worker processes start: forked from a fork server that has imported this module
    (and so the referee, the engines and numpy), on Linux: a worker then starts in
    milliseconds instead of a fresh interpreter's quarter second of imports (per tournament,
    per round of ``--until-ci``, per replacement of a dead pool). Elsewhere spawned.

    The fork server lives as long as the process that started it (and its workers) and
    ignores Ctrl-C. A forked worker's parent is the fork server, not the driver: it watches
    the driver itself (:func:`_die_with`)."""
    if not hasattr(os, "pidfd_open") or "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    context = mp.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def _init_worker(
    config_json: str,
    options_json: str,
    log_path: str,
    status_dir: str,
    environ: dict[str, str],
    driver: int,
    stopping: Any,
    recording: bool,
) -> None:
    """Worker start: die with its parent and with the driver (process ``driver``), take the
    driver's environment as it is now (a fork server's is as it was when it started), ignore
    Ctrl-C, build the referee (which starts no new game once the driver sets the ``stopping``
    event)."""
    from arena.tournament import TournamentConfig

    die_with_parent()
    _die_with(driver)
    os.environ.clear()
    os.environ.update(environ)
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch is imported (isolation none)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)
    global _REFEREE
    status = Path(status_dir) / str(os.getpid())
    log = open(log_path, "ab")  # noqa: SIM115  (kept open for the worker's life)

    def record(spec: str, items: list[tuple[int, int]]) -> None:
        partial = status.with_suffix(".tmp")
        partial.write_text(json.dumps([spec, items]))
        os.replace(partial, status)

    config = TournamentConfig.from_json(json.loads(config_json))
    _REFEREE = Referee(config, RunOptions(**json.loads(options_json)), log, record)
    _REFEREE.recording = recording  # only the quarantine worker: a file write per request
    _REFEREE.stopping = stopping.is_set
    # a worker told to exit by the pool stops its hosts' process groups on the way out
    mp_util.Finalize(None, _REFEREE.close, exitpriority=10)


def _die_with(driver: int) -> None:
    """Stop this worker (:func:`_stop_worker`) as soon as process ``driver`` ends, even by
    SIGKILL: a thread waits on its pidfd (Linux). Nothing to do for a spawned worker, whose
    parent is the driver (the parent-death signal covers it)."""
    if driver == os.getppid() or not hasattr(os, "pidfd_open"):
        return
    try:
        pidfd = os.pidfd_open(driver)
    except ProcessLookupError:
        _stop_worker(signal.SIGKILL, None)
        return

    def watch() -> None:
        select.select([pidfd], [], [])
        _stop_worker(signal.SIGKILL, None)

    threading.Thread(target=watch, name="die-with-driver", daemon=True).start()


def _stop_worker(signum: int, frame: object) -> None:
    """SIGTERM: kill the hosts' process groups (agents' children included), then exit."""
    if _REFEREE is not None:
        _REFEREE.close(graceful=False)
    os._exit(0)


def _play_chunk(games: list[tuple]) -> list[GameRow]:
    """Worker task: play a chunk, return its rows."""
    assert _REFEREE is not None
    return _REFEREE.play([ScheduledGame(*g) for g in games])


def default_chunk_size(todo: int, options: RunOptions) -> int:
    """Enough games to keep ``batch_size`` in flight, small enough to share the work."""
    if options.chunk_size is not None:
        return options.chunk_size
    share = -(-todo // (2 * options.workers))
    return max(1, min(max(MIN_CHUNK, 4 * options.batch_size), share))


def make_chunks(todo: Sequence[ScheduledGame], options: RunOptions) -> deque[Chunk]:
    """``todo`` in chunks of at most :func:`default_chunk_size` games, in schedule order.

    Each worker's first chunk is one batch (when that is smaller): the progress bar moves
    after one batch of games, not after a whole chunk. With several workers the chunks then
    shrink as the work left does (each a ``1 / (2 * workers)`` share of it, down to one batch
    or :data:`MIN_CHUNK` games, whichever is more), so that the workers finish together
    instead of one playing a large last chunk alone; not below a batch, since the end of every
    chunk is played with fewer and fewer games in flight (measured on Skull, 8,000 games, two
    workers: chunks down to 32 games lost 7% to those ends). An explicit ``chunk_size`` is
    used as given.
    """
    size = default_chunk_size(len(todo), options)
    fixed = options.chunk_size is not None or options.workers == 1
    first = size if options.chunk_size is not None else min(size, options.batch_size)
    floor = max(MIN_CHUNK, options.batch_size)  # a chunk's last games are played in fewer
    chunks: deque[Chunk] = deque()
    start = 0
    while start < len(todo):
        left = len(todo) - start
        if len(chunks) < options.workers:
            n = first
        elif fixed:
            n = size
        else:
            n = min(size, max(floor, -(-left // (2 * options.workers))))
        chunks.append(Chunk(list(todo[start : start + n])))
        start += n
    return chunks


class LocalExecutor:
    """Plays chunks on ``options.workers`` local processes (see the module docstring)."""

    def __init__(self, config: Any, options: RunOptions, log_path: Path, work_dir: Path) -> None:
        self.options = options
        self.status_dir = work_dir / "status"
        self.status_dir.mkdir(parents=True, exist_ok=True)
        options_json = json.dumps(dataclasses.asdict(options))
        self._initargs = (
            json.dumps(config.to_json()),
            options_json,
            str(log_path),
            str(self.status_dir),
            dict(os.environ),
            os.getpid(),
        )
        self._pools: list[ProcessPoolExecutor] = []
        self._context = worker_context()
        self._stopping = self._context.Event()
        """Set on Ctrl-C or SIGTERM: the workers finish the games in flight and start no more
        (the chunks already queued come back with the games played, the others stay to do)."""

    def _pool(self, workers: int, recording: bool = False) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=self._context,
            initializer=_init_worker,
            initargs=(*self._initargs, self._stopping, recording),
        )
        self._pools.append(pool)
        return pool

    def run(
        self, todo: Sequence[ScheduledGame], stop: Callable[[], bool]
    ) -> Iterator[list[GameRow]]:
        """Yield the rows of each finished chunk until ``todo`` is played or ``stop()``."""
        queue = make_chunks(todo, self.options)
        quarantine: deque[Chunk] = deque()
        pool = self._pool(self.options.workers)
        inflight: dict[Future, Chunk] = {}
        jail: ProcessPoolExecutor | None = None
        jailed: dict[Future, Chunk] = {}
        barren = 0
        limit = CHUNKS_PER_WORKER * self.options.workers
        while ((queue or quarantine) and not stop()) or inflight or jailed:
            if stop():  # finish the games being played, start no more
                self._stopping.set()
                for future in [f for f in inflight if f.cancel()]:
                    del inflight[future]
            refused = False  # the pool broke before a chunk could go out (workers died at start)
            while queue and not stop() and len(inflight) < limit:
                chunk = queue.popleft()
                try:
                    inflight[pool.submit(_play_chunk, _tasks(chunk))] = chunk
                except BrokenProcessPool:
                    queue.appendleft(chunk)  # not played: no break of its own
                    refused = True
                    break
            if quarantine and not jailed and not stop():
                jail = jail or self._pool(1, recording=True)
                chunk = quarantine.popleft()
                jailed[jail.submit(_play_chunk, _tasks(chunk))] = chunk
            done, _ = wait([*inflight, *jailed], timeout=0.5, return_when=FIRST_COMPLETED)
            broken, jail_broken = [], []
            for future in done:
                in_jail = future in jailed
                chunk = (jailed if in_jail else inflight).pop(future)
                try:
                    rows = future.result()
                except BrokenProcessPool:
                    (jail_broken if in_jail else broken).append(chunk)
                    continue
                barren = 0
                yield rows
            if broken or (refused and not inflight):  # (quarantine deaths: below)
                barren += 1
                if barren > MAX_BARREN_BREAKS:
                    raise RuntimeError(_BARREN.format(barren))
                broken += inflight.values()
                inflight.clear()
                self._kill(pool)
                pool = self._pool(self.options.workers)
                for chunk in broken:
                    self._requeue(chunk, queue, quarantine)
            if jail_broken:
                pids = list((getattr(jail, "_processes", None) or {}).keys())
                self._kill(jail)
                jail = None
                for chunk in jail_broken:
                    chunk.breaks += 1
                    if chunk.breaks >= MAX_KILLS:
                        row = self._blame(chunk.games[0], pids)
                        if row is not None:
                            barren = 0
                            yield [row]
                            continue
                        barren += 1  # died before asking any agent: not theirs
                        if barren > MAX_BARREN_BREAKS:
                            raise RuntimeError(_BARREN.format(barren))
                    quarantine.append(chunk)

    @staticmethod
    def _requeue(chunk: Chunk, queue: deque[Chunk], quarantine: deque[Chunk]) -> None:
        chunk.breaks += 1
        if chunk.breaks < 2:
            queue.appendleft(chunk)
        elif len(chunk.games) > 1:
            queue.extendleft(Chunk([g], chunk.breaks) for g in reversed(chunk.games))
        else:
            quarantine.append(chunk)

    def _blame(self, game: ScheduledGame, pids: list[int]) -> GameRow | None:
        """The forfeit row of a game that killed its worker every time it was played; None
        when the worker died before it asked any agent about the game (it could not start,
        say: no agent is to blame).

        The quarantine worker (``pids``) played it alone: its status file names the seat whose
        agent was answering when it died.
        """
        seat = None
        for pid in pids:
            with contextlib.suppress(OSError, ValueError):
                _, items = json.loads((self.status_dir / str(pid)).read_text())
                seat = next((s for i, s in items if i == game.index), seat)
        if seat is None:
            return None
        reason = (
            "crashed: the worker process died every time this game was played "
            "(the last time alone, with this agent to move)"
        )
        return forfeit_row(game, seat, reason)

    def _kill(self, pool: ProcessPoolExecutor | None) -> None:
        """Stop a pool now, killing its workers (and so, by parent-death signal, their hosts)."""
        if pool is None:
            return
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in processes:  # SIGTERM: the worker kills its hosts' process groups
            with contextlib.suppress(Exception):
                proc.terminate()
        for proc in processes:
            with contextlib.suppress(Exception):
                proc.join(timeout=2)
                proc.kill()
                proc.join(timeout=5)

    def close(self) -> None:
        """Kill every worker of every pool this executor started."""
        for pool in self._pools:
            self._kill(pool)
        self._pools.clear()


def forfeit_row(game: ScheduledGame, seat: int, reason: str) -> GameRow:
    """The row of a game that could not be played because of ``seat``'s agent."""
    returns = forfeit_returns(len(game.seats), seat)
    return row_of(game, MatchResult.of(returns, 0, 0.0, ((seat, reason),)))


def _tasks(chunk: Chunk) -> list[tuple]:
    return [g.as_tuple() for g in chunk.games]
