"""Text rendering of a Skull state, for people; with a viewer, only what that seat knows.

Stacks are written bottom first; a face-up (revealed) disc is in capitals (``ROSE``,
``SKULL``), a face-down disc the viewer may not see is ``?``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from games.core import CHANCE, TERMINAL
from games.skull.constants import KIND_NAMES, NO_DISC_IN_HAND_TEXT, PHASE_TEXT

if TYPE_CHECKING:
    from games.skull.rules import RoundResult, SkullState


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _kinds(roses: int, skulls: int) -> str:
    return f"{_plural(roses, 'rose')}, {_plural(skulls, 'skull')}"


def _sees(seat: int, viewer: int | None) -> bool:
    return viewer is None or viewer == seat


def describe_result(result: RoundResult, viewer: int | None = None) -> str:
    """One round's challenge in plain words; the lost kind only for its loser or ``None``."""
    flips = ", ".join(f"seat {s} {KIND_NAMES[k]}" for s, k in result.flips)
    text = (
        f"seat {result.challenger} challenged for {_plural(result.bid, 'rose')} "
        f"and revealed {flips}: "
    )
    if result.success:
        return text + f"success, seat {result.challenger} scores a point"
    owner = (
        "their own" if result.skull_owner == result.challenger else f"seat {result.skull_owner}'s"
    )
    lost = f" (a {KIND_NAMES[result.lost]})" if _sees(result.challenger, viewer) else ""
    text += f"failed on {owner} skull; seat {result.challenger} lost a disc{lost}"
    return text + (" and is out" if result.out else "")


def _header(state: SkullState) -> str:
    p = state.game.params
    after = "the challenger" if p["next_starter"] == "challenger" else "the skull's owner"
    return (
        f"Skull: {p['players']} players, {_plural(p['roses'], 'rose')} + "
        f"{_plural(p['skulls'], 'skull')} each, {_plural(p['wins_needed'], 'point')} to win, "
        f"{after} starts after a failed challenge"
    )


def _stack_text(state: SkullState, seat: int, viewer: int | None) -> str:
    stack = state.stacks[seat]
    face_up = len(stack) - state.revealed[seat]
    shown = _sees(seat, viewer)
    words = [
        KIND_NAMES[k].upper() if i >= face_up else (KIND_NAMES[k] if shown else "?")
        for i, k in enumerate(stack)
    ]
    return "[" + " ".join(words) + "]"


def _seat_line(state: SkullState, seat: int, viewer: int | None) -> str:
    you = " (you)" if seat == viewer else ""
    points = _plural(state.points[seat], "point")
    if state.out[seat]:
        return f"seat {seat}{you}: out, {points}"
    hand = f"hand {state.hand_size(seat)}"
    lost = state.lost_roses[seat] + state.lost_skulls[seat]
    lost_text = f"lost {lost}"
    if _sees(seat, viewer):
        hand += f" ({_kinds(state.hand_roses[seat], state.hand_skulls[seat])})"
        if lost:
            lost_text += f" ({_kinds(state.lost_roses[seat], state.lost_skulls[seat])})"
    mat = f"mat {state.stack_size(seat)} {_stack_text(state, seat, viewer)}"
    return f"seat {seat}{you}: {hand}, {mat}, {points}, {lost_text}"


def _round_lines(state: SkullState) -> list[str]:
    number = len(state.results) + 1
    if state.phase.name == "CHOOSE_STARTER":  # the next round has no first player yet
        return [f"round {number}: seat {state.challenger} chooses who starts it"]
    lines = [f"round {number}, started by seat {state.first_player}"]
    if state.auction:
        moves = ", ".join(f"seat {s} " + (f"bid {n}" if n else "pass") for s, n in state.auction)
        lines.append(f"bidding: {moves}")
    if state.challenger >= 0 and state.bid:
        flips = ", ".join(f"seat {s} {KIND_NAMES[k]}" for s, k in state.flips) or "nothing yet"
        lines.append(
            f"challenger: seat {state.challenger} must reveal {_plural(state.bid, 'rose')} "
            f"({state.roses_revealed()} so far); revealed: {flips}"
        )
    return lines


def _turn_line(state: SkullState) -> str:
    player = state.current_player()
    if player == TERMINAL:
        returns = " ".join(f"{r:+.3g}" for r in state.returns())
        return f"game over: seat {state.winner} wins; returns {returns}"
    if player == CHANCE:
        owner = state.flips[-1][0]
        return f"chance: seat {owner} takes one of seat {state.challenger}'s discs at random"
    text = PHASE_TEXT[state.phase]
    if state.phase.name == "ADD_OR_BID" and state.hand_size(player) == 0:
        text = NO_DISC_IN_HAND_TEXT
    return f"to move: seat {player}, {text}"


def render_state(state: SkullState, viewer: int | None) -> str:
    """The state as text (see :meth:`SkullState.render`)."""
    lines = [_header(state)]
    lines += [_seat_line(state, s, viewer) for s in range(state.game.num_players)]
    if not state.is_terminal():
        lines += _round_lines(state)
    if state.results:
        lines.append("last round: " + describe_result(state.results[-1], viewer))
    lines.append(_turn_line(state))
    return "\n".join(lines)
