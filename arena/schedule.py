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

Seeds derive from the tournament's root seed with HMAC-SHA256, in two independent streams:
deals (the chance stream of a game) and agent seeds (given to ``Agent.reset``). A game's seeds
depend only on its place in the schedule, never on the executor, the number of workers or the
batch size; and since HMAC is a pseudo-random function, an agent's own seed tells it nothing
about the deals unless it knows (or can guess) the root. When no seed is given the root is 128
fresh random bits (:func:`secret_root`), kept in the ladder, which agents cannot read in a
sandbox; see docs/security.md for what an explicit ``--seed`` exposes.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, fields

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

    def as_tuple(self) -> tuple:
        """The fields in order, for ``ScheduledGame(*t)`` in a worker (a shallow tuple:
        ``dataclasses.astuple`` would deep-copy every seat and seed, a cost per game for the
        driver)."""
        return tuple(getattr(self, f.name) for f in fields(self))


SEED_BITS = 63
"""Derived seeds fit a signed 64-bit SQLite integer."""


def secret_root() -> int:
    """A fresh 128-bit root seed from the OS's secure entropy."""
    return secrets.randbits(128)


def derive(root: int, stream: str, *key: int) -> int:
    """The seed at ``key`` of ``stream`` (``"deal"`` or ``"agent"``): HMAC-SHA256 of the root."""
    width = max(16, (root.bit_length() + 7) // 8)
    message = ",".join([stream, *map(str, key)]).encode()
    digest = hmac.new(root.to_bytes(width, "little"), message, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "little") >> (64 - SEED_BITS)


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


def schedule_size(agents: Sequence[str], players: int, fmt: str, games_per_pairing: int) -> int:
    """How many games :func:`make_schedule` would make, without making them."""
    n = len(agents)
    if fmt == "gauntlet":
        tables = n - 1
    elif n >= players:
        tables = math.comb(n, players)
    else:
        tables = n * (n - 1)
    return tables * games_per_pairing * players


def legacy_derive(root: int, stream: str, *key: int) -> int:
    """Seeds of tournaments created before version 2 of the seeding (``SeedSequence``, one
    stream: a guessable root gives the deals away); kept so that they resume identically."""
    full = (*key[:2],) if stream == "deal" else (*key[:3], key[3] + 1)
    state = np.random.SeedSequence(root, spawn_key=full).generate_state(1, np.uint32)
    return int(state[0])


SEEDINGS = {1: legacy_derive, 2: derive}
"""Seed derivations by version; new tournaments use :data:`SEEDING`."""
SEEDING = 2


def make_schedule(
    agents: Sequence[str],
    players: int,
    fmt: str,
    games_per_pairing: int,
    seed: int,
    seeding: int = SEEDING,
) -> list[ScheduledGame]:
    """The full schedule: pairings x deals x rotations, in that order.

    Raises:
        ValueError: bad format, agents or ``games_per_pairing`` < 1.
    """
    if games_per_pairing < 1:
        raise ValueError(f"games_per_pairing must be at least 1, got {games_per_pairing}")
    seed_of = SEEDINGS[seeding]
    games: list[ScheduledGame] = []
    for p, table in enumerate(pairings(agents, players, fmt)):
        for d in range(games_per_pairing):
            deal = seed_of(seed, "deal", p, d)
            for r, seats in enumerate(rotations(table)):
                index = len(games)
                seeds = tuple(seed_of(seed, "agent", p, d, r, s) for s in range(players))
                games.append(ScheduledGame(index, p, d, r, seats, deal, seeds))
    return games
