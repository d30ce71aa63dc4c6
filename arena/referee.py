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
from typing import IO, TYPE_CHECKING, Any

import numpy as np

import games
from arena.hosts import Batch, HostError, InlineHost, ProcessHost
from arena.match import MatchResult, forfeit_returns, sample_chance
from arena.sandbox import HostLimits, use_sandbox
from arena.schedule import ScheduledGame
from games.core import State

if TYPE_CHECKING:
    from arena.options import RunOptions
    from arena.tournament import TournamentConfig

MAX_SEATS = 8
"""Slots are ``game index * MAX_SEATS + seat``: unique among the games of a worker."""


def row_of(sched: ScheduledGame, result: MatchResult) -> dict[str, Any]:
    """The ladder row of a played game (the driver adds the agents' content hashes)."""
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


@dataclass
class _Live:
    """A game in flight."""

    sched: ScheduledGame
    state: State
    chance: np.random.Generator
    start: float
    moves: int = 0
    generations: dict[int, int] = field(default_factory=dict)
    """Seat -> generation of its host when the seat's copy was reset."""

    def slot(self, seat: int) -> int:
        return self.sched.index * MAX_SEATS + seat

    def advance(self) -> None:
        """Play chance nodes until a seat must move or the game ends."""
        state = self.state
        while state.is_chance_node():
            state.apply_action(sample_chance(state, self.chance.random()))


@dataclass
class _Asked:
    """One request sent to a host: the games and seats asked, their legal masks."""

    spec: str
    items: list[tuple[_Live, int]]
    masks: np.ndarray
    generation: int


class Referee:
    """Plays chunks of scheduled games of one tournament; keeps its hosts between chunks.

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
        self.batch_size = options.batch_size
        self.on_request = on_request
        self.recording = False
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
        self._drops: dict[str, list[tuple[int, list[float]]]] = defaultdict(list)
        """Per spec: ``(slot, returns)`` of the games that ended, sent with its next request."""
        self._broken: dict[str, str] = {}
        """Specs whose host could not load the agent, and why (not retried)."""

    def close(self, graceful: bool = True) -> None:
        """Stop every host; ``graceful``: first tell it the games that ended since its last
        request and let its agent close (a program is told to quit)."""
        for spec, host in self.hosts.items():
            if graceful:
                host.stop(self._drops.pop(spec, []))
            else:
                host.close()

    def play(self, chunk: Sequence[ScheduledGame]) -> list[dict[str, Any]]:
        """Play every game of ``chunk``; their rows, in the order the games ended.

        The ``batch_size`` games in flight form two cohorts, asked in turn: while the hosts
        answer one, this process applies the other's moves and encodes its next observations.
        """
        queue, rows = deque(chunk), []
        cohorts: list[list[_Live]] = [[], []]
        asked: list[list[_Asked]] = [[], []]
        sizes = (self.batch_size - self.batch_size // 2, self.batch_size // 2)  # 1 -> (1, 0)
        while queue or any(cohorts):
            for k in (0, 1):
                cohort = self._finish(cohorts[k], self._collect(asked[k]), rows)
                while queue and len(cohort) < sizes[k]:
                    cohort.append(self._begin(queue.popleft()))
                ended: list[tuple[_Live, MatchResult]] = []
                asked[k] = self._ask(cohort, ended)
                cohorts[k] = self._finish(cohort, ended, rows)
        return rows

    def _finish(
        self, cohort: list[_Live], ended: list[tuple[_Live, MatchResult]], rows: list
    ) -> list[_Live]:
        """Add the rows of the games that ended; their agents' copies are dropped with the next
        request to each host; the games of ``cohort`` still in flight."""
        for lv, result in ended:
            rows.append(row_of(lv.sched, result))
            returns = [float(r) for r in result.returns]
            for seat in lv.generations:
                self._drops[lv.sched.seats[seat]].append((lv.slot(seat), returns))
        done = {id(lv) for lv, _ in ended}
        return [lv for lv in cohort if id(lv) not in done]

    def _begin(self, sched: ScheduledGame) -> _Live:
        lv = _Live(
            sched,
            self.game.new_initial_state(),
            np.random.default_rng(sched.deal),
            time.perf_counter(),
        )
        lv.advance()
        return lv

    def _result(self, lv: _Live, forfeit: tuple[int, str] | None = None) -> MatchResult:
        n = self.game.num_players
        returns = lv.state.returns() if forfeit is None else forfeit_returns(n, forfeit[0])
        duration = time.perf_counter() - lv.start
        forfeits = () if forfeit is None else (forfeit,)
        return MatchResult.of(returns, lv.moves, duration, forfeits, lv.state.history())

    def _ask(self, live: list[_Live], ended: list) -> list[_Asked]:
        """Send every host the observations of ``live`` waiting on it (games that cannot be
        asked end at once, into ``ended``); what was sent."""
        asks: dict[str, list[tuple[_Live, int]]] = defaultdict(list)
        for lv in live:
            seat = lv.state.current_player()
            asks[lv.sched.seats[seat]].append((lv, seat))
        sent = []
        for spec, items in asks.items():
            batch = self._send(spec, items, ended)
            if batch is not None:
                sent.append(_Asked(spec, items, batch.masks, self.hosts[spec].generation))
        return sent

    def _collect(self, sent: list[_Asked]) -> list[tuple[_Live, MatchResult]]:
        """Read the replies to ``sent`` and play the moves; the games that ended."""
        ended: list[tuple[_Live, MatchResult]] = []
        for asked in sent:
            host = self.hosts[asked.spec]
            try:
                if host.generation != asked.generation:
                    raise HostError("crashed: agent process died (in another game)")
                reply = host.receive()
            except HostError as exc:
                ended += [(lv, self._result(lv, (seat, exc.reason))) for lv, seat in asked.items]
                continue
            for (lv, seat), action, mask in zip(
                asked.items, reply.actions, asked.masks, strict=True
            ):
                reason = reply.errors.get(lv.slot(seat))
                legal = action is not None and 0 <= action < len(mask) and mask[action]
                if reason is None and not legal:
                    reason = f"illegal action {action}"
                if reason is not None:
                    ended.append((lv, self._result(lv, (seat, reason))))
                    continue
                lv.state.apply_action(action)
                lv.moves += 1
                lv.advance()
                if lv.state.is_terminal():
                    ended.append((lv, self._result(lv)))
        return ended

    def _send(self, spec: str, items: list[tuple[_Live, int]], ended: list) -> Batch | None:
        """Send ``spec``'s host its observations; the batch sent (None when none was).

        ``items`` is left holding the games actually asked (the others ended).
        """
        host = self.hosts[spec]
        if not host.alive and spec not in self._broken:
            try:
                host.start()
                self._drops[spec].clear()
            except HostError as exc:
                self._broken[spec] = exc.reason
        if spec in self._broken:
            reason = self._broken[spec]
            ended += [(lv, self._result(lv, (seat, reason))) for lv, seat in items]
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
        items[:] = keep
        if not keep:
            return None
        if self.recording and self.on_request is not None:
            self.on_request(spec, [(lv.sched.index, seat) for lv, seat in keep])
        batch = self._batch(host.needs_text, keep, resets, self._drops.pop(spec, []))
        try:
            host.send(batch)
        except HostError as exc:
            ended += [(lv, self._result(lv, (seat, exc.reason))) for lv, seat in keep]
            return None
        return batch

    @staticmethod
    def _batch(
        needs_text: bool, items: list[tuple[_Live, int]], resets: list, drops: list
    ) -> Batch:
        tensors = np.stack([lv.state.observation_tensor(seat) for lv, seat in items])
        masks = np.stack([lv.state.legal_actions_mask() for lv, _ in items])
        texts = [lv.state.render(seat) for lv, seat in items] if needs_text else None
        return Batch(
            resets,
            drops,
            [lv.slot(s) for lv, s in items],
            [s for _, s in items],
            tensors,
            masks,
            texts,
        )
