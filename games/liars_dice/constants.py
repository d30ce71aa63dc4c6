"""Liar's Dice's shared constants: parameter choices, the Liar move and the wild face's words.

The rules, the text renderer and the play app all read these.
"""

from __future__ import annotations

LIAR = "Liar"
"""The action string of calling Liar."""

WILD_CHOICES = ("highest", "ones", "none")
"""Values of the ``wild`` parameter: which face counts as every face."""

MODES = ("single_round", "elimination")
"""Values of the ``mode`` parameter: one call ends the game, or dice are lost until one is left."""

BIDDING_RULES = ("reset-face", "reset-quantity")
"""Values of the ``bidding_rule`` parameter: the order of bids (OpenSpiel names)."""

WILD_FACE_NAMES = {"highest": "highest face", "ones": "ones", "none": "no wild face"}
"""The wild face of each ``wild`` value, in words."""


def wild_face(wild: str, sides: int) -> int:
    """The face that counts as every face for ``wild`` (0 when nothing is wild)."""
    return {"highest": sides, "ones": 1, "none": 0}[wild]


def wild_face_text(face: int) -> str:
    """The wild face in a few words: ``6s are wild``, ``1s are wild``, or ``no wilds`` for 0."""
    return f"{face}s are wild" if face else "no wilds"


def wild_text(wild: str, sides: int) -> str:
    """:func:`wild_face_text` of the ``wild`` parameter's face."""
    return wild_face_text(wild_face(wild, sides))
