"""The view model shows a seat exactly what it may know (arena/tui/view.py).

The no-leak check: along whole games, for every seat at every decision, the view model -- and
the board text the widgets draw from it -- is the same for the true state and for a state
where every OTHER seat's hidden dice / discs / hand kinds / lost kinds were changed
(:func:`tests.arena.tui.helpers.hide_others`). The check is not vacuous: the altered state's
global tensor differs whenever another seat hides something.
"""

from __future__ import annotations

import numpy as np
import pytest

import games
from arena.tui.liars_dice import text as dice_text
from arena.tui.liars_dice.view import LiarsDiceView
from arena.tui.skull import text as skull_text
from arena.tui.skull.text import describe_move
from arena.tui.view import make_view, round_views
from games.skull.constants import ActionType
from tests.arena.tui.helpers import hide_others

CONFIGS = [
    ("liars_dice", {"players": 4, "dice": 5}),
    ("liars_dice", {"players": 3, "dice": 2, "wild": "ones", "sides": 4}),
    ("liars_dice", {"players": 2, "dice": 1, "mode": "single_round"}),
    ("skull", {"players": 4}),
    ("skull", {"players": 3, "roses": 2, "next_starter": "skull_owner"}),
    ("skull", {"players": 6, "wins_needed": 1}),
]


def board_text(state, seat: int) -> str:
    """Everything the board draws for ``seat`` (cards and table panel), as plain text."""
    view = make_view(state, seat)
    names = ["you" if s == seat else f"seat {s} (random)" for s in range(state.game.num_players)]
    text = dice_text if isinstance(view, LiarsDiceView) else skull_text
    parts = [text.card_text(view, s) for s in view.seats] + [text.info_text(view, names)]
    return "\n".join(p.plain for p in parts)


def random_game(game_name: str, params: dict, seed: int):
    """Yield every state of a random game (a clone), decisions only."""
    rng = np.random.default_rng(seed)
    state = games.make(game_name, **params).new_initial_state()
    while not state.is_terminal():
        if state.is_chance_node():
            state.apply_action(state.sample_chance(rng))
            continue
        yield state.clone()
        legal = state.legal_actions()
        state.apply_action(int(legal[rng.integers(len(legal))]))
    yield state


@pytest.mark.parametrize(("game_name", "params"), CONFIGS)
def test_view_never_depends_on_others_hidden_information(game_name, params):
    checked = differ = 0
    for seed in range(12 // params["players"]):
        for state in random_game(game_name, params, seed):
            for seat in range(state.game.num_players):
                altered = hide_others(state, seat)
                truth = state.global_state_tensor()
                differ += not np.array_equal(altered.global_state_tensor(), truth)
                assert make_view(altered, seat) == make_view(state, seat)
                assert round_views(altered, seat) == round_views(state, seat)
                assert board_text(altered, seat) == board_text(state, seat)
                checked += 1
    assert checked > 20 and differ > checked // 2  # the alteration does hide something


@pytest.mark.parametrize(("game_name", "params"), CONFIGS)
def test_view_shows_the_seats_own_private_data(game_name, params):
    for state in random_game(game_name, params, seed=7):
        for seat in range(state.game.num_players):
            view = make_view(state, seat)
            if game_name == "liars_dice":
                assert view.your_dice == tuple(state.hands[seat])
                assert [s.dice for s in view.seats] == state.dice_counts
            else:
                assert view.your_hand == (state.hand_roses[seat], state.hand_skulls[seat])
                assert view.your_stack == tuple(("rose", "skull")[k] for k in state.stacks[seat])
                assert view.your_lost == (state.lost_roses[seat], state.lost_skulls[seat])
                assert [s.mat for s in view.seats] == [len(st) for st in state.stacks]
            mover = state.current_player()
            expected = state.legal_actions() if mover == seat else []
            assert list(view.legal_actions) == list(expected)


def test_lost_kind_is_shown_only_to_the_challenger():
    *_, state = random_game("skull", {"players": 4}, seed=3)
    assert any(r.lost is not None for r in state.results)
    for seat in range(4):
        for view in round_views(state, seat):
            result = state.results[view.number - 1]
            if seat == result.challenger and result.lost is not None:
                assert view.lost == ("rose", "skull")[result.lost]
            else:
                assert view.lost is None


def test_log_lines_never_name_the_kind_another_seat_places_or_discards():
    game = games.make("skull", players=3)
    names = ["you", "seat 1 (random)", "seat 2 (random)"]
    for state in random_game("skull", {"players": 3}, seed=11):
        if state.is_terminal():
            continue
        seat = state.current_player()
        for kind in (ActionType.PLACE, ActionType.DISCARD):
            ids = [a for a in range(game.num_distinct_actions) if game.decode_action(a)[0] == kind]
            lines = {describe_move(state, a, names) for a in ids}
            if seat == 0 and kind is ActionType.DISCARD:  # your own discard: you know it
                assert lines == {"you discard a rose", "you discard a skull"}
            else:
                assert len(lines) == 1 and not {"rose", "skull"} & set(lines.pop().split())
