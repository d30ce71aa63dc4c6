"""Tournaments: the config, its checks, and running its schedule on an executor.

The schedule is a pure function of the :class:`TournamentConfig`, every game is keyed by its
schedule index in the ladder, so an interrupted tournament resumes by playing exactly the
missing indices, and the results never depend on the executor, the number of workers or the
batch size (:class:`arena.options.RunOptions`). The driver (this process) never runs agent
code: executors play games in worker processes or Ray actors, each agent in its host.

Ctrl-C (or SIGTERM) stops cleanly: no new game starts, the games in flight finish and are
committed. A second one aborts them (they will be replayed on resume).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import games
from agents.base import check_agent
from arena.gcpause import paused_gc
from arena.ladder import GameRow, Ladder, TournamentRow, game_key
from arena.options import RunOptions, check_timeout
from arena.players import DEFAULT_MOVE_TIMEOUT
from arena.schedule import (
    FORMATS,
    SEEDING,
    ScheduledGame,
    make_schedule,
    pairings,
    schedule_size,
    secret_root,
)

ISOLATIONS = ("process", "none")
MAX_GAMES = 1_000_000
"""The most games one tournament may schedule (its schedule is built in memory)."""


@dataclass(frozen=True)
class TournamentConfig:
    """Everything that determines a tournament's games (not how fast they are played)."""

    game: str = "liars_dice"
    """Game name (``arena games`` lists them)."""
    params: dict[str, Any] = field(default_factory=dict)
    """Game parameters (``players`` is the table size); defaults fill the rest."""
    agents: tuple[str, ...] = ("random", "heuristic")
    """Agent specs; for a gauntlet, the first one is the candidate."""
    format: str = "round-robin"
    """``round-robin`` or ``gauntlet``."""
    games_per_pairing: int = 10
    """Deals per table; each deal is played in every seat rotation."""
    seed: int | None = None
    """Root seed: every game's deal and agent seeds derive from it. None draws a secret one."""
    secret_seed: bool = False
    """True when the root was drawn at random (agents cannot guess it) rather than given."""
    move_timeout: float = DEFAULT_MOVE_TIMEOUT
    """Seconds an agent may take for one move before it forfeits."""
    isolation: str = "process"
    """``process``: every agent in its own host process (safe); ``none``: in the worker."""
    hashes: dict[str, str] = field(default_factory=dict)
    """Content hash of each agent package at creation; hosts refuse a package that changed."""
    seeding: int = SEEDING
    """Version of the seed derivation (tournaments stored before version 2 resume with 1)."""
    stop: dict[str, Any] = field(default_factory=dict)
    """How it ends: empty, when the schedule is played; ``{"until_ci": W, "max_games": N}``, in
    rounds until every rating is known within +-W; ``{"sprt": {...}, "max_games": N}``, a match
    until the SPRT decides. See :mod:`arena.rounds` (which plays these)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", games.make(self.game, **self.params).params)
        object.__setattr__(self, "agents", tuple(self.agents))
        if self.format not in FORMATS:
            raise ValueError(f"unknown format {self.format!r}: formats are {', '.join(FORMATS)}")
        if self.isolation not in ISOLATIONS:
            raise ValueError(f"isolation must be one of {', '.join(ISOLATIONS)}")
        object.__setattr__(self, "move_timeout", check_timeout(self.move_timeout))
        if self.seed is None:
            object.__setattr__(self, "seed", secret_root())
            object.__setattr__(self, "secret_seed", True)
        elif isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"the seed must be a non-negative integer, got {self.seed!r}")
        if isinstance(self.games_per_pairing, bool) or not isinstance(self.games_per_pairing, int):
            raise ValueError(
                f"games_per_pairing must be an integer, got {self.games_per_pairing!r}"
            )
        if self.games_per_pairing < 1:
            raise ValueError(f"games_per_pairing must be at least 1, got {self.games_per_pairing}")
        if self.stop:
            from arena.rounds import check_stop

            object.__setattr__(self, "stop", check_stop(self.stop, self))
        total = self.total_games()
        if total > MAX_GAMES:
            raise ValueError(
                f"this tournament would have {total:,} games, more than the {MAX_GAMES:,} "
                "allowed: use fewer games per pairing or fewer agents"
            )

    @property
    def players(self) -> int:
        """Seats at each table."""
        return int(self.params["players"])

    def total_games(self) -> int:
        """The number of scheduled games (computed, not built); with a stopping rule, the most
        it may play."""
        if self.stop:
            return int(self.stop["max_games"])
        return schedule_size(self.agents, self.players, self.format, self.games_per_pairing)

    def schedule(self) -> list[ScheduledGame]:
        """The games of this tournament, in schedule order."""
        return make_schedule(
            self.agents,
            self.players,
            self.format,
            self.games_per_pairing,
            self.seed,
            self.seeding,
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict (stored with the tournament)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TournamentConfig:
        """The config stored by :meth:`to_json` (by this version or an earlier one)."""
        return cls(**{"seeding": 1, **data, "agents": tuple(data["agents"])})


def check_config(config: TournamentConfig, options: RunOptions | None = None) -> None:
    """Refuse, before any game starts, agents that are unknown or cannot play the game.

    Agents whose code is not ours (``module:factory``, plug-ins) are loaded in an agent host,
    never in this process: a factory that hangs, exits or prints cannot harm the referee.
    """
    game = games.make(config.game, **config.params)
    for spec in config.agents:
        if runs_foreign_code(spec):
            check_in_host(spec, config, options or RunOptions())
        else:
            check_agent(spec, game)
    pairings(config.agents, config.players, config.format)  # format / agents / table size


def runs_foreign_code(spec: str) -> bool:
    """Whether loading ``spec`` runs code that is not this project's (a factory, a plug-in)."""
    from agents.base import BUILTINS, _entry_points

    if spec in BUILTINS or spec.startswith("zoo:") or os.path.exists(spec):
        return False
    return ":" in spec or spec in _entry_points()


def check_in_host(spec: str, config: TournamentConfig, options: RunOptions) -> None:
    """Load ``spec`` in a throwaway agent host (see :func:`check_config`).

    Raises:
        AgentSpecError: the agent cannot be loaded or cannot play the game.
    """
    from agents.base import AgentSpecError
    from arena.hosts import HostError, ProcessHost
    from arena.sandbox import use_sandbox

    host = ProcessHost(
        spec,
        config.game,
        dict(config.params),
        sandboxed=use_sandbox(options.sandbox),
        load_timeout=options.load_timeout,
    )
    try:
        host.start()
    except HostError as exc:
        reason = exc.reason.removeprefix("failed to start: ")
        raise AgentSpecError(f"agent {spec!r} cannot be loaded: {reason}") from None
    finally:
        host.close()


def agent_hashes(agents: Sequence[str]) -> dict[str, str]:
    """The content hash of every agent that has one (packages, the zoo)."""
    from agents.content_hash import spec_hash

    return {spec: digest for spec in agents if (digest := spec_hash(spec))}


@dataclass
class RunSummary:
    """What one call of :func:`run` did."""

    tournament: TournamentRow
    played: int
    remaining: int
    interrupted: bool


class _StopFlag:
    """First Ctrl-C (or SIGTERM): stop starting games. Second: abort (KeyboardInterrupt)."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: Any = None

    def __call__(self) -> bool:
        return self.requested

    def _handler(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        print("\nstopping: finishing the games in flight (Ctrl-C again to abort)", file=sys.stderr)

    def __enter__(self) -> _StopFlag:
        self._previous = {}
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(ValueError):  # not the main thread: no signal handling
                self._previous[signum] = signal.signal(signum, self._handler)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)


def run(
    ladder: Ladder,
    tournament: TournamentRow,
    *,
    options: RunOptions | None = None,
    on_game: Callable[[GameRow], None] | None = None,
    games: Sequence[ScheduledGame] | None = None,
) -> RunSummary:
    """Play the games of ``tournament`` not yet in the ladder, committing each chunk at once.

    ``games``: only these (one round of :mod:`arena.rounds`); default the whole schedule, or,
    for a tournament with a stopping rule (``config.stop``), its rounds until it stops.
    Every child (workers, agent hosts) is stopped when this returns or raises.
    """
    options = options or RunOptions()
    config = TournamentConfig.from_json(tournament.config)
    if games is None and config.stop:
        from arena.rounds import run_rounds

        return run_rounds(ladder, tournament, options=options, on_game=on_game)
    check_unchanged(config)
    done = ladder.done_indices(tournament)
    todo = [g for g in (config.schedule() if games is None else games) if g.index not in done]
    played = 0
    work_dir = Path(tempfile.mkdtemp(prefix="arena-run-"))
    log_path = agent_log_path(tournament.name, options)
    executor = make_executor(config, options, log_path, work_dir, len(todo))
    try:
        with _StopFlag() as stop, paused_gc():  # rows are acyclic (see arena.gcpause)
            for played_rows in executor.run(todo, stop):
                rows = [  # rows from the referee carry the hashes; forfeits made here do not
                    row
                    if row.hashes is not None
                    else dataclasses.replace(
                        row, hashes=[config.hashes.get(s, "") for s in row.seats]
                    )
                    for row in played_rows
                ]
                played += ladder.record_games(tournament, rows)
                if on_game is not None:
                    for row in rows:
                        on_game(row)
    finally:
        executor.close()
        shutil.rmtree(work_dir, ignore_errors=True)
    remaining = tournament.total_games - len(ladder.done_indices(tournament))
    if remaining == 0:
        ladder.mark_finished(tournament)
    return RunSummary(tournament, played, remaining, interrupted=stop.requested)


def check_unchanged(config: TournamentConfig) -> None:
    """Refuse to go on with agent packages that changed since the tournament was created.

    Raises:
        ValueError: naming the package (a retrained package is a new agent: start a new
            tournament).
    """
    current = agent_hashes(list(config.hashes))
    for spec, digest in config.hashes.items():
        now = current.get(spec, "")
        if now != digest:
            raise ValueError(
                f"agent {spec!r} changed since the tournament was created (content "
                f"{now[:8] or 'gone'}, was {digest[:8]}): start a new tournament for it"
            )


def agent_log_path(name: str, options: RunOptions) -> Path:
    """The file receiving the agents' stdout and stderr for tournament ``name``."""
    if options.log_dir is not None:
        folder = Path(options.log_dir)
    else:
        from arena.logs import logs_dir

        folder = logs_dir() / "tournaments"
    folder.mkdir(parents=True, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    return folder / f"{safe}.agents.log"


def make_executor(
    config: TournamentConfig, options: RunOptions, log_path: Path, work_dir: Path, todo: int
):
    """The executor ``options.executor`` names, with no more workers than chunks of work."""
    from arena.executor import LocalExecutor, default_chunk_size

    chunks = -(-todo // default_chunk_size(max(todo, 1), options))
    options = dataclasses.replace(options, workers=max(1, min(options.workers, chunks)))
    if options.executor == "ray":
        from arena.ray_executor import RayExecutor

        return RayExecutor(config, options, log_path, work_dir)
    return LocalExecutor(config, options, log_path, work_dir)


def create(
    ladder: Ladder, config: TournamentConfig, name: str, *, checked: bool = False
) -> TournamentRow:
    """Check the config (unless ``checked``) and register a new tournament called ``name``."""
    if not checked:
        check_config(config)
    config = dataclasses.replace(config, hashes=agent_hashes(config.agents))
    key = game_key(config.game, config.params)
    return ladder.create_tournament(name, config.game, key, config.to_json(), config.total_games())
