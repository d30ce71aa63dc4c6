"""The batched Skull engine agrees with the per-game engine, step by step.

Random play in :class:`SkullBatch` next to one :class:`SkullState` per row, fed the same
actions: at every step a random subset of the rows, in random order and so at mixed phases, is
checked (seat to act, legal mask, every seat's observation, global state, terminal, returns,
decided returns) and stepped (decisions drawn at random among the legal ones, chance outcomes
through ``chance_outcome_at`` with one uniform per chance node on both sides, boundary values
of the uniform included). Finished games are restarted in their row (so resets are covered).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

import games
from games.core import CHANCE, TERMINAL
from games.skull.batched import SkullBatch
from games.skull.constants import Phase
from games.skull.rules import SkullGame, SkullState

CONFIGS = [
    *({"players": p} for p in range(2, 7)),
    {"players": 3, "roses": 1, "wins_needed": 1, "next_starter": "skull_owner"},
    {"players": 4, "roses": 2, "next_starter": "skull_owner"},
    {"players": 5, "roses": 1, "wins_needed": 2},
    {"players": 6, "roses": 2, "wins_needed": 1, "next_starter": "skull_owner"},
]


def _config_id(params: dict) -> str:
    return "-".join(f"{k}={v}" for k, v in params.items())


def _boundaries(state: SkullState) -> list[float]:
    """Uniforms at and around every cumulative probability boundary of ``state``'s chance node."""
    us = [0.0, 1.0 - 1e-12]
    cumulative = 0.0
    for _, prob in state.chance_outcomes():
        cumulative += prob
        if cumulative < 1.0:
            us += [cumulative, np.nextafter(cumulative, 0.0), np.nextafter(cumulative, 1.0)]
    return us


def _check(batch: SkullBatch, states: list[SkullState], rows: np.ndarray) -> None:
    """Every query of ``batch`` on ``rows`` equals the per-game engine's."""
    game, p = batch.game, batch.players
    chosen = [states[e] for e in rows]
    players = np.array([s.current_player() for s in chosen])
    np.testing.assert_array_equal(batch.current_players(rows), players)
    np.testing.assert_array_equal(batch.terminal(rows), players == TERMINAL)
    np.testing.assert_array_equal(batch.legal_masks(rows), [s.legal_actions_mask() for s in chosen])
    assert batch.legal_masks(rows).dtype == np.int8
    acting = np.where(players >= 0, players, 0)
    for k in range(p):  # the seat to act first, then every other seat
        seats = (acting + k) % p
        expected = [s.observation_tensor(int(o)) for s, o in zip(chosen, seats, strict=True)]
        got = batch.observations(rows, seats)
        assert got.dtype == np.float32 and got.shape == (len(rows), *game.observation_shape)
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(
        batch.global_states(rows), [s.global_state_tensor() for s in chosen]
    )
    np.testing.assert_array_equal(batch.returns(rows), [s.returns() for s in chosen])
    decided = [[s.final_return(seat) for seat in range(p)] for s in chosen]
    expected = np.array([[np.nan if r is None else r for r in row] for row in decided])
    np.testing.assert_array_equal(batch.decided(rows), expected)


def _random_actions(
    masks: np.ndarray, rows: np.ndarray, game: SkullGame, rng: np.random.Generator
) -> np.ndarray:
    """A random legal action per row. Even rows play cautiously (roses and low bids favoured:
    challenges often succeed), odd rows recklessly (skulls and high bids: players go out)."""
    cautious = np.ones(masks.shape[1])
    cautious[:2] = (8.0, 3.0)
    cautious[game.pass_action] = 10.0
    cautious[2 : game.pass_action] = 4.0 / np.arange(1, game.max_bid + 1)
    reckless = np.ones(masks.shape[1])
    reckless[:2] = (6.0, 6.0)
    reckless[game.pass_action] = 10.0
    reckless[2 : game.pass_action] = np.linspace(2.0, 0.2, game.max_bid)
    weights = np.where((rows % 2 == 0)[:, None], cautious, reckless)
    return np.argmax(masks * weights * rng.random(masks.shape), axis=1)


def _differential(params: dict, seed: int, capacity: int, steps: int) -> Counter:
    """Play ``steps`` steps on random row subsets; return the phases and events seen."""
    game = games.make("skull", **params)
    rng = np.random.default_rng(seed)
    batch = SkullBatch(game, capacity)
    states = [game.new_initial_state() for _ in range(capacity)]
    seen: Counter = Counter()
    for _ in range(steps):
        rows = rng.permutation(capacity)[: rng.integers(1, capacity + 1)]
        _check(batch, states, rows)
        seen.update(Phase(states[e].phase).name for e in rows)
        players = batch.current_players(rows)
        actions = _random_actions(batch.legal_masks(rows), rows, game, rng)
        for i in np.flatnonzero(players == CHANCE):
            state = states[rows[i]]
            u = rng.random() if rng.random() < 0.7 else rng.choice(_boundaries(state))
            actions[i] = batch.chance_outcome_at(rows[i : i + 1], np.array([u]))[0]
            assert actions[i] == state.chance_outcome_at(float(u))
        batch.apply(rows, actions)
        for e, action in zip(rows, actions, strict=True):
            states[e].apply_action(int(action))
        ended = rows[batch.terminal(rows)]
        if len(ended):
            _check(batch, states, ended)
            seen["games"] += len(ended)
            batch.reset(ended)
            for e in ended:
                states[e] = game.new_initial_state()
        seen["decisions"] += int((players >= 0).sum())
    _check(batch, states, np.arange(capacity))
    return seen


@pytest.mark.parametrize("params", CONFIGS, ids=_config_id)
def test_batched_engine_agrees_with_the_per_game_engine(params):
    seen = _differential(params, seed=len(CONFIGS) + params["players"], capacity=16, steps=200)
    assert seen["decisions"] >= 1500 and seen["games"] >= 5
    phases = {"PLACEMENT", "ADD_OR_BID", "BIDDING", "ATTEMPT", "LOSS", "DISCARD"}
    if params.get("roses") == 1:  # players go out often, some by their own skull
        phases.add("CHOOSE_STARTER")
    assert phases <= set(seen), seen


@pytest.mark.parametrize(
    ("roses", "kinds"),
    [(3, {(3, 1), (2, 1), (1, 1), (3, 0), (2, 0)}), (1, {(1, 1), (1, 0)})],
)
def test_chance_outcome_at_matches_at_the_boundaries(roses, kinds):
    """At chance nodes of every kind (the challenger owning ``(roses, skulls)`` in ``kinds``),
    ``chance_outcome_at`` agrees at 0, at each boundary and next to it, and at 1 - 1e-12.
    (A challenger owning only a skull never reaches one: their own skull is revealed first.)"""
    game = games.make("skull", players=3, roses=roses)
    rng = np.random.default_rng(5)
    capacity = 48
    batch = SkullBatch(game, capacity)
    states = [game.new_initial_state() for _ in range(capacity)]
    owned: set[tuple[int, int]] = set()
    for _ in range(400):
        rows = np.arange(capacity)
        players = batch.current_players(rows)
        actions = _random_actions(batch.legal_masks(rows), rows, game, rng)
        for i in np.flatnonzero(players == CHANCE):
            state = states[i]
            c = state.challenger
            owned.add((game.roses - state.lost_roses[c], game.skulls - state.lost_skulls[c]))
            us = np.array(_boundaries(state))
            got = batch.chance_outcome_at(np.full(len(us), i), us)
            assert got.tolist() == [state.chance_outcome_at(float(u)) for u in us]
            actions[i] = got[-1]
        batch.apply(rows, actions)
        for e in rows:
            states[e].apply_action(int(actions[e]))
        ended = rows[batch.terminal(rows)]
        batch.reset(ended)
        for e in ended:
            states[e] = game.new_initial_state()
    assert kinds <= owned, owned


def test_reset_gives_fresh_rows_and_leaves_others():
    game = games.make("skull", players=4)
    batch = SkullBatch(game, 3)
    fresh = game.new_initial_state()
    batch.apply(np.array([2, 0]), np.array([0, 1]))
    batch.reset(np.array([0]))
    np.testing.assert_array_equal(batch.current_players(np.arange(3)), [0, 0, 1])
    for row in (0, 1):
        np.testing.assert_array_equal(
            batch.observations(np.array([row]), np.array([0]))[0], fresh.observation_tensor(0)
        )


def test_an_empty_set_of_rows():
    game = games.make("skull", players=3)
    batch, none = SkullBatch(game, 2), np.array([], dtype=np.int64)
    batch.apply(none, none)
    batch.reset(none)
    assert batch.legal_masks(none).shape == (0, game.num_distinct_actions)
    assert batch.observations(none, none).shape == (0, *game.observation_shape)
    assert batch.global_states(none).shape == (0, *game.state_shape)
    assert batch.returns(none).shape == (0, 3) and batch.current_players(none).shape == (0,)


def test_observations_into_a_given_array():
    game = games.make("skull", players=5, roses=2)
    batch = SkullBatch(game, 4)
    rows, seats = np.array([3, 1]), np.array([2, 4])
    batch.apply(np.array([1, 3]), np.array([0, 1]))
    buffer = np.full((2, *game.observation_shape), 7.0, dtype=np.float32)
    assert batch.observations(rows, seats, out=buffer) is buffer
    np.testing.assert_array_equal(buffer, batch.observations(rows, seats))
    state_buffer = np.full((2, *game.state_shape), 7.0, dtype=np.float32)
    assert batch.global_states(rows, out=state_buffer) is state_buffer
    np.testing.assert_array_equal(state_buffer, batch.global_states(rows))
    with pytest.raises(ValueError, match="out must be"):
        batch.observations(rows, seats, out=np.zeros((3, *game.observation_shape), np.float32))


def test_not_skull_is_refused():
    with pytest.raises(ValueError, match="Skull"):
        SkullBatch(games.make("liars_dice"), 2)
