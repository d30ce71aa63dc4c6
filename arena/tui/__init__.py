"""The Textual apps of the arena: ``arena play`` (a person against agents).

Importing this package does not import Textual: :func:`make_config` validates the command line
first, and :func:`run_play` loads the app only then.
"""

from __future__ import annotations

from arena.tui.config import (
    DEFAULT_DELAY,
    DEFAULT_OPPONENTS,
    DEFAULT_PARAMS,
    PlayConfig,
    make_config,
)

__all__ = [
    "DEFAULT_DELAY",
    "DEFAULT_OPPONENTS",
    "DEFAULT_PARAMS",
    "PlayConfig",
    "make_config",
    "run_play",
]


def run_play(config: PlayConfig) -> int:
    """Play ``config`` in the terminal until the person quits; the exit status."""
    from arena.tui.app import run_play as run

    return run(config)
