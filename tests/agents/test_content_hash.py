"""Content hashes of agent specs (agents/content_hash.py)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import zipfile
from pathlib import Path
from unittest import mock

import pytest

from agents.content_hash import hash_package_path, spec_hash
from agents.package import PackageError
from agents.zoo import zoo_path


def make_package(path: Path) -> Path:
    path.mkdir()
    (path / "agent.json").write_bytes(b"{}")
    (path / "actor.safetensors").write_bytes(b"weights")
    return path


def expected_dir_hash(path: Path, files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode())
        digest.update(files[name])
    assert path.is_dir()
    return digest.hexdigest()


def test_spec_hash_of_code_is_empty_and_of_the_zoo_is_its_entry():
    assert spec_hash("random") == spec_hash("cfr") == spec_hash("heuristic") == ""
    assert spec_hash("agents.random:RandomAgent") == ""
    digest = spec_hash("zoo:skull")
    assert len(digest) == 64 and digest == hash_package_path(zoo_path("skull"))
    assert spec_hash("zoo:skull") == digest != spec_hash("zoo:liars-dice-duel")
    with pytest.raises(PackageError, match="unknown zoo agent"):
        spec_hash("zoo:nobody")


def test_spec_hash_of_a_package_is_its_files_and_changes_with_them(tmp_path):
    pkg = make_package(tmp_path / "pkg")
    first = spec_hash(str(pkg))
    assert first == expected_dir_hash(pkg, {"agent.json": b"{}", "actor.safetensors": b"weights"})
    assert spec_hash(str(pkg)) == first  # stable
    assert spec_hash(str(pkg / "agent.json")) == first  # the manifest's directory
    (pkg / "actor.safetensors").write_bytes(b"weightz")
    assert spec_hash(str(pkg)) not in ("", first)
    archive = tmp_path / "pkg.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("agent.json", "{}")
    assert spec_hash(str(archive)) == hashlib.sha256(b"pkg.zip" + archive.read_bytes()).hexdigest()


@contextlib.contextmanager
def no_huge_reads(limit: int = 1 << 20):
    """Fail if more than ``limit`` bytes are read from any file opened with ``os.fdopen``."""
    real_fdopen = os.fdopen
    total = [0]

    class Counting(io.BufferedReader):
        def read(self, size=-1):
            data = super().read(size)
            total[0] += len(data)
            assert total[0] <= limit, f"read {total[0]} bytes"
            return data

    def fdopen(fd, mode="r", *args, **kwargs):
        if "b" in mode and "r" in mode:
            return Counting(io.FileIO(fd, "rb", closefd=True))
        return real_fdopen(fd, mode, *args, **kwargs)

    with mock.patch("os.fdopen", fdopen):
        yield total


def test_a_symlink_to_a_huge_file_is_refused_without_reading_it(tmp_path):
    huge = tmp_path / "huge.bin"
    with open(huge, "wb") as f:
        f.truncate(3 * 2**30)
    pkg = make_package(tmp_path / "pkg")
    (pkg / "extra.bin").symlink_to(huge)
    with no_huge_reads(), pytest.raises(PackageError, match=r"extra\.bin is a symbolic link"):
        spec_hash(str(pkg))
    (pkg / "extra.bin").unlink()
    (pkg / "sub").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(PackageError, match="sub is a symbolic link"):
        spec_hash(str(pkg))


def test_an_oversized_or_special_file_is_refused_without_reading_it(tmp_path):
    pkg = make_package(tmp_path / "pkg")
    with open(pkg / "big.bin", "wb") as f:
        f.truncate(3 * 2**30)
    with no_huge_reads(), pytest.raises(PackageError, match=r"big\.bin is over"):
        spec_hash(str(pkg))
    (pkg / "big.bin").unlink()
    os.mkfifo(pkg / "pipe")
    with pytest.raises(PackageError, match="pipe is not a regular file"):
        spec_hash(str(pkg))
