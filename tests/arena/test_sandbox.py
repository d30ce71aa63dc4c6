"""Confining agent hosts (arena/sandbox.py); the sandbox at work is tested through the
referee (tests/arena/test_referee.py) and the command (tests/arena/test_hostile.py)."""

from __future__ import annotations

import os
import subprocess
import sys

from arena.sandbox import user_processes


def test_the_process_limit_counts_what_the_user_already_runs():
    """RLIMIT_NPROC counts every process and thread of the user: the host's allowance is added
    to the count of those already running, so a busy desktop does not starve the host."""
    assert user_processes() >= len(os.listdir("/proc/self/task")) >= 1
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:  # this process's threads, and the child
        assert user_processes() >= len(os.listdir("/proc/self/task")) + 1
    finally:
        child.kill()
        child.wait()
