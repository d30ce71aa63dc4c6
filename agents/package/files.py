"""An agent package's files: read from a directory, an ``agent.json`` path or a ``.zip`` (in
memory, never extracted, members that could escape refused), and written atomically."""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from agents.base import AgentSpecError

MANIFEST_FILE = "agent.json"
"""The manifest's file name."""


WEIGHTS_FILE = "actor.safetensors"
"""The weights' file name."""


MAX_FILE_BYTES = 256 * 1024 * 1024
"""Largest ``agent.json`` / ``actor.safetensors`` accepted (also per ``.zip`` member)."""


MAX_ZIP_MEMBERS = 64
"""Most members a package ``.zip`` may have."""


_DRIVE = re.compile(r"^[A-Za-z]:")


class PackageError(AgentSpecError):
    """An agent package that is missing, malformed, tampered with, or for another game."""


@dataclass(frozen=True)
class PackageFiles:
    """The raw bytes of a package's two files and where they came from (for messages)."""

    where: str
    manifest: bytes
    weights: bytes

    def error(self, file: str, problem: str) -> PackageError:
        """A :class:`PackageError` naming the package, the file and the problem."""
        return PackageError(f"agent package {self.where}: {file}: {problem}")


def read_files(path: Path) -> PackageFiles:
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


def _read_dir(directory: Path) -> PackageFiles:
    """Both files of a package directory, size-checked."""

    def read(name: str) -> bytes:
        file = directory / name
        if not file.is_file():
            raise PackageError(f"agent package {directory}: missing {name}")
        if file.stat().st_size > MAX_FILE_BYTES:
            raise PackageError(f"agent package {directory}: {name} is over {MAX_FILE_BYTES} bytes")
        return file.read_bytes()

    return PackageFiles(str(directory), read(MANIFEST_FILE), read(WEIGHTS_FILE))


def _read_zip(path: Path) -> PackageFiles:
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
    return PackageFiles(str(path), manifest, weights)


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


def _write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file + rename)."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def write_dir(path: Path, manifest: bytes, weights: bytes, overwrite: bool) -> None:
    """The package as a directory (weights first, so a manifest always has its weights)."""
    path.mkdir(parents=True, exist_ok=True)
    existing = [n for n in (MANIFEST_FILE, WEIGHTS_FILE) if (path / n).exists()]
    if existing and not overwrite:
        raise FileExistsError(f"{path} already holds a package ({', '.join(existing)})")
    _write_file(path / WEIGHTS_FILE, weights)
    _write_file(path / MANIFEST_FILE, manifest)


def write_zip(path: Path, manifest: bytes, weights: bytes, overwrite: bool) -> None:
    """The package as a flat ``.zip``."""
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST_FILE, manifest)
        archive.writestr(WEIGHTS_FILE, weights)
    os.replace(temporary, path)
