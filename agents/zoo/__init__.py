"""The zoo: trained agents bundled with the project, named ``zoo:NAME`` on the command line.

Each entry is a directory ``agents/zoo/NAME/`` shipped as package data. It is either one agent
package (``agent.json`` + ``actor.safetensors``, see :mod:`agents.package`) or a set of packages
in sub-directories (or ``.zip`` files), one per game configuration (e.g. one per player count);
``zoo:NAME`` then plays the one whose game and parameters match the game being played.

This module only finds entries (standard library only); :mod:`agents.package` loads them.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
"""What a zoo name may look like (lower case, digits, ``_.-``; no path separators)."""


def zoo_root() -> Path:
    """The directory holding the zoo entries (``agents/zoo/``)."""
    return Path(str(resources.files(__name__)))


def is_valid_name(name: str) -> bool:
    """True when ``name`` is a well-formed zoo name (it cannot escape the zoo directory)."""
    return bool(NAME_PATTERN.match(name)) and ".." not in name


def zoo_names() -> list[str]:
    """The names of the bundled agents, sorted; ``[]`` while the zoo is empty."""
    root = zoo_root()
    if not root.is_dir():
        return []
    return sorted(
        entry.name for entry in root.iterdir() if entry.is_dir() and is_valid_name(entry.name)
    )


def zoo_path(name: str) -> Path | None:
    """The directory of the zoo entry ``name``, or None when there is no such entry."""
    if not is_valid_name(name):
        return None
    path = zoo_root() / name
    return path if path.is_dir() else None
