"""The Ray executor on a local two-node cluster (arena/ray_executor.py).

Same rows as the local executor for the same seed; an actor killed or a node removed mid-run
still gives every game exactly once; packages are shipped to the other node and hash-checked
there.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

from ray.cluster_utils import Cluster  # noqa: E402

from arena.ladder import GameRow, Ladder  # noqa: E402
from arena.options import RunOptions  # noqa: E402
from arena.ray_executor import RayExecutor  # noqa: E402
from arena.referee import Referee  # noqa: E402
from arena.tournament import TournamentConfig, agent_hashes, create, run  # noqa: E402

DUEL = {"players": 2, "dice": 1, "mode": "single_round"}
SMALL = RunOptions(workers=2, executor="ray", chunk_size=2, batch_size=2)
ZOO_DUEL = Path(__file__).resolve().parents[2] / "agents" / "zoo" / "liars-dice-duel"


@pytest.fixture(scope="module")
def cluster():
    """A head node and one worker node, one CPU each (so one actor on each)."""
    cluster = Cluster(
        initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False}
    )
    cluster.worker = cluster.add_node(num_cpus=1)
    ray.init(address=cluster.address, log_to_driver=False)
    yield cluster
    ray.shutdown()
    cluster.shutdown()


_FIELDS = ("index", "seats", "returns", "history", "forfeits")


def _key(row: GameRow) -> tuple:
    """What must not depend on the executor: index, seats, returns, history, forfeits."""
    *rest, forfeits = (tuple(getattr(row, f)) for f in _FIELDS[1:])
    return (row.index, *rest, tuple(map(tuple, forfeits)))


def _expected(config: TournamentConfig) -> list[tuple]:
    """The rows of every game, played here by one referee."""
    referee = Referee(config, RunOptions())
    try:
        return sorted(_key(r) for r in referee.play(config.schedule()))
    finally:
        referee.close()


class _PatientExecutor(RayExecutor):
    """A Ray executor that submits no game before all its first actors are up.

    So that every node plays: the head node's actor alone could otherwise play a small
    tournament before the other node's actor has started (CI, a loaded machine), and a fault
    aimed at the other node would never happen.
    """

    _all_up = False

    def _submit(self, queue, inflight) -> None:
        self._all_up = self._all_up or all(slot.ready for slot in self.actors)
        if self._all_up:
            super()._submit(queue, inflight)


def _play(config, tmp_path, *, fault=None, options=SMALL, stop=lambda: False):
    """Every row the Ray executor yields (repeats kept), and the executor (closed).

    ``fault(executor)`` is called after each chunk until it returns True (it did its harm).
    """
    executor = _PatientExecutor(config, options, tmp_path / "agents.log", tmp_path / "work")
    rows = []
    try:
        for chunk in executor.run(config.schedule(), stop=stop):
            if fault is not None and fault(executor):
                fault = None
            rows += [_key(r) for r in chunk]
        assert fault is None, "the fault never happened"
        executor.nodes = {slot.node for slot in executor.actors if slot.ready}
    finally:
        executor.close()
    return sorted(rows), executor


def _config(**kwargs) -> TournamentConfig:
    base = dict(game="liars_dice", params=DUEL, agents=("random", "heuristic"), seed=11)
    return TournamentConfig(**{**base, "games_per_pairing": 8, **kwargs})


def test_rows_are_those_of_the_local_executor(cluster, tmp_path):
    config = TournamentConfig(
        game="liars_dice",
        params=DUEL,
        agents=("random", "heuristic", "cfr"),
        games_per_pairing=6,
        seed=7,
    )
    rows = {}
    for executor, options in (
        ("local", RunOptions(workers=1, executor="local", log_dir=str(tmp_path / "logs"))),
        ("ray", RunOptions(workers=2, executor="ray", batch_size=4, log_dir=str(tmp_path))),
    ):
        ladder = Ladder(tmp_path / f"{executor}.db")
        summary = run(ladder, create(ladder, config, "t"), options=options)
        assert summary.remaining == 0
        games = sorted(ladder.games(tournament="t"), key=lambda g: g.index)
        rows[executor] = [_key(g) for g in games]
    assert rows["ray"] == rows["local"]
    assert len(rows["ray"]) == len(config.schedule()) == 3 * 6 * 2


def test_an_actor_killed_mid_run_replays_its_chunks_once(cluster, tmp_path):
    config = _config()

    def kill_a_busy_actor(executor: RayExecutor) -> bool:
        victim = max(executor.actors, key=lambda slot: slot.load)
        if victim.load:
            ray.kill(victim.handle)
        return victim.load > 0

    rows, executor = _play(config, tmp_path, fault=kill_a_busy_actor)
    assert executor.deaths >= 1
    assert rows == _expected(config)  # every index exactly once, the same rows


def test_stop_finishes_the_chunks_in_flight_and_submits_no_more(cluster, tmp_path):
    config = _config(seed=13)
    stopped = []
    rows, _ = _play(config, tmp_path, fault=lambda ex: not stopped.append(ex), stop=lambda: stopped)
    assert 0 < len(rows) < len(config.schedule())
    assert len({row[0] for row in rows}) == len(rows)
    assert set(rows) <= set(_expected(config))


def test_packages_are_shipped_to_other_nodes_and_hash_checked_there(cluster, tmp_path):
    package = tmp_path / "duel"
    shutil.copytree(ZOO_DUEL, package)
    config = _config(agents=("random", str(package)), games_per_pairing=3)
    config = TournamentConfig(**{**config.to_json(), "hashes": agent_hashes(config.agents)})
    rows, executor = _play(config, tmp_path, options=RunOptions(workers=2, executor="ray"))
    assert len(executor.nodes) == 2  # one actor played on the other node, from its copy
    assert rows == _expected(config)
    assert not any(forfeits for *_, forfeits in rows)
    # A package changed after the tournament was created is refused on every node.
    (package / "agent.json").write_text((package / "agent.json").read_text() + " ")
    rows, _ = _play(config, tmp_path, options=RunOptions(workers=2, executor="ray"))
    assert len(rows) == len(config.schedule())
    assert all(forfeits for *_, forfeits in rows)


def test_a_node_removed_mid_run_still_gives_every_game_once(cluster, tmp_path):
    config = _config(seed=12, games_per_pairing=12)

    def remove_the_busy_worker_node(executor: RayExecutor) -> bool:
        node = cluster.worker.node_id
        if any(slot.node == node and slot.load for slot in executor.actors):
            cluster.remove_node(cluster.worker)
            return True
        return False

    try:
        rows, executor = _play(config, tmp_path, fault=remove_the_busy_worker_node)
    finally:
        cluster.worker = cluster.add_node(num_cpus=1)
    assert executor.deaths >= 1
    assert rows == _expected(config)
