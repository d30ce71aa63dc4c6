"""The comparison graph of a set of games: who was ever ranked above whom.

An edge ``i -> j`` means agent ``i`` was chosen while ``j`` was still in the choice set (see
:mod:`arena.ratings`). Plackett-Luce ratings without a prior exist only when this graph is
strongly connected; otherwise its strongly connected components are *separated*: an agent of a
component that was never ranked below the agents of another one has no finite upper bound on
its rating difference with them. :func:`components` and :func:`reaches` answer those questions
with scipy's graph routines.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components


def _graph(n: int, winners: np.ndarray, losers: np.ndarray) -> csr_matrix:
    data = np.ones(len(winners), dtype=np.int8)
    return csr_matrix((data, (np.asarray(winners), np.asarray(losers))), shape=(n, n))


def components(n: int, winners: np.ndarray, losers: np.ndarray) -> np.ndarray:
    """The strongly connected component of each of ``n`` agents (labels ``0..k-1``).

    Args:
        n: Number of agents.
        winners: Agent index of the winner of each edge.
        losers: Agent index of the loser of each edge (same length).
    """
    _, labels = connected_components(_graph(n, winners, losers), directed=True, connection="strong")
    return labels


def reaches(n: int, winners: np.ndarray, losers: np.ndarray, start: int) -> np.ndarray:
    """Which agents can be reached from agent ``start`` along edges (a boolean mask).

    ``reaches(..., i)[j]`` is true when ``i`` was ranked above ``j``, directly or through a chain
    of agents each ranked above the next; ``start`` reaches itself.
    """
    order = breadth_first_order(
        _graph(n, winners, losers), start, directed=True, return_predecessors=False
    )
    mask = np.zeros(n, dtype=bool)
    mask[order] = True
    return mask
