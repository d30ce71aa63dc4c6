"""Skull in words: the seat cards, the table panel, the log lines and the round screen.

Pure functions of the plain views of :mod:`arena.tui.skull.view`, and for the log of the state
before a move, the move and the state after it -- reading only what the table sees: a log line
never says which kind of disc another seat places or discards (a discard's kind is private to
the challenger).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from arena.tui.narrate import cap, is_out, plural, possessive, who
from arena.tui.skull.view import SkullRoundView, SkullSeatView, SkullView
from games.skull.constants import KIND_NAMES, PHASE_TEXT, ActionType, Phase
from games.skull.rules import SkullState

BIDDING = (Phase.ADD_OR_BID, Phase.BIDDING)
"""The phases in which a bid may be made."""


def _points(seat: SkullSeatView, wins_needed: int) -> str:
    return "★" * seat.points + "☆" * max(0, wins_needed - seat.points)


def _disc(text: Text, kind: str) -> None:
    text.append(kind.upper(), style="bold red" if kind == "skull" else "bold green")


def card_text(view: SkullView, seat: SkullSeatView) -> Text:
    """The body of one seat's card at the Skull table."""
    points = Text(_points(seat, view.wins_needed), style="bold")
    if seat.out:
        return Text.assemble(Text("out\n", style="dim"), points)
    text = Text(f"hand {seat.hand}\nmat {seat.mat}")
    face_down = seat.mat - len(seat.revealed)
    if seat.you and face_down:  # your own discs: you know them
        text.append(" " + " ".join(view.your_stack[:face_down]), style="italic")
    elif face_down:
        text.append(" " + "▪" * face_down)
    for kind in reversed(seat.revealed):  # the last one turned over is the lowest shown
        text.append(" ")
        _disc(text, kind)
    text.append("\n")
    text.append_text(points)
    if seat.challenger:
        text.append(" challenger", style="bold")
    elif seat.passed:
        text.append(" passed", style="dim")
    elif seat.bid is not None:
        text.append(f" bid {seat.bid}", style="bold")
    if seat.to_move:
        text.append("\n◀ to move", style="bold")
    return text


def _kinds(roses: int, skulls: int) -> str:
    return f"{plural(roses, 'rose')}, {plural(skulls, 'skull')}"


def info_text(view: SkullView, names: Sequence[str]) -> Text:
    """The table's public state and the viewer's own discs."""
    phase = PHASE_TEXT[view.phase]
    text = Text(f"Round {view.round} · {phase} · {view.discs_on_mats} on the mats\n", style="bold")
    text.append(f"Your hand: {_kinds(*view.your_hand)}\n")
    text.append("Your mat (bottom to top): ")
    text.append(", ".join(view.your_stack) or "empty", style="bold")
    text.append("\n")
    if sum(view.your_lost):
        text.append(f"You lost: {_kinds(*view.your_lost)}\n", style="dim")
    if view.auction:
        moves = ", ".join(f"{names[s]} {f'bid {n}' if n else 'passed'}" for s, n in view.auction)
        text.append(f"Bidding: {moves}\n")
    if view.challenger is not None and view.bid:
        text.append(
            f"{cap(names[view.challenger])} must turn over {view.bid} roses: "
            f"{view.roses_revealed} so far\n",
            style="bold",
        )
    return text


def describe_move(state: SkullState, action: int, names: Sequence[str]) -> str:
    """A move in plain words, from the state BEFORE it (the kind placed stays hidden)."""
    seat = state.current_player()
    kind, arg = state.game.decode_action(action)
    if kind is ActionType.PLACE:
        return f"{who(names, seat, 'place')} a disc"
    if kind is ActionType.BID:
        if state.bid == 0:
            return f"{who(names, seat, 'open')} the bidding: {plural(arg, 'rose')}"
        return f"{who(names, seat, 'raise')} the bid to {plural(arg, 'rose')}"
    if kind is ActionType.PASS:
        return who(names, seat, "pass")
    if kind is ActionType.FLIP:
        return f"{who(names, seat, 'turn')} over the top disc of {possessive(names, arg)} mat"
    if kind is ActionType.DISCARD:
        what = f"a {KIND_NAMES[arg]}" if names[seat] == "you" else "one of their discs"
        return f"{who(names, seat, 'discard')} {what}"
    return f"{who(names, seat, 'choose')} {names[arg]} to start the next round"


def move_lines(
    before: SkullState, action: int, after: SkullState, names: Sequence[str]
) -> list[str]:
    """The move, the challenge it started if any, and the discs it turned face up."""
    lines = [describe_move(before, action, names)]
    finished = len(after.results) > len(before.results)
    if before.phase in BIDDING and after.phase not in BIDDING:
        if finished:  # the attempt ended at once
            result = after.results[len(before.results)]
            seat, bid = result.challenger, result.bid
        else:
            seat, bid = after.challenger, after.bid
        challenge = who(names, seat, "challenge")
        lines.append(f"{challenge}: {plural(bid, 'rose')} to turn over, own mat first")
    flips = after.results[len(before.results)].flips if finished else after.flips
    lines += [
        f"{possessive(names, seat)} disc is a {KIND_NAMES[kind].upper()}"
        for seat, kind in flips[len(before.flips) :]
    ]
    return lines


def chance_lines(before: SkullState, after: SkullState, names: Sequence[str]) -> list[str]:
    """Nothing: the disc taken at random is told by the round's line."""
    return []


def _failure(view: SkullRoundView, names: Sequence[str]) -> tuple[str, str]:
    """Whose skull stopped the challenge, and the challenger's loss."""
    you = names[view.challenger] == "you"
    if view.skull_owner == view.challenger:
        owner = "your own" if you else "their own"
    else:
        assert view.skull_owner is not None
        owner = possessive(names, view.skull_owner)
    lost = f"a {view.lost}" if view.lost else "a disc"
    loss = f"{who(names, view.challenger, 'lose')} {lost}"
    return owner, loss


def round_line(view: SkullRoundView, names: Sequence[str]) -> str:
    """A finished round in one log line."""
    flips = ", ".join(f"{possessive(names, s)} {k}" for s, k in view.flips)
    head = (
        f"round {view.number}: {names[view.challenger]} challenged for "
        f"{plural(view.bid, 'rose')} and turned over {flips}"
    )
    if view.success:
        return f"{head}: success, {who(names, view.challenger, 'score')} a point"
    owner, loss = _failure(view, names)
    out = f" and {is_out(names, view.challenger)}" if view.out else ""
    return f"{head}: {owner} skull! {loss}{out}"


def round_text(view: SkullRoundView, names: Sequence[str]) -> Text:
    """What happened in a finished round, for the round screen."""
    challenger = names[view.challenger]
    text = Text(
        f"{cap(challenger)} challenged for {plural(view.bid, 'rose')}.\n\nTurned over:\n",
        style="bold",
    )
    for seat, kind in view.flips:
        text.append(f"  {possessive(names, seat):<24}")
        _disc(text, kind)
        text.append("\n")
    if view.success:
        text.append(f"\nSuccess: {who(names, view.challenger, 'score')} a point!")
        return text
    owner, loss = _failure(view, names)
    if view.skull_owner == view.challenger:
        how = "chosen by the challenger"
    else:
        assert view.skull_owner is not None
        how = f"taken at random by {names[view.skull_owner]}"
    text.append(f"\n{cap(owner)} skull! ", style="bold")
    text.append(f"{cap(loss)} ({how})")
    if view.out:
        text.append(f" and {is_out(names, view.challenger)}")
    text.append(".")
    return text


def table_summary(params: dict) -> str:
    """The table in a few words (``4 players, 2 points to win``)."""
    return f"{params['players']} players, {plural(params['wins_needed'], 'point')} to win"
