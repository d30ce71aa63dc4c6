"""The referee: plays many scheduled games at once, each agent behind one host.

A :class:`Referee` keeps up to ``batch_size`` games in flight. In each round, every game in
flight waits on one seat; the referee sends each agent host ALL the observations waiting on it
in one request (observations of many games, and of every seat that agent fills), the hosts
answer in parallel, and every game advances by one move. A neural agent thus runs one forward
pass per round instead of one per move.

Results do not depend on the batching: the host keeps one copy of its agent per game and seat
(a *slot*), reset with that game's seed, and each copy samples from its own generator. Chance
uses the game's deal seed, one uniform number per chance node (inverse CDF), so every rotation
of a duplicate deal sees the same chance outcomes as long as play reaches the same nodes.

Faults end a game at once with a forfeit (-1 for the offender, +1 shared by the others, the
reason recorded): an error or an illegal or malformed action loses that game only; a host that
times out, dies or garbles its reply loses every game it was asked about in that round (and the
games it held state for), then restarts for the next ones. Under batching the per-move timeout
applies on average: a request of ``n`` observations must be answered within ``n`` times
``move_timeout`` (``--batch-size 1`` gives a strict per-move limit).
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

import numpy as np

import games
from arena.boards import Boards, make_boards
from arena.gcpause import paused_gc
from arena.hosts import Batch, HostError, ProcessHost, Reply
from arena.inline_host import InlineHost
from arena.ladder.rows import GameRow
from arena.match import MatchResult, forfeit_returns
from arena.sandbox import HostLimits, use_sandbox
from arena.schedule import ScheduledGame

if TYPE_CHECKING:
    from arena.options import RunOptions
    from arena.tournament import TournamentConfig

MAX_SEATS = 8
"""Slots are ``game index * MAX_SEATS + seat``: unique among the games of a worker."""


def row_of(
    sched: ScheduledGame, result: MatchResult, hashes: dict[str, str] | None = None
) -> GameRow:
    """The record of a played game; ``hashes``: the tournament's content hash of each spec
    (``""`` for code), stamped on the row's seats (else the driver adds them)."""
    return GameRow(
        index=sched.index,
        pairing=sched.pairing,
        deal_index=sched.deal_index,
        rotation=sched.rotation,
        deal=sched.deal,
        seeds=list(sched.seeds),
        seats=list(sched.seats),
        returns=list(result.returns),
        ranking=[list(g) for g in result.ranking],
        winner=result.winner,
        moves=result.moves,
        duration=result.duration,
        forfeits=[list(f) for f in result.forfeits],
        history=list(result.history),
        hashes=None if hashes is None else [hashes.get(s, "") for s in sched.seats],
    )


@dataclass
class _Live:
    """A game in flight, on board ``row``."""

    sched: ScheduledGame
    row: int
    start: float
    moves: int = 0
    generations: dict[int, int] = field(default_factory=dict)
    """Seat -> generation of its host when the seat's copy was reset."""

    def slot(self, seat: int) -> int:
        return self.sched.index * MAX_SEATS + seat


def _rows(items: Sequence[tuple[_Live, int]]) -> tuple[np.ndarray, np.ndarray]:
    """The boards and seats of ``items`` as int64 arrays."""
    n = len(items)
    rows = np.fromiter((lv.row for lv, _ in items), np.int64, n)
    seats = np.fromiter((seat for _, seat in items), np.int64, n)
    return rows, seats


@dataclass
class _Asked:
    """One request sent to a host: the games and seats asked, their boards, legal masks."""

    spec: str
    items: list[tuple[_Live, int]]
    rows: np.ndarray
    masks: np.ndarray
    generation: int


class Referee:
    """Plays chunks of scheduled games of one tournament; keeps its hosts between chunks.

    The games in flight live on :mod:`arena.boards`: rows of the game's batched engine when
    it has one and no agent reads text views, else one per-game state each.

    Args:
        config: the tournament.
        options: batch size, sandbox and agent limits.
        log: where the agents' stdout and stderr go (None: discarded).
        on_request: called with ``(spec, [(game index, seat), ...])`` before each request to
            a host while :attr:`recording` is true (an executor playing a suspect game alone
            records it, to blame the agent if the worker dies).
        out: where the agents' stdout goes, when not to ``log`` (``arena check-agent``).
    """

    def __init__(
        self,
        config: TournamentConfig,
        options: RunOptions,
        log: IO[bytes] | None = None,
        on_request: Callable[[str, list[tuple[int, int]]], None] | None = None,
        out: IO[bytes] | None = None,
    ) -> None:
        self.game = games.make(config.game, **config.params)
        self.hashes = dict(config.hashes)
        """The content hash of each spec, stamped on the rows (the driver would add the same)."""
        self.batch_size = options.batch_size
        self.on_request = on_request
        self.recording = False
        self.stopping: Callable[[], bool] = lambda: False
        """Asked before each round: once true, no new game starts (those in flight finish),
        so a stopped run returns the rows of the games it played."""
        inline = config.isolation == "none"
        sandboxed = False if inline else use_sandbox(options.sandbox)
        limits = HostLimits(
            options.agent_memory_mb, options.agent_cpu_seconds, options.agent_processes
        )
        cls = InlineHost if inline else ProcessHost
        self.hosts = {
            spec: cls(
                spec,
                config.game,
                dict(config.params),
                expected_hash=config.hashes.get(spec, ""),
                limits=limits,
                sandboxed=sandboxed,
                log=log,
                out=out,
                move_timeout=config.move_timeout,
                load_timeout=options.load_timeout,
            )
            for spec in config.agents
        }
        self.boards: Boards | None = None
        """The games in flight (chosen when the first chunk starts, once the hosts say whether
        their agents read text)."""
        self._drops: dict[str, list[tuple[int, list[float]]]] = defaultdict(list)
        """Per spec: ``(slot, returns)`` of the games that ended, sent with its next request."""
        self._broken: dict[str, str] = {}
        """Specs whose host could not load the agent, and why (not retried)."""

    def close(self, graceful: bool = True) -> dict[str, int | None]:
        """Stop every host; ``graceful``: first tell it the games that ended since its last
        request and let its agent close (a program is told to quit).

        Returns:
            per spec, what its host's :meth:`~arena.hosts.ProcessHost.stop` returned (a
            program's exit status after ``quit``, None when it had to be killed); empty when
            not ``graceful``.
        """
        statuses: dict[str, int | None] = {}
        for spec, host in self.hosts.items():
            if graceful:
                statuses[spec] = host.stop(self._drops.pop(spec, []))
            else:
                host.close()
        return statuses

    def play(self, chunk: Sequence[ScheduledGame]) -> list[GameRow]:
        """Play every game of ``chunk`` (after :attr:`stopping`, only those started); their
        rows, in the order the games ended.

        The ``batch_size`` games in flight form two cohorts, asked in turn: while the hosts
        answer one, this process applies the other's moves and encodes its next observations.
        """
        if self.boards is None:
            self.boards = self._make_boards()
        queue, rows = deque(chunk), []
        cohorts: list[list[_Live]] = [[], []]
        asked: list[list[_Asked]] = [[], []]
        sizes = (self.batch_size - self.batch_size // 2, self.batch_size // 2)  # 1 -> (1, 0)
        with paused_gc():  # the games' objects are acyclic (see arena.gcpause)
            while queue or any(cohorts):
                if queue and self.stopping():
                    queue.clear()
                for k in (0, 1):
                    cohort = self._finish(cohorts[k], self._collect(asked[k]), rows)
                    while queue and len(cohort) < sizes[k]:
                        cohort.append(self._begin(queue.popleft()))
                    ended: list[tuple[_Live, MatchResult]] = []
                    asked[k] = self._ask(cohort, ended)
                    cohorts[k] = self._finish(cohort, ended, rows)
        return rows

    def _make_boards(self) -> Boards:
        """Batched boards unless an agent reads text views (the hosts are started, all at
        once, to ask)."""
        self._start(*self.hosts)
        text = any(self.hosts[spec].needs_text for spec in self.hosts if spec not in self._broken)
        return make_boards(self.game, self.batch_size, text)

    def _start(self, *specs: str) -> bool:
        """Start the hosts of ``specs`` that are down, loading their agents at the same time;
        whether they all run (a host that cannot load its agent is not retried: its games are
        forfeited with the reason)."""
        down = [s for s in specs if not self.hosts[s].alive and s not in self._broken]
        launched = []
        for spec in down:
            try:
                self.hosts[spec].launch()
                launched.append(spec)
            except HostError as exc:
                self._broken[spec] = exc.reason
        for spec in launched:
            try:
                self.hosts[spec].finish_start()
                self._drops[spec].clear()
            except HostError as exc:
                self._broken[spec] = exc.reason
        return not any(spec in self._broken for spec in specs)

    def _finish(
        self, cohort: list[_Live], ended: list[tuple[_Live, MatchResult]], rows: list
    ) -> list[_Live]:
        """Add the rows of the games that ended; their agents' copies are dropped with the next
        request to each host; the games of ``cohort`` still in flight."""
        if not ended:
            return cohort
        for lv, result in ended:
            rows.append(row_of(lv.sched, result, self.hashes))
            returns = [float(r) for r in result.returns]
            for seat in lv.generations:
                self._drops[lv.sched.seats[seat]].append((lv.slot(seat), returns))
        done = {id(lv) for lv, _ in ended}
        return [lv for lv in cohort if id(lv) not in done]

    def _begin(self, sched: ScheduledGame) -> _Live:
        assert self.boards is not None
        return _Live(sched, self.boards.begin(sched.deal), time.perf_counter())

    def _result(self, lv: _Live, forfeit: tuple[int, str] | None = None) -> MatchResult:
        """The result of the game of ``lv`` (over, or forfeited); its board is released."""
        boards = self.boards
        assert boards is not None
        n = self.game.num_players
        returns = boards.returns(lv.row) if forfeit is None else forfeit_returns(n, forfeit[0])
        duration = time.perf_counter() - lv.start
        forfeits = () if forfeit is None else (forfeit,)
        history = boards.history(lv.row)
        boards.release(lv.row)
        return MatchResult.of(returns, lv.moves, duration, forfeits, history)

    def _forfeit_all(self, items: Sequence[tuple[_Live, int]], reason: str, ended: list) -> None:
        ended += [(lv, self._result(lv, (seat, reason))) for lv, seat in items]

    def _ask(self, live: list[_Live], ended: list) -> list[_Asked]:
        """Send every host the observations of ``live`` waiting on it (games that cannot be
        asked end at once, into ``ended``); what was sent."""
        if not live:
            return []
        assert self.boards is not None
        rows = np.fromiter((lv.row for lv in live), np.int64, len(live))
        asks: dict[str, list[tuple[_Live, int]]] = defaultdict(list)
        for lv, seat in zip(live, self.boards.current_players(rows).tolist(), strict=True):
            asks[lv.sched.seats[seat]].append((lv, seat))
        sent = []
        for spec, items in asks.items():
            asked = self._send(spec, items, ended)
            if asked is not None:
                sent.append(asked)
        return sent

    def _collect(self, sent: list[_Asked]) -> list[tuple[_Live, MatchResult]]:
        """Read the replies to ``sent`` and play their moves (one step of the boards for all
        of them); the games that ended, host by host (its forfeits first)."""
        assert self.boards is not None
        answered: list[tuple[_Asked, Reply | str]] = []
        for asked in sent:
            host = self.hosts[asked.spec]
            try:
                if host.generation != asked.generation:
                    raise HostError("crashed: agent process died (in another game)")
                reply = host.receive()
                if len(reply.actions) != len(asked.items):
                    host.close()
                    raise HostError("malformed reply from agent process")
            except HostError as exc:
                answered.append((asked, exc.reason))
                continue
            answered.append((asked, reply))
        moves = [
            (asked, *self._moves(asked, reply))
            for asked, reply in answered
            if isinstance(reply, Reply)
        ]
        over = np.zeros(0, dtype=bool)
        if moves:
            rows = np.concatenate([asked.rows[played] for asked, played, _, _ in moves])
            self.boards.apply(rows, np.concatenate([actions for _, _, actions, _ in moves]))
            over = self.boards.terminal(rows)
        ended: list[tuple[_Live, MatchResult]] = []
        steps, at = iter(moves), 0
        for asked, reply in answered:
            if not isinstance(reply, Reply):
                self._forfeit_all(asked.items, reply, ended)
                continue
            _, played, _, reasons = next(steps)
            items = asked.items
            if reasons:  # forfeits first, then the moves played
                for i, reason in reasons.items():
                    lv, seat = items[i]
                    ended.append((lv, self._result(lv, (seat, reason))))
                items = [items[i] for i in played.tolist()]
            for lv, _ in items:
                lv.moves += 1
            for j in np.flatnonzero(over[at : at + len(items)]).tolist():
                ended.append((items[j][0], self._result(items[j][0])))
            at += len(items)
        return ended

    @staticmethod
    def _moves(asked: _Asked, reply: Reply) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
        """The answers of ``reply`` that are legal moves: ``(indices of the items played,
        their actions, {index: forfeit reason} of the others)``."""
        items, masks = asked.items, asked.masks
        n, count = len(items), masks.shape[1]
        try:  # the usual reply: ints only
            actions = np.array(reply.actions, dtype=np.int64)
        except (TypeError, OverflowError):  # None (an error) or an int beyond int64
            actions = np.fromiter(
                (a if a is not None and 0 <= a < count else -1 for a in reply.actions), np.int64, n
            )
        legal = (actions >= 0) & (actions < count)
        at = np.flatnonzero(legal)
        legal[at] = masks[at, actions[at]] != 0
        if not reply.errors and legal.all():
            return np.arange(n), actions, {}
        reasons: dict[int, str] = {}
        for i, (lv, seat) in enumerate(items):
            reason = reply.errors.get(lv.slot(seat)) if reply.errors else None
            if reason is None and not legal[i]:
                reason = f"illegal action {reply.actions[i]}"
            if reason is not None:
                reasons[i] = reason
                legal[i] = False
        played = np.flatnonzero(legal)
        return played, actions[played], reasons

    def _send(self, spec: str, items: list[tuple[_Live, int]], ended: list) -> _Asked | None:
        """Send ``spec``'s host its observations; what was asked (None when nothing was)."""
        host = self.hosts[spec]
        if not self._start(spec):
            self._forfeit_all(items, self._broken[spec], ended)
            return None
        resets, keep = [], []
        for lv, seat in items:
            generation = lv.generations.get(seat)
            if generation is None:
                lv.generations[seat] = host.generation
                resets.append((lv.slot(seat), seat, lv.sched.seeds[seat]))
            elif generation != host.generation:
                reason = "crashed: agent process died (in another game)"
                ended.append((lv, self._result(lv, (seat, reason))))
                continue
            keep.append((lv, seat))
        if not keep:
            return None
        if self.recording and self.on_request is not None:
            self.on_request(spec, [(lv.sched.index, seat) for lv, seat in keep])
        rows, seats = _rows(keep)
        batch = self._batch(host.needs_text, keep, rows, seats, resets, self._drops.pop(spec, []))
        try:
            host.send(batch)
        except HostError as exc:
            self._forfeit_all(keep, exc.reason, ended)
            return None
        return _Asked(spec, keep, rows, batch.masks, host.generation)

    def _batch(
        self,
        needs_text: bool,
        items: list[tuple[_Live, int]],
        rows: np.ndarray,
        seats: np.ndarray,
        resets: list,
        drops: list,
    ) -> Batch:
        assert self.boards is not None
        boards = self.boards
        return Batch(
            resets,
            drops,
            [lv.slot(s) for lv, s in items],
            seats.tolist(),
            boards.observations(rows, seats),
            boards.legal_masks(rows),
            boards.texts(rows, seats) if needs_text else None,
        )
