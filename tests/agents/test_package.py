"""The agent package format and its specs (agents/package.py, agents/zoo)."""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from safetensors.torch import save

import agents.zoo
import games
from agents.base import AgentSpecError, check_agent, load_agent
from agents.mlp import MLPActor
from agents.neural import ActorConfig, NeuralAgent
from agents.package import (
    FORMAT,
    MANIFEST_FILE,
    WEIGHTS_FILE,
    PackageError,
    PackageSetAgent,
    load_package,
    read_manifest,
    save_package,
    zoo_names,
)
from games.core import Game, Observation
from tests.games.helpers import decision_observations

GAME = games.make("liars_dice", players=2, dice=1)
TRAINING = {"steps": 1000, "seed": 3, "config": {"lr": 0.0003}, "wall_time_s": 1.5}


def make_actor(game: Game = GAME, seed: int = 0) -> MLPActor:
    torch.manual_seed(seed)
    return MLPActor(ActorConfig.for_game(game, hidden=(16,)))


def export(path: Path, game: Game = GAME, seed: int = 0, name: str = "test-agent") -> Path:
    """A fresh package of a seeded actor for ``game`` at ``path``."""
    return save_package(
        path,
        make_actor(game, seed),
        name=name,
        game=game,
        method="ctde",
        training=TRAINING,
        evaluation={"vs_random": 0.8},
    )


def policies(agent: Any, game: Game = GAME, count: int = 100) -> np.ndarray:
    return np.stack([agent.policy(o) for o in decision_observations(game, count)])


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return export(tmp_path / "pkg")


def rewrite(
    package: Path,
    edit: Any = None,
    *,
    weights: bytes | None = None,
    rehash: bool = True,
) -> Path:
    """Change a package in place: its manifest (``edit(dict)``), its weights, or both.

    With ``rehash`` the manifest's ``weights_sha256`` is updated to the new weights, so that
    only the check under test can refuse the package.
    """
    if weights is not None:
        (package / WEIGHTS_FILE).write_bytes(weights)
    data = json.loads((package / MANIFEST_FILE).read_text())
    if rehash:
        data["weights_sha256"] = hashlib.sha256((package / WEIGHTS_FILE).read_bytes()).hexdigest()
    if edit is not None:
        edit(data)
    (package / MANIFEST_FILE).write_text(json.dumps(data))
    return package


def zip_package(package: Path, target: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for name in (MANIFEST_FILE, WEIGHTS_FILE):
            archive.write(package / name, prefix + name)
    return target


# --------------------------------------------------------------------------- round trip


def test_round_trip_gives_identical_policies(package: Path):
    actor = make_actor()
    original = NeuralAgent.for_game(actor, GAME)
    loaded = load_package(package)
    assert isinstance(loaded, NeuralAgent)
    for key, tensor in actor.state_dict().items():
        assert torch.equal(loaded.actor.state_dict()[key], tensor)
    np.testing.assert_array_equal(policies(loaded), policies(original))
    assert loaded.name == "test-agent" and loaded.supports(GAME) is None


def test_manifest_records_everything(package: Path):
    manifest = read_manifest(package)
    assert manifest.format == FORMAT
    assert (manifest.game, manifest.params) == ("liars_dice", GAME.params)
    assert manifest.method == "ctde"
    assert manifest.architecture == ActorConfig.for_game(GAME, hidden=(16,))
    assert manifest.observation_encoding == GAME.observation_encoding
    assert manifest.training == TRAINING and manifest.evaluation == {"vs_random": 0.8}
    digest = hashlib.sha256((package / WEIGHTS_FILE).read_bytes()).hexdigest()
    assert manifest.weights_sha256 == digest
    assert manifest.make_game() == GAME
    assert json.loads((package / MANIFEST_FILE).read_text()) == manifest.to_json()


def test_zip_round_trip_flat_nested_and_written(package: Path, tmp_path: Path):
    expected = policies(load_package(package))
    flat = zip_package(package, tmp_path / "flat.zip")
    nested = zip_package(package, tmp_path / "nested.zip", prefix="my-agent/")
    written = export(tmp_path / "written.zip")
    for path in (flat, nested, written, package / MANIFEST_FILE):
        np.testing.assert_array_equal(policies(load_package(path)), expected)


@pytest.mark.parametrize("form", ["dir", "zip", "agent.json"])
def test_specs_resolve_packages(package: Path, tmp_path: Path, form: str):
    path = {
        "dir": package,
        "zip": zip_package(package, tmp_path / "a.zip"),
        "agent.json": package / MANIFEST_FILE,
    }[form]
    agent = load_agent(str(path))
    assert isinstance(agent, NeuralAgent)
    check_agent(str(path), GAME)
    with pytest.raises(AgentSpecError, match="mode='single_round'"):
        check_agent(str(path), games.make("liars_dice", players=2, dice=1, mode="single_round"))
    agent.reset(GAME, seat=1, seed=0)
    obs = decision_observations(GAME, 1)[0]
    assert obs.legal_mask[agent.act(obs)] == 1


def test_specs_that_are_not_packages(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(PackageError, match="not an agent package"):
        load_agent(str(tmp_path / "empty"))
    with pytest.raises(AgentSpecError, match="unknown agent"):
        load_agent(str(tmp_path / "missing"))


def test_overwrite_is_explicit(package: Path):
    with pytest.raises(FileExistsError):
        export(package)
    save_package(
        package,
        make_actor(seed=1),
        name="b",
        game=GAME,
        method="cadp",
        training=TRAINING,
        evaluation={},
        overwrite=True,
    )
    assert read_manifest(package).name == "b"


def test_save_refuses_bad_metadata(tmp_path: Path):
    def save_with(**changes: Any) -> None:
        kwargs = {"name": "x", "game": GAME, "method": "ctde", "training": TRAINING}
        kwargs.update(changes)
        save_package(tmp_path / "x", make_actor(), evaluation={}, **kwargs)

    with pytest.raises(ValueError, match="obs_dim"):
        save_with(game=games.make("liars_dice", players=3, dice=1))
    with pytest.raises(PackageError, match=r"training\.steps"):
        save_with(training={"seed": 0, "config": {}})
    with pytest.raises(ValueError, match="JSON"):
        save_with(training={**TRAINING, "loss": float("nan")})
    with pytest.raises(PackageError, match="'name' must not be empty"):
        save_with(name=" ")
    assert not (tmp_path / "x" / MANIFEST_FILE).exists()


# --------------------------------------------------------------------------- local only


def test_agent_acts_from_the_local_observation_alone(package: Path):
    agent = load_package(package)
    agent.reset(GAME, seat=0, seed=0)
    # Same own die (face 3), different hidden opponent die (face 1 vs face 6).
    states = []
    for opponent_die in (0, 5):
        state = GAME.new_initial_state()
        state.apply_action(2)
        state.apply_action(opponent_die)
        state.apply_action(state.legal_actions()[3])  # seat 0 bids
        state.apply_action(state.legal_actions()[0])  # seat 1 raises
        states.append(state)
    a, b = states
    assert not np.array_equal(a.global_state_tensor(), b.global_state_tensor())
    np.testing.assert_array_equal(a.observation_tensor(0), b.observation_tensor(0))
    policy = agent.policy(a.observation(0))
    np.testing.assert_array_equal(agent.policy(b.observation(0)), policy)
    # Only the tensor and the mask matter: no text, another seat number, or a bare object.
    bare = Observation(player=1, tensor=a.observation_tensor(0), legal_mask=a.legal_actions_mask())
    np.testing.assert_array_equal(agent.policy(bare), policy)

    class TensorAndMask:
        __slots__ = ("legal_mask", "tensor")

        def __init__(self, tensor: np.ndarray, legal_mask: np.ndarray) -> None:
            self.tensor, self.legal_mask = tensor, legal_mask

    minimal = TensorAndMask(a.observation_tensor(0), a.legal_actions_mask())
    np.testing.assert_array_equal(agent.policy(minimal), policy)  # type: ignore[arg-type]
    assert a.legal_actions_mask()[agent.act(minimal)] == 1  # type: ignore[arg-type]


# --------------------------------------------------------------------------- refusals


class CreatesFile:
    """Unpickling this object opens (creates) ``path``: code run by a pickle."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        return (open, (str(self.path), "w"))


def test_pickle_weights_are_refused_without_running_code(package: Path, tmp_path: Path):
    control = tmp_path / "control"
    pickle.loads(pickle.dumps(CreatesFile(control))).close()
    assert control.exists()  # the payload does run when unpickled...
    marker = tmp_path / "marker"
    rewrite(package, weights=pickle.dumps({"head.weight": CreatesFile(marker)}))
    read_manifest(package)  # ...its hash matches, so only the format check can refuse it
    with pytest.raises(PackageError, match=r"actor\.safetensors: not a valid safetensors file"):
        load_package(package)
    assert not marker.exists()


def test_torch_checkpoint_weights_are_refused(package: Path, tmp_path: Path):
    marker = tmp_path / "marker"
    buffer = io.BytesIO()
    torch.save({"head.weight": CreatesFile(marker)}, buffer)
    rewrite(package, weights=buffer.getvalue())
    with pytest.raises(PackageError, match="not a valid safetensors file"):
        load_package(package)
    assert not marker.exists()


def test_hash_mismatch_is_refused(package: Path):
    weights = bytearray((package / WEIGHTS_FILE).read_bytes())
    weights[-1] ^= 1  # one bit of one weight
    rewrite(package, weights=bytes(weights), rehash=False)
    with pytest.raises(PackageError, match=r"sha256 .* does not match weights_sha256"):
        read_manifest(package)
    with pytest.raises(PackageError, match=re.escape(str(package))):
        load_package(package)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(game="chess"), "unknown game 'chess'"),
        (lambda d: d.update(game="skull"), "unknown parameter 'bidding_rule' for game 'skull'"),
        (lambda d: d["params"].update(players=9), "invalid value 9 for parameter 'players'"),
        (lambda d: d["params"].pop("mode"), "complete parameters"),
        (lambda d: d["params"].update(players="2"), "complete parameters"),
        (lambda d: d["params"].update(name="x"), "game 'liars_dice'"),
        (lambda d: d.update(observation_encoding="liars_dice-obs-v0"), "observation_encoding"),
        (lambda d: d["params"].update(players=3), "obs_dim 36 != observation_shape"),
        (lambda d: d["architecture"].update(num_actions=12), "num_actions 12"),
    ],
)
def test_other_game_params_or_encoding_are_refused(package: Path, edit, message):
    rewrite(package, edit)
    with pytest.raises(PackageError, match=message) as info:
        load_package(package)
    assert f"agent package {package}: agent.json" in str(info.value)


def test_package_is_refused_when_the_game_encoding_changes(package: Path, monkeypatch):
    game_class = type(GAME)
    monkeypatch.setattr(game_class, "observation_encoding", property(lambda self: "ld-obs-v2"))
    with pytest.raises(PackageError, match="'ld-obs-v2'"):
        load_package(package)


def test_other_params_are_refused_at_play_time(package: Path):
    agent = load_package(package)
    other = games.make("liars_dice", players=2, dice=1, wild="none")
    assert "wild='none'" in agent.supports(other)
    with pytest.raises(AgentSpecError, match="cannot play"):
        agent.reset(other, seat=0, seed=0)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "malformed JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b"\xff\xfe{}", "malformed JSON"),
        (b'{"format": "bluff-arena-agent/1", "x": NaN}', "malformed JSON"),
        (b"", "malformed JSON"),
    ],
)
def test_malformed_json_is_refused(package: Path, data: bytes, message: str):
    (package / MANIFEST_FILE).write_bytes(data)
    with pytest.raises(PackageError, match=message):
        read_manifest(package)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.pop("method"), "missing field.* method"),
        (lambda d: d.pop("weights_sha256"), "missing field.* weights_sha256"),
        (lambda d: d.update(extra=1), "unknown field.* extra"),
        (lambda d: d.update(format="bluff-arena-agent/2"), "format must be"),
        (lambda d: d.pop("format"), "format must be"),
        (lambda d: d.update(params=[2, 1]), "'params' must be a JSON object"),
        (lambda d: d.update(name=3), "'name' must be a JSON string"),
        (lambda d: d.update(training="lots"), "'training' must be a JSON object"),
        (lambda d: d.update(evaluation=None), "'evaluation' must be a JSON object"),
        (lambda d: d.update(method=""), "'method' must not be empty"),
        (lambda d: d.update(weights_sha256="ABC"), "64 lowercase hex"),
        (lambda d: d.update(created="yesterday"), "ISO 8601"),
        (lambda d: d["training"].pop("seed"), "training.seed"),
        (lambda d: d["training"].update(steps=True), "training.steps"),
        (lambda d: d["training"].update(config=[]), "training.config"),
        (lambda d: d["architecture"].update(hidden="16"), "architecture: hidden"),
        (lambda d: d["architecture"].update(activation="gelu"), "architecture: activation"),
        (lambda d: d["architecture"].pop("obs_dim"), "architecture: .*missing"),
    ],
)
def test_missing_or_ill_typed_fields_are_refused(package: Path, edit, message):
    rewrite(package, edit)
    with pytest.raises(PackageError, match=message) as info:
        read_manifest(package)
    assert f"agent package {package}: agent.json: " in str(info.value)


def test_missing_files_are_refused(package: Path):
    (package / WEIGHTS_FILE).unlink()
    with pytest.raises(PackageError, match=r"missing actor\.safetensors"):
        read_manifest(package)
    (package / MANIFEST_FILE).unlink()
    with pytest.raises(PackageError, match=r"missing agent\.json"):
        load_package(package)
    with pytest.raises(PackageError, match="no such file"):
        load_package(package / "nowhere.zip")


def _tensors(package: Path) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in load_package(package).actor.state_dict().items()}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.update({"head.bias": torch.zeros(12)}), r"'head.bias' is .*\(12,\)"),
        (
            lambda t: t.update({"trunk.0.weight": torch.zeros(36, 16)}),
            r"is float32 \(36, 16\), expected float32 \(16, 36\)",
        ),
        (lambda t: t.pop("head.bias"), r"missing \['head.bias'\]"),
        (lambda t: t.update({"critic.weight": torch.zeros(1, 16)}), "unexpected .*critic"),
        (lambda t: t.update({"head.bias": torch.zeros(13, dtype=torch.float64)}), "float64"),
        (
            lambda t: t.update({"head.bias": torch.zeros(13, dtype=torch.bfloat16)}),
            "tensors must be float32, found dtype 'BF16'",
        ),
        (lambda t: t["head.bias"].fill_(float("nan")), "NaN"),
    ],
)
def test_wrong_tensors_are_refused(package: Path, change, message):
    tensors = _tensors(package)
    change(tensors)
    rewrite(package, weights=save(tensors))
    read_manifest(package)  # the hash matches: only the tensor check can refuse
    with pytest.raises(PackageError, match=message) as info:
        load_package(package)
    assert "actor.safetensors" in str(info.value)


@pytest.mark.parametrize(
    ("member", "reason"),
    [
        ("../evil.txt", "'..'"),
        ("sub/../../evil.txt", "'..'"),
        ("/tmp/evil.txt", "absolute"),
        ("C:/evil.txt", "absolute"),
        ("..\\evil.txt", "backslash"),
    ],
)
def test_zip_with_path_traversal_is_refused(package: Path, tmp_path: Path, member, reason):
    target = zip_package(package, tmp_path / "evil.zip")
    with zipfile.ZipFile(target, "a") as archive:
        archive.writestr(zipfile.ZipInfo(member), b"pwned")
    with pytest.raises(PackageError, match=f"zip member .* refused .*{reason}"):
        load_package(target)
    with pytest.raises(PackageError):
        load_agent(str(target))
    assert not (tmp_path.parent / "evil.txt").exists()
    assert not Path("/tmp/evil.txt").exists()


def test_zip_with_symlink_or_garbage_is_refused(package: Path, tmp_path: Path):
    target = zip_package(package, tmp_path / "link.zip")
    with zipfile.ZipFile(target, "a") as archive:
        info = zipfile.ZipInfo("link")
        info.external_attr = (0o120777 << 16) & 0xFFFF0000
        archive.writestr(info, "/etc/passwd")
    with pytest.raises(PackageError, match="symbolic link"):
        load_package(target)
    garbage = tmp_path / "garbage.zip"
    garbage.write_bytes(b"not a zip")
    with pytest.raises(PackageError, match="not a readable zip"):
        load_package(garbage)


# --------------------------------------------------------------------------- zoo


def test_zoo_is_empty_and_unknown_names_list_it():
    names = zoo_names()
    assert names == agents.zoo.zoo_names()
    with pytest.raises(AgentSpecError, match="unknown zoo agent 'zoo:no-such-agent'") as info:
        load_agent("zoo:no-such-agent")
    for name in names:
        assert f"zoo:{name}" in str(info.value)
    if not names:
        assert "the zoo is empty" in str(info.value)


@pytest.fixture
def zoo(tmp_path: Path, monkeypatch) -> Path:
    """A temporary zoo: ``solo`` (one package) and ``trio`` (one per player count)."""
    root = tmp_path / "zoo"
    export(root / "solo", name="solo")
    for players in (2, 3):
        export(root / "trio" / f"p{players}", games.make("liars_dice", players=players, dice=1))
    (root / "__pycache__").mkdir()
    monkeypatch.setattr(agents.zoo, "zoo_root", lambda: root)
    return root


def test_zoo_names_and_unknown_name(zoo: Path):
    assert zoo_names() == ["solo", "trio"]
    for spec in ("zoo:nope", "zoo:../zoo/solo", "zoo:__pycache__"):
        with pytest.raises(AgentSpecError, match="bundled agents are zoo:solo, zoo:trio"):
            load_agent(spec)


def test_zoo_single_package(zoo: Path):
    agent = load_agent("zoo:solo")
    assert isinstance(agent, NeuralAgent) and agent.name == "zoo:solo"
    np.testing.assert_array_equal(policies(agent), policies(load_package(zoo / "solo")))


def test_zoo_package_set_picks_the_configuration(zoo: Path):
    agent = load_agent("zoo:trio")
    assert isinstance(agent, PackageSetAgent) and agent.name == "zoo:trio"
    for players in (2, 3):
        game = games.make("liars_dice", players=players, dice=1)
        check_agent("zoo:trio", game)
        agent.reset(game, seat=1, seed=0)
        expected = policies(load_package(zoo / "trio" / f"p{players}"), game, 30)
        np.testing.assert_array_equal(policies(agent, game, 30), expected)
        obs = decision_observations(game, 5)
        assert all(o.legal_mask[a] == 1 for o, a in zip(obs, agent.act_batch(obs), strict=True))
    four = games.make("liars_dice", players=4, dice=1)
    reason = agent.supports(four)
    assert "players=2" in reason and "players=3" in reason
    with pytest.raises(AgentSpecError, match="it plays only"):
        check_agent("zoo:trio", four)


def test_package_set_refuses_duplicates_and_acting_before_reset(zoo: Path):
    export(zoo / "trio" / "again", games.make("liars_dice", players=2, dice=1))
    with pytest.raises(PackageError, match="both play liars_dice"):
        load_agent("zoo:trio")
    agent = PackageSetAgent([zoo / "solo"], name="set")
    with pytest.raises(RuntimeError, match="reset"):
        agent.act(decision_observations(GAME, 1)[0])


def test_directory_of_packages_is_a_spec(zoo: Path):
    agent = load_agent(str(zoo / "trio"))
    assert isinstance(agent, PackageSetAgent)
    assert len(agent.configurations()) == 2


# --------------------------------------------------------------------------- no torch


def test_package_resolver_and_builtins_do_not_import_torch():
    code = (
        "import sys, agents.package; from agents.base import load_agent, resolve; "
        "load_agent('random'); resolve('agents.random:RandomAgent'); "
        "from agents.package import resolve_spec; assert resolve_spec('heuristic') is None; "
        "print('torch' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"


def test_playing_a_package_never_imports_torch():
    """An agent host loads and plays a neural package with numpy alone (no 1.5 s torch import,
    no 250 MB per host)."""
    code = (
        "import sys, games\n"
        "from agents.base import load_agent\n"
        "game = games.make('skull', players=4)\n"
        "agent = load_agent('zoo:skull')\n"
        "agent.reset(game, 0, 1)\n"
        "state = game.new_initial_state()\n"
        "agent.act(state.observation(state.current_player()))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'torch'))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
