"""Skull (Hervé Marly): the rules engine, its observation encoders and text rendering."""

from games.skull.rules import (
    ActionType,
    Disc,
    Phase,
    RoundResult,
    SkullGame,
    SkullState,
)

__all__ = ["ActionType", "Disc", "Phase", "RoundResult", "SkullGame", "SkullState"]
