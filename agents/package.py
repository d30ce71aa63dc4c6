"""The agent package format: ``agent.json`` + ``actor.safetensors`` (no pickle, ever).

A package is a directory (or a ``.zip`` of one, flat or with one top-level directory) holding:

* ``agent.json`` — the manifest (:class:`PackageManifest`), a JSON object with exactly the
  fields ``format`` (``"bluff-arena-agent/1"``), ``name``, ``game``, ``params`` (the COMPLETE
  parameters of the configuration it plays), ``method`` (``ctde``, ``cadp``, ``ctedd``, ...),
  ``architecture`` (:meth:`agents.neural.ActorConfig.to_json`), ``observation_encoding``,
  ``training`` (an object with at least ``steps``, ``seed`` and ``config``), ``evaluation``
  (an object, free form), ``weights_sha256`` and ``created`` (ISO 8601);
* ``actor.safetensors`` — the actor's parameters only (float32, keys of
  :meth:`agents.neural.ActorConfig.parameter_shapes`).

Loading validates everything and refuses, with a :class:`PackageError` naming the package, the
file and the problem, anything that does not match: the manifest's fields and types, the game
and its parameters (through :func:`games.make`), the observation encoding and the sizes of the
current game, the sha256 of the weights, and the exact tensor names, dtypes and shapes. Weights
are parsed by ``safetensors`` only; a ``.zip`` is read in memory, never extracted, and refused
when a member could escape its directory.

Agent specs: importing this module registers a resolver (:func:`resolve_spec`) with
:func:`agents.base.add_resolver` for a path to a package (directory, ``.zip`` or
``agent.json``), a directory of packages (one per configuration) and ``zoo:NAME`` (the bundled
agents of :mod:`agents.zoo`). This module does not import torch: :mod:`agents.neural` is
imported when a package is actually read.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import games
from agents import zoo
from agents.base import AgentFactory, AgentSpecError, BaseAgent, add_resolver
from games.core import Game, Observation

if TYPE_CHECKING:
    import numpy as np
    import torch

    from agents.neural import ActorConfig, MLPActor, NeuralAgent

FORMAT = "bluff-arena-agent/1"
"""The ``format`` of the packages this version reads and writes."""
MANIFEST_FILE = "agent.json"
"""The manifest's file name."""
WEIGHTS_FILE = "actor.safetensors"
"""The weights' file name."""
MAX_FILE_BYTES = 256 * 1024 * 1024
"""Largest ``agent.json`` / ``actor.safetensors`` accepted (also per ``.zip`` member)."""
MAX_ZIP_MEMBERS = 64
"""Most members a package ``.zip`` may have."""
TRAINING_KEYS: dict[str, tuple[type, ...]] = {"steps": (int,), "seed": (int,), "config": (dict,)}
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
_DRIVE = re.compile(r"^[A-Za-z]:")


class PackageError(AgentSpecError):
    """An agent package that is missing, malformed, tampered with, or for another game."""


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
        return f"{self.game} ({_describe(self.params)})"

    def make_game(self) -> Game:
        """The game configuration this package plays."""
        return games.make(self.game, **self.params)


@dataclass(frozen=True)
class _PackageFiles:
    """The raw bytes of a package's two files and where they came from (for messages)."""

    where: str
    manifest: bytes
    weights: bytes

    def error(self, file: str, problem: str) -> PackageError:
        """A :class:`PackageError` naming the package, the file and the problem."""
        return PackageError(f"agent package {self.where}: {file}: {problem}")


# --------------------------------------------------------------------------- reading files


def _read_files(path: Path) -> _PackageFiles:
    """The package's files from a directory, a path to ``agent.json`` or a ``.zip``."""
    if path.is_dir():
        return _read_dir(path)
    if path.is_file() and path.name == MANIFEST_FILE:
        return _read_dir(path.parent)
    if path.is_file() and path.suffix.lower() == ".zip":
        return _read_zip(path)
    if not path.exists():
        raise PackageError(f"agent package {path}: no such file or directory")
    raise PackageError(
        f"{path} is not an agent package: expected a directory with {MANIFEST_FILE} and "
        f"{WEIGHTS_FILE}, a .zip of one, or the path of its {MANIFEST_FILE}"
    )


def _read_dir(directory: Path) -> _PackageFiles:
    """Both files of a package directory, size-checked."""

    def read(name: str) -> bytes:
        file = directory / name
        if not file.is_file():
            raise PackageError(f"agent package {directory}: missing {name}")
        if file.stat().st_size > MAX_FILE_BYTES:
            raise PackageError(f"agent package {directory}: {name} is over {MAX_FILE_BYTES} bytes")
        return file.read_bytes()

    return _PackageFiles(str(directory), read(MANIFEST_FILE), read(WEIGHTS_FILE))


def _read_zip(path: Path) -> _PackageFiles:
    """Both files of a zipped package, read in memory after checking every member."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise PackageError(f"agent package {path}: not a readable zip archive ({exc})") from exc
    with archive:
        infos = archive.infolist()
        _check_members(path, infos)
        prefix = _zip_prefix(path, [info.filename for info in infos])
        manifest = _read_member(archive, path, prefix + MANIFEST_FILE)
        weights = _read_member(archive, path, prefix + WEIGHTS_FILE)
    return _PackageFiles(str(path), manifest, weights)


def _unsafe_member(info: zipfile.ZipInfo) -> str | None:
    """Why a zip member is refused (it could escape its directory, or is too big), or None."""
    name = info.filename
    parts = name.split("/")
    if name.startswith("/") or "\\" in name or _DRIVE.match(name):
        return "an absolute path or a backslash"
    if ".." in parts:
        return "a '..' component"
    if (info.external_attr >> 16) & 0o170000 == 0o120000:
        return "a symbolic link"
    if info.file_size > MAX_FILE_BYTES:
        return f"over {MAX_FILE_BYTES} bytes"
    return None


def _check_members(path: Path, infos: Sequence[zipfile.ZipInfo]) -> None:
    """Refuse the whole archive when any member is unsafe, duplicated, or too many."""
    if len(infos) > MAX_ZIP_MEMBERS:
        raise PackageError(f"agent package {path}: more than {MAX_ZIP_MEMBERS} zip members")
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        raise PackageError(f"agent package {path}: duplicated zip members")
    for info in infos:
        reason = _unsafe_member(info)
        if reason is not None:
            raise PackageError(
                f"agent package {path}: zip member {info.filename!r} is refused ({reason})"
            )


def _zip_prefix(path: Path, names: Sequence[str]) -> str:
    """``""`` for a flat archive, ``"dir/"`` for one holding the package in one directory."""
    if MANIFEST_FILE in names:
        return ""
    nested = [n for n in names if n.count("/") == 1 and n.endswith("/" + MANIFEST_FILE)]
    if len(nested) != 1:
        raise PackageError(
            f"agent package {path}: missing {MANIFEST_FILE} (at the top of the archive or in "
            f"its one top-level directory)"
        )
    return nested[0][: -len(MANIFEST_FILE)]


def _read_member(archive: zipfile.ZipFile, path: Path, name: str) -> bytes:
    """One member's bytes, at most :data:`MAX_FILE_BYTES`."""
    try:
        with archive.open(name) as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except KeyError as exc:
        raise PackageError(f"agent package {path}: missing {name}") from exc
    except (OSError, zipfile.BadZipFile, RuntimeError) as exc:
        raise PackageError(f"agent package {path}: cannot read {name} ({exc})") from exc
    if len(data) > MAX_FILE_BYTES:
        raise PackageError(f"agent package {path}: {name} is over {MAX_FILE_BYTES} bytes")
    return data


# --------------------------------------------------------------------------- the manifest


def _reject_constant(name: str) -> Any:
    """``json.loads`` hook: NaN and Infinity are not JSON."""
    raise ValueError(f"{name} is not valid JSON")


def _load_json(files: _PackageFiles) -> dict[str, Any]:
    """The manifest as a JSON object."""
    try:
        raw = json.loads(files.manifest.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise files.error(MANIFEST_FILE, f"malformed JSON ({exc})") from exc
    if not isinstance(raw, dict):
        raise files.error(MANIFEST_FILE, f"must be a JSON object, got {type(raw).__name__}")
    return raw


def _check_fields(files: _PackageFiles, raw: Mapping[str, Any]) -> None:
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
                f"field {name!r} must be a JSON {_json_type(kind)}, "
                f"got {type(raw[name]).__name__} {raw[name]!r}",
            )


def _check_values(files: _PackageFiles, raw: Mapping[str, Any]) -> None:
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
                f"training.{key} must be a JSON {_json_type(kinds[0])}, got {value!r}",
            )


def _architecture(files: _PackageFiles, raw: Mapping[str, Any]) -> ActorConfig:
    """The architecture (imports :mod:`agents.neural`, hence torch)."""
    from agents.neural import ActorConfig

    try:
        return ActorConfig.from_json(raw["architecture"])
    except ValueError as exc:
        raise files.error(MANIFEST_FILE, f"architecture: {exc}") from exc


def _parse_manifest(files: _PackageFiles) -> PackageManifest:
    """The validated manifest (fields, types, values; not yet checked against the game)."""
    raw = _load_json(files)
    _check_fields(files, raw)
    _check_values(files, raw)
    fields = {name: raw[name] for name in _FIELDS}
    fields["architecture"] = _architecture(files, raw)
    return PackageManifest(**fields)


def _check_game(files: _PackageFiles, manifest: PackageManifest) -> Game:
    """The game of the manifest, refused unless params, encoding and sizes all match."""
    try:
        game = manifest.make_game()
    except (ValueError, TypeError) as exc:
        raise files.error(MANIFEST_FILE, f"game {manifest.game!r}: {exc}") from exc
    if game.params != manifest.params:
        raise files.error(
            MANIFEST_FILE,
            f"params must be the complete parameters of the game: {_describe(game.params)}; "
            f"got {_describe(manifest.params)}",
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


def _check_hash(files: _PackageFiles, manifest: PackageManifest) -> None:
    """Refuse weights whose sha256 is not the manifest's."""
    digest = hashlib.sha256(files.weights).hexdigest()
    if digest != manifest.weights_sha256:
        raise files.error(
            WEIGHTS_FILE,
            f"sha256 {digest} does not match weights_sha256 {manifest.weights_sha256} in "
            f"{MANIFEST_FILE} (the file was corrupted or modified)",
        )


def _read_package(path: str | os.PathLike[str]) -> tuple[_PackageFiles, PackageManifest]:
    """Read and validate everything but the tensors."""
    files = _read_files(Path(path))
    manifest = _parse_manifest(files)
    _check_game(files, manifest)
    _check_hash(files, manifest)
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
    return _read_package(path)[1]


# --------------------------------------------------------------------------- the weights


def _parse_weights(files: _PackageFiles) -> dict[str, torch.Tensor]:
    """The tensors of ``actor.safetensors``, parsed by safetensors only (never unpickled)."""
    from safetensors import SafetensorError
    from safetensors.torch import load

    try:
        return load(files.weights)
    except (SafetensorError, ValueError, RuntimeError, TypeError) as exc:
        raise files.error(WEIGHTS_FILE, f"not a valid safetensors file ({exc})") from exc


def _check_tensors(
    files: _PackageFiles, tensors: Mapping[str, torch.Tensor], config: ActorConfig
) -> None:
    """Exactly the actor's parameter names, float32, with the architecture's shapes, finite."""
    import torch

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
        if tensor.dtype != torch.float32 or tuple(tensor.shape) != shape:
            raise files.error(
                WEIGHTS_FILE,
                f"tensor {key!r} is {tensor.dtype} {tuple(tensor.shape)}, expected "
                f"torch.float32 {shape}",
            )
        if not bool(torch.isfinite(tensor).all()):
            raise files.error(WEIGHTS_FILE, f"tensor {key!r} has NaN or infinite values")


def load_package(
    path: str | os.PathLike[str], *, name: str | None = None, deterministic: bool = False
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
    from agents.neural import MLPActor, NeuralAgent

    files, manifest = _read_package(path)
    tensors = _parse_weights(files)
    _check_tensors(files, tensors, manifest.architecture)
    actor = MLPActor(manifest.architecture)
    actor.load_state_dict(tensors, strict=True)
    actor.eval().requires_grad_(False)
    return NeuralAgent(
        actor,
        game=manifest.game,
        params=manifest.params,
        observation_encoding=manifest.observation_encoding,
        name=manifest.name if name is None else name,
        deterministic=deterministic,
        manifest=manifest,
    )


# --------------------------------------------------------------------------- writing


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


def _manifest_bytes(manifest: dict[str, Any]) -> bytes:
    """``agent.json``'s bytes (strict JSON: no NaN, no Infinity)."""
    try:
        return (json.dumps(manifest, indent=2, allow_nan=False) + "\n").encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"training and evaluation must hold JSON values only (no NaN/inf): {exc}"
        ) from exc


def _write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file + rename)."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _write_dir(path: Path, manifest: bytes, weights: bytes, overwrite: bool) -> None:
    """The package as a directory (weights first, so a manifest always has its weights)."""
    path.mkdir(parents=True, exist_ok=True)
    existing = [n for n in (MANIFEST_FILE, WEIGHTS_FILE) if (path / n).exists()]
    if existing and not overwrite:
        raise FileExistsError(f"{path} already holds a package ({', '.join(existing)})")
    _write_file(path / WEIGHTS_FILE, weights)
    _write_file(path / MANIFEST_FILE, manifest)


def _write_zip(path: Path, manifest: bytes, weights: bytes, overwrite: bool) -> None:
    """The package as a flat ``.zip``."""
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST_FILE, manifest)
        archive.writestr(WEIGHTS_FILE, weights)
    os.replace(temporary, path)


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
        actor: a plain :class:`agents.neural.MLPActor` fitting ``game``.
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

    from agents.neural import MLPActor

    if not isinstance(actor, MLPActor):
        raise TypeError(f"save_package needs an MLPActor, got {type(actor).__name__}")
    mismatch = actor.config.mismatch(game)
    if mismatch is not None:
        raise ValueError(f"the actor does not fit {game!r}: {mismatch}")
    weights = save(_export_tensors(actor), metadata={"format": "pt"})
    manifest = _manifest_bytes(
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
    files = _PackageFiles(str(target), manifest, weights)
    _check_game(files, _parse_manifest(files))
    writer = _write_zip if target.suffix.lower() == ".zip" else _write_dir
    writer(target, manifest, weights, overwrite)
    return target


# --------------------------------------------------------------------------- package sets


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
        """Pick the package for ``game`` and reset it."""
        super().reset(game, seat, seed)
        index = self._find(game)
        assert index is not None  # supports() passed in super().reset
        self.active = self._agent(index).spawn()
        self.active.reset(game, seat, seed)

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
    path: str | os.PathLike[str], *, name: str | None = None, deterministic: bool = False
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


# --------------------------------------------------------------------------- specs


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
    """The resolver registered with :func:`agents.base.add_resolver`.

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


def _json_type(kind: type) -> str:
    """The JSON name of a Python type, for messages."""
    return {str: "string", dict: "object", int: "integer", list: "array"}.get(kind, kind.__name__)


def _describe(params: Mapping[str, Any]) -> str:
    """``players=2, dice=1`` for messages."""
    return ", ".join(f"{key}={value!r}" for key, value in params.items())


add_resolver(resolve_spec)
