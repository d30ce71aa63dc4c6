"""Statistics of the arena beyond the rating model (:mod:`arena.ratings`).

* :mod:`arena.stats.tally`: games as distinct outcomes with counts, grouped by deal, read from
  the ladder without decoding every row (what makes a million-game report fast);
* :mod:`arena.stats.separation`: the comparison graph's strongly connected components (scipy),
  which tell when a rating is only bounded on one side;
* :mod:`arena.stats.intervals`: Wilson intervals, and win rates with deal-clustered intervals.
"""

RATING_COLUMNS = (
    "Columns of a ratings table. rating: Plackett-Luce (Bradley-Terry for two seats) "
    "maximum-likelihood rating on the Elo scale (+400 = ten times the odds of winning), "
    "anchored at random = 0 when random played, else mean 0 (--anchor). -, +: how far the 95% "
    "interval reaches below and above the rating: percentiles of 200 bootstrap refits that "
    "resample whole deals (all seat rotations of a deal together, since they share the cards). "
    ">R (<R): the agent was never ranked below (above) the agents it is compared with, so no "
    "finite interval exists; R is a one-sided 97.5% bound (a sweep like the observed one is "
    "less than 2.5% likely at any worse rating, each deal counted once). ?: never compared "
    "with the anchored agents. games: games played. score: mean pairwise score against the "
    "other agents' seats in its games (1 ranked above, 0.5 level, 0 below). win%: games won "
    "outright."
)
"""What the columns of a ratings table mean (the ``--help`` epilogs; the README says the same)."""
