"""Run a tournament's schedule on local worker processes, committing every game at once.

The schedule is a pure function of the :class:`TournamentConfig`, every game is keyed by its
schedule index in the ladder, so an interrupted tournament resumes by playing exactly the
missing indices, and the results never depend on the number of workers.

Ctrl-C stops cleanly: no new game starts, the games in flight finish and are committed. A
second Ctrl-C aborts them (they will be replayed on resume).
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing as mp
import os
import queue
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import games
from agents.base import check_agent
from arena.ladder import Ladder, TournamentRow, game_key
from arena.match import MatchResult, play_match
from arena.players import DEFAULT_MOVE_TIMEOUT, Player, make_player
from arena.schedule import FORMATS, ScheduledGame, make_schedule

ISOLATIONS = ("process", "none")


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
    seed: int = 0
    """Tournament seed: every game's deal and agent seeds derive from it."""
    move_timeout: float = DEFAULT_MOVE_TIMEOUT
    """Seconds an agent may take for one move before it forfeits."""
    isolation: str = "process"
    """``process``: every agent in its own process (safe); ``none``: in the worker (fast)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", games.make(self.game, **self.params).params)
        object.__setattr__(self, "agents", tuple(self.agents))
        if self.format not in FORMATS:
            raise ValueError(f"unknown format {self.format!r}: formats are {', '.join(FORMATS)}")
        if self.isolation not in ISOLATIONS:
            raise ValueError(f"isolation must be one of {', '.join(ISOLATIONS)}")
        if not self.move_timeout > 0:
            raise ValueError(f"move_timeout must be positive, got {self.move_timeout}")

    @property
    def players(self) -> int:
        """Seats at each table."""
        return int(self.params["players"])

    def schedule(self) -> list[ScheduledGame]:
        """The games of this tournament, in schedule order."""
        return make_schedule(
            self.agents, self.players, self.format, self.games_per_pairing, self.seed
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict (stored with the tournament)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TournamentConfig:
        """The config stored by :meth:`to_json`."""
        return cls(**{**data, "agents": tuple(data["agents"])})


def check_config(config: TournamentConfig) -> None:
    """Refuse, before any game starts, agents that are unknown or cannot play the game."""
    game = games.make(config.game, **config.params)
    for spec in config.agents:
        check_agent(spec, game)
    config.schedule()  # validates format / agents / table size


def row_of(sched: ScheduledGame, result: MatchResult) -> dict[str, Any]:
    """The ladder row of a played game."""
    return {
        "idx": sched.index,
        "pairing": sched.pairing,
        "deal_index": sched.deal_index,
        "rotation": sched.rotation,
        "deal": sched.deal,
        "seeds": list(sched.seeds),
        "seats": list(sched.seats),
        "returns": list(result.returns),
        "ranking": [list(g) for g in result.ranking],
        "winner": result.winner,
        "moves": result.moves,
        "duration": result.duration,
        "forfeits": [list(f) for f in result.forfeits],
        "history": list(result.history),
    }


class Referee:
    """Plays scheduled games, keeping one player per (spec, copy) alive between games."""

    def __init__(self, config: TournamentConfig) -> None:
        self.config = config
        self.game = games.make(config.game, **config.params)
        self._players: dict[tuple[str, int], Player] = {}

    def _seat_players(self, seats: tuple[str, ...]) -> list[Player]:
        out, copies = [], {}
        for spec in seats:
            copy = copies[spec] = copies.get(spec, -1) + 1
            key = (spec, copy)
            if key not in self._players:
                self._players[key] = make_player(
                    spec, self.config.isolation, self.config.move_timeout
                )
            out.append(self._players[key])
        return out

    def play(self, sched: ScheduledGame) -> dict[str, Any]:
        """Play one scheduled game and return its row."""
        players = self._seat_players(sched.seats)
        return row_of(sched, play_match(self.game, players, sched.deal, sched.seeds))

    def close(self) -> None:
        """Stop every agent process."""
        for player in self._players.values():
            player.close()
        self._players.clear()


def _worker(config_json: str, tasks: mp.Queue, results: mp.Queue) -> None:
    """A worker process: play the scheduled games it is given, send back JSON rows."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    referee = Referee(TournamentConfig.from_json(json.loads(config_json)))
    try:
        while (task := tasks.get()) is not None:
            results.put(json.dumps(referee.play(ScheduledGame(*task))))
    finally:
        referee.close()


def _task(sched: ScheduledGame) -> tuple:
    return dataclasses.astuple(sched)


def _play_in_workers(
    config: TournamentConfig, todo: list[ScheduledGame], workers: int, stop: Callable[[], bool]
) -> Iterator[dict[str, Any]]:
    """Yield rows from ``workers`` processes, feeding at most two games per worker ahead."""
    ctx = mp.get_context("spawn")
    tasks, results = ctx.Queue(), ctx.Queue()
    config_json = json.dumps(config.to_json())
    procs = [
        ctx.Process(target=_worker, args=(config_json, tasks, results)) for _ in range(workers)
    ]
    for proc in procs:
        proc.start()
    pending, sent, received = iter(todo), 0, 0
    try:
        for sched in _take(pending, 2 * workers):
            tasks.put(_task(sched))
            sent += 1
        while received < sent:
            try:
                row = json.loads(results.get(timeout=1.0))
            except queue.Empty:
                if not any(p.is_alive() for p in procs):
                    raise RuntimeError("every tournament worker died") from None
                continue
            received += 1
            yield row
            if not stop():
                for sched in _take(pending, 1):
                    tasks.put(_task(sched))
                    sent += 1
    finally:
        for _ in procs:
            tasks.put(None)
        _stop_workers(procs, graceful=received == sent)


def _take(items: Iterator[ScheduledGame], n: int) -> list[ScheduledGame]:
    out = []
    for item in items:
        out.append(item)
        if len(out) == n:
            break
    return out


def _stop_workers(procs: list, graceful: bool) -> None:
    for proc in procs:
        proc.join(timeout=30 if graceful else 0.1)
    for proc in procs:
        if proc.is_alive():
            proc.terminate()
            proc.join(timeout=10)


def _play_inline(
    config: TournamentConfig, todo: list[ScheduledGame], stop: Callable[[], bool]
) -> Iterator[dict[str, Any]]:
    referee = Referee(config)
    try:
        for sched in todo:
            if stop():
                return
            yield referee.play(sched)
    finally:
        referee.close()


@dataclass
class RunSummary:
    """What one call of :func:`run` did."""

    tournament: TournamentRow
    played: int
    remaining: int
    interrupted: bool


class _StopFlag:
    """First Ctrl-C: stop starting games. Second: abort (KeyboardInterrupt)."""

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
        try:
            self._previous = signal.signal(signal.SIGINT, self._handler)
        except ValueError:  # not the main thread: no signal handling
            self._previous = None
        return self

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def run(
    ladder: Ladder,
    tournament: TournamentRow,
    *,
    workers: int | None = None,
    on_game: Callable[[dict[str, Any]], None] | None = None,
) -> RunSummary:
    """Play the games of ``tournament`` not yet in the ladder, committing each at once."""
    config = TournamentConfig.from_json(tournament.config)
    done = ladder.done_indices(tournament)
    todo = [g for g in config.schedule() if g.index not in done]
    workers = max(1, min(workers or os.cpu_count() or 1, len(todo) or 1))
    played = 0
    with _StopFlag() as stop:
        rows: Iterable[dict[str, Any]] = (
            _play_inline(config, todo, stop)
            if workers == 1
            else _play_in_workers(config, todo, workers, stop)
        )
        for row in rows:
            if ladder.record_game(tournament, row):
                played += 1
            if on_game is not None:
                on_game(row)
    remaining = tournament.total_games - len(ladder.done_indices(tournament))
    if remaining == 0:
        ladder.mark_finished(tournament)
    return RunSummary(tournament, played, remaining, interrupted=stop.requested)


def create(ladder: Ladder, config: TournamentConfig, name: str) -> TournamentRow:
    """Check the config and register a new tournament called ``name``."""
    check_config(config)
    key = game_key(config.game, config.params)
    return ladder.create_tournament(
        name, config.game, key, config.to_json(), len(config.schedule())
    )
