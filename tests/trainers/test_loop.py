"""The shared training loop (trainers/loop.py and the modules it drives): the method contract,
the one learning-rate schedule, the magnet in every method, its refresh, the entropy schedule,
the snapshot pool, signals and resume."""

from __future__ import annotations

import math
import signal

import numpy as np
import pytest
import torch

from tests.trainers.helpers import assert_same_networks
from trainers.checkpoint import load_checkpoint
from trainers.config import load_config
from trainers.logger import MetricsLog, parse_cell
from trainers.loop import train
from trainers.methods import Method, get_method
from trainers.run import build_run
from trainers.schedules import LearningRates, entropy_weight
from trainers.signals import StopSignals
from trainers.update import update_once

TINY = [
    "params.players=3",
    "num_envs=16",
    "steps_per_env=8",
    "eval_every=0",
    "eval_games=10",
    "actor_hidden=[16]",
    "critic_hidden=[16]",
    "opponent_agents=[]",
    "opponent_agent_prob=0",
    "cadp_heads=2",
    "cadp_head_dim=8",
    "cadp_advice_dim=8",
    "ctedd_global_hidden=[16]",
    "distill_batch=64",
]
MAGNET = ["magnet_coef=0.5", "magnet_every=2"]


def _weights_equal(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    pairs = zip(a.state_dict().values(), b.state_dict().values(), strict=True)
    return all(torch.equal(x, y) for x, y in pairs)


def test_a_method_must_say_how_to_build_and_run_its_actor_and_inherits_the_rest():
    class Incomplete(Method):
        name = "incomplete"

    with pytest.raises(TypeError, match="build_actor"):
        Incomplete()
    ctde = get_method("ctde")
    assert isinstance(ctde, Method) and ctde.policy_inputs == "obs"
    assert [get_method(m).policy_inputs for m in ("cadp", "ctedd")] == ["views", "global"]
    assert ctde.inputs(load_config("liars_dice_duel_ctde"), 7) == "obs"


def test_the_learning_rates_follow_the_methods_one_schedule():
    cfg = load_config("skull_ctedd", [*TINY, "total_decisions=512"])  # 2 global + 2 distill
    method = get_method("ctedd")
    assert method.learning_rates(cfg, 1) == LearningRates(cfg.lr / 2, cfg.critic_lr / 2)
    assert method.learning_rates(cfg, 3) == LearningRates(cfg.distill_lr / 2, 0.0)
    run = build_run(cfg, method)
    for update in range(cfg.num_updates):  # set once, before collection, for the whole update
        update_once(run, method)
        expected = method.learning_rates(cfg, update)
        assert run.actor_opt.param_groups[0]["lr"] == expected.actor
        assert run.critic_opt.param_groups[0]["lr"] == expected.critic
    ctde = load_config("skull_ctde", [*TINY, "total_decisions=512"])
    halfway = get_method("ctde").learning_rates(ctde, 2)  # of 4 updates
    assert halfway == LearningRates(ctde.lr / 2, ctde.critic_lr / 2)


@pytest.mark.parametrize("method", ["ctde", "cadp", "ctedd"])
def test_every_method_gets_the_magnet_term_and_its_refresh(method):
    cfg = load_config(f"skull_{method}", [*TINY, *MAGNET, "total_decisions=4096"])
    entry = get_method(method)
    run = build_run(cfg, entry)
    assert _weights_equal(run.magnet, run.actor)  # the magnet starts as the initial policy
    first = update_once(run, entry)
    assert math.isfinite(first["magnet_kl"]) and first["magnet_kl"] > 0  # the actor moved
    assert not _weights_equal(run.magnet, run.actor)
    update_once(run, entry)  # update 2: the magnet becomes the current policy
    assert _weights_equal(run.magnet, run.actor)
    plain = build_run(load_config(f"skull_{method}", [*TINY, "total_decisions=4096"]), entry)
    assert plain.magnet is None and "magnet_kl" not in update_once(plain, entry)


def test_the_entropy_bonus_can_reach_0_before_the_end():
    cfg = load_config("skull_ctde", ["entropy_coef=0.1", "entropy_final=0", "entropy_until=0.5"])
    assert entropy_weight(cfg, 0.0) == 0.1
    assert entropy_weight(cfg, 0.25) == pytest.approx(0.05)
    assert entropy_weight(cfg, 0.5) == entropy_weight(cfg, 0.9) == 0.0
    default = load_config("skull_ctde", ["entropy_coef=0.1", "entropy_final=0.02"])
    assert entropy_weight(default, 0.5) == pytest.approx(0.06)  # linear over the whole budget


def test_trimming_the_pool_never_changes_the_opponent_of_a_game_in_progress():
    settings = ["pool_size=1", "snapshot_every=1", "pool_prob=1.0", "steps_per_env=2"]
    per_game = "engine=per-game"  # each game a State object, to tell the games apart
    cfg = load_config("skull_ctde", [*TINY, *settings, per_game, "total_decisions=100000"])
    entry = get_method("ctde")
    run = build_run(cfg, entry)
    playing: dict[int, torch.nn.Module] = {}  # id of a game's state -> its opponent network
    kept_older = 0
    for _ in range(12):
        update_once(run, entry)
        for e, state in enumerate(run.games.states):
            k = int(run.games.opponent[e])
            if k < 0:
                continue
            if id(state) in playing:
                assert run.pool[k] is playing[id(state)]  # the same snapshot all game long
            playing[id(state)] = run.pool[k]
        kept_older = max(kept_older, len(run.pool) - cfg.pool_size)
        in_use = {int(k) for k in run.games.opponent if k >= 0}
        assert set(run.pool) <= in_use | {max(run.pool)}  # nothing else is kept
    assert kept_older > 0  # the case arose: an older snapshot was kept for its games


def test_resume_with_the_magnet_and_a_trimmed_pool_continues_exactly(tmp_path):
    settings = [*MAGNET, "pool_size=1", "snapshot_every=1", "pool_prob=0.7", "steps_per_env=2"]
    cfg = load_config("skull_ctde", [*TINY, *settings, "total_decisions=256", "epochs=1"])
    whole = train(cfg, tmp_path / "whole", progress=False)
    train(cfg, tmp_path / "part", progress=False, stop_after=3)
    assert load_checkpoint(tmp_path / "part")["magnet"] is not None
    resumed = train(cfg, tmp_path / "part", progress=False, resume=True)
    assert resumed.update == whole.update == 8
    assert_same_networks(whole, resumed)
    assert _weights_equal(whole.magnet, resumed.magnet)


def test_a_first_signal_asks_to_stop_and_a_second_aborts():
    before = signal.getsignal(signal.SIGINT)  # an earlier test in this worker may have set it
    with StopSignals() as stop:
        assert signal.getsignal(signal.SIGINT) == stop.handle
        stop.handle(signal.SIGTERM, None)
        assert stop.name == "SIGTERM"
        with pytest.raises(KeyboardInterrupt):
            stop.handle(signal.SIGINT, None)
    assert signal.getsignal(signal.SIGINT) is before  # the handler it replaced is back


def test_metrics_cells_keep_their_type():
    assert [parse_cell(c) for c in ("12", "-3", "12.0", "0.5", "", "x")] == [
        12,
        -3,
        12.0,
        0.5,
        None,
        "x",
    ]
    assert isinstance(parse_cell("12.0"), float) and np.isnan(parse_cell("nan"))


def test_the_package_curves_are_the_evaluations_against_the_update(tmp_path):
    log = MetricsLog(tmp_path)
    log.add({"update": 1, "pg_loss": 0.3, "nash_conv": None, "win_vs_random": None})
    log.add({"update": 2, "pg_loss": 0.2, "nash_conv": 0.9, "win_vs_random": 0.6})
    log.add({"update": 3, "pg_loss": 0.1, "cadp_c_nash_conv": 0.7, "win_vs_random": 0.7})
    assert log.curves() == {
        "win_vs_random": [[2.0, 0.6], [3.0, 0.7]],
        "nash_conv": [[2.0, 0.9]],
        "cadp_c_nash_conv": [[3.0, 0.7]],
    }
    assert MetricsLog(tmp_path).curves() == log.curves()  # read back from metrics.csv


AHEAD = [*MAGNET, "pool_size=2", "snapshot_every=1", "pool_prob=0.3", "total_decisions=1024"]
AHEAD += ["opponent_agents=['heuristic']", "opponent_agent_prob=0.3", "minibatches=2"]
AHEAD += ["prune_start=0.2", "prune_hard=0.5", "ctedd_global_fraction=0.375"]
AHEAD += ["ctedd_local_fraction=0.375"]  # CTEDD: 3 global updates, 2 distilling, 3 local
TIMINGS = {"decisions_per_s", "collect_share"}


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("method", ["ctde", "cadp", "ctedd"])
def test_the_next_batch_collected_while_the_critic_learns_changes_nothing(
    method, threads, monkeypatch
):
    monkeypatch.undo()  # two real threads: the next batch is collected beside the critic
    torch.set_num_threads(threads)
    cfg = load_config(f"skull_{method}", [*TINY, *AHEAD, f"threads={threads}"])
    entry = get_method(method)
    runs, logs = [], []
    for prefetch in (False, True):
        run = build_run(cfg, entry)
        log = []
        for k in range(8):
            log.append(update_once(run, entry, prefetch and k < 7))
            assert (run.next_batch is not None) == (prefetch and k < 7)
        logs.append(log)
        runs.append(run)
    plain, ahead = runs
    assert_same_networks(plain, ahead)
    assert _weights_equal(plain.magnet, ahead.magnet)
    assert plain.games.to_json() == ahead.games.to_json()
    assert sorted(plain.pool) == sorted(ahead.pool)
    for a, b in zip(*logs, strict=True):
        assert {k: v for k, v in a.items() if k not in TIMINGS} == pytest.approx(
            {k: v for k, v in b.items() if k not in TIMINGS}, nan_ok=True, rel=0, abs=0
        )
    if method == "cadp":
        assert ahead.actor.pruned  # the batch after hard pruning was collected pruned
    if method == "ctedd":
        assert logs[1][-1]["local_phase"] == 1.0


def test_a_stop_signal_learns_the_batch_collected_ahead_then_checkpoints(tmp_path, monkeypatch):
    # Stopped while the next batch is already collected, the run learns from it before the
    # checkpoint (whose games must not be a batch ahead of the networks); resumed, it ends
    # exactly where an uninterrupted run does.
    monkeypatch.undo()
    torch.set_num_threads(2)
    cfg = load_config("skull_ctde", [*TINY, *AHEAD, "threads=2", "checkpoint_every=100"])
    whole = train(cfg, tmp_path / "whole", progress=False)
    import trainers.loop as loop

    def signalled(run, method, prefetch):
        metrics = update_once(run, method, prefetch)
        if run.update == 3:
            assert run.next_batch is not None  # the fourth update's batch
            signal.raise_signal(signal.SIGINT)
        return metrics

    monkeypatch.setattr(loop, "update_once", signalled)
    part = train(cfg, tmp_path / "part", progress=False)
    assert part.stopped == "SIGINT" and part.update == 4 and part.next_batch is None
    assert load_checkpoint(tmp_path / "part")["update"] == 4
    monkeypatch.setattr(loop, "update_once", update_once)
    resumed = train(cfg, tmp_path / "part", progress=False, resume=True)
    assert resumed.update == whole.update == 8
    assert_same_networks(whole, resumed)
