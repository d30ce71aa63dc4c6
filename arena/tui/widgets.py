"""The widgets every play screen uses: seat cards, the game log, the too-small guard.

They show text made by each game's package (``arena/tui/GAME/text.py``, pure functions of the
views, so tests can compare what the board would show).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

MIN_WIDTH = 70
"""The narrowest terminal the play screens lay out in."""
MIN_HEIGHT = 20
"""The lowest terminal the play screens lay out in."""


def seat_spec(name: str) -> str:
    """What sits in a seat: ``you`` or the agent spec (``seat 2 (random)`` -> ``random``)."""
    return name if name == "you" else name.partition("(")[2].removesuffix(")") or name


# -- widgets ----------------------------------------------------------------------------------
def show(widget: Static, content: Text | str, layout: bool = False) -> None:
    """Put ``content`` in ``widget`` unless it is there already.

    Args:
        widget: a Static (or Label).
        content: the new content.
        layout: whether the widget's size may change (a fixed-size widget skips the relayout).
    """
    if getattr(widget, "_arena_shown", None) != content:
        widget._arena_shown = content  # type: ignore[attr-defined]
        widget.update(content, layout=layout)


class SeatCard(Static):
    """One seat at the table; a click on it asks to turn over that seat's mat (Skull)."""

    class Clicked(Message):
        """A seat card was clicked."""

        def __init__(self, seat: int) -> None:
            super().__init__()
            self.seat = seat

    def __init__(self, seat: int, name: str) -> None:
        super().__init__(id=f"seat-{seat}", classes="seat")
        self.seat = seat
        self.border_title = f"seat {seat}"
        self.border_subtitle = seat_spec(name)

    def on_click(self, event: events.Click) -> None:
        """Tell the screen which seat was clicked."""
        event.stop()
        self.post_message(self.Clicked(self.seat))


class GameLog(VerticalScroll):
    """The moves of the game in plain words, wrapped to the log's width, newest at the bottom.

    The lines are one text in a :class:`Static`, so they re-wrap when the terminal changes
    size and nothing is cut at the right; each new line scrolls the log to the end, so the
    newest line is always in sight (the person may scroll up between moves). Not focusable:
    keys belong to the moves.
    """

    can_focus = False

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Game log"
        self.lines: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static(classes="log-lines")

    def sync(self, lines: Sequence[str]) -> None:
        """Show ``lines`` (the whole log so far) and scroll to the newest, if they changed."""
        if list(lines) == self.lines:
            return
        self.lines = list(lines)
        self.query_one(".log-lines", Static).update(Text("\n".join(self.lines)))
        self.scroll_end(animate=False)  # after the next layout, when the new height is known


class TooSmall(Static):
    """Shown instead of the layout when the terminal is smaller than the minimum."""

    def __init__(self) -> None:
        super().__init__(
            f"The terminal is too small.\n\nPlease make it at least {MIN_WIDTH}×{MIN_HEIGHT} "
            "characters.\n\n(q quits)",
            classes="too-small",
        )


class SizeGuard:
    """Mixin for screens: the class ``-too-small`` while the terminal is under the minimum.

    The stylesheet then hides the screen's children and shows its :class:`TooSmall`.
    """

    def _guard_size(self) -> None:
        width, height = self.app.size  # type: ignore[attr-defined]
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        self.set_class(small, "-too-small")  # type: ignore[attr-defined]

    def on_mount(self) -> None:
        """Check the size when the screen appears."""
        self._guard_size()

    def on_resize(self, event: events.Resize) -> None:
        """Check the size when the terminal changes."""
        self._guard_size()

    def on_screen_resume(self) -> None:
        """Check the size when the screen comes back on top."""
        self._guard_size()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The screen's keys do nothing while the layout is hidden (the app's keys still work)."""
        return not self.has_class("-too-small")  # type: ignore[attr-defined]
