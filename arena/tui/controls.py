"""The move pickers' buttons: they run the same actions as the keys.

Each game's pickers are in its package (:mod:`arena.tui.liars_dice.screen`,
:mod:`arena.tui.skull.screen`).

Buttons are never disabled: a press on a move that is not legal now runs the screen's action,
which says why and does nothing else. Moves that are not legal are dimmed (``-illegal``).
Buttons do not take focus, so every key goes to the screen's bindings.
"""

from __future__ import annotations

from textual.widgets import Button


class MoveButton(Button):
    """A compact button that never takes focus."""

    can_focus = False

    def __init__(self, label: str, action: str, id: str) -> None:
        super().__init__(label, action=action, id=id, compact=True, classes="move")

    def relabel(self, label: str) -> None:
        """Change the label (only when it differs: a new label costs a relayout)."""
        if str(self.label) != label:
            self.label = label

    def set_legal(self, legal: bool) -> None:
        """Dim the button when its move is not legal now."""
        self.set_class(not legal, "-illegal")
