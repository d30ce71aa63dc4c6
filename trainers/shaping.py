"""Potential-based reward shaping (Ng, Harada and Russell, 1999) for long elimination games.

A game of Liar's Dice at a table of 4 to 6 players with 5 dice each lasts 20 to 30 rounds and
pays only at its end (+1 to the winner). Against a table of ``heuristic`` players a new learner
practically never wins, so its return is a constant and the policy gradient has nothing to
follow. Shaping adds, to each seat's reward for one of its decisions,

    F = gamma * Phi(seat, s') - Phi(seat, s),

where ``s`` is the state of the decision, ``s'`` the state of the same seat's next decision
(or the end of the game, whose potential is 0), and ``Phi`` a *potential* of the state for
that seat. Over a game the shaping terms telescope to ``-Phi(seat, s_first)``, which the seat's
own actions do not change, so the optimal policy is the same as without shaping, while every
lost or won round is credited where it happens. ``TrainConfig.shaping`` scales ``Phi``; 0 (the
default) trains on the game's returns alone.

Potentials, per game (a state attribute tells which game it is; the rules stay untouched):

* Liar's Dice: the seat's share of the dice in play, ``dice[seat] / sum(dice)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from games.core import Game, State

Potential = Callable[[State], np.ndarray]
"""Per-seat potential of a (non-terminal) state ``[P]``."""


def dice_share(state: State) -> np.ndarray:
    """Liar's Dice: each seat's share of the dice in play."""
    counts = np.asarray(state.dice_counts, dtype=np.float32)
    return counts / max(float(counts.sum()), 1.0)


def potential_for(game: Game) -> Potential:
    """The potential of ``game`` (see the module docstring).

    Raises:
        ValueError: for a game with no potential defined here.
    """
    if hasattr(game.new_initial_state(), "dice_counts"):
        return dice_share
    raise ValueError(
        f"reward shaping has no potential for the game {game.name!r} (Liar's Dice has one); "
        "set shaping=0"
    )


def potentials(states: Sequence[State], potential: Potential, players: int) -> np.ndarray:
    """Every seat's potential in every state ``[E, P]`` (zeros at terminal states)."""
    out = np.zeros((len(states), players), dtype=np.float32)
    for e, state in enumerate(states):
        if not state.is_terminal():
            out[e] = potential(state)
    return out
