"""Tournament schedules: a pure function of the tournament's config.

A *pairing* is a table: which agents sit together (for two seats, a pair). Every pairing is
played over ``games_per_pairing`` deals, and every deal in all cyclic seat rotations of the
table (duplicate format: each rotation replays the same chance stream), so seat and luck
cancel out. Formats:

* ``round-robin``: with at least as many agents as seats, every subset of ``players`` agents
  is a table; with fewer, every ordered pair (a, b) is a table of one ``a`` and ``players-1``
  copies of ``b``.
* ``gauntlet``: the first agent (the candidate) against each other agent: for two seats the
  pair, for more one candidate and ``players-1`` copies of the opponent.

Seeds derive from the tournament seed with :class:`numpy.random.SeedSequence`, so a game's
seeds depend only on its place in the schedule, never on the number of workers.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

FORMATS = ("round-robin", "gauntlet")


@dataclass(frozen=True)
class ScheduledGame:
    """One game of a schedule.

    Attributes:
        index: position in the schedule (the key of its ladder row).
        pairing: index of its table in the list of pairings.
        deal_index: which deal of the pairing.
        rotation: which cyclic rotation of the table.
        seats: the agent spec in each seat.
        deal: seed of the chance stream (shared by the rotations of a deal).
        seeds: per-seat agent seeds.
    """

    index: int
    pairing: int
    deal_index: int
    rotation: int
    seats: tuple[str, ...]
    deal: int
    seeds: tuple[int, ...]


def _derive(seed: int, *key: int) -> int:
    return int(np.random.SeedSequence(seed, spawn_key=key).generate_state(1, np.uint32)[0])


def pairings(agents: Sequence[str], players: int, fmt: str) -> list[tuple[str, ...]]:
    """The tables of a tournament, before rotation.

    Raises:
        ValueError: unknown format, fewer than two distinct agents, fewer than 2 seats.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: formats are {', '.join(FORMATS)}")
    if len(set(agents)) != len(agents):
        raise ValueError(f"agents must be distinct, got {list(agents)}")
    if len(agents) < 2:
        raise ValueError("a tournament needs at least two agents")
    if players < 2:
        raise ValueError(f"players must be at least 2, got {players}")
    if fmt == "gauntlet":
        candidate, *opponents = agents
        return [(candidate, *([opp] * (players - 1))) for opp in opponents]
    if len(agents) >= players:
        return list(itertools.combinations(agents, players))
    return [(a, *([b] * (players - 1))) for a, b in itertools.permutations(agents, 2)]


def rotations(table: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Every cyclic rotation of a table: each agent sits in each seat once."""
    return [table[r:] + table[:r] for r in range(len(table))]


def make_schedule(
    agents: Sequence[str], players: int, fmt: str, games_per_pairing: int, seed: int
) -> list[ScheduledGame]:
    """The full schedule: pairings x deals x rotations, in that order.

    Raises:
        ValueError: bad format, agents or ``games_per_pairing`` < 1.
    """
    if games_per_pairing < 1:
        raise ValueError(f"games_per_pairing must be at least 1, got {games_per_pairing}")
    games: list[ScheduledGame] = []
    for p, table in enumerate(pairings(agents, players, fmt)):
        for d in range(games_per_pairing):
            deal = _derive(seed, p, d)
            for r, seats in enumerate(rotations(table)):
                index = len(games)
                seeds = tuple(_derive(seed, p, d, r, s + 1) for s in range(players))
                games.append(ScheduledGame(index, p, d, r, seats, deal, seeds))
    return games
