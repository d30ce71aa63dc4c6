"""Skull (Hervé Marly): the rules engine, its observation encoders and text rendering."""

from games.skull.constants import ActionType, Disc, Phase
from games.skull.rules import RoundResult, SkullGame, SkullState

__all__ = ["ActionType", "Disc", "Phase", "RoundResult", "SkullGame", "SkullState"]
