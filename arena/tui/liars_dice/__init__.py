"""Liar's Dice in ``arena play``: its view model, its words, its help and its table screen."""

from __future__ import annotations

from arena.tui.liars_dice import rules_text, text, view
from arena.tui.liars_dice.screen import LiarsDiceScreen
from arena.tui.registry import GameUI

UI = GameUI.of("liars_dice", "Liar's Dice", view, text, rules_text, LiarsDiceScreen)
"""What the play app knows of Liar's Dice (:func:`arena.tui.registry.game_ui`)."""

__all__ = ["UI", "LiarsDiceScreen"]
