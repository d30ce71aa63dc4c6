"""Content hashes of agent specs: what identifies an agent package in the ladder and the hosts.

A package is identified by the sha256 of its files, read safely: regular files only (no
symbolic links, no special files), sizes checked before anything is read, read in chunks.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agents import zoo
from agents.package import (
    MANIFEST_FILE,
    MAX_FILE_BYTES,
    MAX_ZIP_MEMBERS,
    PackageError,
    is_package,
    looks_like_path,
    sub_packages,
)

MAX_HASH_FILES = MAX_ZIP_MEMBERS
"""Most files :func:`spec_hash` hashes under one spec (a package set holds a few packages)."""
MAX_HASH_BYTES = 4 * MAX_FILE_BYTES
"""Most bytes :func:`spec_hash` reads under one spec (each file at most :data:`MAX_FILE_BYTES`)."""
_HASH_CHUNK = 1 << 20


def spec_hash(spec: str) -> str:
    """The identity of what ``spec`` loads: the hex sha256 of its package content, or ``""``.

    ``""`` for built-in agents, plugins and ``module:factory`` specs (code, not content). For
    ``zoo:NAME``, the hash of the whole zoo entry directory. For a package path (a directory,
    a directory of packages, a ``.zip``, or an ``agent.json`` whose directory is hashed): the
    sha256 over the relative name and the bytes of every regular file, in path order. The
    spec's own path may be a symbolic link, but nothing inside a package may be one; files
    are read in chunks, after their sizes are checked against :data:`MAX_FILE_BYTES`,
    :data:`MAX_HASH_FILES` and :data:`MAX_HASH_BYTES`.

    Raises:
        PackageError: for an unknown zoo name, a symbolic link or special file inside a
            package, or a package over the size limits.
    """
    from agents.base import BUILTINS

    spec = spec.strip()
    if spec in BUILTINS:
        return ""
    if spec.startswith("zoo:"):
        path = zoo.zoo_path(spec.removeprefix("zoo:"))
        if path is None:
            raise PackageError(f"unknown zoo agent {spec!r}: cannot hash it")
        return hash_package_path(path)
    path = Path(spec).expanduser()
    if is_package(path) or sub_packages(path) or (path.exists() and looks_like_path(spec)):
        return hash_package_path(path)
    return ""


def hash_package_path(path: str | os.PathLike[str]) -> str:
    """The content sha256 of a package file or directory (see :func:`spec_hash`)."""
    path = Path(path)
    if path.is_file() and path.name == MANIFEST_FILE:
        path = path.parent
    if path.is_dir():
        files = regular_files(path)
    elif path.is_file():
        files = [((path.name,), path.resolve(), path.stat().st_size)]
    else:
        raise PackageError(f"agent package {path}: not a regular file or directory")
    _check_hash_bounds(path, files)
    digest = hashlib.sha256()
    for parts, file, size in files:
        digest.update("/".join(parts).encode())
        _hash_file(digest, file, size)
    return digest.hexdigest()


def regular_files(root: Path) -> list[tuple[tuple[str, ...], Path, int]]:
    """``(relative parts, path, size)`` of every file under ``root``, by path; no links."""
    found = []
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        for name in [*dirnames, *filenames]:
            entry = Path(directory) / name
            mode = entry.lstat().st_mode
            if stat.S_ISLNK(mode):
                raise PackageError(
                    f"agent package {root}: {entry.relative_to(root)} is a symbolic link "
                    "(a package must hold regular files only)"
                )
            if stat.S_ISDIR(mode):
                continue
            if not stat.S_ISREG(mode):
                raise PackageError(
                    f"agent package {root}: {entry.relative_to(root)} is not a regular file"
                )
            found.append((entry.relative_to(root).parts, entry, entry.lstat().st_size))
            if len(found) > MAX_HASH_FILES:
                raise PackageError(f"agent package {root}: more than {MAX_HASH_FILES} files")
    return sorted(found)


def _check_hash_bounds(root: Path, files: Sequence[tuple[tuple[str, ...], Path, int]]) -> None:
    """Refuse, before reading anything, a file or a total over the limits."""
    for parts, _, size in files:
        if size > MAX_FILE_BYTES:
            raise PackageError(
                f"agent package {root}: {'/'.join(parts)} is over {MAX_FILE_BYTES} bytes"
            )
    if sum(size for _, _, size in files) > MAX_HASH_BYTES:
        raise PackageError(f"agent package {root}: over {MAX_HASH_BYTES} bytes in all")


def _hash_file(digest: Any, file: Path, size: int) -> None:
    """Feed ``file`` to ``digest`` in chunks, refusing a link or a file that grew."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(file, flags)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise PackageError(f"agent package file {file} is not a regular file")
        left = size + 1
        while chunk := fh.read(min(_HASH_CHUNK, left)):
            left -= len(chunk)
            digest.update(chunk)
        if left <= 0:
            raise PackageError(f"agent package file {file} changed while it was hashed")
