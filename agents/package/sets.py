"""Directories of packages, one per game configuration (:class:`PackageSetAgent`), and
:func:`open_agent`, which opens one package or a set."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from agents.base import BaseAgent
from games.core import Game, Observation

if TYPE_CHECKING:
    import numpy as np

    from agents.neural import NeuralAgent
from agents.package.files import MANIFEST_FILE, PackageError
from agents.package.manifest import read_manifest
from agents.package.weights import load_package


def is_package(path: Path) -> bool:
    """True for a package directory, a ``.zip`` file, or an ``agent.json`` file."""
    if path.is_dir():
        return (path / MANIFEST_FILE).is_file()
    return path.is_file() and (path.name == MANIFEST_FILE or path.suffix.lower() == ".zip")


def sub_packages(directory: Path) -> list[Path]:
    """The packages directly inside ``directory`` (sub-directories and ``.zip`` files)."""
    if not directory.is_dir():
        return []
    return sorted(child for child in directory.iterdir() if is_package(child))


class PackageSetAgent(BaseAgent):
    """Several packages, one per game configuration; plays the one matching the game.

    Args:
        paths: the packages (read and validated now; weights loaded on first use).
        name: the agent's name (``zoo:NAME`` for a zoo entry).
        deterministic: play greedily instead of sampling.

    Raises:
        PackageError: when there is no package, one is invalid, or two play the same
            configuration.
    """

    def __init__(self, paths: Sequence[Path], *, name: str, deterministic: bool = False) -> None:
        super().__init__()
        self.name = name
        self.deterministic = deterministic
        self.entries = [(Path(p), read_manifest(p)) for p in paths]
        if not self.entries:
            raise PackageError(f"agent {name!r}: no packages found")
        self._check_distinct()
        self._agents: dict[int, NeuralAgent] = {}
        self.active: NeuralAgent | None = None

    def _check_distinct(self) -> None:
        """Refuse two packages for the same configuration (which to play would be arbitrary)."""
        seen: dict[str, Path] = {}
        for path, manifest in self.entries:
            key = manifest.describe()
            if key in seen:
                raise PackageError(f"agent {self.name!r}: {seen[key]} and {path} both play {key}")
            seen[key] = path

    def configurations(self) -> list[str]:
        """The configurations it plays, e.g. ``["skull (players=3, ...)", ...]``."""
        return [manifest.describe() for _, manifest in self.entries]

    def _find(self, game: Game) -> int | None:
        """The index of the package for ``game``'s name and params, or None."""
        for index, (_, manifest) in enumerate(self.entries):
            if manifest.game == game.name and manifest.params == game.params:
                return index
        return None

    def _agent(self, index: int) -> NeuralAgent:
        """The loaded agent of package ``index`` (loaded once)."""
        if index not in self._agents:
            path = self.entries[index][0]
            self._agents[index] = load_package(
                path, name=self.name, deterministic=self.deterministic
            )
        return self._agents[index]

    def supports(self, game: Game) -> str | None:
        """None when one of its packages plays ``game``, else the configurations it plays."""
        index = self._find(game)
        if index is None:
            return f"it plays only {'; '.join(self.configurations())}"
        return self._agent(index).supports(game)

    def reset(self, game: Game, seat: int, seed: int | None) -> None:
        """Pick the package for ``game`` and reset it (its generator is this agent's: one
        seeded generator per game, made once)."""
        self.check_supports(game)
        index = self._find(game)
        assert index is not None  # supports() passed
        self.game, self.seat = game, seat
        self.active = self._agent(index).spawn()
        self.active.reset(game, seat, seed)
        self.rng = self.active.rng

    def batch_leaf(self) -> NeuralAgent | None:
        """The active package's network (see :meth:`agents.base.BaseAgent.batch_leaf`)."""
        return self.active

    def _require_active(self) -> NeuralAgent:
        if self.active is None:
            raise RuntimeError(f"agent {self.name!r}: call reset(game, seat, seed) first")
        return self.active

    def policy(self, obs: Observation) -> np.ndarray:
        """The active package's policy."""
        return self._require_active().policy(obs)

    def act(self, obs: Observation) -> int:
        """The active package's action."""
        return self._require_active().act(obs)

    def act_batch(self, obs: Sequence[Observation]) -> list[int]:
        """The active package's actions (one forward pass)."""
        return self._require_active().act_batch(obs)


def open_agent(
    path: str | os.PathLike[str],
    *,
    name: str | None = None,
    deterministic: bool = False,
) -> NeuralAgent | PackageSetAgent:
    """The agent at ``path``: one package, or a directory of packages (one per configuration).

    Raises:
        PackageError: when ``path`` is neither, or what it holds is invalid.
    """
    path = Path(path)
    if is_package(path):
        return load_package(path, name=name, deterministic=deterministic)
    children = sub_packages(path)
    if not children:
        raise PackageError(
            f"{path} is not an agent package: no {MANIFEST_FILE}, and no sub-directory or .zip "
            f"holding a package"
        )
    return PackageSetAgent(
        children, name=str(path) if name is None else name, deterministic=deterministic
    )
