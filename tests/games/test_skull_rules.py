"""Scripted games for every rule of shared/rules/skull.md, plus property tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import games
from games.core import CHANCE, TERMINAL, IllegalActionError
from games.skull import Disc, Phase, SkullGame, SkullState
from tests.games.helpers import play, random_playout

R, S, P = "place rose", "place skull", "pass"
ROSE, SKULL = int(Disc.ROSE), int(Disc.SKULL)


def make(**params: Any) -> SkullGame:
    return games.make("skull", **params)


def after(moves: list[str], **params: Any) -> SkullState:
    """The state reached by playing ``moves`` from the start of ``make(**params)``."""
    return play(make(**params).new_initial_state(), moves)


def bids(lo: int, hi: int) -> list[str]:
    return [f"bid {n}" for n in range(lo, hi + 1)]


# -- the scripted games ---------------------------------------------------------------------
@dataclass
class Case:
    """A scripted game and the facts that must hold after it."""

    name: str
    moves: list[str]
    expect: dict[str, Any]
    params: dict[str, Any] = field(default_factory=dict)


# Seat 2 challenges for 4 roses: own rose, then seat 3's rose, then seat 1's [skull, rose].
ATTEMPT_ON_SEAT_1 = [R, S, R, R, R, R, "bid 4", P, P, P, "flip 3"]
# 3 players, 1 rose: seat 0 loses a rose (fails on seat 1's skull), then holds only a skull.
ONLY_SKULL_LEFT = [R, S, R, "bid 3", "flip 1", "lose rose"]
# 3 players, 1 rose: seat 0 discards its skull (own skull revealed), then holds only a rose.
ONLY_ROSE_LEFT = [S, R, R, "bid 1", P, P, "discard skull"]
# 4 players: seat 0 stacks [skull, rose, rose] and challenges for 2.
OWN_STACK = [S, R, R, R] + [R] * 8 + ["bid 2", P, P, P]

# fmt: off
CASES = [
    # opening placement
    Case("start: seat 0 places first", [], dict(player=0, phase=Phase.PLACEMENT, legal=[R, S])),
    Case(
        "opening placement goes round, places only",
        [R, S, R],
        dict(player=3, phase=Phase.PLACEMENT, legal=[R, S], stacks=[1, 1, 1, 0],
             hands=[3, 3, 3, 4]),
    ),
    Case(
        "after the opening placement the first player adds or bids",
        [R, S, R, R],
        dict(player=0, phase=Phase.ADD_OR_BID, legal=[R, S, *bids(1, 4)]),
    ),
    Case(
        "a player may place only a kind still in hand",
        [R, S, R, R, R],
        dict(player=1, phase=Phase.ADD_OR_BID, legal=[R, *bids(1, 5)]),
    ),
    Case(
        "no disc in hand: the player must bid",
        [R, S, S, R],
        dict(player=0, phase=Phase.ADD_OR_BID, legal=bids(1, 4), hands=[0, 0]),
        dict(players=2, roses=1),
    ),
    # bidding
    Case(
        "opening bid: next player raises or passes, up to the discs on the mats",
        [R, R, R, R, R, "bid 2"],
        dict(player=2, phase=Phase.BIDDING, legal=[*bids(3, 5), P], bid=2, bidder=1),
    ),
    Case(
        "a passed player is skipped and cannot bid again",
        [R, R, R, R, R, "bid 1", P, "bid 2", P, "bid 3"],
        dict(player=3, phase=Phase.BIDDING, bid=3, bidder=1, passed=[1, 0, 1, 0]),
    ),
    Case(
        "bidding ends when all but the highest bidder have passed",
        [R, R, R, R, R, "bid 1", P, "bid 2", P, "bid 3", P],
        dict(player=1, phase=Phase.ATTEMPT, challenger=1, revealed=[0, 1, 0, 0],
             legal=["flip 0", "flip 2", "flip 3"]),
    ),
    Case(
        "an opening bid of all discs ends the bidding at once",
        [R, R, R, R, "bid 4"],
        dict(player=0, phase=Phase.ATTEMPT, challenger=0, passed=[0, 0, 0, 0],
             revealed=[1, 0, 0, 0], legal=["flip 1", "flip 2", "flip 3"]),
    ),
    Case(
        "a raise to all discs ends the bidding at once",
        [R, R, R, R, "bid 1", "bid 4"],
        dict(player=1, phase=Phase.ATTEMPT, challenger=1, passed=[0, 0, 0, 0],
             revealed=[0, 1, 0, 0]),
    ),
    # the attempt
    Case(
        "own stack revealed automatically from the top, stopping at n roses",
        OWN_STACK,
        dict(player=0, phase=Phase.PLACEMENT, points=[1, 0, 0, 0], first_player=0,
             stacks=[0, 0, 0, 0], hands=[4, 4, 4, 4],
             result=dict(challenger=0, bid=2, flips=((0, ROSE), (0, ROSE)), success=True,
                         skull_owner=None, loser=None, lost=None, out=False)),
    ),
    Case(
        "flip: only stacks with unrevealed discs",
        ATTEMPT_ON_SEAT_1,
        dict(player=2, phase=Phase.ATTEMPT, legal=["flip 0", "flip 1"], revealed=[0, 0, 1, 1],
             flips=[(2, ROSE), (3, ROSE)]),
    ),
    Case(
        "flip reveals the top unrevealed disc",
        [*ATTEMPT_ON_SEAT_1, "flip 1"],
        dict(player=2, phase=Phase.ATTEMPT, legal=["flip 0", "flip 1"], revealed=[0, 1, 1, 1],
             flips=[(2, ROSE), (3, ROSE), (1, ROSE)]),
    ),
    Case(
        "success by flipping others' stacks",
        [R, R, R, R, "bid 3", P, P, P, "flip 1", "flip 3"],
        dict(player=0, phase=Phase.PLACEMENT, points=[1, 0, 0, 0], first_player=0,
             result=dict(flips=((0, ROSE), (1, ROSE), (3, ROSE)), success=True)),
    ),
    # failure
    Case(
        "another's skull: chance over all the challenger's discs",
        [*ATTEMPT_ON_SEAT_1, "flip 1", "flip 1"],
        dict(player=CHANCE, phase=Phase.LOSS, chance=[("lose rose", 0.75), ("lose skull", 0.25)]),
    ),
    Case(
        "the challenger loses the drawn disc; the challenger starts the next round",
        [*ATTEMPT_ON_SEAT_1, "flip 1", "flip 1", "lose skull"],
        dict(player=2, phase=Phase.PLACEMENT, first_player=2, legal=[R], hands=[4, 4, 3, 4],
             lost_roses=[0, 0, 0, 0], lost_skulls=[0, 0, 1, 0], stacks=[0, 0, 0, 0],
             result=dict(challenger=2, bid=4, flips=((2, 0), (3, 0), (1, 0), (1, 1)),
                         success=False, skull_owner=1, loser=2, lost=Disc.SKULL, out=False)),
    ),
    Case(
        'next_starter="skull_owner": the skull\'s owner starts the next round',
        [*ATTEMPT_ON_SEAT_1, "flip 1", "flip 1", "lose rose"],
        dict(player=1, phase=Phase.PLACEMENT, first_player=1, lost_roses=[0, 0, 1, 0]),
        dict(next_starter="skull_owner"),
    ),
    Case(
        "chance after a lost rose: 2/3 rose, 1/3 skull",
        [*ATTEMPT_ON_SEAT_1, "flip 1", "flip 1", "lose rose",
         R, S, R, R, "bid 3", P, P, P, "flip 0", "flip 3"],
        dict(player=CHANCE, chance=[("lose rose", 2 / 3), ("lose skull", 1 / 3)]),
    ),
    Case(
        "chance with only roses left: lose rose with probability 1",
        [*ONLY_ROSE_LEFT, R, S, R, "bid 3", "flip 1"],
        dict(player=CHANCE, phase=Phase.LOSS, chance=[("lose rose", 1.0)], legal=["lose rose"]),
        dict(players=3, roses=1),
    ),
    Case(
        "put out by another's skull: that skull's owner starts",
        [*ONLY_ROSE_LEFT, R, S, R, "bid 3", "flip 1", "lose rose"],
        dict(player=1, phase=Phase.PLACEMENT, first_player=1, out=[1, 0, 0], hands=[0, 2, 2],
             result=dict(skull_owner=1, loser=0, lost=Disc.ROSE, out=True)),
        dict(players=3, roses=1),
    ),
    Case(
        "own skull: the challenger chooses which disc to discard",
        [R, R, R, R, S, R, R, R, "bid 1", P, P, P],
        dict(player=0, phase=Phase.DISCARD, legal=["discard rose", "discard skull"],
             flips=[(0, SKULL)]),
    ),
    Case(
        "own skull discarded: the challenger starts, even with skull_owner",
        [R, R, R, R, S, R, R, R, "bid 1", P, P, P, "discard rose"],
        dict(player=0, phase=Phase.PLACEMENT, first_player=0, lost_roses=[1, 0, 0, 0],
             hands=[3, 4, 4, 4], result=dict(skull_owner=0, loser=0, lost=Disc.ROSE)),
        dict(next_starter="skull_owner"),
    ),
    # elimination
    Case(
        "only a skull left: it is placed, then the player must bid",
        [*ONLY_SKULL_LEFT, S, R, R],
        dict(player=0, phase=Phase.ADD_OR_BID, legal=bids(1, 3), hands=[0, 1, 1]),
        dict(players=3, roses=1),
    ),
    Case(
        "own last disc discarded: only that kind may be discarded",
        [*ONLY_SKULL_LEFT, S, R, R, "bid 1", P, P],
        dict(player=0, phase=Phase.DISCARD, legal=["discard skull"]),
        dict(players=3, roses=1),
    ),
    Case(
        "put out by their own skull: the challenger chooses the starter among those in",
        [*ONLY_SKULL_LEFT, S, R, R, "bid 1", P, P, "discard skull"],
        dict(player=0, phase=Phase.CHOOSE_STARTER, legal=["starter 1", "starter 2"],
             out=[1, 0, 0], hands=[0, 2, 2], result=dict(out=True, lost=Disc.SKULL)),
        dict(players=3, roses=1),
    ),
    Case(
        "an out player is skipped in placement",
        [*ONLY_SKULL_LEFT, S, R, R, "bid 1", P, P, "discard skull", "starter 2", R],
        dict(player=1, phase=Phase.PLACEMENT, first_player=2, stacks=[0, 0, 1]),
        dict(players=3, roses=1),
    ),
    Case(
        "an out player is skipped in bidding",
        [*ONLY_SKULL_LEFT, S, R, R, "bid 1", P, P, "discard skull", "starter 1", R, R, "bid 1"],
        dict(player=2, phase=Phase.BIDDING, legal=["bid 2", P]),
        dict(players=3, roses=1),
    ),
    # game end
    Case(
        "first point does not end the game",
        [R, R, R, R, "bid 1", P, P, P],
        dict(player=0, phase=Phase.PLACEMENT, points=[1, 0, 0, 0], returns=[0.0] * 4),
    ),
    Case(
        "a second point wins at once",
        [R, R, R, R, "bid 1", P, P, P] * 2,
        dict(player=TERMINAL, phase=Phase.GAME_OVER, points=[2, 0, 0, 0], winner=0, legal=[],
             returns=[1.0, -1 / 3, -1 / 3, -1 / 3]),
    ),
    Case(
        "wins_needed=1: one point wins",
        [R, R, R, "bid 2", P, P, "flip 2"],
        dict(player=TERMINAL, winner=0, returns=[1.0, -0.5, -0.5]),
        dict(players=3, wins_needed=1),
    ),
    Case(
        "the last player with discs wins",
        [R, S, "bid 2", "flip 1", "lose rose", S, R, "bid 1", P, "discard skull"],
        dict(player=TERMINAL, phase=Phase.GAME_OVER, winner=1, returns=[-1.0, 1.0],
             out=[1, 0], points=[0, 0]),
        dict(players=2, roses=1),
    ),
]
# fmt: on


def check(state: SkullState, expect: dict[str, Any]) -> None:
    """Assert every fact of ``expect`` about ``state``."""
    getters = {
        "player": lambda s: s.current_player(),
        "legal": lambda s: s.legal_strings(),
        "hands": lambda s: [s.hand_size(k) for k in range(s.game.num_players)],
        "stacks": lambda s: [s.stack_size(k) for k in range(s.game.num_players)],
        "passed": lambda s: [int(x) for x in s.passed],
        "out": lambda s: [int(s.is_out(k)) for k in range(s.game.num_players)],
        "returns": lambda s: s.returns(),
    }
    for key, want in expect.items():
        if key == "chance":
            outcomes = state.chance_outcomes()
            got = [(state.action_to_string(a), pytest.approx(p)) for a, p in outcomes]
        elif key == "result":
            got = {name: getattr(state.results[-1], name) for name in want}
        elif key in getters:
            got = getters[key](state)
        else:
            got = getattr(state, key)
        assert got == (pytest.approx(want) if key == "returns" else want), key


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_scripted_game(case: Case) -> None:
    check(after(case.moves, **case.params), case.expect)


def test_out_challenger_may_not_pick_an_out_seat_or_themselves() -> None:
    state = after([*ONLY_SKULL_LEFT, S, R, R, "bid 1", P, P, "discard skull"], players=3, roses=1)
    with pytest.raises(IllegalActionError):
        state.apply_action(state.game.starter_action(0))
    assert state.phase is Phase.CHOOSE_STARTER


# -- parameters and action ids --------------------------------------------------------------
@pytest.mark.parametrize(
    "params, name",
    [
        ({"players": 1}, "players"),
        ({"players": 7}, "players"),
        ({"roses": 0}, "roses"),
        ({"roses": 4}, "roses"),
        ({"skulls": 2}, "skulls"),
        ({"skulls": 0}, "skulls"),
        ({"wins_needed": 3}, "wins_needed"),
        ({"wins_needed": 0}, "wins_needed"),
        ({"next_starter": "x"}, "next_starter"),
        ({"players": True}, "players"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_parameters_name_the_parameter(params: dict[str, Any], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        make(**params)


def test_defaults() -> None:
    game = make()
    assert game.params == dict(
        players=4, roses=3, skulls=1, wins_needed=2, next_starter="challenger"
    )
    assert (game.discs, game.max_bid, game.max_chance_outcomes) == (4, 16, 2)


def test_action_strings_and_ids() -> None:
    game = make()
    state = game.new_initial_state()
    strings = [state.action_to_string(a) for a in range(game.num_distinct_actions)]
    assert strings == (
        [R, S] + bids(1, 16) + [P] + [f"flip {k}" for k in range(4)]
        + ["discard rose", "discard skull"] + [f"starter {k}" for k in range(4)]
    )  # fmt: skip
    assert game.num_distinct_actions == 29
    assert (game.bid_action(3), game.pass_action, game.flip_action(2)) == (4, 18, 21)
    assert (game.discard_action(Disc.SKULL), game.starter_action(1)) == (24, 26)
    assert game.place_action(Disc.SKULL) == 1
    assert game.decode_action(21) == (games.skull.ActionType.FLIP, 2)
    with pytest.raises(ValueError):
        game.bid_action(17)
    with pytest.raises(ValueError):
        game.flip_action(4)


def test_chance_strings() -> None:
    state = after([*ATTEMPT_ON_SEAT_1, "flip 1", "flip 1"])
    assert [state.action_to_string(a) for a in (0, 1)] == ["lose rose", "lose skull"]
    assert state.legal_actions() == [0, 1]


def test_action_space_is_fixed_by_players() -> None:
    assert make(players=6, roses=1).num_distinct_actions == 12 + 5 + 12
    assert make(players=2).num_distinct_actions == 8 + 5 + 4


# -- illegal actions ------------------------------------------------------------------------
THREE_ONE_ROSE = {"players": 3, "roses": 1}
STATES_FOR_ILLEGAL = {
    "placement": ([R], {}),
    "add or bid": ([R, S, R, R, R], {}),
    "bidding": ([R, R, R, R, "bid 2", P], {}),
    "attempt": (ATTEMPT_ON_SEAT_1, {}),
    "chance": ([*ONLY_ROSE_LEFT, R, S, R, "bid 3", "flip 1"], THREE_ONE_ROSE),
    "discard": ([*ONLY_SKULL_LEFT, S, R, R, "bid 1", P, P], THREE_ONE_ROSE),
    "starter": ([*ONLY_SKULL_LEFT, S, R, R, "bid 1", P, P, "discard skull"], THREE_ONE_ROSE),
    "terminal": ([R, R, R, R, "bid 1", P, P, P] * 2, {}),
}


def snapshot(state: SkullState) -> tuple[Any, ...]:
    n = state.game.num_players
    return (
        state.history(),
        [state.observation_tensor(p).tobytes() for p in range(n)],
        state.global_state_tensor().tobytes(),
        state.render(),
        state.legal_actions(),
        state.current_player(),
    )


@pytest.mark.parametrize("where", list(STATES_FOR_ILLEGAL))
def test_illegal_actions_raise_and_leave_the_state_unchanged(where: str) -> None:
    moves, params = STATES_FOR_ILLEGAL[where]
    state = after(moves, **params)
    before = snapshot(state)
    legal = set(state.legal_actions())
    bad: list[Any] = [a for a in range(-3, state.game.num_distinct_actions + 3) if a not in legal]
    bad += [10**9, "bid 1", 1.0, True, False, None, np.float32(0)]
    for action in bad:
        with pytest.raises(IllegalActionError):
            state.apply_action(action)
        assert snapshot(state) == before, action
    assert issubclass(IllegalActionError, ValueError)


def test_numpy_integer_actions_are_accepted() -> None:
    state = make().new_initial_state()
    state.apply_action(np.int64(0))
    assert state.history() == [0]
    assert type(state.history()[0]) is int


# -- property tests over random play --------------------------------------------------------
def move_bound(game: SkullGame) -> int:
    """An upper bound on the moves of a game (see the rule book's Invariants)."""
    n, d = game.num_players, game.discs
    rounds = n * (game.wins_needed - 1) + 1 + n * d
    per_round = n * d + game.max_bid + n + game.max_bid + 2
    return rounds * per_round


def check_invariants(state: SkullState) -> None:
    game, player = state.game, state.current_player()
    for seat in range(game.num_players):
        lost = state.lost_roses[seat] + state.lost_skulls[seat]
        assert state.hand_size(seat) + state.stack_size(seat) + lost == game.discs
        roses = state.hand_roses[seat] + state.stacks[seat].count(ROSE) + state.lost_roses[seat]
        assert roses == game.roses
        assert state.is_out(seat) == (lost == game.discs)
    if player >= 0:
        assert not state.is_out(player) or state.phase is Phase.CHOOSE_STARTER
        assert state.legal_actions(), "a player to move always has a legal action"
    if player == CHANCE:
        outcomes = state.chance_outcomes()
        assert sum(p for _, p in outcomes) == pytest.approx(1.0)
        # the challenger's own stack was all roses, so "lose rose" is always possible here
        assert outcomes[0][0] == ROSE and outcomes[0][1] > 0


def random_game(game: SkullGame, seed: int, each_step=check_invariants) -> SkullState:
    rng = np.random.default_rng(seed)
    return random_playout(game.new_initial_state(), rng, move_bound(game), each_step)


PARAMS = st.fixed_dictionaries(
    {
        "players": st.integers(2, 6),
        "roses": st.integers(1, 3),
        "wins_needed": st.integers(1, 2),
        "next_starter": st.sampled_from(["challenger", "skull_owner"]),
    }
)
SEEDS = st.integers(0, 2**32 - 1)


@settings(max_examples=80, deadline=None)
@given(params=PARAMS, seed=SEEDS)
def test_random_play_terminates_with_zero_sum_and_keeps_the_invariants(
    params: dict[str, Any], seed: int
) -> None:
    game = make(**params)
    state = random_game(game, seed)
    returns = state.returns()
    assert sum(returns) == pytest.approx(0.0)
    assert sorted(returns)[-1] == 1.0 and returns.count(1.0) == 1
    assert state.winner == returns.index(1.0)
    winner = state.winner
    assert state.points[winner] == game.wins_needed or state.players_in() == [winner]


@settings(max_examples=20, deadline=None)
@given(params=PARAMS, seed=SEEDS)
def test_legal_actions_are_exactly_the_applicable_ones(params: dict[str, Any], seed: int) -> None:
    game = make(**params)

    def each_step(state: SkullState) -> None:
        legal = set(state.legal_actions())
        space = game.max_chance_outcomes if state.is_chance_node() else game.num_distinct_actions
        for action in range(space):
            trial = state.clone()
            if action in legal:
                trial.apply_action(action)
            else:
                with pytest.raises(IllegalActionError):
                    trial.apply_action(action)

    random_game(game, seed, each_step)


@settings(max_examples=30, deadline=None)
@given(params=PARAMS, seed=SEEDS, cut=st.floats(0.0, 1.0))
def test_clone_is_independent(params: dict[str, Any], seed: int, cut: float) -> None:
    game = make(**params)
    full = random_game(game, seed)
    state = game.new_initial_state()
    for action in full.history()[: int(cut * len(full.history()))]:
        state.apply_action(action)
    before = snapshot(state)
    clone = state.clone()
    assert snapshot(clone) == before
    rng = np.random.default_rng(seed + 1)
    while not clone.is_terminal():
        if clone.is_chance_node():
            clone.apply_action(clone.sample_chance(rng))
        else:
            clone.apply_action(clone.legal_actions()[-1 if rng.random() < 0.5 else 0])
    assert snapshot(state) == before
    assert state.results == full.results[: len(state.results)]


@settings(max_examples=20, deadline=None)
@given(params=PARAMS, seed=SEEDS)
def test_same_seed_same_game(params: dict[str, Any], seed: int) -> None:
    game = make(**params)
    first, second = random_game(game, seed), random_game(game, seed)
    assert first.history() == second.history()
    assert first.returns() == second.returns()
    replay = game.new_initial_state()
    for action in first.history():
        replay.apply_action(action)
    assert replay.returns() == first.returns()
