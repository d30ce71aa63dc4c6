"""Our Liar's Dice against pyspiel's in the OpenSpiel configuration (games/openspiel.py)."""

from __future__ import annotations

import numpy as np
import pyspiel
import pytest

from games import openspiel as bridge
from games.core import CHANCE, TERMINAL
from tests.games.helpers import random_playout


def _same_node(ours, theirs) -> None:
    player = ours.current_player()
    assert player == theirs.current_player()
    assert ours.is_terminal() == theirs.is_terminal()
    assert ours.is_chance_node() == theirs.is_chance_node()
    if player == TERMINAL:
        assert ours.returns() == list(theirs.returns())
        return
    assert ours.legal_actions() == list(theirs.legal_actions())
    assert [ours.action_to_string(a) for a in ours.legal_actions()] == [
        theirs.action_to_string(player, a) for a in theirs.legal_actions()
    ]
    if player == CHANCE:
        assert ours.chance_outcomes() == pytest.approx(theirs.chance_outcomes())
    assert ours.returns() == list(theirs.returns())


def test_player_ids_match_pyspiel():
    assert int(pyspiel.PlayerId.CHANCE) == CHANCE
    assert int(pyspiel.PlayerId.TERMINAL) == TERMINAL


def test_ten_thousand_random_playthroughs_agree_step_by_step():
    rng = np.random.default_rng(2024)
    game, os_game = bridge.our_game(), bridge.openspiel_game()
    assert game.num_distinct_actions == os_game.num_distinct_actions()
    assert game.max_chance_outcomes == os_game.max_chance_outcomes()
    steps = 0
    for _ in range(10_000):
        ours, theirs = game.new_initial_state(), os_game.new_initial_state()
        while True:
            _same_node(ours, theirs)
            if ours.is_terminal():
                break
            legal = ours.legal_actions()
            action = legal[int(rng.integers(len(legal)))]
            ours.apply_action(action)
            theirs.apply_action(action)
            steps += 1
    assert steps >= 4 * 10_000  # two rolls, a bid and a call at least


def _walk(ours, theirs, seen: dict, inverse: dict) -> int:
    """Depth-first over every node; record obs <-> information state at decision points."""
    if ours.is_terminal():
        assert ours.returns() == list(theirs.returns())
        return 0
    player = ours.current_player()
    count = 0
    if player >= 0:
        key = ours.observation_tensor(player).tobytes()
        info = theirs.information_state_string(player)
        assert seen.setdefault(key, info) == info, "observation misses information"
        assert inverse.setdefault(info, key) == key, "observation carries extra information"
        count = 1
    for action in ours.legal_actions():
        child, os_child = ours.clone(), theirs.clone()
        child.apply_action(action)
        os_child.apply_action(action)
        count += _walk(child, os_child, seen, inverse)
    return count


@pytest.mark.slow
def test_local_observation_is_a_bijection_with_information_state():
    seen: dict[bytes, str] = {}
    inverse: dict[str, bytes] = {}
    root, os_root = (
        bridge.our_game().new_initial_state(),
        bridge.openspiel_game().new_initial_state(),
    )
    decisions = _walk(root, os_root, seen, inverse)
    assert decisions == 36 * 4096
    assert len(seen) == len(inverse) == 24_576  # OpenSpiel's count of information states


def test_information_states_enumeration_matches_openspiel_count():
    infos = bridge.information_states()
    assert len(infos) == 24_576
    assert len({i.key for i in infos}) == 24_576
    assert sum(i.player == 0 for i in infos) == 12_288


def test_replay_both_ways():
    rng = np.random.default_rng(7)
    for _ in range(50):
        ours = random_playout(bridge.our_game().new_initial_state(), rng)
        theirs = bridge.to_openspiel(ours.history())
        assert theirs.is_terminal() and list(theirs.returns()) == ours.returns()
        back = bridge.from_openspiel(theirs)
        assert back.history() == ours.history()
        assert back.observation_tensor(0).tobytes() == ours.observation_tensor(0).tobytes()


def test_tabular_policy_uses_only_legal_actions_and_refuses_empty_policies():
    def always_liar(observations):
        probs = np.zeros((len(observations), 13))
        probs[:, 12] = 1.0
        return probs

    with pytest.raises(ValueError, match="no probability"):
        bridge.tabular_policy(always_liar)

    def first_bid_or_liar(observations):
        probs = np.zeros((len(observations), 13))
        probs[:, 0] = 1.0
        probs[:, 12] = 1.0
        return probs

    table = bridge.tabular_policy(first_bid_or_liar)
    assert table["3"][0] == (0, 1.0)
    assert {a for a, p in table["3"] if p > 0} == {0}
    assert [a for a, p in table["3 1-1"] if p > 0] == [12]
