"""The rules of Skull, short and in our own words, and the keys of its table."""

from __future__ import annotations

from typing import Any

from arena.tui.help_text import keys_markdown
from arena.tui.narrate import plural

RULES = """\
# Skull

Each player owns {roses} and 1 skull. Discs you lose are gone for good; with none left you
are out.

**Placing.** Everyone puts one disc face down on their mat. Then, in turn, each player
either places another disc on top of their own stack or **opens the bidding**: "I can
turn over *n* roses" (at most the number of discs on all mats).

**Bidding.** In turn, players raise the bid or **pass** (a player who passed is done for
the round). When all but one have passed -- or someone bids every disc on the mats -- the
highest bidder becomes the **challenger**.

**The challenge.** The challenger turns over their own stack first, top down, then picks
other stacks to turn over one disc at a time. *n* roses in a row: they score a point;
**{wins}** the game. A skull: the challenge fails and the challenger loses a disc for
good -- taken at random by the skull's owner, or chosen by the challenger if the skull was
their own. Only the challenger learns which kind they lost.

The last player with discs also wins.
"""

KEYS = (
    ("r / s", "place a rose / a skull (or, after your own skull, discard one)"),
    ("↑ or +, ↓ or -", "raise / lower the bid in the picker"),
    ("enter or b", "bid the number shown in the picker"),
    ("p", "pass"),
    ("0 .. {last}", "turn over that seat's mat (or, when you choose, who starts)"),
)

NOTE = "You can also click the buttons, or a player's mat to turn it over."


def rules_markdown(params: dict[str, Any]) -> str:
    """The rules and keys of the table ``params``, as Markdown."""
    wins = "one point wins" if params["wins_needed"] == 1 else "two points win"
    rules = RULES.format(roses=plural(params["roses"], "rose"), wins=wins)
    keys = [(key.format(last=params["players"] - 1), move) for key, move in KEYS]
    return f"{rules}\n{keys_markdown(keys, NOTE)}"
