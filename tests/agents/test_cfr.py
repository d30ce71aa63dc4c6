"""The cfr agent (agents/cfr.py): a CFR+ table for Liar's Dice in the OpenSpiel configuration."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyspiel
import pytest

import games
from agents import cfr
from agents.base import AgentSpecError, load_agent
from games import openspiel as bridge
from games.core import Observation
from tests.games.helpers import decision_observations, play
from trainers.exact import policy_nash_conv


@pytest.fixture(scope="module")
def agent() -> cfr.CFRAgent:
    agent = cfr.CFRAgent()
    agent.reset(bridge.our_game(), seat=0, seed=0)
    return agent


@pytest.fixture(scope="module")
def tabular(agent: cfr.CFRAgent) -> dict[str, list[tuple[int, float]]]:
    """The agent's policy as OpenSpiel's tabular policy (through its ``policy`` method)."""
    return bridge.tabular_policy(_batched(agent))


def _batched(agent: cfr.CFRAgent):
    def policy(observations: Sequence[Observation]) -> np.ndarray:
        return np.stack([agent.policy(o) for o in observations])

    return policy


def test_shipped_table_metadata(agent: cfr.CFRAgent):
    table = agent.table
    assert table.probs.shape == (24_576, 13) and table.probs.dtype == np.float32
    assert table.iterations > 0
    assert 0.0 <= table.nash_conv <= 0.001
    assert table.openspiel_version.count(".") >= 1
    assert cfr.default_table_path().stat().st_size < 2 * 1024 * 1024


def test_nash_conv_of_the_agent_is_below_a_thousandth(agent: cfr.CFRAgent):
    assert policy_nash_conv(_batched(agent)) <= 0.001


def test_game_value_for_seat_0_is_the_known_value(tabular):
    state = bridge.openspiel_game().new_initial_state()
    values = pyspiel.expected_returns(state, pyspiel.TabularPolicy(tabular), -1, True)
    assert values[0] == pytest.approx(-0.0271, abs=2e-3)
    assert values[0] + values[1] == pytest.approx(0.0, abs=1e-9)


def test_index_from_observation_matches_the_documented_index():
    state = play(bridge.our_game().new_initial_state(), ["Roll 3", "Roll 5", "1-2", "1-6"])
    tensor = state.observation_tensor(0)[None, :]
    assert cfr.observation_indices(tensor)[0] == 2 * 4096 + (1 << 1) + (1 << 5)
    assert cfr.info_index(2, [1, 5]) == 2 * 4096 + 34
    tensor = state.observation_tensor(1)[None, :]
    assert cfr.observation_indices(tensor)[0] == 4 * 4096 + 34


def test_policy_is_a_distribution_over_legal_actions(agent: cfr.CFRAgent):
    for obs in decision_observations(bridge.our_game(), 700, seed=1):
        probs = agent.policy(obs)
        assert probs.dtype == np.float64 and probs.shape == (13,)
        assert np.all(probs[obs.legal_mask == 0] == 0.0)
        assert probs.sum() == pytest.approx(1.0, abs=1e-12)
        assert np.all(probs >= 0.0)


def test_after_the_last_bid_only_liar_is_played(agent: cfr.CFRAgent):
    state = play(bridge.our_game().new_initial_state(), ["Roll 1", "Roll 2", "2-6"])
    probs = agent.policy(state.observation(1))
    assert probs[12] == 1.0 and probs[:12].sum() == 0.0


def test_same_seed_same_actions():
    observations = decision_observations(bridge.our_game(), 350, seed=2)
    runs = []
    for seed in (7, 7, 8):
        agent = cfr.CFRAgent()
        agent.reset(bridge.our_game(), seat=0, seed=seed)
        runs.append([agent.act(o) for o in observations])
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    assert all(o.legal_mask[a] for o, a in zip(observations, runs[0], strict=True))


def test_is_a_builtin_agent_spec():
    agent = load_agent("cfr")
    assert isinstance(agent, cfr.CFRAgent) and agent.name == "cfr"


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("liars_dice", dict(bridge.OPENSPIEL_PARAMS, players=3)),
        ("liars_dice", dict(bridge.OPENSPIEL_PARAMS, dice=2)),
        ("liars_dice", dict(bridge.OPENSPIEL_PARAMS, mode="elimination")),
        ("liars_dice", dict(bridge.OPENSPIEL_PARAMS, wild="ones")),
        ("liars_dice", {}),
        ("skull", {"players": 3}),
    ],
)
def test_refuses_other_configurations(agent: cfr.CFRAgent, name: str, params: dict):
    game = games.make(name, **params)
    reason = agent.supports(game)
    assert reason is not None and "OpenSpiel configuration" in reason
    with pytest.raises(AgentSpecError, match="cannot play"):
        cfr.CFRAgent().reset(game, seat=0, seed=0)


def test_supports_the_openspiel_configuration(agent: cfr.CFRAgent):
    assert agent.supports(games.make("liars_dice", **bridge.OPENSPIEL_PARAMS)) is None


def test_observation_of_another_configuration_is_refused(agent: cfr.CFRAgent):
    game = games.make("liars_dice", **dict(bridge.OPENSPIEL_PARAMS, dice=2))
    state = play(game.new_initial_state(), ["Roll 1", "Roll 2", "Roll 3", "Roll 4"])
    with pytest.raises(ValueError, match="OpenSpiel configuration"):
        agent.policy(state.observation(0))


def test_save_and_load_round_trip(tmp_path: Path, agent: cfr.CFRAgent):
    path = tmp_path / "table.bin"
    cfr.save_table(path, agent.table)
    loaded = cfr.load_table(path)
    np.testing.assert_array_equal(loaded.probs, agent.table.probs)
    assert (loaded.iterations, loaded.nash_conv) == (agent.table.iterations, agent.table.nash_conv)
    assert loaded.openspiel_version == agent.table.openspiel_version


def _write_npz(path: Path, **arrays: np.ndarray) -> Path:
    np.savez_compressed(path, **arrays)
    return path


def _bad_tables(tmp_path: Path, probs: np.ndarray) -> dict[str, Path]:
    meta = {
        "iterations": np.int64(1),
        "nash_conv": np.float64(0.0),
        "openspiel_version": np.frombuffer(b"2.0.2", dtype=np.uint8),
    }
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip file at all")
    uniform = np.ones_like(probs)
    pickled = np.empty(2, dtype=object)
    return {
        "missing": tmp_path / "nowhere.npz",
        "garbage": garbage,
        "no_probs": _write_npz(tmp_path / "no_probs.npz", **meta),
        "shape": _write_npz(tmp_path / "shape.npz", probs=probs[:10], **meta),
        "illegal": _write_npz(tmp_path / "illegal.npz", probs=uniform / 13, **meta),
        "pickle": _write_npz(tmp_path / "pickle.npz", probs=pickled, **meta),
        "metadata": _write_npz(
            tmp_path / "metadata.npz", probs=probs, **dict(meta, iterations=np.arange(3))
        ),
    }


def test_missing_or_corrupt_table_gives_a_clear_error(tmp_path: Path, agent: cfr.CFRAgent):
    for kind, path in _bad_tables(tmp_path, agent.table.probs).items():
        with pytest.raises(cfr.CFRTableError, match="make_cfr_policy") as excinfo:
            cfr.CFRAgent(table_path=path)
        assert str(path) in str(excinfo.value), kind
