"""The batched Liar's Dice engine agrees with the per-game engine, decision by decision.

Random play in :class:`LiarsDiceBatch`; every game is replayed in a ``LiarsDiceState`` fed the
same dice as chance actions; at every decision the seat to act, the legal mask, every seat's
observation, the global state and every seat's decided return must be equal, and the returns
at the end. Finished games are restarted in their slot (so resets are covered too).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import games
from games.liars_dice.batched import LiarsDiceBatch
from games.liars_dice.rules import LiarsDiceState

FAMILIES = [
    dict(players=2, dice=1, sides=6, wild="highest", mode="single_round"),  # OpenSpiel
    *(
        dict(players=p, dice=5, mode="elimination", bidding_rule=rule)
        for p, rule in itertools.product((2, 4, 6), ("reset-face", "reset-quantity"))
    ),
    *(
        dict(players=p, dice=d, sides=s, wild=w, mode=m, bidding_rule=r)
        for p, d, s, w, m, r in [
            (3, 2, 4, "ones", "elimination", "reset-face"),
            (5, 3, 2, "none", "elimination", "reset-quantity"),
            (3, 4, 3, "none", "single_round", "reset-face"),
            (6, 1, 5, "ones", "single_round", "reset-quantity"),
            (4, 2, 6, "highest", "single_round", "reset-quantity"),
            (2, 3, 2, "ones", "elimination", "reset-quantity"),
        ]
    ),
]


def _roll(state: LiarsDiceState, batch: LiarsDiceBatch, e: int) -> None:
    """Feed the batch's dice of game ``e`` to ``state``'s chance nodes."""
    for outcome in batch.dice(e):
        assert state.is_chance_node()
        state.apply_action(outcome)
    assert not state.is_chance_node()


def _check(states: list[LiarsDiceState], batch: LiarsDiceBatch) -> None:
    game, p = batch.game, batch.game.players
    seats = np.array([s.current_player() for s in states])
    np.testing.assert_array_equal(batch.player, seats)
    np.testing.assert_array_equal(batch.legal_masks(), [s.legal_actions_mask() for s in states])
    np.testing.assert_array_equal(batch.global_states(), [s.global_state_tensor() for s in states])
    for k in range(p):
        observer = (seats + k) % p
        expected = [s.observation_tensor(int(o)) for s, o in zip(states, observer, strict=True)]
        np.testing.assert_array_equal(batch.observations(observer), expected)
    decided = [[s.final_return(seat) for seat in range(p)] for s in states]
    expected = np.array([[np.nan if r is None else r for r in row] for row in decided])
    np.testing.assert_array_equal(batch.decided(np.arange(len(states))), expected)
    assert game.num_players == p


def _random_moves(masks: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A uniformly random legal move per game, but Liar 60% of the times it is legal (so that
    elimination games end within a test's budget)."""
    moves = np.array([rng.choice(np.flatnonzero(m)) for m in masks])
    call = masks[:, -1] & (rng.random(len(masks)) < 0.6)
    return np.where(call, masks.shape[1] - 1, moves)


def _differential(params: dict, seed: int, num_envs: int, steps: int) -> int:
    """Play ``steps`` random decisions in every game; return the games finished."""
    game = games.make("liars_dice", **params)
    rng = np.random.default_rng(seed)
    batch = LiarsDiceBatch(game, num_envs, np.random.default_rng(seed + 1))
    states = [game.new_initial_state() for _ in range(num_envs)]
    for e, state in enumerate(states):
        _roll(state, batch, e)
    finished = 0
    for _ in range(steps):
        _check(states, batch)
        actions = _random_moves(batch.legal_masks().astype(bool), rng)
        batch.apply(actions)
        over = batch.terminal()
        for e, (state, action) in enumerate(zip(states, actions, strict=True)):
            state.apply_action(int(action))
            if state.is_chance_node():
                _roll(state, batch, e)
            assert state.is_terminal() == over[e]
        _check(states, batch)
        for e in np.flatnonzero(over):
            assert states[e].returns() == batch.returns[e].tolist()
        finished += int(over.sum())
        batch.reset(np.flatnonzero(over))
        for e in np.flatnonzero(over):
            states[e] = game.new_initial_state()
            _roll(states[e], batch, e)
    return finished


@pytest.mark.parametrize("params", FAMILIES, ids=lambda p: "-".join(map(str, p.values())))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batched_engine_agrees_with_the_per_game_engine(params, seed):
    finished = _differential(params, seed, num_envs=6, steps=110)
    assert finished > 0


def test_many_openspiel_games_agree():
    assert _differential(FAMILIES[0], seed=7, num_envs=256, steps=20) > 500


def test_illegal_actions_are_refused_and_change_nothing():
    game = games.make("liars_dice", players=3, dice=2)
    batch = LiarsDiceBatch(game, 2, np.random.default_rng(0))
    with pytest.raises(ValueError, match="illegal"):
        batch.apply(np.array([game.liar, 0]))  # Liar before any bid
    batch.apply(np.array([5, 5]))
    before = batch.to_json()
    for actions in ([game.liar, 5], [-1, 6], [6, game.liar + 1], [3, 6]):
        with pytest.raises(ValueError, match="illegal"):
            batch.apply(np.array(actions))
        assert batch.to_json() == before


def test_checkpoint_round_trip():
    game = games.make("liars_dice", players=4)
    batch = LiarsDiceBatch(game, 8, np.random.default_rng(0))
    batch.apply(np.zeros(8, dtype=np.int64))
    rng = np.random.default_rng(1)
    again = LiarsDiceBatch.from_json(game, batch.to_json(), rng)
    assert (
        again.rng is rng and rng.bit_generator.state == np.random.default_rng(1).bit_generator.state
    )
    assert again.to_json() == batch.to_json()
    np.testing.assert_array_equal(
        again.observations(np.ones(8, int)), batch.observations(np.ones(8, int))
    )


def test_not_liars_dice_is_refused():
    with pytest.raises(ValueError, match="Liar's Dice"):
        LiarsDiceBatch(games.make("skull"), 2, np.random.default_rng(0))
