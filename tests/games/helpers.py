"""Shared helpers for the game tests: scripted and random play."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
from hypothesis import strategies as st

from games.core import Game, Observation, State


def play(state: State, moves: Iterable[str]) -> State:
    """Apply ``moves`` (action strings, chance outcomes included) to ``state`` and return it."""
    for move in moves:
        state.apply_action(state.string_to_action(move))
    return state


def random_playout(
    state: State,
    rng: np.random.Generator,
    max_steps: int = 100_000,
    each_step: Callable[[State], None] | None = None,
) -> State:
    """Play ``state`` to the end with uniform random moves and chance sampled from ``rng``,
    calling ``each_step`` (if given) on every state reached, the terminal one included."""
    for _ in range(max_steps):
        if each_step is not None:
            each_step(state)
        if state.is_terminal():
            return state
        if state.is_chance_node():
            state.apply_action(state.sample_chance(rng))
        else:
            legal = state.legal_actions()
            state.apply_action(legal[int(rng.integers(len(legal)))])
    raise AssertionError(f"game did not end within {max_steps} steps")


def decision_observations(game: Game, count: int, seed: int = 0) -> list[Observation]:
    """Observations of the player to move along uniformly random games (``count`` of them)."""
    rng = np.random.default_rng(seed)
    out: list[Observation] = []
    while len(out) < count:
        state = game.new_initial_state()
        while not state.is_terminal() and len(out) < count:
            if state.is_chance_node():
                state.apply_action(state.sample_chance(rng))
                continue
            out.append(state.observation(state.current_player()))
            legal = state.legal_actions()
            state.apply_action(legal[int(rng.integers(len(legal)))])
    return out


LIARS_DICE_PARAMS = st.fixed_dictionaries(
    {
        "players": st.integers(2, 6),
        "dice": st.integers(1, 5),
        "sides": st.integers(2, 6),
        "wild": st.sampled_from(["highest", "ones", "none"]),
        "mode": st.sampled_from(["single_round", "elimination"]),
        "bidding_rule": st.sampled_from(["reset-face", "reset-quantity"]),
    }
)
"""Every Liar's Dice configuration (hypothesis strategy)."""
