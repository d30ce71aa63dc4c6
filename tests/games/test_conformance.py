"""One conformance suite every game passes: the contract, PettingZoo's own tests, stress."""

from __future__ import annotations

import numpy as np
import pytest
from pettingzoo.test import api_test, render_test, seed_test

import games
from games.core import CHANCE, TERMINAL
from games.pettingzoo import env, raw_env
from tests.games.helpers import random_playout

CONFIGS = [("skull", {"players": n}) for n in range(2, 7)] + [
    ("liars_dice", {"players": n, "dice": d, "mode": mode})
    for n in range(2, 7)
    for d, mode in [(1, "single_round"), (3, "elimination")]
]
IDS = [f"{name}-" + "-".join(f"{k}{v}" for k, v in p.items()) for name, p in CONFIGS]


@pytest.mark.parametrize("name, params", CONFIGS, ids=IDS)
def test_pettingzoo_api_seed_and_render(name, params):
    api_test(env(name, **params), num_cycles=300)
    seed_test(lambda: env(name, **params), num_cycles=300)
    render_test(lambda render_mode=None: env(name, render_mode=render_mode, **params))


@pytest.mark.parametrize("name, params", CONFIGS, ids=IDS)
def test_random_play_respects_the_contract(name, params):
    game = games.make(name, **params)
    rng = np.random.default_rng(1)
    for _ in range(15):
        state = game.new_initial_state()
        while not state.is_terminal():
            _check_node(game, state)
            if state.is_chance_node():
                state.apply_action(state.sample_chance(rng))
            else:
                legal = state.legal_actions()
                state.apply_action(legal[int(rng.integers(len(legal)))])
        assert state.current_player() == TERMINAL and state.legal_actions() == []
        assert sum(state.returns()) == pytest.approx(0.0, abs=1e-9)
        assert state.legal_actions_mask().sum() == 0


@pytest.mark.parametrize("name, params", CONFIGS, ids=IDS)
def test_final_return_once_given_is_the_return_at_the_end(name, params):
    game = games.make(name, **params)
    rng = np.random.default_rng(2)
    decided: dict[int, float] = {}  # seat -> its return, from when it was given before the end

    def check(state) -> None:
        for seat in range(game.num_players):
            value = state.final_return(seat)
            if seat in decided:
                assert value == decided[seat]
            elif value is not None and not state.is_terminal():
                decided[seat] = value

    early = 0
    for _ in range(15):
        decided.clear()
        state = random_playout(game.new_initial_state(), rng, each_step=check)
        assert [state.final_return(s) for s in range(game.num_players)] == state.returns()
        early += len(decided)
    # seats are knocked out before the end only in games with more than two seats
    knockouts = game.num_players > 2 and params.get("mode") != "single_round"
    assert (early > 0) == knockouts
    with pytest.raises(ValueError, match="player must be a seat"):
        state.final_return(game.num_players)


def _check_node(game, state) -> None:
    player = state.current_player()
    assert player == CHANCE or 0 <= player < game.num_players
    assert state.returns() == [0.0] * game.num_players
    mask = state.legal_actions_mask()
    assert mask.dtype == np.int8 and mask.shape == (game.num_distinct_actions,)
    if player == CHANCE:
        outcomes = state.chance_outcomes()
        assert sum(p for _, p in outcomes) == pytest.approx(1.0)
        assert all(p > 0 and 0 <= a < game.max_chance_outcomes for a, p in outcomes)
        assert mask.sum() == 0
    else:
        assert np.flatnonzero(mask).tolist() == state.legal_actions()
        # what agents outside the process are told: the strings do not depend on the state
        assert [game.action_strings[a] for a in state.legal_actions()] == state.legal_strings()
    for seat in range(game.num_players):
        obs = state.observation_tensor(seat)
        assert obs.dtype == np.float32 and obs.shape == game.observation_shape
        assert isinstance(state.render(viewer=seat), str)
    full = state.global_state_tensor()
    assert full.dtype == np.float32 and full.shape == game.state_shape


@pytest.mark.parametrize("name, params", CONFIGS[:3] + CONFIGS[-2:], ids=IDS[:3] + IDS[-2:])
def test_pettingzoo_rewards_are_the_game_returns(name, params):
    e = raw_env(name, **params)
    e.reset(seed=3)
    totals = dict.fromkeys(e.possible_agents, 0.0)
    for agent in e.agent_iter():
        obs, reward, terminated, truncated, _ = e.last()
        totals[agent] += reward
        if terminated or truncated:
            e.step(None)
            continue
        e.step(int(np.flatnonzero(obs["action_mask"])[0]))
    assert e.game_state.is_terminal()
    assert list(totals.values()) == pytest.approx(e.game_state.returns())
    assert e.state().shape == e.game.state_shape


def test_unknown_game_and_render_mode_are_refused():
    with pytest.raises(ValueError, match="unknown game 'chess'"):
        games.make("chess")
    with pytest.raises(ValueError, match="render_mode"):
        raw_env("skull", render_mode="rgb_array")


def test_game_identity_and_listing():
    assert games.make("skull", players=4) == games.make("skull")
    assert {cls.name for cls in games.list_games()} == {"skull", "liars_dice"}
