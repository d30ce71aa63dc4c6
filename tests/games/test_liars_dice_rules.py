"""Scripted games for every rule of shared/rules/liars_dice.md, plus property tests."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import games
from games.core import CHANCE, TERMINAL, IllegalActionError
from games.liars_dice import LiarsDiceGame
from tests.games.helpers import LIARS_DICE_PARAMS, play, random_playout

OPENSPIEL = dict(players=2, dice=1, sides=6, wild="highest", mode="single_round")


def rolls(*faces: int) -> list[str]:
    return [f"Roll {f}" for f in faces]


def make(**params) -> LiarsDiceGame:
    return games.make("liars_dice", **params)


# -- parameters ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "params, name",
    [
        ({"players": 1}, "players"),
        ({"players": 7}, "players"),
        ({"dice": 0}, "dice"),
        ({"dice": 6}, "dice"),
        ({"sides": 1}, "sides"),
        ({"sides": 7}, "sides"),
        ({"wild": "twos"}, "wild"),
        ({"mode": "forever"}, "mode"),
        ({"bidding_rule": "any"}, "bidding_rule"),
        ({"players": True}, "players"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_parameters_name_the_parameter(params, name):
    with pytest.raises(ValueError, match=name):
        make(**params)


def test_defaults_and_action_space():
    game = make()
    assert game.params == dict(
        players=2, dice=5, sides=6, wild="highest", mode="elimination", bidding_rule="reset-face"
    )
    assert game.num_distinct_actions == 2 * 5 * 6 + 1
    assert make(**OPENSPIEL).num_distinct_actions == 13


def test_integer_params_given_as_strings_are_accepted():
    assert make(players="3").num_players == 3


# -- rolling and bidding --------------------------------------------------------------------
def test_dice_are_rolled_seat_by_seat_and_kept_sorted():
    state = make(players=2, dice=2, mode="single_round").new_initial_state()
    assert state.current_player() == CHANCE
    assert state.chance_outcomes() == [(k, pytest.approx(1 / 6)) for k in range(6)]
    play(state, rolls(5, 2))
    assert state.hands == [[2, 5], []]
    assert state.current_player() == CHANCE
    play(state, rolls(6, 1))
    assert state.hands == [[2, 5], [1, 6]]
    assert state.current_player() == 0


def test_openspiel_ids_and_strings():
    state = play(make(**OPENSPIEL).new_initial_state(), rolls(3, 5))
    assert state.legal_actions() == list(range(12))
    assert state.legal_strings()[:7] == ["1-1", "1-2", "1-3", "1-4", "1-5", "1-6", "2-1"]
    assert state.action_to_string(11) == "2-6"
    assert state.action_to_string(12) == "Liar"
    play(state, ["2-6"])
    assert state.legal_strings() == ["Liar"]


def test_first_player_must_bid_and_there_is_no_pass():
    state = play(make(players=3, dice=1).new_initial_state(), rolls(1, 2, 3))
    assert "Liar" not in state.legal_strings()
    with pytest.raises(IllegalActionError):
        state.apply_action(state.game.liar)


def test_reset_face_order():
    state = play(make(players=2, dice=2).new_initial_state(), rolls(1, 1, 2, 2) + ["2-3"])
    legal = state.legal_strings()
    assert legal[:4] == ["2-4", "2-5", "2-6", "3-1"] and "1-4" not in legal
    assert legal[-2:] == ["4-6", "Liar"]


def test_reset_quantity_order_and_ids():
    game = make(players=2, dice=2, bidding_rule="reset-quantity")
    assert game.encode_bid(3, 2) == 1 * 4 + 2
    state = play(game.new_initial_state(), rolls(1, 1, 2, 2) + ["2-3"])
    legal = state.legal_strings()
    assert legal[:3] == ["3-3", "4-3", "1-4"] and "2-4" in legal and "1-3" not in legal
    assert state.legal_actions() == sorted(state.legal_actions())


def test_an_illegal_action_leaves_the_state_unchanged():
    state = play(make(players=2, dice=2).new_initial_state(), rolls(1, 1, 2, 2) + ["2-3"])
    before = (state.history(), state.observation_tensor(1).tobytes(), state.current_player())
    for bad in [0, state.game.encode_bid(2, 3), 999, -1, 2.5, "Liar"]:
        with pytest.raises(IllegalActionError):
            state.apply_action(bad)
    assert (state.history(), state.observation_tensor(1).tobytes(), state.current_player()) == (
        before
    )
    assert issubclass(IllegalActionError, ValueError)


# -- calls and wilds ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "wild, hands, bid, count",
    [
        ("highest", (1, 6, 2, 6), "3-2", 3),  # two 6s are wild for 2s
        ("highest", (1, 6, 2, 6), "2-6", 2),  # a bid on the wild face counts only 6s
        ("highest", (1, 6, 1, 3), "3-1", 3),
        ("ones", (1, 6, 1, 3), "3-6", 3),  # ones are wild
        ("ones", (1, 6, 1, 3), "3-1", 2),  # a bid on ones counts only ones
        ("ones", (2, 6, 2, 3), "2-2", 2),
        ("none", (1, 6, 6, 3), "3-6", 2),  # nothing is wild
        ("none", (1, 6, 6, 3), "1-1", 1),
    ],
)
def test_wild_rules_decide_the_call(wild, hands, bid, count):
    game = make(players=2, dice=2, wild=wild, mode="single_round")
    state = play(game.new_initial_state(), rolls(*hands) + [bid, "Liar"])
    result = state.results[-1]
    assert result.count == count
    quantity = int(bid.split("-")[0])
    bidder_loses = count < quantity
    assert result.loser == (0 if bidder_loses else 1)
    assert state.returns() == ([-1.0, 1.0] if bidder_loses else [1.0, -1.0])
    assert state.current_player() == TERMINAL


def test_single_round_with_more_players_loser_pays_the_others():
    state = play(
        make(players=3, dice=1, mode="single_round").new_initial_state(),
        rolls(2, 2, 5) + ["1-3", "Liar"],  # seat 1 calls seat 0: no 3 and no 6 -> bidder loses
    )
    assert state.returns() == [-1.0, 0.5, 0.5]


def test_returns_are_zero_before_the_end():
    state = play(make(players=3, dice=1).new_initial_state(), rolls(2, 2, 5) + ["1-3"])
    assert state.returns() == [0.0, 0.0, 0.0]


# -- elimination ----------------------------------------------------------------------------
def test_elimination_loser_starts_next_round_and_bids_shrink():
    game = make(players=3, dice=1, mode="elimination")
    state = play(game.new_initial_state(), rolls(2, 2, 5) + ["1-3", "Liar"])
    assert state.dice_counts == [0, 1, 1]
    assert state.current_player() == CHANCE
    play(state, rolls(4, 4))  # seat 0 is out: only seats 1 and 2 roll
    assert state.hands == [[], [4], [4]]
    assert state.current_player() == 1  # seat 0 lost and is out: the next seat still in starts
    assert state.legal_strings()[-1] == "2-6"  # at most 2 dice in play now


def test_elimination_loser_with_dice_left_starts():
    game = make(players=3, dice=2, mode="elimination")
    state = play(game.new_initial_state(), rolls(1, 2, 3, 4, 5, 5) + ["1-2", "3-6", "Liar"])
    assert state.results[-1].loser == 1  # a bid on the wild face counts only 6s: none
    assert state.dice_counts == [2, 1, 2]
    play(state, rolls(1, 1, 2, 3, 3))
    assert state.hands == [[1, 1], [2], [3, 3]]
    assert state.current_player() == 1


def test_elimination_game_ends_when_one_player_has_dice():
    game = make(players=3, dice=1, mode="elimination")
    state = play(game.new_initial_state(), rolls(2, 2, 5) + ["1-3", "Liar"])
    play(state, rolls(4, 4) + ["2-4", "Liar"])  # seat 2 calls seat 1's true bid: seat 2 is out
    assert state.current_player() == TERMINAL
    assert state.returns() == [-0.5, 1.0, -0.5]


def test_skips_players_who_are_out_when_bidding():
    game = make(players=4, dice=1, mode="elimination")
    state = play(game.new_initial_state(), rolls(1, 2, 3, 4) + ["1-5", "Liar"])  # seat 0 out
    play(state, rolls(1, 2, 3))
    assert state.current_player() == 1
    play(state, ["1-1", "1-2", "1-3"])
    assert state.current_player() == 1  # seat 3 bid, seat 0 is skipped


# -- properties -----------------------------------------------------------------------------
configs = LIARS_DICE_PARAMS


@settings(max_examples=60, deadline=None)
@given(params=configs, seed=st.integers(0, 2**32 - 1))
def test_random_games_end_with_zero_sum_returns_and_are_reproducible(params, seed):
    game = make(**params)
    state = random_playout(game.new_initial_state(), np.random.default_rng(seed))
    assert state.is_terminal()
    assert sum(state.returns()) == pytest.approx(0.0, abs=1e-12)
    assert sorted(state.returns())[-1] > 0
    again = random_playout(game.new_initial_state(), np.random.default_rng(seed))
    assert again.history() == state.history()
    assert again.returns() == state.returns()


@settings(max_examples=40, deadline=None)
@given(params=configs, seed=st.integers(0, 2**32 - 1), cut=st.integers(0, 40))
def test_clone_is_independent(params, seed, cut):
    rng = np.random.default_rng(seed)
    state = make(**params).new_initial_state()
    for _ in range(cut):
        if state.is_terminal():
            break
        if state.is_chance_node():
            state.apply_action(state.sample_chance(rng))
        else:
            state.apply_action(state.legal_actions()[0])
    snapshot = (state.history(), state.global_state_tensor().tobytes(), state.render())
    copy = state.clone()
    random_playout(copy, rng)
    assert (state.history(), state.global_state_tensor().tobytes(), state.render()) == snapshot
