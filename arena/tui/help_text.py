"""The rules of each game, short and in our own words, and the keys of its play screen."""

from __future__ import annotations

from typing import Any

LIARS_DICE_RULES = """\
# Liar's Dice

Everyone rolls their dice in secret; you see only your own.

**Bidding.** Going round the table, each player either **bids** -- "there are at least
*q* dice showing face *f* among **all** dice on the table" -- or calls **Liar** on the
last bid. A bid must be higher than the one before: more dice, or the same number of
dice on a higher face. The first player of a round must bid.

**Wild face.** {wild}

**The call.** When someone calls Liar, all dice are shown and counted. If at least *q*
dice match, the bid stood and the caller loses the round; otherwise the bidder does.
{mode}
"""

SKULL_RULES = """\
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

LIARS_DICE_KEYS = """\
## Keys

| key | move |
|---|---|
| up / + , down / - | more / fewer dice in your bid (↑↓ in the footer) |
| 1 .. {sides} | the face of your bid |
| enter or b | make the bid shown in the picker |
| l | call Liar on the last bid |

You can also click the buttons. Only legal bids can be picked.
"""

SKULL_KEYS = """\
## Keys

| key | move |
|---|---|
| r / s | place a rose / a skull (or, after your own skull, discard one) |
| up / + , down / - | raise / lower the bid in the picker |
| enter or b | bid the number shown in the picker |
| p | pass |
| 0 .. {last} | turn over that seat's mat (or, when you choose, who starts) |

You can also click the buttons, or a player's mat to turn it over.
"""

COMMON_KEYS = """\
| ? or F1 | this help |
| q / ctrl+q | quit (asks first; a game left unfinished is not recorded) |

Finished games are recorded in the ladder under `human:NAME`, so people get ratings too.
"""


def _wild_text(params: dict[str, Any]) -> str:
    sides, wild = params["sides"], params["wild"]
    if wild == "highest":
        return f"A {sides} counts as every face, but a bid on {sides}s counts only {sides}s."
    if wild == "ones":
        return "A 1 counts as every face, but a bid on 1s counts only 1s."
    return "Nothing is wild: a die counts only for its own face."


def rules_markdown(game: str, params: dict[str, Any]) -> str:
    """The rules and keys of ``game`` with ``params``, as Markdown."""
    if game == "liars_dice":
        mode = (
            "The loser loses one die; a player with no dice is out. The loser starts the next "
            "round. The last player with dice wins."
            if params["mode"] == "elimination"
            else "That one call ends the game: the loser loses."
        )
        text = LIARS_DICE_RULES.format(wild=_wild_text(params), mode=mode)
        keys = LIARS_DICE_KEYS.format(sides=params["sides"])
    else:
        roses = params["roses"]
        wins = "one point wins" if params["wins_needed"] == 1 else "two points win"
        text = SKULL_RULES.format(roses=f"{roses} rose{'s' if roses > 1 else ''}", wins=wins)
        keys = SKULL_KEYS.format(last=params["players"] - 1)
    return f"{text}\n{keys}{COMMON_KEYS}"
