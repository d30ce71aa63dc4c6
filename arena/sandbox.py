"""Confining an agent host: bubblewrap, resource limits, a clean environment.

:mod:`arena.hosts` starts each host with :func:`host_command`, :func:`host_env` and
:func:`limit_child` (run between fork and exec). With bubblewrap the host sees read-only
system and Python paths, this project's three packages and its own agent's files only (a
program's files for ``cmd:`` agents); no home directory, no ladder, no network, its own PID
namespace, a small private ``/tmp`` and ``/dev/shm``, and a read-only root. What each level
protects against is spelled out in docs/security.md.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import importlib.util
import os
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

TMP_BYTES = 64 << 20
"""Size of a sandboxed host's private /tmp and /dev/shm (tmpfs: memory that the address-space
limit does not count); the rest of its /dev is read-only."""
_PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


@dataclass(frozen=True)
class HostLimits:
    """Resource limits of one agent host (see :class:`arena.options.RunOptions`)."""

    memory_mb: int = 4096
    cpu_seconds: int = 3600
    processes: int = 64
    file_mb: int = 256


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux; else nothing)."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


@functools.cache
def bwrap_works() -> bool:
    """True when bubblewrap is installed and can create its namespaces here."""
    path = shutil.which("bwrap")
    if path is None:
        return False
    probe = [path, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent"]
    probe += ["--size", str(TMP_BYTES), "--tmpfs", "/tmp", "true"]  # --size: bubblewrap 0.8
    try:
        return subprocess.run(probe, capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def use_sandbox(mode: str) -> bool:
    """Whether hosts run in bubblewrap for ``--sandbox MODE`` (``auto``, ``bwrap``, ``none``).

    Raises:
        ValueError: ``bwrap`` asked for but not usable.
    """
    if mode == "none":
        return False
    if mode == "bwrap" and not bwrap_works():
        raise ValueError(
            "--sandbox bwrap: bubblewrap is not installed or cannot run here "
            "(Debian/Ubuntu: apt-get install bubblewrap)"
        )
    return bwrap_works()


def missing_protections(sandboxed: bool) -> str | None:
    """The one-line warning for a run without the sandbox (None when sandboxed)."""
    if sandboxed:
        return None
    return (
        "agents run without a sandbox (bubblewrap not installed or --sandbox none): they can "
        "read your files (the ladder included), use the network and signal the referee; "
        "install bubblewrap for untrusted agents (see docs/security.md)"
    )


def _top_level_location(module: str) -> list[str]:
    """Where the top-level package of ``module`` lives, found without importing anything."""
    top = module.split(".")[0]
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return []
    if spec is None:
        return []
    if spec.submodule_search_locations:
        return list(spec.submodule_search_locations)
    return [spec.origin] if spec.origin and os.path.exists(spec.origin) else []


def spec_paths(spec: str) -> list[str]:
    """Files and directories the host of ``spec`` must see besides our own packages."""
    from agents.base import BUILTINS, _entry_points
    from agents.external import command_of

    if spec in BUILTINS or spec.startswith("zoo:"):
        return []
    command = command_of(spec)
    if command is not None:
        return command.paths()
    plugin = _entry_points().get(spec)
    if plugin is not None:
        return _top_level_location(plugin.module)
    if os.path.exists(spec):
        return [os.path.abspath(spec)]
    if ":" in spec:
        return _top_level_location(spec.partition(":")[0])
    return []


def _python_paths() -> list[str]:
    """The interpreter's own directories and site-packages (not the current directory)."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    paths = {p for p in sys.path if p and os.path.isabs(p) and os.path.isdir(p)}
    ours = {str(Path(__file__).resolve().parents[1])}
    keep = [p for p in paths if p not in ours and any(p.startswith(r) for r in roots)]
    return sorted(roots | set(keep))


def _our_packages() -> list[str]:
    root = Path(__file__).resolve().parents[1]
    return [str(root / name) for name in ("games", "agents", "arena") if (root / name).is_dir()]


SYSTEM_PATHS = (
    "/usr",
    "/lib",
    "/lib64",
    "/lib32",
    "/bin",
    "/sbin",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/alternatives",
)


def bwrap_prefix(extra: Sequence[str], cwd: str | None = None) -> list[str]:
    """The bubblewrap command line: read-only system, Python and agent paths, nothing else.

    The host starts in ``cwd`` (default: the current directory), so relative agent specs
    mean what they mean to the user; there that directory holds only the paths bound into
    it. The root is read-only: only the small ``/tmp`` and ``/dev/shm`` can be written.
    """
    args = [
        shutil.which("bwrap") or "bwrap",
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--size",
        str(TMP_BYTES),
        "--tmpfs",
        "/dev/shm",
        "--remount-ro",
        "/dev",
        "--size",
        str(TMP_BYTES),
        "--tmpfs",
        "/tmp",
    ]
    bound: set[str] = set()
    for path in [*SYSTEM_PATHS, *_python_paths(), *_our_packages(), *extra]:
        # a path inside a directory already bound is visible (and binding it again would fail
        # on a symbolic link, such as a virtual environment's bin/python)
        if os.path.exists(path) and not _covered(path, bound):
            bound.add(path)
            args += ["--ro-bind", os.path.realpath(path), path]
    cwd = os.path.abspath(cwd or os.getcwd())
    if not _covered(cwd, bound):
        args += ["--dir", cwd]
    return [*args, "--remount-ro", "/", "--chdir", cwd]


def _covered(path: str, bound: set[str]) -> bool:
    """Whether ``path`` is one of ``bound`` or inside one of them."""
    return path in bound or any(path.startswith(b.rstrip("/") + "/") for b in bound)


def host_env(sandboxed: bool) -> dict[str, str]:
    """A clean environment: no ARENA_DB, no credentials, one thread per math library."""
    pythonpath = [p for p in sys.path if p and os.path.isabs(p)]
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp" if sandboxed else os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "PYTHONPATH": os.pathsep.join(pythonpath),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }


def user_processes() -> int:
    """How many processes (and threads: each counts) this user runs now (0 if unknown)."""
    uid, count = os.getuid(), 0
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0
    for entry in entries:
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry}/task"))
    return count


def limit_child(limits: HostLimits, processes: int) -> None:
    """Run in the child between fork and exec: die with the referee, then the limits.

    ``processes`` is the RLIMIT_NPROC to set: it counts every process of the user, so it is
    the user's current count plus the host's allowance (root is not bound by it).
    """
    die_with_parent()
    mib = 1 << 20
    for which, value in (
        (resource.RLIMIT_AS, limits.memory_mb * mib),
        (resource.RLIMIT_CPU, limits.cpu_seconds),
        (resource.RLIMIT_NPROC, processes),
        (resource.RLIMIT_FSIZE, limits.file_mb * mib),
        (resource.RLIMIT_CORE, 0),
    ):
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(which, (value, value))
