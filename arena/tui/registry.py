"""The games of ``arena play``: one package per game, found by the game's name.

Each package under ``arena/tui/`` named in :data:`GAME_MODULES` describes one game to the app:
its view model (what one seat may know), the words of its log and round screens, its help, and
its table screen with the game's keys and pickers. It exposes them as ``UI``, a :class:`GameUI`;
the generic parts of the app (:mod:`arena.tui.session`, :mod:`arena.tui.game_screen`,
:mod:`arena.tui.app`) only call these. A package is imported the first time :func:`game_ui`
asks for it (the table screens import the generic screens, which import the session).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

from rich.text import Text

if TYPE_CHECKING:
    from arena.tui.game_screen import GameScreen
    from arena.tui.view import GameView, RoundView

GAME_MODULES = {"liars_dice": "arena.tui.liars_dice", "skull": "arena.tui.skull"}
"""The package that describes each game to the play app, by game name."""

Names = Sequence[str]
"""Seat names as the log writes them; the human's seat is ``"you"``."""


@dataclass(frozen=True)
class GameUI:
    """What the play app knows of one game (the functions take that game's states and views).

    Attributes:
        name: the game name (``games.make``).
        title: the window title.
        view: ``view(state, seat)``: what ``seat`` may know of ``state``.
        round_views: ``round_views(state, seat, start)``: the finished rounds ``start..`` as
            ``seat`` saw them.
        move_lines: ``move_lines(before, action, after, names)``: the log lines of a move
            (``before`` is a clone of the state before it).
        chance_lines: ``chance_lines(before, after, names)``: the log lines of chance's moves
            (dice rolled...), once nobody's turn is pending on chance.
        round_line: ``round_line(round_view, names)``: a finished round in one log line.
        round_text: ``round_text(round_view, names)``: a finished round for the round screen.
        card_text: ``card_text(view, seat_view)``: the body of a seat's card at the table.
        info_text: ``info_text(view, names)``: the table's public state and the viewer's own.
        rules_markdown: ``rules_markdown(params)``: the rules and keys, as Markdown.
        table_summary: ``table_summary(params)``: the table in a few words.
        screen: the table screen (a :class:`~arena.tui.game_screen.GameScreen`).
    """

    name: str
    title: str
    view: Callable[[Any, int], GameView]
    round_views: Callable[[Any, int, int], list[RoundView]]
    move_lines: Callable[[Any, int, Any, Names], list[str]]
    chance_lines: Callable[[Any, Any, Names], list[str]]
    round_line: Callable[[Any, Names], str]
    round_text: Callable[[Any, Names], Text]
    card_text: Callable[[Any, Any], Text]
    info_text: Callable[[Any, Names], Text]
    rules_markdown: Callable[[dict[str, Any]], str]
    table_summary: Callable[[dict[str, Any]], str]
    screen: type[GameScreen]

    @classmethod
    def of(
        cls,
        name: str,
        title: str,
        views: ModuleType,
        text: ModuleType,
        rules: ModuleType,
        screen: type[GameScreen],
    ) -> GameUI:
        """A game's description from its package's modules, which define these names.

        Args:
            name: the game name.
            title: the window title.
            views: defines ``make_view`` and ``round_views``.
            text: defines ``move_lines``, ``chance_lines``, ``round_line``, ``round_text``,
                ``card_text``, ``info_text`` and ``table_summary``.
            rules: defines ``rules_markdown``.
            screen: the table screen.
        """
        return cls(
            name=name,
            title=title,
            view=views.make_view,
            round_views=views.round_views,
            move_lines=text.move_lines,
            chance_lines=text.chance_lines,
            round_line=text.round_line,
            round_text=text.round_text,
            card_text=text.card_text,
            info_text=text.info_text,
            rules_markdown=rules.rules_markdown,
            table_summary=text.table_summary,
            screen=screen,
        )


def game_ui(name: str) -> GameUI:
    """The play app's description of game ``name``.

    Raises:
        ValueError: no package describes ``name`` (the games that can be played are listed).
    """
    if name not in GAME_MODULES:
        raise ValueError(f"arena play has no table for {name!r}; it plays {sorted(GAME_MODULES)}")
    ui = import_module(GAME_MODULES[name]).UI
    assert isinstance(ui, GameUI) and ui.name == name
    return ui
