"""Hostile agents against the ``arena tournament`` command (agents in tests/arena/hostile.py).

Every test runs the command as a user would (``python -m arena.cli tournament ... --json``) on
the Liar's Dice duel, with few games. What is checked: guessable seeds let an agent cheat and
the default secret seed does not; the sandbox hides the ladder, the home directory, the
referee's files and the network; an agent cannot spoof the command's output; numpy actions
play; memory hogs, broken factories and worker killers forfeit without stopping the run; and
no process of the run survives it (normal end, SIGTERM, SIGKILL).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from arena.sandbox import bwrap_works
from tests.arena import hostile

REPO = Path(__file__).resolve().parents[2]
DUEL = ["liars_dice", "--param", "dice=1", "--param", "mode=single_round", "--players", "2"]
H = "tests.arena.hostile:"

needs_bwrap = pytest.mark.skipif(not bwrap_works(), reason="bubblewrap cannot run here")
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc")


# -- helpers ----------------------------------------------------------------------------------
def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("ARENA_DB", None)
    env["ARENA_LOG_DIR"] = str(tmp_path / "logs")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def tournament_args(tmp_path: Path, agents: str, *extra: str, gpp: int = 2) -> list[str]:
    """The command line of a duel tournament named ``t`` in ``tmp_path/l.db``."""
    return [
        sys.executable,
        "-m",
        "arena.cli",
        "tournament",
        *DUEL,
        "--agents",
        agents,
        "--games-per-pairing",
        str(gpp),
        "--workers",
        "1",
        "--name",
        "t",
        "--db",
        str(tmp_path / "l.db"),
        "--json",
        *extra,
    ]


def run_arena(tmp_path: Path, args: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=REPO, env=_env(tmp_path), capture_output=True, text=True, timeout=timeout
    )


def tournament(
    tmp_path: Path, agents: str, *extra: str, gpp: int = 2, timeout: float = 60
) -> tuple[subprocess.CompletedProcess, dict]:
    """Run a tournament; the process and its --json output (checked to be one JSON document)."""
    proc = run_arena(tmp_path, tournament_args(tmp_path, agents, *extra, gpp=gpp), timeout)
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])
    return proc, json.loads(proc.stdout)


def exported(tmp_path: Path) -> list[dict[str, str]]:
    """The games of tournament ``t``, through ``arena export`` (the CLI's ``main``, here)."""
    from arena.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["export", "--tournament", "t", "--db", str(tmp_path / "l.db")])
    assert code == 0
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def score(out: dict, agent: str) -> float:
    (row,) = [r for r in out["ratings"] if r["agent"] == agent]
    return row["score"]


def agent_log(tmp_path: Path) -> str:
    path = tmp_path / "logs" / "tournaments" / "t.agents.log"
    return path.read_text(errors="replace") if path.exists() else ""


def _cmdlines() -> dict[int, list[bytes]]:
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                out[int(entry.name)] = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
    return out


def _alive(pid: int) -> bool:
    """Running (a zombie left to a non-reaping init counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def marker_pids(marker: str) -> set[int]:
    """Live processes with ``marker`` as one of their arguments."""
    return {
        pid
        for pid, args in _cmdlines().items()
        if marker.encode() in args and pid != os.getpid() and _alive(pid)
    }


def descendants(root: int) -> set[int]:
    """Every live process below ``root``."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
        found |= frontier
    return found


def survivors(pids: set[int], marker: str, within: float = 10.0) -> set[int]:
    """Of ``pids`` and the processes carrying ``marker``, those still alive after ``within``."""
    deadline = time.monotonic() + within
    while True:
        left = {p for p in pids if _alive(p)} | marker_pids(marker)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def describe(pids: set[int]) -> list[str]:
    lines = _cmdlines()
    return [f"{p}: {b' '.join(lines.get(p, []))[:200]!r}" for p in sorted(pids)]


def start_spawner_run(
    tmp_path: Path, gpp: int, *extra: str, kind: str = "spawner", sandbox: str = "bwrap"
) -> tuple[subprocess.Popen, str]:
    """Start (not wait for) a tournament with an agent leaving ``sleep MARKER`` behind."""
    digits = f"{os.getpid()}{time.time_ns() % 10**9}"
    marker = hostile.spawner_marker(digits)
    args = tournament_args(
        tmp_path, f"{H}{kind}_{digits},random", "--sandbox", sandbox, *extra, gpp=gpp
    )
    proc = subprocess.Popen(
        args,
        cwd=REPO,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    return proc, marker


def wait_for(condition, proc: subprocess.Popen, timeout: float = 30.0) -> set[int]:
    """Poll ``condition()`` (a set of pids) until non-empty; collect ``proc``'s descendants."""
    seen: set[int] = set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen |= descendants(proc.pid)
        if condition():
            return seen | descendants(proc.pid)
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    _, err = proc.communicate()
    pytest.fail(f"the run never got there (exit {proc.returncode}): {err[-2000:]}")


# -- 1. cheating through guessable seeds ------------------------------------------------------
def test_cheater_wins_when_the_seed_is_guessable(tmp_path):
    _, out = tournament(tmp_path, f"{H}cheater,cfr", "--seed", "0", gpp=20)
    assert out["config"]["secret_seed"] is False
    assert score(out, f"{H}cheater") > 0.7, out["ratings"]


def test_cheater_gains_nothing_from_the_default_secret_seed(tmp_path):
    _, out = tournament(tmp_path, f"{H}cheater,cfr", gpp=100)
    assert out["config"]["secret_seed"] is True
    assert out["config"]["seed"] >= hostile.CHEAT_ROOTS
    assert out["games"] == 200
    assert abs(score(out, f"{H}cheater") - 0.5) < 0.12, out["ratings"]


# -- 2. the sandbox hides the referee's files and the network ---------------------------------
@needs_bwrap
def test_sandboxed_agent_cannot_read_the_ladder_home_or_network(tmp_path):
    tournament(tmp_path, f"{H}snoop,random", "--sandbox", "bwrap", "--seed", "3")
    rows = exported(tmp_path)
    assert len(rows) == 4
    assert all(r["forfeits"] == "" for r in rows), (rows, agent_log(tmp_path))
    assert "SNOOP FINDINGS []" in agent_log(tmp_path)


def test_unsandboxed_agent_reads_the_ladder(tmp_path):
    """The control: without the sandbox the same agent finds the ladder (``--db`` in /proc)."""
    tournament(tmp_path, f"{H}snoop,random", "--sandbox", "none", "--seed", "3")
    rows = exported(tmp_path)
    assert rows and all("illegal action" in r["forfeits"] for r in rows), rows
    assert str(tmp_path / "l.db") in agent_log(tmp_path)


# -- 3. stdout spoofing -----------------------------------------------------------------------
def test_agent_output_goes_to_the_agent_log_only(tmp_path):
    proc, out = tournament(tmp_path, f"{H}spoofer,random", "--seed", "4")
    assert {r["agent"] for r in out["ratings"]} == {f"{H}spoofer", "random"}
    assert out["games"] == 4 and out["tournament"] == "t"
    assert hostile.SPOOF_MARK not in proc.stdout
    assert hostile.SPOOF_MARK not in proc.stderr
    log = agent_log(tmp_path)
    assert hostile.FAKE_RESULT in log
    assert f"{hostile.SPOOF_MARK} stderr noise" in log
    assert f"{hostile.SPOOF_MARK} raw fd 2" in log


# -- 4. numpy integer actions -----------------------------------------------------------------
def test_numpy_integer_actions_play_under_process_isolation(tmp_path):
    _, out = tournament(tmp_path, f"{H}numpy_ints,random", "--seed", "5", gpp=5)
    rows = exported(tmp_path)
    assert len(rows) == out["total_games"] == 10
    assert all(r["forfeits"] == "" for r in rows), rows


@linux_only
def test_an_agent_cannot_resize_or_write_the_shared_observations(tmp_path):
    _, out = tournament(tmp_path, f"{H}ring_vandal,random", "--seed", "5", gpp=5)
    rows = exported(tmp_path)
    assert len(rows) == out["total_games"] == 10
    assert all(r["forfeits"] == "" for r in rows), rows
    log = agent_log(tmp_path)
    for what in ("truncate", "grow", "map-writable", "write"):
        assert f"RING {what} refused" in log, log[-2000:]
    assert "succeeded" not in log


# -- 5. memory limit --------------------------------------------------------------------------
def test_memory_hog_forfeits_and_the_run_completes(tmp_path):
    _, out = tournament(tmp_path, f"{H}hog,random", "--agent-memory", "1024", "--seed", "6")
    assert out["complete"]
    rows = exported(tmp_path)
    assert len(rows) == 4
    for r in rows:
        seat = r["seats"].split().index(f"{H}hog")
        prefix = f"seat {seat}: "
        assert r["forfeits"].startswith(prefix), r
        reason = r["forfeits"][len(prefix) :]
        assert reason.startswith(("raised MemoryError", "crashed")), r


# -- 6. broken factories ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["exit_in_factory", "exit_on_import"])
def test_factory_that_exits_is_refused_before_anything_is_written(tmp_path, name):
    """The factory runs in a host while the spec is checked: a clear error, nothing written."""
    args = tournament_args(tmp_path, f"{H}{name},random", "--move-timeout", "2", "--seed", "7")
    proc = run_arena(tmp_path, args, timeout=60)
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-500:], proc.stderr[-2000:])
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{H}{name}" in lines[0] and "cannot be loaded" in lines[0]
    assert "crashed" in lines[0] and "(exit code 9)" in lines[0]
    assert proc.stdout == "" and not (tmp_path / "l.db").exists()


def test_factory_that_hangs_is_refused_after_the_load_timeout(tmp_path):
    args = tournament_args(
        tmp_path, f"{H}hang_in_factory,random", "--load-timeout", "2", "--seed", "8", gpp=1
    )
    try:
        proc = run_arena(tmp_path, args, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("`arena tournament` still running after 30 s")
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "not loaded within 2s" in proc.stderr and not (tmp_path / "l.db").exists()


# -- 7. an agent that kills its worker --------------------------------------------------------
def test_worker_killer_forfeits_and_every_game_is_recorded_once(tmp_path):
    killer = f"{H}parent_killer"
    _, out = tournament(
        tmp_path,
        f"{killer},random,heuristic",
        "--sandbox",
        "none",
        "--seed",
        "9",
        gpp=1,
        timeout=100,
    )
    assert out["complete"] and out["games"] == out["total_games"] == 6
    rows = exported(tmp_path)
    assert sorted(int(r["index"]) for r in rows) == list(range(6))
    for r in rows:
        seats = r["seats"].split()
        if killer in seats:
            prefix = f"seat {seats.index(killer)}: "
            assert r["forfeits"].startswith(prefix), r
            assert "worker" in r["forfeits"] and "died" in r["forfeits"], r
        else:
            assert r["forfeits"] == "", r
            assert int(r["moves"]) >= 2, r


def test_workers_that_cannot_start_stop_the_run_with_one_line_and_blame_no_agent(tmp_path):
    """A broken worker environment (here: the main script fails when a worker imports it) is
    no agent's fault: the run stops at once (exit 1, one line), no game is forfeited."""
    script = tmp_path / "arena_main.py"
    script.write_text(
        "import sys\n"
        "if __name__ != '__main__':\n"
        "    raise SystemExit('this worker cannot start')\n"
        "from arena.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    args = [sys.executable, str(script), *tournament_args(tmp_path, "random,heuristic")[3:]]
    proc = run_arena(tmp_path, [*args, "--sandbox", "none"], timeout=60)
    assert proc.returncode == 1, proc.stderr[-2000:]
    (line,) = [ln for ln in proc.stderr.splitlines() if ln.startswith("arena:")]
    assert "died 9 times in a row without finishing any games" in line, line
    assert exported(tmp_path) == []  # no game recorded, none forfeited


def test_a_pool_that_breaks_before_its_chunks_go_out_is_a_barren_break(
    tmp_path, monkeypatch, capsys
):
    """The same broken environment, caught at submission (the workers died before the next
    chunk went out: ``submit`` itself raises), ends the same way, not as an internal error."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from arena.cli import main

    def refuse(self, *args, **kwargs):
        raise BrokenProcessPool("a child process terminated abruptly")

    monkeypatch.setattr(ProcessPoolExecutor, "submit", refuse)
    monkeypatch.setenv("HOME", str(tmp_path))
    code = main([*tournament_args(tmp_path, "random,heuristic")[3:], "--sandbox", "none"])
    assert code == 1
    (line,) = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("arena:")]
    assert "died 9 times in a row without finishing any games" in line, line
    assert exported(tmp_path) == []


# -- 8. no process of the run survives it -----------------------------------------------------
@linux_only
@needs_bwrap
def test_no_orphans_after_the_run_ends(tmp_path):
    proc, marker = start_spawner_run(tmp_path, 2, "--seed", "10")
    seen = wait_for(lambda: marker_pids(marker), proc)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err[-2000:]
    assert json.loads(out)["complete"]
    left = survivors(seen, marker)
    assert not left, describe(left)


@linux_only
@needs_bwrap
def test_sigterm_stops_promptly_leaves_nothing_and_resumes(tmp_path):
    proc, marker = start_spawner_run(tmp_path, 20, "--seed", "11", "--batch-size", "1")
    seen = wait_for(lambda: marker_pids(marker), proc)
    os.kill(proc.pid, signal.SIGTERM)
    try:
        out, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("`arena tournament` did not stop within 20 s of SIGTERM")
    assert proc.returncode in (0, 130), err[-2000:]
    result = json.loads(out)
    assert result["games"] < result["total_games"], "SIGTERM did not stop the run early"
    left = survivors(seen, marker)
    assert not left, describe(left)

    args = [sys.executable, "-m", "arena.cli", "tournament", "--resume", "t", "--json"]
    args += ["--db", str(tmp_path / "l.db"), "--workers", "1", "--sandbox", "bwrap"]
    resumed = run_arena(tmp_path, args, timeout=90)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    final = json.loads(resumed.stdout)
    assert final["complete"] and final["games"] == final["total_games"] == 40
    assert sorted(int(r["index"]) for r in exported(tmp_path)) == list(range(40))
    left = survivors(set(), marker)
    assert not left, describe(left)


@linux_only
@needs_bwrap
def test_sigkill_of_the_arena_process_leaves_nothing(tmp_path):
    proc, marker = start_spawner_run(tmp_path, 20, "--seed", "12", "--batch-size", "1")
    seen = wait_for(lambda: marker_pids(marker), proc)
    seen |= descendants(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)  # the main process only, not its group
    proc.communicate(timeout=10)
    left = survivors(seen, marker)
    assert not left, describe(left)


@linux_only
def test_unsandboxed_agent_child_is_killed_at_the_end(tmp_path):
    """Without the sandbox a daemon (own session) may escape, but a plain child must not."""
    proc, marker = start_spawner_run(tmp_path, 2, "--seed", "13", kind="child", sandbox="none")
    try:
        seen = wait_for(lambda: marker_pids(marker), proc)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err[-2000:]
        left = survivors(seen, marker, within=3.0)
        assert not left, describe(left)
    finally:
        for pid in marker_pids(marker):  # the sleeps this test's agent left behind
            os.kill(pid, signal.SIGKILL)
