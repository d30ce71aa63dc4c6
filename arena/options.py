"""How a tournament is played (not what it plays): executor, workers, batching, agent limits.

Nothing here changes a game's result: the same :class:`arena.tournament.TournamentConfig` gives
the same rows whatever these options are (tests check it for every executor, worker count and
batch size). The options are therefore not stored with the tournament, and ``--resume`` may use
different ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EXECUTORS = ("local", "ray")
SANDBOXES = ("auto", "bwrap", "none")

DEFAULT_BATCH_SIZE = 1024
"""Games each worker keeps in flight (and so the most observations in one host request)."""
DEFAULT_AGENT_MEMORY_MB = 4096
"""Address-space limit of one agent host, in MiB (torch alone maps about 1 GiB)."""
DEFAULT_AGENT_CPU_SECONDS = 3600
"""CPU seconds one agent host may use in total before the OS stops it (it is restarted)."""
DEFAULT_AGENT_PROCESSES = 64
"""Processes and threads an agent host may start beyond those its user already runs
(RLIMIT_NPROC; not binding for root)."""
MAX_WORKERS = 256


DEFAULT_LOAD_TIMEOUT = 120.0
"""Seconds an agent host may take to start and load its agent (importing torch takes a while)."""


@dataclass(frozen=True)
class RunOptions:
    """How to play a tournament's games (see the module docstring).

    Raises:
        ValueError: a value out of range (checked when built, before anything runs).
    """

    workers: int = 1
    """Worker processes (local) or actors (Ray) playing games in parallel."""
    executor: str = "local"
    """``local`` (a process pool on this machine) or ``ray`` (actors on a Ray cluster)."""
    ray_address: str | None = None
    """Address of a running Ray cluster; None starts a local one (``--executor ray`` only)."""
    batch_size: int = DEFAULT_BATCH_SIZE
    """Games a worker keeps in flight; each host answers all its waiting observations at once."""
    chunk_size: int | None = None
    """Games sent to a worker at once; None picks a size from the schedule and the workers."""
    sandbox: str = "auto"
    """``auto`` (bubblewrap when installed), ``bwrap`` (required) or ``none``."""
    agent_memory_mb: int = DEFAULT_AGENT_MEMORY_MB
    """Address-space limit of each agent host (MiB)."""
    agent_cpu_seconds: int = DEFAULT_AGENT_CPU_SECONDS
    """CPU-time limit of each agent host (seconds)."""
    agent_processes: int = DEFAULT_AGENT_PROCESSES
    """Process/thread limit of each agent host."""
    load_timeout: float = DEFAULT_LOAD_TIMEOUT
    """Seconds an agent host may take to start and load its agent (torch takes a while)."""
    log_dir: str | None = None
    """Where agent output and the referee's log go (None: a temporary directory)."""

    def __post_init__(self) -> None:
        _check_int("workers", self.workers, 1, MAX_WORKERS)
        if self.executor not in EXECUTORS:
            raise ValueError(
                f"executor must be one of {', '.join(EXECUTORS)}, got {self.executor!r}"
            )
        if self.ray_address is not None and self.executor != "ray":
            raise ValueError("--ray-address needs --executor ray")
        _check_int("batch size", self.batch_size, 1, 4096)
        if self.chunk_size is not None:
            _check_int("chunk size", self.chunk_size, 1, 1_000_000)
        if self.sandbox not in SANDBOXES:
            raise ValueError(f"sandbox must be one of {', '.join(SANDBOXES)}, got {self.sandbox!r}")
        _check_int("agent memory (MiB)", self.agent_memory_mb, 256, 1 << 22)
        _check_int("agent CPU time (s)", self.agent_cpu_seconds, 1, 1 << 31)
        _check_int("agent processes", self.agent_processes, 1, 1 << 16)
        object.__setattr__(self, "load_timeout", check_timeout(self.load_timeout, "load timeout"))


def _check_int(what: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be an integer, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{what} must be between {low} and {high}, got {value}")


def check_timeout(seconds: float, what: str = "move timeout") -> float:
    """A timeout: finite, positive, at most an hour.

    Raises:
        ValueError: otherwise.
    """
    ok = isinstance(seconds, (int, float)) and not isinstance(seconds, bool)
    if not (ok and math.isfinite(seconds) and 0 < seconds <= 3600):
        raise ValueError(f"the {what} must be a number of seconds in (0, 3600], got {seconds}")
    return float(seconds)
