"""Programs speaking docs/protocol.md, met as a user meets them: ``arena check-agent`` and
``arena tournament`` with ``cmd:`` specs and ``agent.toml`` directories (examples/), and
programs that break the protocol one way each (tests/arena/broken_agent.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from arena.ladder import Ladder
from tests.arena.test_hostile import REPO, needs_bwrap, run_arena, tournament

BROKEN = "cmd:python tests/arena/broken_agent.py"
needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def check_agent(tmp_path: Path, spec: str, *extra: str) -> subprocess.CompletedProcess:
    """``arena check-agent SPEC EXTRA...`` in a process of its own (HOME in ``tmp_path``)."""
    args = [sys.executable, "-m", "arena.cli", "check-agent", spec, *extra]
    return run_arena(tmp_path, args, timeout=120)


@pytest.fixture
def check_here(capsys, monkeypatch):
    """``arena check-agent`` through the CLI's ``main`` in this process, from the repository
    root (its programs and agent hosts are processes of their own all the same; a second of
    interpreter start-up less per check than :func:`check_agent`)."""
    from arena.cli import main

    monkeypatch.chdir(REPO)

    def run(spec: str, *extra: str) -> subprocess.CompletedProcess:
        code = main(["check-agent", spec, *extra])
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(["arena", "check-agent", spec, *extra], code, out, err)

    return run


@pytest.mark.parametrize(
    ("spec", "config"),
    [
        ("examples/random-py", ["--game", "skull", "--players", "3"]),
        ("examples/heuristic-py", ["--game", "liars_dice", "--players", "3"]),
        pytest.param("examples/random-js", ["--game", "skull", "--players", "4"], marks=needs_node),
        ("cmd:python examples/random-py/agent.py", ["--game", "liars_dice", "--players", "2"]),
        ("heuristic", ["--game", "liars_dice", "--players", "2"]),
    ],
)
def test_the_examples_and_a_builtin_pass_check_agent(check_here, spec, config):
    proc = check_here(spec, *config)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("PASS  loads: ")
    assert any(line.startswith(f"PASS  plays {config[1]} players={config[3]}") for line in lines)
    assert lines[-1] == "PASS  no stray output: nothing on stdout outside the protocol"
    quits = [line for line in lines if "quits" in line]
    program = spec.startswith(("examples/", "cmd:"))
    assert quits == (["PASS  quits: exits with status 0 when told to quit"] if program else [])


def test_check_agent_skips_what_the_program_does_not_claim(check_here):
    proc = check_here("examples/heuristic-py", "--game", "skull", "--players", "3")
    assert proc.returncode == 3
    assert proc.stdout.splitlines() == [
        "SKIP  plays skull players=3: cannot play it: the program plays liars_dice "
        "(wild ['highest', 'ones', 'none'])",
        "FAIL  loads: the agent can play none of the configurations checked",
    ]


@pytest.mark.parametrize(
    ("mode", "check", "reason"),
    [
        ("silent", "loads", "timeout: not loaded within 3s"),
        ("garbage", "plays", "garbage from agent program: I think I will bid three fives"),
        ("illegal", "plays", "illegal action 999"),
        ("slow", "plays", "timeout: no answer within 1s per move"),
        ("exits", "plays", "agent program exited (exit status 5)"),
        ("flood", "plays", "agent program wrote a line over 1048576 bytes"),
        ("stray", "plays", "garbage from agent program: thinking..."),
        ("stubborn", "quits", "did not exit within 5 s of quit (killed)"),
    ],
)
def test_each_broken_program_fails_check_agent_with_its_reason(check_here, mode, check, reason):
    config = ["--game", "liars_dice", "--players", "2", "--games", "1"]
    # tight limits only where they are the point: a loaded machine answers slowly
    move, load = ("1" if mode == "slow" else "20"), ("3" if mode == "silent" else "60")
    timeouts = ["--move-timeout", move, "--load-timeout", load]
    proc = check_here(f"{BROKEN} {mode}", *config, *timeouts)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    failures = [line for line in proc.stdout.splitlines() if line.startswith("FAIL")]
    assert len(failures) == 1, proc.stdout
    assert failures[0].startswith(f"FAIL  {check}")
    assert failures[0].endswith(reason), failures[0]


def test_a_printing_python_agent_fails_the_stray_output_check(tmp_path):
    spec = "tests.arena.hostile:spoofer"
    proc = check_agent(tmp_path, spec, "--game", "liars_dice", "--players", "2", "--games", "1")
    assert proc.returncode == 3
    (failure,) = [line for line in proc.stdout.splitlines() if line.startswith("FAIL")]
    assert failure.startswith("FAIL  no stray output: ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nosuch"], "unknown agent 'nosuch'"),
        (["cmd:nosuchprogram"], "agent program 'nosuchprogram' is not on the standard PATH"),
        (["cmd:"], "empty command"),
        (["heuristic", "--game", "chess"], "unknown game 'chess'"),
        (["heuristic", "--players", "2"], "--param and --players need --game"),
        (["heuristic", "--game", "skull", "--players", "9"], "invalid value 9"),
        (["heuristic", "--games", "0"], "--games must be at least 1"),
    ],
)
def test_bad_input_to_check_agent_is_one_line_and_exit_2(check_here, args, message):
    proc = check_here(*args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and message in proc.stderr, proc.stderr


@needs_bwrap
def test_broken_programs_forfeit_their_games_only(tmp_path):
    agents = f"examples/random-py,heuristic,{BROKEN} illegal,{BROKEN} exits,{BROKEN} garbage"
    _, out = tournament(tmp_path, agents, "--move-timeout", "2", gpp=2, timeout=300)
    broken = {f"{BROKEN} {mode}" for mode in ("illegal", "exits", "garbage")}
    with Ladder(tmp_path / "l.db", readonly=True) as ladder:
        played = ladder.games(tournament="t")
    assert len(played) == out["games"] == 40
    for game in played:
        offenders = {game.seats[seat] for seat, _ in game.forfeits}
        if broken & set(game.seats):
            assert offenders and offenders <= broken, (game.seats, game.forfeits)
        else:
            assert game.forfeits == [], (game.seats, game.forfeits)
    reasons = {reason for game in played for _, reason in game.forfeits}
    assert {"illegal action 999", "agent program exited (exit status 5)"} <= reasons


def test_a_program_without_handshake_is_refused_before_the_tournament_starts(tmp_path):
    args = ["--load-timeout", "3"]
    from tests.arena.test_hostile import tournament_args

    proc = run_arena(tmp_path, tournament_args(tmp_path, f"random,{BROKEN} silent", *args))
    assert proc.returncode == 2
    assert "cannot be loaded: timeout: not loaded within 3s" in proc.stderr
    assert not (tmp_path / "l.db").exists()


def test_a_cmd_agent_plays_the_same_games_as_its_python_twin(tmp_path):
    histories = {}
    for spec in ("examples/random-py", "tests.arena.twin:make"):
        db = tmp_path / f"{spec[:5]}.db"
        args = ["--seed", "11", "--db", str(db), "--batch-size", "3"]
        tournament(tmp_path, f"{spec},heuristic", *args, gpp=6)
        with Ladder(db, readonly=True) as ladder:
            played = ladder.games(tournament="t")
        histories[spec] = [(g.index, g.history, g.returns) for g in played]
    assert len(histories["examples/random-py"]) == 12
    assert histories["examples/random-py"] == histories["tests.arena.twin:make"]


def test_examples_are_documented_next_to_their_manifest():
    for example in ("random-py", "heuristic-py", "random-js"):
        assert (REPO / "examples" / example / "agent.toml").is_file()


@needs_node
def test_the_three_examples_play_a_tournament_without_a_forfeit(tmp_path):
    agents = "examples/random-py,examples/heuristic-py,examples/random-js,heuristic"
    _, out = tournament(tmp_path, agents, gpp=3, timeout=300)
    assert out["games"] == 36
    with Ladder(tmp_path / "l.db", readonly=True) as ladder:
        played = ladder.games(tournament="t")
    assert len(played) == 36 and all(game.forfeits == [] for game in played)
    names = {row["agent"].partition("@")[0] for row in out["ratings"]}
    assert names == set(agents.split(","))
