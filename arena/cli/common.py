"""What every ``arena`` command shares: bad-input errors, ``--param``/``--anchor``/``--agents``
parsing, the ladder options, and plain text for terminals."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


# -- parsing helpers --------------------------------------------------------------------------
def parse_params(items: Sequence[str] | None) -> dict[str, str]:
    """``["players=4", "wild=ones"]`` -> dict (values validated later by the game)."""
    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--param takes KEY=VALUE, got {item!r}")
        out[key.strip()] = value.strip()
    return out


def parse_anchor(text: str | None) -> tuple[str, float] | None:
    """``"random=0"`` -> ("random", 0.0)."""
    if text is None:
        return None
    spec, sep, value = text.rpartition("=")
    try:
        rating = float(value)
    except ValueError:
        rating = None
    if not sep or not spec or rating is None:
        raise UsageError(f"--anchor takes SPEC=RATING, got {text!r}")
    return spec, rating


def split_agents(text: str) -> tuple[str, ...]:
    """Comma-separated agent specs."""
    agents = tuple(a.strip() for a in text.split(",") if a.strip())
    if not agents:
        raise UsageError("--agents needs at least one agent spec")
    return agents


def open_ladder(path: str | None, *, readonly: bool = False):
    """The ladder at ``path``; ``readonly`` never creates or writes the file (nor -wal/-shm)."""
    from arena.ladder import Ladder

    return Ladder(path, readonly=True) if readonly else Ladder(path)


def require_db(path: str | None) -> None:
    from arena.ladder import default_db_path

    target = path or default_db_path()
    if not os.path.exists(target):
        raise UsageError(f"no ladder at {target}: play a tournament first (arena tournament)")


# -- commands ---------------------------------------------------------------------------------
def plain(text: str) -> str:
    """Docstring text for a terminal: reStructuredText double backticks dropped."""
    return text.replace("``", "")


# -- parser -----------------------------------------------------------------------------------
def add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db", metavar="PATH", help="ladder database (default: $ARENA_DB or the user data dir)"
    )


JSON_HELP = "print JSON instead of text"


def one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
