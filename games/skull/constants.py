"""Skull's shared constants: disc kinds, phases, action kinds and their words, defined once.

The rules, the observation encoding, the text renderer and the play app all read these.
"""

from __future__ import annotations

from enum import IntEnum


class Disc(IntEnum):
    """A disc kind; also the id of ``place <kind>`` and of the chance outcome ``lose <kind>``."""

    ROSE = 0
    SKULL = 1


KIND_NAMES = ("rose", "skull")
"""Disc kinds by :class:`Disc` value, as written in action strings."""


class Phase(IntEnum):
    """Where a round stands (:attr:`~games.skull.rules.SkullState.phase`)."""

    PLACEMENT = 0
    """Opening placement: every player still in places one disc, from the first player on."""
    ADD_OR_BID = 1
    """Each player in turn places another disc or opens the bidding."""
    BIDDING = 2
    """Players who have not passed raise or pass."""
    ATTEMPT = 3
    """The challenger chooses whose stack to flip (own stack already revealed)."""
    LOSS = 4
    """Chance node: the challenger loses a random disc (another player's skull was revealed)."""
    DISCARD = 5
    """The challenger chooses which disc to discard (their own skull was revealed)."""
    CHOOSE_STARTER = 6
    """The challenger, put out by their own skull, chooses who starts the next round."""
    GAME_OVER = 7
    """The game has ended."""


NUM_PHASES = len(Phase)
"""Number of :class:`Phase` values (the width of the ``phase`` one-hot slice)."""

PHASE_TEXT = {
    Phase.PLACEMENT: "opening placement: place a disc",
    Phase.ADD_OR_BID: "place another disc or open the bidding",
    Phase.BIDDING: "raise the bid or pass",
    Phase.ATTEMPT: "choose a stack to flip",
    Phase.LOSS: "a disc is taken at random",
    Phase.DISCARD: "discard one of their discs (their own skull was revealed)",
    Phase.CHOOSE_STARTER: "out, chooses who starts the next round",
    Phase.GAME_OVER: "game over",
}
"""What each phase asks of the player to move, in plain words."""

NO_DISC_IN_HAND_TEXT = "no disc in hand: open the bidding"
""":data:`PHASE_TEXT` of ``ADD_OR_BID`` for a player with no disc left in hand."""


class ActionType(IntEnum):
    """The kind of a player action id (see :meth:`~games.skull.rules.SkullGame.decode_action`)."""

    PLACE = 0
    BID = 1
    PASS = 2
    FLIP = 3
    DISCARD = 4
    STARTER = 5
