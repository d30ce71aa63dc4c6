"""Live Elo for progress bars (:class:`EloTracker`), on the Elo scale of every rating here."""

from __future__ import annotations

import math
from collections.abc import Mapping

from arena.ratings.outcomes import Outcome, checked_ranking, pair_score

ELO_SCALE = 400.0
"""Elo points per factor of 10 in strength."""


class EloTracker:
    """Online Elo ratings for live display, updated one game at a time.

    A game of ``n`` seats is decomposed into its pairs of seats: a pair in different groups is a
    win for the better-ranked seat, a pair in the same group a draw. Each pair moves both
    ratings by ``k_factor / (n - 1) * (score - expected)``, computed from the ratings before
    the game, so a two-player game gives the classic update and every game is zero-sum. Pairs of
    seats held by the same agent are skipped (no agent is updated against itself).

    The defaults put the live ratings on the scale of the final tables: every agent starts at
    0 (so the mean stays 0), and once ``random`` has played it reads 0.

    Args:
        k_factor: The classic K of a two-player game.
        initial_rating: The rating of an agent before its first game.
        anchor: ``(agent, value)``: :meth:`ratings` shifts every rating so that ``agent``
            reads ``value`` once it has played; None never shifts.
    """

    def __init__(
        self,
        k_factor: float = 32.0,
        initial_rating: float = 0.0,
        anchor: tuple[str, float] | None = ("random", 0.0),
    ) -> None:
        if not (math.isfinite(k_factor) and k_factor > 0):
            raise ValueError(f"k_factor must be a positive number, got {k_factor!r}")
        if not math.isfinite(initial_rating):
            raise ValueError(f"initial_rating must be finite, got {initial_rating!r}")
        if anchor is not None and not math.isfinite(anchor[1]):
            raise ValueError(f"the anchor's rating must be finite, got {anchor!r}")
        self.k_factor = float(k_factor)
        self.initial_rating = float(initial_rating)
        self.anchor = anchor
        self._ratings: dict[str, float] = {}

    def update(self, outcome: Outcome) -> dict[str, float]:
        """Applies one game.

        Args:
            outcome: The game's ranking.

        Returns:
            The change of rating of every agent in the game.

        Raises:
            ValueError: If the ranking is malformed or has fewer than 2 seats.
        """
        seats = [
            (agent, rank) for rank, group in enumerate(checked_ranking(outcome)) for agent in group
        ]
        before = {agent: self._ratings.get(agent, self.initial_rating) for agent, _ in seats}
        delta = dict.fromkeys(before, 0.0)
        step = self.k_factor / (len(seats) - 1)
        for first, (agent, rank) in enumerate(seats):
            for other, other_rank in seats[first + 1 :]:
                if other == agent:
                    continue
                score = pair_score(rank, other_rank)
                change = step * (score - expected_score(before[agent], before[other]))
                delta[agent] += change
                delta[other] -= change
        for agent, change in delta.items():
            self._ratings[agent] = before[agent] + change
        return delta

    def ratings(self) -> dict[str, float]:
        """Returns the current rating of every agent seen so far.

        When the anchor agent has played, every rating is shifted so that it reads the
        anchor's value, as in the final tables (:func:`rating_intervals`); otherwise the
        ratings are as updated (mean ``initial_rating``, since every update is zero-sum).
        """
        if self.anchor is None or self.anchor[0] not in self._ratings:
            return dict(self._ratings)
        return anchor(self._ratings, *self.anchor)


def expected_score(rating: float, opponent: float) -> float:
    """Returns the Elo probability that a player of ``rating`` beats one of ``opponent``."""
    return 1.0 / (1.0 + 10.0 ** ((opponent - rating) / ELO_SCALE))


def anchor(ratings: Mapping[str, float], agent: str, value: float) -> dict[str, float]:
    """Shifts all ratings by the same amount so that ``agent`` is rated ``value``.

    Args:
        ratings: Ratings by agent.
        agent: The anchor agent.
        value: Its rating after the shift.

    Returns:
        The shifted ratings, in the same order.

    Raises:
        ValueError: If ``agent`` has no rating.
    """
    if agent not in ratings:
        raise ValueError(f"unknown anchor agent {agent!r}; rated agents: {sorted(ratings)}")
    shift = value - ratings[agent]
    return {name: rating + shift for name, rating in ratings.items()}
