"""``actor.safetensors``: the actor's parameters, parsed by safetensors only (never unpickled),
checked against the architecture; :func:`load_package` and :func:`save_package`."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from games.core import Game

if TYPE_CHECKING:
    import torch

    from agents.mlp import MLPActor
    from agents.neural import ActorConfig, NeuralAgent
from agents.package.files import WEIGHTS_FILE, PackageFiles, write_dir, write_zip
from agents.package.manifest import (
    FORMAT,
    check_game,
    manifest_bytes,
    parse_manifest,
    read_package,
)


def _parse_weights(files: PackageFiles) -> dict[str, np.ndarray]:
    """The arrays of ``actor.safetensors``, parsed by safetensors only (never unpickled; no
    torch)."""
    from safetensors import SafetensorError
    from safetensors.numpy import load

    try:
        return load(files.weights)
    except KeyError as exc:  # a dtype numpy has not (bfloat16, float8)
        raise files.error(WEIGHTS_FILE, f"tensors must be float32, found dtype {exc}") from exc
    except (SafetensorError, ValueError, RuntimeError, TypeError) as exc:
        raise files.error(WEIGHTS_FILE, f"not a valid safetensors file ({exc})") from exc


def _check_tensors(
    files: PackageFiles, tensors: Mapping[str, np.ndarray], config: ActorConfig
) -> None:
    """Exactly the actor's parameter names, float32, with the architecture's shapes, finite."""
    expected = config.parameter_shapes()
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    if missing or unexpected:
        raise files.error(
            WEIGHTS_FILE,
            f"tensors do not match the architecture: missing {missing}, unexpected {unexpected}",
        )
    for key, shape in expected.items():
        tensor = tensors[key]
        if tensor.dtype != np.float32 or tuple(tensor.shape) != shape:
            raise files.error(
                WEIGHTS_FILE,
                f"tensor {key!r} is {tensor.dtype} {tuple(tensor.shape)}, expected float32 {shape}",
            )
        if not bool(np.isfinite(tensor).all()):
            raise files.error(WEIGHTS_FILE, f"tensor {key!r} has NaN or infinite values")


def load_package(
    path: str | os.PathLike[str],
    *,
    name: str | None = None,
    deterministic: bool = False,
) -> NeuralAgent:
    """The agent of the package at ``path``, after validating everything.

    Args:
        path: a package directory, a ``.zip`` of one, or the path of its ``agent.json``.
        name: the agent's name; the manifest's ``name`` when None.
        deterministic: play greedily instead of sampling.

    Raises:
        PackageError: for anything :func:`read_manifest` refuses, weights that are not a
            safetensors file, or tensors other than exactly those of the architecture.
    """
    from agents.neural import ActorWeights, NeuralAgent

    files, manifest = read_package(path)
    tensors = _parse_weights(files)
    _check_tensors(files, tensors, manifest.architecture)
    return NeuralAgent(
        ActorWeights(manifest.architecture, tensors),
        game=manifest.game,
        params=manifest.params,
        observation_encoding=manifest.observation_encoding,
        name=manifest.name if name is None else name,
        deterministic=deterministic,
        manifest=manifest,
    )


def _export_tensors(actor: MLPActor) -> dict[str, torch.Tensor]:
    """The actor's parameters as contiguous CPU float32 tensors (nothing else)."""
    import torch

    state = actor.state_dict()
    expected = actor.config.parameter_shapes()
    if set(state) != set(expected):
        extra = sorted(set(state) - set(expected))
        raise ValueError(
            f"only a plain MLPActor can be packaged; this one has other parameters: {extra}"
        )
    return {
        key: state[key].detach().to(device="cpu", dtype=torch.float32).contiguous()
        for key in expected
    }


def save_package(
    path: str | os.PathLike[str],
    actor: MLPActor,
    *,
    name: str,
    game: Game,
    method: str,
    training: Mapping[str, Any],
    evaluation: Mapping[str, Any],
    overwrite: bool = False,
) -> Path:
    """Write ``actor`` as a package (a directory, or a ``.zip`` when ``path`` ends so).

    Only the actor's own parameters are written (never a critic or an optimizer). What is
    written is read back through the same validation as :func:`read_manifest`.

    Args:
        path: the package directory (created) or ``.zip`` file.
        actor: a plain :class:`agents.mlp.MLPActor` fitting ``game``.
        name: the agent's name.
        game: the configuration it plays (its complete params and encoding are recorded).
        method: how it was trained (``ctde``, ``cadp``, ``ctedd``, ...).
        training: at least ``steps`` (int), ``seed`` (int) and ``config`` (dict); free beyond.
        evaluation: evaluation results (JSON values).
        overwrite: replace an existing package at ``path``.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        TypeError: when ``actor`` is not an ``MLPActor``.
        ValueError: when the actor does not fit the game, or a field is invalid.
        FileExistsError: when a package is already there and ``overwrite`` is false.
    """
    from safetensors.torch import save

    from agents.mlp import MLPActor

    if not isinstance(actor, MLPActor):
        raise TypeError(f"save_package needs an MLPActor, got {type(actor).__name__}")
    mismatch = actor.config.mismatch(game)
    if mismatch is not None:
        raise ValueError(f"the actor does not fit {game!r}: {mismatch}")
    weights = save(_export_tensors(actor), metadata={"format": "pt"})
    manifest = manifest_bytes(
        {
            "format": FORMAT,
            "name": name,
            "game": game.name,
            "params": game.params,
            "method": method,
            "architecture": actor.config.to_json(),
            "observation_encoding": game.observation_encoding,
            "training": dict(training),
            "evaluation": dict(evaluation),
            "weights_sha256": hashlib.sha256(weights).hexdigest(),
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    target = Path(path)
    files = PackageFiles(str(target), manifest, weights)
    check_game(files, parse_manifest(files))
    writer = write_zip if target.suffix.lower() == ".zip" else write_dir
    writer(target, manifest, weights, overwrite)
    return target
