"""The game log of ``arena play`` in plain words, as the human's seat saw it.

Move descriptions read the state BEFORE the move and only its public fields (whose turn it is,
the standing bid) plus the move itself; they never say which kind of disc another seat places
or discards (a discard's kind is private to the challenger). Round and game results are
formatted from the plain views of :mod:`arena.tui.view`. Seats are named by ``names``, where the
human's seat is ``"you"``.
"""

from __future__ import annotations

from collections.abc import Sequence

from arena.tui.view import KINDS, DiceRoundView, RoundView, SkullRoundView
from games.core import State
from games.liars_dice.rules import LiarsDiceState
from games.skull.rules import ActionType, SkullState


def who(names: Sequence[str], seat: int, verb: str) -> str:
    """``"you bid"`` / ``"seat 2 (random) bids"``: ``verb`` in the form for ``you``."""
    if names[seat] == "you":
        return f"you {verb}"
    third = verb + ("es" if verb.endswith(("s", "sh", "ch")) else "s")
    return f"{names[seat]} {third}"


def possessive(names: Sequence[str], seat: int) -> str:
    """``"your"`` / ``"seat 2 (random)'s"``."""
    return "your" if names[seat] == "you" else f"{names[seat]}'s"


def describe_move(state: State, action: int, names: Sequence[str]) -> str:
    """A player's move in plain words, BEFORE it is applied to ``state``.

    Never says which kind of disc a player places or discards unless that player is the viewer
    (``names[seat] == "you"``).
    """
    seat = state.current_player()
    if isinstance(state, LiarsDiceState):
        if action == state.game.liar:
            bid = state.current_bid()
            return (
                f"{who(names, seat, 'call')} Liar on "
                f"{possessive(names, state.bidders[-1])} bid {bid}"
            )
        return f"{who(names, seat, 'bid')} {state.action_to_string(action)}"
    return _describe_skull_move(state, action, names)


def _describe_skull_move(state: SkullState, action: int, names: Sequence[str]) -> str:
    seat = state.current_player()
    kind, arg = state.game.decode_action(action)
    if kind is ActionType.PLACE:
        return f"{who(names, seat, 'place')} a disc"
    if kind is ActionType.BID:
        if state.bid == 0:
            return f"{who(names, seat, 'open')} the bidding: {roses(arg)}"
        return f"{who(names, seat, 'raise')} the bid to {roses(arg)}"
    if kind is ActionType.PASS:
        return who(names, seat, "pass")
    if kind is ActionType.FLIP:
        return f"{who(names, seat, 'turn')} over the top disc of {possessive(names, arg)} mat"
    if kind is ActionType.DISCARD:
        what = f"a {KINDS[arg]}" if names[seat] == "you" else "one of their discs"
        return f"{who(names, seat, 'discard')} {what}"
    return f"{who(names, seat, 'choose')} {names[arg]} to start the next round"


def roses(n: int) -> str:
    return f"{n} rose" if n == 1 else f"{n} roses"


def describe_challenge(state: SkullState, rounds_before: int, names: Sequence[str]) -> str:
    """The end of a Skull bidding: who challenges for how many roses (public)."""
    if len(state.results) > rounds_before:  # the attempt ended at once
        result = state.results[rounds_before]
        seat, bid = result.challenger, result.bid
    else:
        seat, bid = state.challenger, state.bid
    return f"{who(names, seat, 'challenge')}: {roses(bid)} to turn over, own mat first"


def describe_reveals(flips: Sequence[tuple[int, str]], names: Sequence[str]) -> list[str]:
    """One line per disc turned face up (``flips`` as in :attr:`SkullView.flips`)."""
    return [f"{possessive(names, seat)} disc is a {kind.upper()}" for seat, kind in flips]


def _dice(hand: Sequence[int]) -> str:
    return " ".join(str(d) for d in hand)


def describe_round(view: RoundView, names: Sequence[str]) -> str:
    """A finished round in plain words."""
    if isinstance(view, DiceRoundView):
        hands = "; ".join(f"{names[s]}: {_dice(h)}" for s, h in enumerate(view.hands) if h)
        wild = (
            f" (or the wild {view.wild_face})" if view.wild_face not in (0, view.bid.face) else ""
        )
        verdict = "the bid stood" if view.stood else "the bid failed"
        what = "the round" if view.dice_left is None else "a die"
        loss = f"{who(names, view.loser, 'lose')} {what}"
        if view.dice_left == 0:
            loss += " and " + ("are" if names[view.loser] == "you" else "is") + " out"
        return (
            f"round {view.number}: {who(names, view.caller, 'call')} Liar on "
            f"{possessive(names, view.bid.seat)} {view.bid} -- dice: {hands} -- "
            f"{view.count} showing {view.bid.face}{wild}: {verdict}; {loss}"
        )
    return _describe_skull_round(view, names)


def _describe_skull_round(view: SkullRoundView, names: Sequence[str]) -> str:
    flips = ", ".join(f"{possessive(names, s)} {k}" for s, k in view.flips)
    head = (
        f"round {view.number}: {names[view.challenger]} challenged for {roses(view.bid)} "
        f"and turned over {flips}"
    )
    if view.success:
        return f"{head}: success, {who(names, view.challenger, 'score')} a point"
    owner = (
        "their own" if view.skull_owner == view.challenger else possessive(names, view.skull_owner)
    )
    if names[view.challenger] == "you" and owner == "their own":
        owner = "your own"
    lost = f"a {view.lost}" if view.lost else "a disc"
    text = f"{head}: {owner} skull! {who(names, view.challenger, 'lose')} {lost}"
    if view.out:
        text += " and " + ("are" if names[view.challenger] == "you" else "is") + " out"
    return text


def describe_result(returns: Sequence[float], names: Sequence[str]) -> str:
    """The end of the game in plain words (the winner, or the forfeit's beneficiaries)."""
    best = max(returns)
    winners = [names[s] for s, r in enumerate(returns) if r == best]
    if winners == ["you"]:
        return "You win!"
    text = f"{winners[0]} wins." if len(winners) == 1 else ", ".join(winners) + " share the win."
    return text[:1].upper() + text[1:]
