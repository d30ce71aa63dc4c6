"""The training methods by name (``method`` in a config)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trainers.config import METHODS, TrainConfig
from trainers.loop import Method, Run, train


class _Entry:
    """A method with its training entry point."""

    def __init__(self, method: Method) -> None:
        self.method = method

    def train(self, cfg: TrainConfig, out: Path, **kwargs: Any) -> Run:
        """Train ``cfg`` (see :func:`trainers.loop.train`)."""
        return train(cfg, self.method, out, **kwargs)


def get_method(name: str) -> _Entry:
    """The method called ``name``.

    Raises:
        ValueError: for an unknown or not yet available method.
    """
    if name == "ctde":
        from trainers.ctde import CTDE

        return _Entry(CTDE())
    if name == "cadp":
        from trainers.cadp import CADP

        return _Entry(CADP())
    if name == "ctedd":
        from trainers.ctedd import CTEDD

        return _Entry(CTEDD())
    if name in METHODS:
        raise ValueError(f"method {name!r} is not available yet: use ctde, cadp or ctedd")
    raise ValueError(f"unknown method {name!r}: methods are {', '.join(METHODS)}")
