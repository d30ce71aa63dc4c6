"""The heuristic agent (agents/heuristic): legal, seeded, sensible, and stronger than random."""

from __future__ import annotations

import math
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import games
from agents.base import load_agent
from agents.heuristic import HeuristicAgent
from agents.heuristic.liars_dice import binomial_tails
from arena.match import MatchResult, play_match
from arena.players import InProcessPlayer
from arena.ratings import rating_intervals
from games.core import Game, State
from tests.games.helpers import LIARS_DICE_PARAMS, decision_observations, play

LIARS_DICE_CONFIGS = [
    {"players": 2, "dice": 1, "mode": "single_round"},
    {"players": 2, "dice": 5},
    {"players": 3, "dice": 2, "sides": 4, "wild": "ones", "bidding_rule": "reset-quantity"},
    {"players": 4, "dice": 1, "sides": 3, "mode": "single_round", "bidding_rule": "reset-quantity"},
    {"players": 5, "dice": 3, "sides": 2, "wild": "none"},
    {"players": 6, "dice": 5},
]
SKULL_CONFIGS = [
    {"players": 2, "roses": 1, "wins_needed": 1},
    {"players": 3},
    {"players": 4, "roses": 2, "next_starter": "skull_owner"},
    {"players": 5, "wins_needed": 1},
    {"players": 6, "next_starter": "skull_owner"},
]
CONFIGS = [("liars_dice", c) for c in LIARS_DICE_CONFIGS] + [("skull", c) for c in SKULL_CONFIGS]
OPENSPIEL = {"players": 2, "dice": 1, "mode": "single_round"}


# -- helpers ----------------------------------------------------------------------------------
def _match(game: Game, specs: Sequence[str], deal: int) -> MatchResult:
    """One game with the given specs by seat, each behind an in-process fault boundary."""
    players = [InProcessPlayer(spec) for spec in specs]
    return play_match(game, players, deal, [1000 * deal + seat for seat in range(len(specs))])


def _tables(players: int) -> list[list[str]]:
    """One heuristic among randoms, one random among heuristics, in every seat."""
    tables = []
    for lone, rest in (("heuristic", "random"), ("random", "heuristic")):
        for seat in range(players):
            specs = [rest] * players
            specs[seat] = lone
            tables.append(specs)
    return tables


def _agent(game: Game, seat: int, seed: int = 0) -> HeuristicAgent:
    agent = HeuristicAgent()
    agent.reset(game, seat, seed)
    return agent


def _policy_of(state: State, seat: int | None = None) -> np.ndarray:
    """The heuristic's policy for the player to move (or ``seat``), from its observation only."""
    seat = state.current_player() if seat is None else seat
    return _agent(state.game, seat).policy(state.observation(seat))


def _prob(state: State, policy: np.ndarray, move: str) -> float:
    return float(policy[state.string_to_action(move)])


def _best(state: State, policy: np.ndarray) -> str:
    return state.action_to_string(int(np.argmax(policy)))


# -- agent basics -----------------------------------------------------------------------------
def test_builtin_spec_and_supports():
    agent = load_agent("heuristic")
    assert isinstance(agent, HeuristicAgent) and agent.name == "heuristic"
    assert agent.supports(games.make("skull")) is None
    assert agent.supports(games.make("liars_dice")) is None
    assert "no heuristic" in agent.supports(SimpleNamespace(name="chess"))
    with pytest.raises(RuntimeError, match="before reset"):
        HeuristicAgent().policy(decision_observations(games.make("skull"), 1, 0)[0])


@pytest.mark.parametrize(("name", "params"), CONFIGS)
def test_policy_is_a_distribution_on_legal_actions(name: str, params: dict[str, Any]):
    game = games.make(name, **params)
    for obs in decision_observations(game, 150, seed=7):
        probs = _agent(game, obs.player).policy(obs)
        assert probs.shape == (game.num_distinct_actions,)
        assert probs.min() >= 0.0 and probs.sum() == pytest.approx(1.0)
        assert probs[obs.legal_mask == 0].sum() == 0.0


def test_policy_depends_on_the_observation_only():
    """A fresh agent with another seed, or one that has played, gives the same policy."""
    for name, params in [("liars_dice", {"players": 3}), ("skull", {"players": 4})]:
        game = games.make(name, **params)
        played = _agent(game, 0, seed=1)
        for obs in decision_observations(game, 60, seed=3):
            played.act(obs)
            fresh = _agent(game, obs.player, seed=99)
            np.testing.assert_array_equal(played.policy(obs), fresh.policy(obs))


@pytest.mark.parametrize(("name", "params"), [CONFIGS[1], CONFIGS[7]])
def test_same_seed_same_actions(name: str, params: dict[str, Any]):
    game = games.make(name, **params)
    specs = ["heuristic"] * game.num_players
    runs = [_match(game, specs, deal=5).history for _ in range(2)]
    assert runs[0] == runs[1]
    agent = _agent(game, 0, seed=11)
    again = _agent(game, 0, seed=11)
    observations = decision_observations(game, 80, seed=2)
    assert [agent.act(o) for o in observations] == [again.act(o) for o in observations]


@pytest.mark.parametrize("params", LIARS_DICE_CONFIGS)
def test_liars_dice_batch_policy_is_the_policy_bit_for_bit(params: dict[str, Any]):
    # What the trainer's fixed opponents use: one call for many games, then choose().
    game = games.make("liars_dice", **params)
    observations = decision_observations(game, 400, seed=13)
    agent = _agent(game, 0)
    batch = agent.batch_policy(
        np.stack([o.tensor for o in observations]), np.stack([o.legal_mask for o in observations])
    )
    one_by_one = np.stack([_agent(game, o.player).policy(o) for o in observations])
    np.testing.assert_array_equal(batch, one_by_one)
    assert (batch.max(axis=1) < 1.0).sum() > 50  # mixed policies (bluffs, close calls) too
    assert (batch[:, game.liar] == 1.0).any()  # and rows where only Liar is legal
    chosen, acted = _agent(game, 0, seed=4), _agent(game, 0, seed=4)
    assert [chosen.choose(row) for row in batch] == [acted.act(o) for o in observations]
    assert _agent(games.make("skull"), 0).batch_policy is None  # Skull's has none


# -- legal play over many configurations ------------------------------------------------------
@pytest.mark.parametrize(("name", "params"), CONFIGS)
def test_plays_legal_games_against_random(name: str, params: dict[str, Any]):
    game = games.make(name, **params)
    tables = _tables(game.num_players)[:: max(1, game.num_players // 2)]
    tables.append(["heuristic"] * game.num_players)
    for deal, specs in enumerate(tables):
        result = _match(game, specs, deal)
        assert result.forfeits == (), result.forfeits
        assert sum(result.returns) == pytest.approx(0.0)


@settings(max_examples=25, deadline=None)
@given(
    st.one_of(
        LIARS_DICE_PARAMS.map(lambda p: ("liars_dice", p)),
        st.fixed_dictionaries(
            {
                "players": st.integers(2, 6),
                "roses": st.integers(1, 3),
                "wins_needed": st.integers(1, 2),
                "next_starter": st.sampled_from(["challenger", "skull_owner"]),
            }
        ).map(lambda p: ("skull", p)),
    ),
    st.integers(0, 2**16),
    st.integers(0, 5),
)
def test_any_configuration_no_forfeit(config: tuple[str, dict], deal: int, seat: int):
    name, params = config
    game = games.make(name, **params)
    specs = ["random" if (s + seat) % 2 else "heuristic" for s in range(game.num_players)]
    assert _match(game, specs, deal).forfeits == ()


# -- Liar's Dice: scripted situations ---------------------------------------------------------
def test_binomial_tails_are_exact():
    tails = binomial_tails(6, 1 / 3)
    assert tails[:, 0] == pytest.approx(np.ones(7))
    assert tails[1, 1] == pytest.approx(1 / 3) and tails[1, 2] == 0.0
    expected = sum(math.comb(6, k) * (1 / 3) ** k * (2 / 3) ** (6 - k) for k in range(2, 7))
    assert tails[6, 2] == pytest.approx(expected)


def test_calls_an_impossible_bid():
    """1 die each, own die 5: "2-3" needs both dice to count for 3, and a 5 does not."""
    state = play(games.make("liars_dice", **OPENSPIEL).new_initial_state(), ["Roll 1", "Roll 5"])
    play(state, ["2-3"])
    assert state.current_player() == 1
    policy = _policy_of(state)
    assert _prob(state, policy, "Liar") > 0.95


def test_does_not_call_a_certain_bid():
    """Own die 3 makes "1-3" certainly true: raise, do not call."""
    state = play(games.make("liars_dice", **OPENSPIEL).new_initial_state(), ["Roll 2", "Roll 3"])
    play(state, ["1-3"])
    policy = _policy_of(state)
    assert _prob(state, policy, "Liar") < 0.05


def test_opens_with_a_bid_on_its_best_face():
    """Three 4s and a wild 6 among five dice: the opening bid (never Liar) is on fours."""
    game = games.make("liars_dice", players=2, dice=5)
    rolls = ["Roll 4", "Roll 4", "Roll 4", "Roll 6", "Roll 1"] + ["Roll 2"] * 5
    state = play(game.new_initial_state(), rolls)
    policy = _policy_of(state)
    assert policy[game.liar] == 0.0
    best = game.decode_bid(int(np.argmax(policy)))
    assert best.face == 4 and best.quantity >= 4
    assert policy.max() > 0.8


def test_calls_an_outrageous_bid_at_a_big_table():
    """4 players x 5 dice, no 2 and no wild in own hand: "15-2" is hopeless."""
    game = games.make("liars_dice", players=4, dice=5)
    rolls = ["Roll 1", "Roll 3", "Roll 4", "Roll 5", "Roll 5"] + ["Roll 2"] * 15
    state = play(game.new_initial_state(), rolls)
    play(state, ["15-2"])
    assert _prob(state, _policy_of(state), "Liar") > 0.95


@pytest.mark.parametrize(("wild", "stands"), [("highest", 1.0), ("none", 1 / 6), ("ones", 1 / 3)])
def test_wild_face_counts_for_other_faces(wild: str, stands: float):
    """Own die 6 against "1-3" with one unseen die: sure if 6 is wild, else the unseen die."""
    game = games.make("liars_dice", players=2, dice=1, wild=wild, mode="single_round")
    state = play(game.new_initial_state(), ["Roll 1", "Roll 6"])
    play(state, ["1-3"])
    agent = _agent(game, 1)
    strategy = agent.strategy
    view = strategy.decode(state.observation(1))
    assert view.unknown == 1 and view.current == game.encode_bid(1, 3)
    probs = strategy.stand_probabilities(view)
    assert probs[game.encode_bid(1, 3)] == pytest.approx(stands)


# -- Skull: scripted situations ---------------------------------------------------------------
def test_skull_bids_its_safe_roses_with_an_empty_hand():
    """Skull under three roses, no disc in hand: it must bid, and bids the 3 safe roses."""
    state = games.make("skull", players=3).new_initial_state()
    play(state, ["place skull", "place rose", "place rose"])
    play(state, ["place rose"] * 7 + ["place skull", "place skull"])
    assert state.hand_size(0) == 0 and state.current_player() == 0
    policy = _policy_of(state)
    assert _prob(state, policy, "bid 3") == 1.0


def test_skull_passes_over_its_own_skull():
    """Seat 1's only disc is its skull: it cannot reveal 2 roses, so it passes a bid of 1."""
    state = games.make("skull", players=3).new_initial_state()
    play(state, ["place rose", "place skull", "place rose", "bid 1"])
    assert state.current_player() == 1
    assert _prob(state, _policy_of(state), "pass") == 1.0


def test_skull_raises_to_its_roses_when_a_low_bid_is_open():
    """Two roses down and a bid of 1 against it: raise (to at least 2)."""
    state = games.make("skull", players=3).new_initial_state()
    play(state, ["place rose", "place rose", "place rose", "place rose", "bid 1", "pass"])
    assert state.current_player() == 0
    policy = _policy_of(state)
    assert _prob(state, policy, "pass") <= 0.1
    assert state.action_to_string(int(np.argmax(policy))) in {"bid 2", "bid 3", "bid 4"}


def test_skull_blocks_a_player_about_to_win():
    """Seat 1 has a point and bids 1 on its own stack; seat 0, skull down, raises anyway."""
    state = games.make("skull", players=3).new_initial_state()
    play(state, ["place rose", "place rose", "place rose", "bid 1", "bid 2", "pass", "pass"])
    play(state, ["flip 2"])
    assert state.points[1] == 1 and state.first_player == 1
    play(state, ["place rose", "place rose", "place skull", "bid 1", "pass"])
    assert state.current_player() == 0
    assert _prob(state, _policy_of(state), "bid 2") == 1.0


def test_skull_flips_a_fresh_stack_rather_than_a_likely_skull():
    """Two roses shown from seat 1's three discs: its last disc is likely its skull."""
    state = games.make("skull", players=3).new_initial_state()
    play(state, ["place rose", "place skull", "place rose"])
    play(state, ["place rose"] * 6 + ["bid 6", "pass", "pass"])
    assert state.phase.name == "ATTEMPT" and state.roses_revealed() == 3
    play(state, ["flip 1", "flip 1"])
    assert state.current_player() == 0 and set(state.legal_strings()) == {"flip 1", "flip 2"}
    policy = _policy_of(state)
    assert _best(state, policy) == "flip 2" and policy.max() == 1.0
    play(state, ["flip 2"])
    assert state.points[0] == 1


def test_skull_flips_only_legal_stacks():
    game = games.make("skull", players=5)
    seen = 0
    for obs in decision_observations(game, 3000, seed=9):
        if obs.tensor[game.layout.observation_slices["phase"]].argmax() == 3:
            seen += 1
            probs = _agent(game, obs.player).policy(obs)
            flips = [game.flip_action(s) for s in range(5)]
            assert probs[flips].sum() == pytest.approx(1.0)
            assert probs[game.flip_action(obs.player)] == 0.0
    assert seen > 10


@pytest.mark.parametrize(("roses", "discard"), [(3, "discard rose"), (1, "discard skull")])
def test_skull_discards_a_rose_unless_it_is_the_last(roses: int, discard: str):
    state = games.make("skull", players=3, roses=roses).new_initial_state()
    play(state, ["place skull", "place rose", "place rose", "bid 1", "pass", "pass"])
    assert state.phase.name == "DISCARD" and state.current_player() == 0
    assert _prob(state, _policy_of(state), discard) == 1.0


def test_skull_out_challenger_picks_the_weakest_starter():
    state = games.make("skull", players=3, roses=1).new_initial_state()
    play(state, ["place skull", "place rose", "place rose", "bid 1", "pass", "pass"])
    play(state, ["discard rose"])  # seat 0 keeps only its skull
    play(state, ["place skull", "place rose", "place rose", "bid 1", "bid 2", "pass", "pass"])
    play(state, ["flip 2"])  # seat 1: own rose, then seat 2's rose: a point
    assert state.points[1] == 1
    play(state, ["place rose", "place rose", "place skull", "place skull", "place skull"])
    play(state, ["bid 1", "pass", "pass", "discard skull"])
    assert state.phase.name == "CHOOSE_STARTER" and state.current_player() == 0
    assert _best(state, _policy_of(state)) == "starter 2"


# -- strength against random ------------------------------------------------------------------
STRENGTH = [
    ("liars_dice", {"players": 2, "dice": 5, "mode": "elimination"}, 50),
    ("liars_dice", {"players": 4, "dice": 5, "mode": "elimination"}, 25),
    ("skull", {"players": 3}, 40),
    ("skull", {"players": 4}, 30),
    ("skull", {"players": 6}, 15),
]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "params", "deals"), STRENGTH)
def test_beats_random(name: str, params: dict[str, Any], deals: int):
    """Ratings separate (95% intervals) and the lone heuristic wins well over 1/N."""
    game = games.make(name, **params)
    n = game.num_players
    outcomes, lone_wins, lone_games = [], 0, 0
    for deal in range(deals):
        for specs in _tables(n):
            result = _match(game, specs, deal)
            assert result.forfeits == ()
            outcomes.append(tuple(tuple(specs[s] for s in group) for group in result.ranking))
            if specs.count("heuristic") == 1:
                lone_games += 1
                lone_wins += result.winner == specs.index("heuristic")
    rows = {r.agent: r for r in rating_intervals(outcomes, anchor=("random", 0.0), seed=0)}
    heuristic, random = rows["heuristic"], rows["random"]
    rate = lone_wins / lone_games
    stderr = math.sqrt(rate * (1 - rate) / lone_games)
    print(
        f"\n{name} {params}: lone heuristic wins {rate:.3f} of {lone_games} (fair {1 / n:.3f}); "
        f"heuristic {heuristic.rating:.0f} [{heuristic.lower:.0f}, {heuristic.upper:.0f}] "
        f"vs random 0 over {len(outcomes)} games"
    )
    assert heuristic.lower > random.upper
    assert rate - 2 * stderr > 1 / n
