"""Liar's Dice observation encoders: layout, relative seats and no leaks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import games
from games.core import CHANCE


def deal(game, hands: list[list[int]]):
    """A fresh state with the given dice (faces 1..sides), seat by seat."""
    state = game.new_initial_state()
    for hand in hands:
        for face in hand:
            state.apply_action(face - 1)
    assert state.current_player() >= 0
    return state


@pytest.mark.parametrize("players, dice", [(2, 1), (3, 5), (6, 5)])
def test_slices_tile_the_arrays(players, dice):
    game = games.make("liars_dice", players=players, dice=dice)
    for slices, size in [
        (game.layout.observation_slices, game.observation_shape[0]),
        (game.layout.state_slices, game.state_shape[0]),
    ]:
        covered = sorted((s.start, s.stop) for s in slices.values())
        assert covered[0][0] == 0 and covered[-1][1] == size
        assert all(a[1] == b[0] for a, b in itertools.pairwise(covered))


def test_observation_is_relative_to_the_observer():
    game = games.make("liars_dice", players=3, dice=2)
    state = deal(game, [[1, 1], [2, 3], [4, 6]])
    state.apply_action(game.encode_bid(2, 5))  # seat 0 bids
    sl = game.layout.observation_slices
    for observer in range(3):
        obs = state.observation_tensor(observer)
        bids = obs[sl["bids"]].reshape(-1, 3)
        assert bids[game.encode_bid(2, 5), (0 - observer) % 3] == 1
        assert bids.sum() == 1
        assert obs[sl["to_move"]].argmax() == (1 - observer) % 3
        assert obs[sl["starter"]].argmax() == (0 - observer) % 3
    own = state.observation_tensor(0)[sl["own_dice"]].reshape(6, 2)
    assert own[0].tolist() == [1, 1] and own[1:].sum() == 0  # two ones, thermometer


@pytest.mark.parametrize(
    "params",
    [
        dict(players=2, dice=1, mode="single_round"),
        dict(players=3, dice=2),
        dict(players=4, dice=5),
        dict(players=6, dice=3, wild="ones", bidding_rule="reset-quantity"),
    ],
)
def test_no_leak_of_other_players_dice_until_the_call(params):
    game = games.make("liars_dice", **params)
    rng = np.random.default_rng(11)
    n, d, sides = game.num_players, game.dice, game.sides
    for observer in range(n):
        for _ in range(10):
            hands_a = [sorted(rng.integers(1, sides + 1, d).tolist()) for _ in range(n)]
            hands_b = [sorted(rng.integers(1, sides + 1, d).tolist()) for _ in range(n)]
            hands_b[observer] = hands_a[observer]
            a, b = deal(game, hands_a), deal(game, hands_b)
            assert a.global_state_tensor().tobytes() != b.global_state_tensor().tobytes() or (
                hands_a == hands_b
            )
            while True:
                assert a.observation_tensor(observer).tobytes() == (
                    b.observation_tensor(observer).tobytes()
                )
                assert a.render(viewer=observer) == b.render(viewer=observer)
                assert a.legal_actions() == b.legal_actions()
                legal = a.legal_actions()
                action = legal[int(rng.integers(len(legal)))]
                if action == game.liar:
                    break  # the call reveals every die: from here the views may differ
                a.apply_action(action)
                b.apply_action(action)


def test_render_hides_other_dice_and_shows_own():
    game = games.make("liars_dice", players=2, dice=2)
    state = deal(game, [[2, 5], [3, 4]])
    view = state.render(viewer=0)
    assert "[2 5]" in view and "[3 4]" not in view and "[? ?]" in view
    assert "[3 4]" in state.render()  # the spectator sees everything
    with pytest.raises(ValueError, match="seat"):
        state.render(viewer=2)
    assert state.current_player() != CHANCE
