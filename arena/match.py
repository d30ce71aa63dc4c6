"""One game between agents, with every agent behind a fault boundary (``arena.players``).

Chance is drawn from a generator seeded by the game's *deal* seed, by inverse CDF on one
uniform number per chance node, so the same deal replays the same outcomes for every seat
rotation (duplicate format) as long as play reaches the same chance nodes.

A forfeit ends the game at once: the offending seat gets the worst return, -1, and the other
seats share +1 equally, so returns still sum to zero; the reason is recorded.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from arena.players import Forfeit, Player
from games.core import Game, State

FORFEIT_RETURN = -1.0


@dataclass(frozen=True)
class MatchResult:
    """What one game produced (one row of the ladder, with its schedule fields).

    Attributes:
        returns: per seat, summing to zero.
        ranking: tie groups of seats, best first (seats with equal returns tie).
        winner: the single best seat, or None when several tie at the top.
        moves: decisions made (chance nodes not counted).
        duration: wall-clock seconds.
        forfeits: ``(seat, reason)`` pairs (at most one: a forfeit ends the game).
        history: every action of the game, chance outcomes included.
    """

    returns: tuple[float, ...]
    ranking: tuple[tuple[int, ...], ...]
    winner: int | None
    moves: int
    duration: float
    forfeits: tuple[tuple[int, str], ...] = ()
    history: tuple[int, ...] = field(default=(), compare=False)

    @classmethod
    def of(
        cls,
        returns: Sequence[float],
        moves: int,
        duration: float,
        forfeits: Sequence[tuple[int, str]] = (),
        history: Sequence[int] = (),
    ) -> MatchResult:
        """The result of a game that ended with ``returns`` (ranking and winner derived)."""
        ranking = ranking_of(returns)
        winner = ranking[0][0] if len(ranking[0]) == 1 else None
        returns = tuple(float(r) for r in returns)
        return cls(returns, ranking, winner, moves, duration, tuple(forfeits), tuple(history))


def ranking_of(returns: Sequence[float], tol: float = 1e-9) -> tuple[tuple[int, ...], ...]:
    """Group seats by return, best first (equal returns, within ``tol``, tie)."""
    order = sorted(range(len(returns)), key=lambda s: -returns[s])
    groups: list[list[int]] = []
    for seat in order:
        if groups and abs(returns[groups[-1][0]] - returns[seat]) <= tol:
            groups[-1].append(seat)
        else:
            groups.append([seat])
    return tuple(tuple(g) for g in groups)


def forfeit_returns(num_players: int, seat: int) -> tuple[float, ...]:
    """-1 for the forfeiting seat, the rest shared by the others."""
    share = -FORFEIT_RETURN / (num_players - 1)
    return tuple(FORFEIT_RETURN if s == seat else share for s in range(num_players))


def sample_chance(state: State, u: float) -> int:
    """The chance outcome at cumulative probability ``u`` in [0, 1) (the inverse CDF of
    :meth:`games.core.State.chance_outcome_at`)."""
    return state.chance_outcome_at(u)


def _result(
    returns: Sequence[float], state: State, moves: int, start: float, forfeits=()
) -> MatchResult:
    duration = time.perf_counter() - start
    return MatchResult.of(returns, moves, duration, forfeits, state.history())


def play_match(
    game: Game, players: Sequence[Player], deal: int, seeds: Sequence[int | None]
) -> MatchResult:
    """Play one game of ``game`` with ``players[seat]`` in each seat.

    Args:
        game: the configuration.
        players: one per seat (the same agent spec may sit in several seats).
        deal: seed of the chance stream (shared by the rotations of a duplicate pairing).
        seeds: per-seat seeds given to the agents' ``reset``.
    """
    if len(players) != game.num_players or len(seeds) != game.num_players:
        raise ValueError(f"{game!r} needs {game.num_players} players and seeds")
    start = time.perf_counter()
    state = game.new_initial_state()
    for seat, player in enumerate(players):
        try:
            player.reset(game, seat, seeds[seat])
        except Forfeit as f:
            return _result(
                forfeit_returns(game.num_players, seat), state, 0, start, [(seat, f.reason)]
            )
    chance = np.random.default_rng(deal)
    moves = 0
    while not state.is_terminal():
        if state.is_chance_node():
            state.apply_action(sample_chance(state, chance.random()))
            continue
        seat = state.current_player()
        try:
            action = players[seat].act(state.observation(seat))
        except Forfeit as f:
            returns = forfeit_returns(game.num_players, seat)
            return _result(returns, state, moves, start, [(seat, f.reason)])
        state.apply_action(action)
        moves += 1
    return _result(state.returns(), state, moves, start)
