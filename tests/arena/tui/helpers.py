"""Shared helpers of the play-TUI tests: building the app, waiting for agents, a human strategy.

The "human" plays the FIRST legal move of its view, through keys and clicks only.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from arena.tui.app import PlayApp
from arena.tui.config import make_config
from arena.tui.game_screen import GameScreen
from arena.tui.liars_dice.view import LiarsDiceView
from arena.tui.screens import EndScreen, RoundScreen
from arena.tui.skull.view import SkullView
from games.liars_dice.rules import LiarsDiceState
from games.skull.constants import ActionType
from games.skull.rules import SkullState

SIZE = (100, 32)
"""The terminal size of the tests (snapshots included)."""


def run_async(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test function in its own event loop (no pytest async plugin needed)."""

    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return wrapper


def make_app(db: Path | str, game: str, **options: Any) -> PlayApp:
    """An app against ``random`` opponents with no delay (options go to ``make_config``)."""
    options = {"opponents": "random", "seed": 1, "name": "tester", "delay": 0.0, **options}
    return PlayApp(make_config(game, db=str(db), **options))


async def settle(pilot: Pilot) -> None:
    """Wait until no agent is thinking: the human's turn, a round screen or the end."""
    app = pilot.app
    for _ in range(10_000):
        await pilot.pause(0)  # process what is queued (no timed sleep)
        screen = app.screen
        if isinstance(screen, GameScreen) and screen.thinking:
            await app.workers.wait_for_complete()
            continue
        return
    raise AssertionError("the agents never stopped")


async def play_first_legal(pilot: Pilot, turn: int, clicks: bool = True) -> None:
    """Play the first legal move of the human's view with a key or (some turns) a click."""
    screen = pilot.app.screen
    assert isinstance(screen, GameScreen)
    view = screen.view
    if not clicks:
        turn = 1  # a turn number for which every move is a key
    if isinstance(view, LiarsDiceView):
        await _dice_move(pilot, view, turn)
    else:
        assert isinstance(view, SkullView)
        await _skull_move(pilot, view, turn)


async def _dice_move(pilot: Pilot, view: LiarsDiceView, turn: int) -> None:
    if not view.legal_bids:  # only Liar is left
        await (pilot.press("l") if turn % 2 else pilot.click("#liar"))
        return
    face = view.legal_bids[0].face  # the picker starts at the lowest legal bid
    if turn % 3 == 0:
        await pilot.press(str(face), "enter")
    elif turn % 3 == 1:
        await pilot.press("b")
    else:
        await pilot.click("#bid")


async def _skull_move(pilot: Pilot, view: SkullView, turn: int) -> None:
    first = view.legal[0]
    kind, arg = first.type, str(first.arg)
    if kind in (ActionType.PLACE, ActionType.DISCARD):
        letter, name = ("r", "rose") if first.arg == 0 else ("s", "skull")
        await (pilot.press(letter) if turn % 2 else pilot.click(f"#{name}"))
    elif kind is ActionType.BID:  # the picker starts at the lowest legal bid
        await (pilot.press("enter") if turn % 2 else pilot.click("#bid"))
    elif kind is ActionType.PASS:
        await pilot.press("p")
    elif kind is ActionType.FLIP:
        await (pilot.press(arg) if turn % 2 else pilot.click(f"#seat-{arg}"))
    else:
        assert kind is ActionType.STARTER, first
        await (pilot.press(arg) if turn % 2 else pilot.click(f"#pick-{arg}"))


async def play_to_end(
    pilot: Pilot, check: Any = None, max_turns: int = 5_000, clicks: bool = True
) -> int:
    """Play the human's first legal moves until the end screen; the number of human moves.

    Args:
        pilot: the app's pilot.
        check: called as ``check(screen)`` at every human turn (e.g. a no-leak check).
        max_turns: a bound, so a broken game fails instead of hanging.
        clicks: whether some moves are clicks (else keys only).
    """
    turns = 0
    for _ in range(max_turns):
        await settle(pilot)
        screen = pilot.app.screen
        if isinstance(screen, EndScreen):
            return turns
        if isinstance(screen, RoundScreen):
            await pilot.press("enter")
            continue
        assert isinstance(screen, GameScreen), screen
        session = screen.session
        assert session.human_to_move
        if check is not None:
            check(screen)
        before, expected = len(session.human_moves), screen.view.legal_actions[0]
        await play_first_legal(pilot, turns, clicks)
        assert session.human_moves[before:] == [expected], screen.message
        turns += 1
    raise AssertionError("the game did not end")


def hide_others(state: LiarsDiceState | SkullState, seat: int) -> LiarsDiceState | SkullState:
    """A copy of ``state`` where every OTHER seat's hidden information is different.

    Liar's Dice: every die of the other seats shows another face. Skull: the other seats'
    face-down discs change kind, the kinds in their hands and the kinds they lost are swapped,
    and the lost kind of their past challenges too.
    """
    other = state.clone()
    if isinstance(other, LiarsDiceState):
        sides = other.game.sides
        for s, hand in enumerate(other.hands):
            if s != seat:
                other.hands[s] = sorted(d % sides + 1 for d in hand)
        return other
    for s in range(other.game.num_players):
        if s == seat:
            continue
        stack = other.stacks[s]
        for i in range(len(stack) - other.revealed[s]):
            stack[i] = 1 - stack[i]
        other.hand_roses[s], other.hand_skulls[s] = other.hand_skulls[s], other.hand_roses[s]
        other.lost_roses[s], other.lost_skulls[s] = other.lost_skulls[s], other.lost_roses[s]
    other.results = [
        r if r.challenger == seat or r.lost is None else dataclasses.replace(r, lost=1 - r.lost)
        for r in other.results
    ]
    return other
