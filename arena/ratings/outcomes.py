"""Game outcomes as rankings (tie groups of agent ids, best first), checked; pairwise scores."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeAlias

from arena.match import ranking_of

Outcome: TypeAlias = Sequence[Sequence[str]]
"""A ranking: tie groups of agent ids, best first."""


Ranking: TypeAlias = tuple[tuple[str, ...], ...]
"""A validated ranking, as returned by :func:`ranking_from_returns`."""


def ranking_from_returns(
    agents: Sequence[str], returns: Sequence[float], *, tol: float = 1e-9
) -> Ranking:
    """Groups the seats of one game into a ranking by their returns.

    Args:
        agents: The agent id in each seat.
        returns: The return of each seat, same length as ``agents``.
        tol: Returns within ``tol`` of a group's best return join that group.

    Returns:
        Tie groups of agent ids, best first; within a group, seats keep their order.

    Raises:
        ValueError: If the lengths differ, there are fewer than 2 seats, or a return is not
            finite.
    """
    if len(agents) != len(returns):
        raise ValueError(f"got {len(agents)} agents but {len(returns)} returns; one per seat")
    if len(agents) < 2:
        raise ValueError(f"a ranking needs at least 2 seats, got {len(agents)}")
    values = [float(r) for r in returns]
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"returns must be finite, got {list(returns)!r}")
    groups = ranking_of(values, tol)  # the referee's own grouping: one definition of a ranking
    return tuple(tuple(_checked_agent(agents[seat]) for seat in sorted(g)) for g in groups)


def _checked_agent(agent: object) -> str:
    if not isinstance(agent, str):
        raise ValueError(f"agent ids must be str, got {agent!r}")
    return agent


def checked_ranking(outcome: Outcome, index: int = 0) -> Ranking:
    """Validates one ranking and returns it as tuples."""
    if isinstance(outcome, str) or not isinstance(outcome, Sequence):
        raise ValueError(f"outcome {index}: a ranking is a sequence of tie groups, got {outcome!r}")
    groups = []
    for group in outcome:
        if isinstance(group, str) or not isinstance(group, Sequence) or len(group) == 0:
            raise ValueError(
                f"outcome {index}: each tie group must be a non-empty sequence of agent ids "
                f"(str), got {group!r}"
            )
        groups.append(tuple(_checked_agent(agent) for agent in group))
    if sum(len(group) for group in groups) < 2:
        raise ValueError(f"outcome {index}: a ranking needs at least 2 seats, got {outcome!r}")
    return tuple(groups)


def checked_rankings(outcomes: Sequence[Outcome]) -> list[Ranking]:
    if len(outcomes) == 0:
        raise ValueError("no outcomes: at least one ranking is needed")
    return [checked_ranking(outcome, index) for index, outcome in enumerate(outcomes)]


def agents_in_order(rankings: Sequence[Ranking]) -> tuple[str, ...]:
    """All agent ids, in order of first appearance."""
    seen: dict[str, None] = {}
    for ranking in rankings:
        for group in ranking:
            seen.update(dict.fromkeys(group))
    return tuple(seen)


def game_scores(ranking: Ranking) -> dict[str, float]:
    """Each agent's mean pairwise score against the seats of other agents in one game."""
    seats = [(agent, rank) for rank, group in enumerate(ranking) for agent in group]
    results: dict[str, list[float]] = {}
    for agent, rank in seats:
        for other, other_rank in seats:
            if other != agent:
                results.setdefault(agent, []).append(pair_score(rank, other_rank))
    return {agent: sum(scores) / len(scores) for agent, scores in results.items()}


def pair_score(rank: int, other_rank: int) -> float:
    """1 for the better group index (lower), 0.5 for the same group, 0 for the worse."""
    return 1.0 if rank < other_rank else 0.5 if rank == other_rank else 0.0
