"""The rules of Liar's Dice, short and in our own words, and the keys of its table."""

from __future__ import annotations

from typing import Any

from arena.tui.help_text import keys_markdown

RULES = """\
# Liar's Dice

Everyone rolls their dice in secret; you see only your own.

**Bidding.** Going round the table, each player either **bids** -- "there are at least
*q* dice showing face *f* among **all** dice on the table" -- or calls **Liar** on the
last bid. A bid must be higher than the one before: more dice, or the same number of
dice on a higher face. The first player of a round must bid.

**Writing a bid.** A bid is written *quantity*-*face*: **5-1** means "at least five
dice show a 1", **3-6** "at least three dice show a 6".

**Wild face.** {wild}

**The call.** When someone calls Liar, all dice are shown and counted. If at least *q*
dice match, the bid stood and the caller loses the round; otherwise the bidder does.
{mode}
"""

KEYS = (
    ("↑ or +, ↓ or -", "more / fewer dice in your bid"),
    ("1 .. {sides}", "the face of your bid"),
    ("enter or b", "make the bid shown in the picker"),
    ("l", "call Liar on the last bid"),
)

NOTE = "You can also click the buttons. Only legal bids can be picked."


def wild_rule(params: dict[str, Any]) -> str:
    """The wild face's rule in a sentence."""
    sides, wild = params["sides"], params["wild"]
    if wild == "highest":
        return f"A {sides} counts as every face, but a bid on {sides}s counts only {sides}s."
    if wild == "ones":
        return "A 1 counts as every face, but a bid on 1s counts only 1s."
    return "Nothing is wild: a die counts only for its own face."


def rules_markdown(params: dict[str, Any]) -> str:
    """The rules and keys of the table ``params``, as Markdown."""
    mode = (
        "The loser loses one die; a player with no dice is out. The loser starts the next "
        "round. The last player with dice wins."
        if params["mode"] == "elimination"
        else "That one call ends the game: the loser loses."
    )
    rules = RULES.format(wild=wild_rule(params), mode=mode)
    keys = [(key.format(sides=params["sides"]), move) for key, move in KEYS]
    return f"{rules}\n{keys_markdown(keys, NOTE)}"
