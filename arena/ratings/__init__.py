"""Ratings from game outcomes: live Elo, and Plackett-Luce maximum likelihood with intervals.

One module per job: :mod:`~arena.ratings.outcomes` (rankings, checked), :mod:`~arena.ratings.elo`
(the live Elo of progress bars), :mod:`~arena.ratings.model` (the Plackett-Luce likelihood, its
prior and the MM fit: the model is written out there), :mod:`~arena.ratings.bootstrap` (rating
tables with deal-clustered bootstrap intervals) and :mod:`~arena.ratings.separated` (one-sided
bounds for agents the data cannot bound on both sides). Every rating is on the Elo scale.
"""

from arena.ratings.bootstrap import (
    Clustered,
    RatingRow,
    clustered,
    difference_widths,
    from_deals,
    from_patterns,
    interval_rows,
    rating_intervals,
)
from arena.ratings.elo import ELO_SCALE, EloTracker, anchor, expected_score
from arena.ratings.model import (
    DEFAULT_MAX_ITER,
    DEFAULT_PRIOR_GAMES,
    DEFAULT_TOL,
    fit_ratings,
)
from arena.ratings.outcomes import Outcome, Ranking, game_scores, ranking_from_returns

__all__ = [
    "DEFAULT_MAX_ITER",
    "DEFAULT_PRIOR_GAMES",
    "DEFAULT_TOL",
    "ELO_SCALE",
    "Clustered",
    "EloTracker",
    "Outcome",
    "Ranking",
    "RatingRow",
    "anchor",
    "clustered",
    "difference_widths",
    "expected_score",
    "fit_ratings",
    "from_deals",
    "from_patterns",
    "game_scores",
    "interval_rows",
    "ranking_from_returns",
    "rating_intervals",
]
