"""The fast encoders and legal masks equal straightforward reference implementations.

The observation encodings are a versioned contract (packaged agents depend on them): the
engines build them from precomputed index tables, and these tests check every slot of every
observation, global state and legal mask, over many random states of many configurations,
against the plain definitions in the encoders' docstrings written out slot by slot.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import games
from games.core import State
from games.liars_dice import LiarsDiceState
from games.skull import SkullState


def random_states(game: games.Game, games_played: int, seed: int) -> Iterator[State]:
    """Every state of ``games_played`` random games, the terminal ones included (live objects)."""
    rng = np.random.default_rng(seed)
    for _ in range(games_played):
        state = game.new_initial_state()
        while True:
            yield state
            if state.is_terminal():
                break
            if state.is_chance_node():
                state.apply_action(state.sample_chance(rng))
            else:
                legal = state.legal_actions()
                state.apply_action(legal[int(rng.integers(len(legal)))])


def reference_mask(state: State) -> np.ndarray:
    mask = np.zeros(state.game.num_distinct_actions, dtype=np.int8)
    if state.current_player() >= 0:
        mask[state.legal_actions()] = 1
    return mask


# -- Skull -----------------------------------------------------------------------------------
def skull_public(out: np.ndarray, sl: dict[str, slice], state: SkullState, origin: int) -> None:
    game = state.game
    p, d, w, m = game.num_players, game.discs, game.wins_needed, game.max_bid

    def seat_block(name: str, seat: int, width: int) -> int:
        return sl[name].start + ((seat - origin) % p) * width

    highest = [0] * p
    for seat, n in state.auction:
        highest[seat] = max(highest[seat], n)
    for seat in range(p):
        stack = state.stacks[seat]
        out[seat_block("hand_size", seat, d + 1) + state.hand_size(seat)] = 1
        out[seat_block("mat_size", seat, d + 1) + len(stack)] = 1
        out[seat_block("points", seat, w + 1) + min(state.points[seat], w)] = 1
        out[seat_block("out", seat, 1)] = state.out[seat]
        lost = seat_block("lost", seat, d)
        out[lost : lost + state.lost_roses[seat] + state.lost_skulls[seat]] = 1
        out[seat_block("passed", seat, 1)] = state.passed[seat]
        out[seat_block("seat_bid", seat, m + 1) + highest[seat]] = 1
        shown = stack[len(stack) - state.revealed[seat] :] if state.revealed[seat] else []
        roses = seat_block("revealed_roses", seat, d)
        out[roses : roses + shown.count(0)] = 1
        out[seat_block("skull_revealed", seat, 1)] = 1 in shown
    out[sl["phase"].start + int(state.phase)] = 1
    if state.current_player() >= 0:
        out[seat_block("to_move", state.current_player(), 1)] = 1
    out[seat_block("first_player", state.first_player, 1)] = 1
    if state.challenger >= 0:
        out[seat_block("challenger", state.challenger, 1)] = 1
    out[sl["high_bid"].start + state.bid] = 1


def skull_private(out: np.ndarray, starts: list[int], state: SkullState, seat: int) -> None:
    stack, hand_r, hand_s, lost_r, lost_s = starts
    for pos, kind in enumerate(state.stacks[seat]):
        out[stack + 2 * pos + kind] = 1
    out[hand_r + state.hand_roses[seat]] = 1
    out[hand_s + state.hand_skulls[seat]] = 1
    out[lost_r + state.lost_roses[seat]] = 1
    out[lost_s + state.lost_skulls[seat]] = 1


def skull_observation(state: SkullState, player: int) -> np.ndarray:
    sl = state.game.layout.observation_slices
    out = np.zeros(state.game.observation_shape, dtype=np.float32)
    skull_public(out, sl, state, player)
    names = ["own_stack", "own_hand_roses", "own_hand_skulls", "own_lost_roses", "own_lost_skulls"]
    skull_private(out, [sl[name].start for name in names], state, player)
    return out


def skull_global_state(state: SkullState) -> np.ndarray:
    game = state.game
    sl = game.layout.state_slices
    out = np.zeros(game.state_shape, dtype=np.float32)
    r, s, d = game.roses, game.skulls, game.discs
    widths = {"stacks": 2 * d, "hand_roses": r + 1, "hand_skulls": s + 1}
    widths |= {"lost_roses": r + 1, "lost_skulls": s + 1}
    for seat in range(game.num_players):
        starts = [sl[name].start + seat * width for name, width in widths.items()]
        skull_private(out, starts, state, seat)
    skull_public(out, sl, state, 0)
    return out


SKULL_CONFIGS = [
    dict(players=2, roses=1, wins_needed=1),
    dict(players=3, roses=2),
    dict(players=3),
    dict(),
    dict(players=5, wins_needed=1, next_starter="skull_owner"),
    dict(players=6),
]


# -- Liar's Dice -----------------------------------------------------------------------------
def dice_bits(out: np.ndarray, offset: int, hand: list[int], dice: int) -> None:
    for face in set(hand):
        start = offset + (face - 1) * dice
        out[start : start + hand.count(face)] = 1


def dice_public(out: np.ndarray, sl: dict[str, slice], state: LiarsDiceState, origin: int) -> None:
    game = state.game
    p, d = game.num_players, game.dice
    for seat, count in enumerate(state.dice_counts):
        start = sl["dice_counts"].start + ((seat - origin) % p) * d
        out[start : start + count] = 1
    out[sl["starter"].start + (state.starter - origin) % p] = 1
    if state.current_player() >= 0:
        out[sl["to_move"].start + (state.current_player() - origin) % p] = 1
    for bid, bidder in zip(state.bids, state.bidders, strict=True):
        out[sl["bids"].start + bid * p + (bidder - origin) % p] = 1


def dice_observation(state: LiarsDiceState, player: int) -> np.ndarray:
    game = state.game
    out = np.zeros(game.observation_shape, dtype=np.float32)
    dice_bits(out, 0, state.hands[player], game.dice)
    dice_public(out, game.layout.observation_slices, state, player)
    return out


def dice_global_state(state: LiarsDiceState) -> np.ndarray:
    game = state.game
    out = np.zeros(game.state_shape, dtype=np.float32)
    for seat, hand in enumerate(state.hands):
        dice_bits(out, seat * game.sides * game.dice, hand, game.dice)
    dice_public(out, game.layout.state_slices, state, 0)
    return out


DICE_CONFIGS = [
    dict(players=2, dice=1, mode="single_round"),
    dict(players=2, dice=5),
    dict(players=3, dice=2, sides=4, wild="ones"),
    dict(players=4, dice=5),
    dict(players=6, dice=3, wild="none", bidding_rule="reset-quantity"),
]

SKULL_GAMES = {6: 15}
"""Random games per Skull configuration: 40, fewer at 6 seats (six times longer games, every seat
encoded at every state)."""
CASES = [("skull", p, SKULL_GAMES.get(p.get("players", 4), 40)) for p in SKULL_CONFIGS] + [
    ("liars_dice", p, 15) for p in DICE_CONFIGS
]
REFERENCE = {
    "skull": (skull_observation, skull_global_state),
    "liars_dice": (dice_observation, dice_global_state),
}


@pytest.mark.parametrize("name, params, games_played", CASES)
def test_encoders_and_masks_equal_the_reference(
    name: str, params: dict[str, Any], games_played: int
) -> None:
    game = games.make(name, **params)
    observation, global_state = REFERENCE[name]
    for state in random_states(game, games_played, seed=len(params)):
        for player in range(game.num_players):
            fast = state.observation_tensor(player)
            assert fast.dtype == np.float32
            np.testing.assert_array_equal(fast, observation(state, player))
        np.testing.assert_array_equal(state.observation_tensor(np.int64(0)), observation(state, 0))
        fast = state.global_state_tensor()
        assert fast.dtype == np.float32
        np.testing.assert_array_equal(fast, global_state(state))
        expected = reference_mask(state)
        for _ in range(2):  # the second call reads the cache
            mask = state.legal_actions_mask()
            assert mask.dtype == np.int8
            np.testing.assert_array_equal(mask, expected)


@pytest.mark.parametrize("name, params", [("skull", {}), ("liars_dice", {"players": 3})])
def test_the_cached_mask_is_private_and_follows_the_state(name: str, params: dict) -> None:
    game = games.make(name, **params)
    rng = np.random.default_rng(0)
    state = game.new_initial_state()
    while not state.is_terminal():
        first = state.legal_actions_mask()
        first[:] = 1  # a caller scribbling on its copy changes nothing
        np.testing.assert_array_equal(state.legal_actions_mask(), reference_mask(state))
        clone = state.clone()
        if state.is_chance_node():
            action = state.sample_chance(rng)
        else:
            legal = state.legal_actions()
            action = legal[int(rng.integers(len(legal)))]
        state.apply_action(action)
        np.testing.assert_array_equal(state.legal_actions_mask(), reference_mask(state))
        np.testing.assert_array_equal(clone.legal_actions_mask(), reference_mask(clone))
