"""Skull in ``arena play``: its view model, its words, its help and its table screen."""

from __future__ import annotations

from arena.tui.registry import GameUI
from arena.tui.skull import rules_text, text, view
from arena.tui.skull.screen import SkullScreen

UI = GameUI.of("skull", "Skull", view, text, rules_text, SkullScreen)
"""What the play app knows of Skull (:func:`arena.tui.registry.game_ui`)."""

__all__ = ["UI", "SkullScreen"]
