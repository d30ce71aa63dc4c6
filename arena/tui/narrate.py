"""Words shared by the games' logs and round screens; seats are named by ``names``.

In ``names`` the human's seat is ``"you"``, every other seat ``"seat K (SPEC)"``. Each game's
own sentences are in its package (:mod:`arena.tui.liars_dice.text`,
:mod:`arena.tui.skull.text`).
"""

from __future__ import annotations

from collections.abc import Sequence


def who(names: Sequence[str], seat: int, verb: str) -> str:
    """``"you bid"`` / ``"seat 2 (random) bids"``: ``verb`` in the form for ``you``."""
    if names[seat] == "you":
        return f"you {verb}"
    third = verb + ("es" if verb.endswith(("s", "sh", "ch")) else "s")
    return f"{names[seat]} {third}"


def possessive(names: Sequence[str], seat: int) -> str:
    """``"your"`` / ``"seat 2 (random)'s"``."""
    return "your" if names[seat] == "you" else f"{names[seat]}'s"


def is_out(names: Sequence[str], seat: int) -> str:
    """``"are out"`` / ``"is out"``."""
    return "are out" if names[seat] == "you" else "is out"


def cap(text: str) -> str:
    """``text`` with a capital first letter."""
    return text[:1].upper() + text[1:]


def plural(n: int, word: str) -> str:
    """``1 rose`` / ``3 roses``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def describe_result(returns: Sequence[float], names: Sequence[str]) -> str:
    """The end of the game in plain words (the winner, or the forfeit's beneficiaries)."""
    best = max(returns)
    winners = [names[s] for s, r in enumerate(returns) if r == best]
    if winners == ["you"]:
        return "You win!"
    text = f"{winners[0]} wins." if len(winners) == 1 else ", ".join(winners) + " share the win."
    return cap(text)
