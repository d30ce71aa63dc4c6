"""agents/external.py in process: specs, manifests, handshake claims, batching, restarts."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import games
from agents.base import AgentSpecError, act_many, load_agent, resolve
from agents.external import CommandAgent, command_of
from agents.protocol import ProtocolError, claim_covers

REPO = Path(__file__).resolve().parents[2]
DUEL = games.make("liars_dice", players=2, dice=1, mode="single_round")

COUNTING = """
import json, sys
log = open(sys.argv[1], "a")
for line in sys.stdin:
    m = json.loads(line)
    if m["type"] == "hello":
        print(json.dumps({"type": "hello", "protocol": 1, "name": "counter",
                          "games": [{"game": "liars_dice", "players": [2]}]}), flush=True)
    elif m["type"] == "act":
        log.write(f"{len(m['requests'])}\\n"); log.flush()
        print(json.dumps({"type": "actions",
                          "actions": [r["legal_actions"][-1] for r in m["requests"]]}), flush=True)
    elif m["type"] == "end_game":
        log.write(f"end {m['game_id']} {m['returns']}\\n"); log.flush()
    elif m["type"] == "quit":
        break
"""


def _program(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "prog.py"
    path.write_text(source)
    return path


def test_python_means_the_arenas_interpreter_and_paths_are_checked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _program(tmp_path, COUNTING)
    command = command_of("cmd:python prog.py log.txt")
    assert command is not None
    assert command.argv == (sys.executable, "prog.py", "log.txt")
    assert command.cwd == str(tmp_path)
    assert str(tmp_path / "prog.py") in command.paths()
    with pytest.raises(AgentSpecError, match="not found"):
        command_of("cmd:./missing --x")
    with pytest.raises(AgentSpecError, match="cannot split"):
        command_of("cmd:python 'unclosed")
    assert command_of("heuristic") is None


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ('command = "python agent.py"\ncolour = "red"\n', "unknown key 'colour'"),
        ("command = 3\n", "'command' must be a string or a list of strings"),
        ('command = "python agent.py"\nworkdir = "nowhere"\n', "is not a directory"),
        ("command = [", "agent manifest"),
    ],
)
def test_a_bad_manifest_is_refused_with_its_reason(tmp_path, manifest, message):
    (tmp_path / "agent.toml").write_text(manifest)
    with pytest.raises(AgentSpecError, match=message):
        resolve(str(tmp_path))


def test_an_agent_toml_directory_is_a_program_not_a_package():
    agent = load_agent(str(REPO / "examples" / "random-py"))
    try:
        assert isinstance(agent, CommandAgent)
        assert agent.name == "random-py"
        assert agent.supports(DUEL) is None
    finally:
        assert agent.close() == 0


def test_claims_cover_configurations():
    claims = [{"game": "liars_dice", "players": [2], "params": {"dice": [1, 2]}}]
    assert claim_covers(claims, DUEL)
    assert not claim_covers(claims, games.make("liars_dice", players=3, dice=1))
    assert not claim_covers(claims, games.make("liars_dice", players=2, dice=5))
    assert not claim_covers(claims, games.make("skull", players=3))
    assert claim_covers([{"game": "skull"}], games.make("skull", players=6))


def _observation():
    state = DUEL.new_initial_state()
    state.apply_action(0)
    state.apply_action(3)
    return state.observation(state.current_player())


def test_copies_of_one_program_are_asked_in_one_message_and_told_the_end(tmp_path):
    log = tmp_path / "log.txt"
    agent = resolve(f"cmd:python {_program(tmp_path, COUNTING)} {log}")()
    copies = [agent.spawn() for _ in range(3)]
    for seat, copy in enumerate(copies):
        copy.reset(DUEL, seat % 2, seed=seat)
    obs = _observation()
    actions = act_many(copies, [obs] * 3)
    assert actions == [obs.legal_actions[-1]] * 3
    copies[1].end([1.0, -1.0])
    assert agent.close() == 0
    assert log.read_text().splitlines() == ["3", "end g2 [1.0, -1.0]"]


FLAKY = """
import json, os, sys
first_act = not os.path.exists(sys.argv[1])
for line in sys.stdin:
    m = json.loads(line)
    if m["type"] == "hello":
        print(json.dumps({"type": "hello", "protocol": 1, "name": "flaky",
                          "games": [{"game": "liars_dice"}]}), flush=True)
    elif m["type"] == "act" and first_act:
        open(sys.argv[1], "w").close()
        print("oops", flush=True)
    elif m["type"] == "act":
        print(json.dumps({"type": "actions",
                          "actions": [r["legal_actions"][0] for r in m["requests"]]}), flush=True)
"""


def test_a_fault_fails_the_game_in_flight_and_the_next_game_restarts_the_program(tmp_path):
    agent = resolve(f"cmd:python {_program(tmp_path, FLAKY)} {tmp_path / 'faulted'}")()
    agent.reset(DUEL, 0, seed=1)
    first = agent.program.generation
    with pytest.raises(ProtocolError, match="garbage from agent program: oops"):
        agent.act(_observation())
    agent.reset(DUEL, 0, seed=2)
    assert agent.program.generation == first + 1
    assert agent.act(_observation()) == _observation().legal_actions[0]
    agent.close()
