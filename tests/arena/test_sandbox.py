"""Confining agent hosts (arena/sandbox.py); the sandbox at work is tested through the
referee (tests/arena/test_referee.py) and the command (tests/arena/test_hostile.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from arena.sandbox import bwrap_prefix, bwrap_works, spec_paths, user_processes


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


needs_bwrap = pytest.mark.skipif(not bwrap_works(), reason="bubblewrap cannot run here")


@needs_bwrap
def test_a_sandboxed_host_can_write_only_its_small_tmp(tmp_path):
    """The root is read-only (a tmpfs would be memory outside the address-space limit)."""
    script = "echo x > /escape; echo root=$?; echo x > /tmp/ok && echo tmp=0"
    done = subprocess.run(
        [*bwrap_prefix([], cwd=str(tmp_path)), "/bin/sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.stdout.split() == ["root=2", "tmp=0"], done.stderr


@needs_bwrap
def test_a_sandboxed_host_starts_in_the_users_directory_seeing_only_its_agent(
    tmp_path, monkeypatch
):
    """Relative agent paths mean what they mean to the user; nothing else there is visible."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "agent.json").write_text("{}")
    (tmp_path / "ladder.db").write_text("secret")
    monkeypatch.chdir(tmp_path)
    done = subprocess.run(
        [*bwrap_prefix(spec_paths("pkg")), "/bin/sh", "-c", "pwd; ls; ls pkg"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.stdout.split() == [str(tmp_path), "pkg", "agent.json"], done.stderr
