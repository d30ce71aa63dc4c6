"""Agent specs naming packages: a path (package, ``.zip``, ``agent.json``, a directory of
packages) or ``zoo:NAME``; :func:`resolve_spec` is the resolver :mod:`agents.base` asks."""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

from agents import zoo
from agents.base import AgentFactory, AgentSpecError
from agents.package.sets import is_package, open_agent, sub_packages


def zoo_names() -> list[str]:
    """The bundled agents (``zoo:NAME``); ``[]`` while the zoo is empty."""
    return zoo.zoo_names()


def _zoo_factory(name: str) -> AgentFactory:
    """The factory of ``zoo:NAME``, or an error listing the zoo."""
    path = zoo.zoo_path(name)
    if path is None:
        names = zoo.zoo_names()
        known = (
            f"bundled agents are {', '.join(f'zoo:{n}' for n in names)}"
            if names
            else "the zoo is empty (no trained agent is bundled yet)"
        )
        raise AgentSpecError(f"unknown zoo agent 'zoo:{name}': {known}")
    return partial(open_agent, path, name=f"zoo:{name}")


def looks_like_path(spec: str) -> bool:
    """True when the spec is written as a path (a separator, or a package suffix)."""
    return "/" in spec or os.sep in spec or spec.endswith((".zip", ".json"))


def resolve_spec(spec: str) -> AgentFactory | None:
    """The resolver of package paths and ``zoo:NAME`` (one of
    :data:`agents.base.SPEC_RESOLVERS`).

    ``zoo:NAME`` and existing package paths (or directories of packages) get a factory that
    loads them when called; anything else is not this resolver's kind (None).

    Raises:
        AgentSpecError: for an unknown zoo name (listing the zoo).
    """
    if spec.startswith("zoo:"):
        return _zoo_factory(spec.removeprefix("zoo:"))
    path = Path(spec).expanduser()
    if path.name == "agent.toml" or (path / "agent.toml").is_file():
        return None  # a program speaking the protocol (agents/external.py)
    if is_package(path) or sub_packages(path) or (path.exists() and looks_like_path(spec)):
        return partial(open_agent, path)
    return None
