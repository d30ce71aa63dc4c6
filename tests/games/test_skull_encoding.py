"""Skull observation encoders: layout, relative seats, content and no leaks."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import numpy as np
import pytest

import games
from games.skull import Phase, SkullGame, SkullState
from tests.games.helpers import play

R, S, P = "place rose", "place skull", "pass"

PUBLIC_PER_SEAT = (
    "hand_size", "mat_size", "points", "out", "lost", "passed", "seat_bid", "revealed_roses",
    "skull_revealed", "to_move", "first_player", "challenger",
)  # fmt: skip
ONE_HOT_PER_SEAT = ("hand_size", "mat_size", "points", "seat_bid")
PRIVATE = {
    "own_hand_roses": "hand_roses",
    "own_hand_skulls": "hand_skulls",
    "own_lost_roses": "lost_roses",
    "own_lost_skulls": "lost_skulls",
    "own_stack": "stacks",
}


def make(**params: Any) -> SkullGame:
    return games.make("skull", **params)


def random_states(game: SkullGame, seed: int) -> Iterator[SkullState]:
    """Every state of one random game (each a clone), the terminal one included."""
    state, rng = game.new_initial_state(), np.random.default_rng(seed)
    while True:
        yield state.clone()
        if state.is_terminal():
            return
        if state.is_chance_node():
            state.apply_action(state.sample_chance(rng))
        else:
            legal = state.legal_actions()
            state.apply_action(legal[int(rng.integers(len(legal)))])


CONFIGS = [
    dict(players=2, roses=1, wins_needed=1),
    dict(players=3, roses=2),
    dict(),
    dict(players=6, next_starter="skull_owner"),
]


# -- layout ---------------------------------------------------------------------------------
@pytest.mark.parametrize("params", CONFIGS)
def test_slices_tile_the_arrays(params: dict[str, Any]) -> None:
    game = make(**params)
    for slices, size in [
        (game.layout.observation_slices, game.observation_shape[0]),
        (game.layout.state_slices, game.state_shape[0]),
    ]:
        covered = sorted((s.start, s.stop) for s in slices.values())
        assert covered[0][0] == 0 and covered[-1][1] == size
        assert all(a[1] == b[0] for a, b in pairwise(covered))
        assert all(start < stop for start, stop in covered)


def test_default_sizes() -> None:
    game = make()  # P=4, D=4, M=16, W=2
    per_seat = 5 + 5 + 3 + 1 + 4 + 1 + 17 + 4 + 1
    public = 4 * per_seat + 8 + 4 + 4 + 4 + 17
    assert game.observation_shape == (public + 8 + 4 + 2 + 4 + 2,)
    assert game.state_shape == (4 * (8 + 4 + 2 + 4 + 2) + public,)
    assert game.observation_encoding == "skull-obs-v1"


@pytest.mark.parametrize("params", CONFIGS)
def test_shapes_dtypes_and_one_hots_over_random_play(params: dict[str, Any]) -> None:
    game = make(**params)
    n, osl = game.num_players, game.layout.observation_slices
    for state in random_states(game, seed=7):
        glob = state.global_state_tensor()
        assert glob.shape == game.state_shape and glob.dtype == np.float32
        for player in range(n):
            obs = state.observation_tensor(player)
            assert obs.shape == game.observation_shape and obs.dtype == np.float32
            assert set(np.unique(obs)) <= {0.0, 1.0}
            for name in ONE_HOT_PER_SEAT:
                assert obs[osl[name]].reshape(n, -1).sum(axis=1).tolist() == [1.0] * n, name
            for name in ("phase", "high_bid", "first_player", "own_hand_roses", "own_lost_skulls"):
                assert obs[osl[name]].sum() == 1.0, name
            assert obs[osl["phase"]].argmax() == state.phase


# -- relative seats -------------------------------------------------------------------------
@pytest.mark.parametrize("params", CONFIGS)
def test_observation_is_the_public_state_rotated_to_the_observer(params: dict[str, Any]) -> None:
    game = make(**params)
    n, osl, gsl = game.num_players, game.layout.observation_slices, game.layout.state_slices
    for state in random_states(game, seed=3):
        glob = state.global_state_tensor()
        for o in range(n):
            obs = state.observation_tensor(o)
            for name in PUBLIC_PER_SEAT:
                absolute = glob[gsl[name]].reshape(n, -1)
                assert np.array_equal(obs[osl[name]].reshape(n, -1), np.roll(absolute, -o, 0))
            for name in ("phase", "high_bid"):
                assert np.array_equal(obs[osl[name]], glob[gsl[name]])
            for own, every in PRIVATE.items():
                assert np.array_equal(obs[osl[own]], glob[gsl[every]].reshape(n, -1)[o])


def test_public_content_during_an_attempt() -> None:
    game = make()
    # seat 1 stack [skull, rose]; seat 2 challenges for 4 roses after passes from 3, 0, 1
    state = play(game.new_initial_state(), [R, S, R, R, R, R, "bid 4", P, P, P, "flip 1"])
    sl = game.layout.observation_slices
    obs = state.observation_tensor(3)  # relative seats: 3 -> 0, 0 -> 1, 1 -> 2, 2 -> 3
    assert obs[sl["revealed_roses"]].reshape(4, 4).sum(axis=1).tolist() == [0, 0, 1, 1]
    assert obs[sl["mat_size"]].reshape(4, 5).argmax(axis=1).tolist() == [1, 2, 2, 1]
    assert obs[sl["hand_size"]].reshape(4, 5).argmax(axis=1).tolist() == [3, 2, 2, 3]
    assert obs[sl["passed"]].tolist() == [1, 1, 1, 0]
    assert obs[sl["seat_bid"]].reshape(4, 17).argmax(axis=1).tolist() == [0, 0, 0, 4]
    assert obs[sl["challenger"]].tolist() == [0, 0, 0, 1]
    assert obs[sl["to_move"]].tolist() == [0, 0, 0, 1]
    assert obs[sl["high_bid"]].argmax() == 4
    own = obs[sl["own_stack"]].reshape(4, 2)
    assert own.tolist() == [[1, 0], [0, 0], [0, 0], [0, 0]]  # seat 3 placed one rose
    play(state, ["flip 1"])
    obs = state.observation_tensor(3)
    assert obs[sl["skull_revealed"]].tolist() == [0, 0, 1, 0]
    assert obs[sl["phase"]].argmax() == Phase.LOSS
    assert obs[sl["to_move"]].sum() == 0


# -- no leaks -------------------------------------------------------------------------------
def walk(
    game: SkullGame, moves_a: list[str], moves_b: list[str]
) -> Iterator[tuple[SkullState, SkullState]]:
    """Play two scripts side by side, yielding the pair of states after each move."""
    a, b = game.new_initial_state(), game.new_initial_state()
    for move_a, move_b in zip(moves_a, moves_b, strict=True):
        play(a, [move_a])
        play(b, [move_b])
        yield a, b


def assert_same_view(a: SkullState, b: SkullState, observer: int) -> None:
    assert np.array_equal(a.observation_tensor(observer), b.observation_tensor(observer))
    assert a.render(viewer=observer) == b.render(viewer=observer)
    assert a.legal_actions_mask().tolist() == b.legal_actions_mask().tolist() or (
        a.current_player() != observer
    )


def assert_different_view(a: SkullState, b: SkullState, observer: int) -> None:
    assert not np.array_equal(a.observation_tensor(observer), b.observation_tensor(observer))
    assert a.render(viewer=observer) != b.render(viewer=observer)


def placement_scripts(n: int, target: int) -> tuple[list[str], list[str], list[str]]:
    """``target`` stacks [skull, rose] (A) or [rose, rose] (B); seat 0 bids every disc and
    flips ``target`` twice. Returns the two hidden scripts and the revealing move."""
    opening_a = [S if seat == target else R for seat in range(n)]
    opening_b = [R] * n
    rest = [R] * n + [f"bid {2 * n}", f"flip {target}"]
    return opening_a + rest, opening_b + rest, f"flip {target}"


@pytest.mark.parametrize("players", [3, 4, 6])
@pytest.mark.parametrize("target", [1, -1])
def test_no_leak_of_placed_and_held_discs(players: int, target: int) -> None:
    game = make(players=players)
    target %= players
    moves_a, moves_b, reveal = placement_scripts(players, target)
    observers = [o for o in range(players) if o != target]
    for step, (a, b) in enumerate(walk(game, moves_a, moves_b)):
        for observer in observers:
            assert_same_view(a, b, observer)
        if step >= target:  # target's opening placement differs from here on
            assert not np.array_equal(a.global_state_tensor(), b.global_state_tensor())
            assert_different_view(a, b, target)
    assert a.revealed[target] == 1 and a.flips[-1] == b.flips[-1] == (target, 0)
    play(a, [reveal])
    play(b, [reveal])
    for observer in observers:
        assert_different_view(a, b, observer)


def loss_scripts(n: int, target: int) -> tuple[list[str], list[str]]:
    """``target`` challenges for 2 and hits seat ``target+1``'s skull, then loses a rose (A)
    or its skull (B); the next round is played on with roses only."""
    owner = (target + 1) % n
    opening = [S if seat == owner else R for seat in range(n)]
    if target == 0:
        bidding = ["bid 2"] + [P] * (n - 1)
    else:  # seat 0 opens, seats before target pass, target raises, the rest pass
        bidding = ["bid 1"] + [P] * (target - 1) + ["bid 2"] + [P] * (n - target)
    attempt = [f"flip {owner}"]
    next_round = [R] * (2 * n)
    common = opening + bidding + attempt
    return [*common, "lose rose", *next_round], [*common, "lose skull", *next_round]


@pytest.mark.parametrize("players", [3, 4, 6])
@pytest.mark.parametrize("target", [0, 1, -1])
def test_no_leak_of_the_kind_a_challenger_lost(players: int, target: int) -> None:
    game = make(players=players)
    target %= players
    moves_a, moves_b = loss_scripts(players, target)
    diverge = moves_a.index("lose rose")
    observers = [o for o in range(players) if o != target]
    for step, (a, b) in enumerate(walk(game, moves_a, moves_b)):
        for observer in observers:
            assert_same_view(a, b, observer)
        if step >= diverge:
            assert not np.array_equal(a.global_state_tensor(), b.global_state_tensor())
            assert_different_view(a, b, target)
    assert (a.lost_roses[target], b.lost_skulls[target]) == (1, 1)
    result = a.results[-1]
    assert (result.challenger, result.skull_owner) == (target, (target + 1) % players)
