"""``agent.json``: the manifest's fields, their types and values, checked against the game
configuration it names and the sha256 of the weights."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import games
from games.core import Game, describe_params

if TYPE_CHECKING:
    from agents.neural import ActorConfig
from agents.package.files import MANIFEST_FILE, WEIGHTS_FILE, PackageFiles, read_files

FORMAT = "bluff-arena-agent/1"
"""The ``format`` of the packages this version reads and writes."""


TRAINING_KEYS: dict[str, tuple[type, ...]] = {
    "steps": (int,),
    "seed": (int,),
    "config": (dict,),
}
"""Keys every ``training`` object must have, with their JSON types (more keys are free)."""


_FIELDS: dict[str, type] = {
    "format": str,
    "name": str,
    "game": str,
    "params": dict,
    "method": str,
    "architecture": dict,
    "observation_encoding": str,
    "training": dict,
    "evaluation": dict,
    "weights_sha256": str,
    "created": str,
}


_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class PackageManifest:
    """The validated content of ``agent.json``.

    Attributes:
        format: always :data:`FORMAT`.
        name: the agent's name (shown in tournaments).
        game: the game name (``"skull"``, ``"liars_dice"``).
        params: the complete parameters of the configuration it plays (exact match).
        method: how it was trained (``ctde``, ``cadp``, ``ctedd``, ...).
        architecture: the actor's architecture.
        observation_encoding: the observation encoding version it was trained on.
        training: ``steps``, ``seed``, ``config`` and any further facts (wall time, ...).
        evaluation: free-form evaluation results.
        weights_sha256: hex sha256 of ``actor.safetensors``.
        created: ISO 8601 timestamp of the export.
    """

    format: str
    name: str
    game: str
    params: dict[str, Any]
    method: str
    architecture: ActorConfig
    observation_encoding: str
    training: dict[str, Any]
    evaluation: dict[str, Any]
    weights_sha256: str
    created: str

    def to_json(self) -> dict[str, Any]:
        """The manifest as the JSON object written to ``agent.json``."""
        return {
            "format": self.format,
            "name": self.name,
            "game": self.game,
            "params": dict(self.params),
            "method": self.method,
            "architecture": self.architecture.to_json(),
            "observation_encoding": self.observation_encoding,
            "training": self.training,
            "evaluation": self.evaluation,
            "weights_sha256": self.weights_sha256,
            "created": self.created,
        }

    def describe(self) -> str:
        """``liars_dice (players=2, dice=1, ...)``: the configuration it plays."""
        return f"{self.game} ({describe_params(self.params)})"

    def make_game(self) -> Game:
        """The game configuration this package plays."""
        return games.make(self.game, **self.params)


def _reject_constant(name: str) -> Any:
    """``json.loads`` hook: NaN and Infinity are not JSON."""
    raise ValueError(f"{name} is not valid JSON")


def _load_json(files: PackageFiles) -> dict[str, Any]:
    """The manifest as a JSON object."""
    try:
        raw = json.loads(files.manifest.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise files.error(MANIFEST_FILE, f"malformed JSON ({exc})") from exc
    if not isinstance(raw, dict):
        raise files.error(MANIFEST_FILE, f"must be a JSON object, got {type(raw).__name__}")
    return raw


def _check_fields(files: PackageFiles, raw: Mapping[str, Any]) -> None:
    """The format first, then exactly the known fields with their JSON types."""
    if raw.get("format") != FORMAT:
        raise files.error(MANIFEST_FILE, f"format must be {FORMAT!r}, got {raw.get('format')!r}")
    missing = [name for name in _FIELDS if name not in raw]
    if missing:
        raise files.error(MANIFEST_FILE, f"missing field(s) {', '.join(missing)}")
    unknown = sorted(set(raw) - set(_FIELDS))
    if unknown:
        raise files.error(MANIFEST_FILE, f"unknown field(s) {', '.join(unknown)}")
    for name, kind in _FIELDS.items():
        if not isinstance(raw[name], kind):
            raise files.error(
                MANIFEST_FILE,
                f"field {name!r} must be a JSON {json_type(kind)}, "
                f"got {type(raw[name]).__name__} {raw[name]!r}",
            )


def _check_values(files: PackageFiles, raw: Mapping[str, Any]) -> None:
    """The constraints beyond types: non-empty names, the hash, the date, ``training``."""
    for name in ("name", "game", "method", "observation_encoding"):
        if not raw[name].strip():
            raise files.error(MANIFEST_FILE, f"field {name!r} must not be empty")
    if not _SHA256.match(raw["weights_sha256"]):
        raise files.error(MANIFEST_FILE, "weights_sha256 must be 64 lowercase hex digits")
    try:
        datetime.fromisoformat(raw["created"])
    except ValueError as exc:
        raise files.error(MANIFEST_FILE, f"created must be an ISO 8601 date ({exc})") from exc
    for key, kinds in TRAINING_KEYS.items():
        value = raw["training"].get(key)
        if isinstance(value, bool) or not isinstance(value, kinds):
            raise files.error(
                MANIFEST_FILE,
                f"training.{key} must be a JSON {json_type(kinds[0])}, got {value!r}",
            )


def _architecture(files: PackageFiles, raw: Mapping[str, Any]) -> ActorConfig:
    """The architecture (imports :mod:`agents.neural`; not torch)."""
    from agents.neural import ActorConfig

    try:
        return ActorConfig.from_json(raw["architecture"])
    except ValueError as exc:
        raise files.error(MANIFEST_FILE, f"architecture: {exc}") from exc


def parse_manifest(files: PackageFiles) -> PackageManifest:
    """The validated manifest (fields, types, values; not yet checked against the game)."""
    raw = _load_json(files)
    _check_fields(files, raw)
    _check_values(files, raw)
    fields = {name: raw[name] for name in _FIELDS}
    fields["architecture"] = _architecture(files, raw)
    return PackageManifest(**fields)


def check_game(files: PackageFiles, manifest: PackageManifest) -> Game:
    """The game of the manifest, refused unless params, encoding and sizes all match."""
    try:
        game = manifest.make_game()
    except (ValueError, TypeError) as exc:
        raise files.error(MANIFEST_FILE, f"game {manifest.game!r}: {exc}") from exc
    if game.params != manifest.params:
        raise files.error(
            MANIFEST_FILE,
            f"params must be the complete parameters of the game: {describe_params(game.params)}; "
            f"got {describe_params(manifest.params)}",
        )
    if game.observation_encoding != manifest.observation_encoding:
        raise files.error(
            MANIFEST_FILE,
            f"observation_encoding {manifest.observation_encoding!r} does not match this "
            f"version of the game ({game.observation_encoding!r}): retrain or re-export the agent",
        )
    mismatch = manifest.architecture.mismatch(game)
    if mismatch is not None:
        raise files.error(MANIFEST_FILE, f"architecture does not fit {game!r}: {mismatch}")
    return game


def check_hash(files: PackageFiles, manifest: PackageManifest) -> None:
    """Refuse weights whose sha256 is not the manifest's."""
    digest = hashlib.sha256(files.weights).hexdigest()
    if digest != manifest.weights_sha256:
        raise files.error(
            WEIGHTS_FILE,
            f"sha256 {digest} does not match weights_sha256 {manifest.weights_sha256} in "
            f"{MANIFEST_FILE} (the file was corrupted or modified)",
        )


def read_package(path: str | os.PathLike[str]) -> tuple[PackageFiles, PackageManifest]:
    """Read and validate everything but the tensors."""
    files = read_files(Path(path))
    manifest = parse_manifest(files)
    check_game(files, manifest)
    check_hash(files, manifest)
    return files, manifest


def read_manifest(path: str | os.PathLike[str]) -> PackageManifest:
    """The validated manifest of the package at ``path`` (its weights' hash checked too).

    Args:
        path: a package directory, a ``.zip`` of one, or the path of its ``agent.json``.

    Raises:
        PackageError: for a missing file, malformed JSON, a missing, unknown or ill-typed
            field, another format, an unknown game or parameters, another observation
            encoding, an architecture that does not fit the game, or a hash mismatch.
    """
    return read_package(path)[1]


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    """``agent.json``'s bytes (strict JSON: no NaN, no Infinity)."""
    try:
        return (json.dumps(manifest, indent=2, allow_nan=False) + "\n").encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"training and evaluation must hold JSON values only (no NaN/inf): {exc}"
        ) from exc


def json_type(kind: type) -> str:
    """The JSON name of a Python type, for messages."""
    return {str: "string", dict: "object", int: "integer", list: "array"}.get(kind, kind.__name__)
