"""The help screen's text: each game's rules (in its package) and one table of keys.

:func:`keys_markdown` puts a game's keys and the app's keys in ONE Markdown table (rows split
by a paragraph would be shown as raw ``|`` text).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arena.tui.registry import game_ui

COMMON_KEYS = (
    ("? or F1", "this help"),
    ("q, ctrl+q or ctrl+c", "quit (asks first: a game left unfinished is not recorded)"),
)
"""The app's keys, on every game's help screen."""

LADDER_NOTE = (
    "Finished games are recorded in the ladder under `human:NAME`, so people get ratings too."
)


def keys_markdown(rows: Sequence[tuple[str, str]], note: str) -> str:
    """The keys section: a game's ``(key, move)`` rows and the app's in one table, then ``note``."""
    table = "\n".join(f"| {key} | {move} |" for key, move in (*rows, *COMMON_KEYS))
    return f"## Keys\n\n| key | move |\n|---|---|\n{table}\n\n{note}\n\n{LADDER_NOTE}\n"


def rules_markdown(game: str, params: dict[str, Any]) -> str:
    """The rules and keys of ``game`` with ``params``, as Markdown."""
    return game_ui(game).rules_markdown(params)
