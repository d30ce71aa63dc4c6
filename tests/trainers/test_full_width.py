"""Full-width training on the duel: MMD's step, short solves, distillation, ``arena train``."""

from __future__ import annotations

import math
import signal

import numpy as np
import pytest

from agents.package import read_manifest
from arena.cli import main
from tests.trainers.helpers import start_training
from trainers.cfr_plus import CFRPlusState, cfr_plus_step
from trainers.exact import duel_tree, tabular_nash_conv
from trainers.mmd import MMDState, mmd_step, run_mmd

UNIFORM_NASH_CONV = 1.5615


def test_one_mmd_step_matches_the_hand_computed_update():
    # pi = (1/2, 1/2, illegal), rho = (1/4, 3/4), q = (1, 0), eta = alpha = 1:
    # pi' ∝ [pi * rho * e^q]^(1/2) = (sqrt(e/8), sqrt(3/8)); V = 2 * log(sum of those).
    log_pi = np.array([[math.log(0.5), math.log(0.5), -np.inf]])
    log_rho = np.array([[math.log(0.25), math.log(0.75), -np.inf]])
    new, value = mmd_step(log_pi, log_rho, np.array([[1.0, 0.0, 0.0]]), eta=1.0, alpha=1.0)
    z = math.sqrt(math.e / 8) + math.sqrt(3 / 8)
    np.testing.assert_allclose(
        np.exp(new[0, :2]), [math.sqrt(math.e / 8) / z, math.sqrt(3 / 8) / z]
    )
    assert new[0, 2] == -np.inf
    assert value[0] == pytest.approx(2 * math.log(z))
    assert np.exp(new[0, 0]) == pytest.approx(0.48768, abs=1e-5)


def test_with_a_uniform_magnet_and_no_values_mmd_keeps_the_uniform_policy():
    tree = duel_tree()
    state = MMDState.uniform(tree)
    log_pi, value = mmd_step(state.log_pi, state.log_rho, np.zeros_like(state.log_pi), 30, 0.01)
    np.testing.assert_allclose(log_pi[np.isfinite(log_pi)], state.log_pi[np.isfinite(log_pi)])
    np.testing.assert_allclose(value, 0.0, atol=1e-12)


def test_a_short_mmd_solve_lowers_nash_conv_from_uniform():
    tree = duel_tree()
    state = MMDState.uniform(tree)
    assert tabular_nash_conv(tree, state.policy) == pytest.approx(UNIFORM_NASH_CONV, abs=1e-4)
    run_mmd(tree, state, iterations=20, eta=30.0, alpha=0.01, magnet_every=10)
    assert state.iteration == 20
    after = tabular_nash_conv(tree, state.policy)
    assert after < UNIFORM_NASH_CONV - 0.3, after


def test_a_short_cfr_plus_solve_lowers_nash_conv_of_its_average():
    tree = duel_tree()
    state = CFRPlusState.start(tree)
    for _ in range(20):
        cfr_plus_step(tree, state)
    after = tabular_nash_conv(tree, state.average(tree))
    assert after < 0.5, after


def test_arena_train_solves_distils_and_exports_a_package(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "liars_dice_duel_mmd", "--out", str(out), "--quiet"]
    for item in ("tabular_iterations=4", "eval_every=2", "distill_epochs=1", "eval_games=4"):
        argv += ["--set", item]
    assert main(argv) == 0
    assert "4 mmd iterations" in capsys.readouterr().out
    from agents.package import load_package

    manifest = read_manifest(out / "agent")
    assert load_package(out / "agent").name == "liars-dice-duel-mmd"
    assert manifest.method == "mmd" and manifest.training["iterations"] == 4
    assert manifest.evaluation["nash_conv"] < 2.0
    rows = (out / "metrics.csv").read_text().splitlines()
    assert rows[0].startswith("update,tabular_nash_conv") and len(rows) == 4
    curves = manifest.training["curves"]  # for the HTML report: NashConv against seconds
    assert len(curves["tabular_nash_conv"]) == len(rows) - 1 and len(curves["nash_conv"]) >= 1
    seconds = [x for x, _ in curves["tabular_nash_conv"]]
    assert seconds == sorted(seconds) and all(v > 0 for _, v in curves["tabular_nash_conv"])


@pytest.mark.parametrize("method", ["mmd", "cfr_plus"])
def test_arena_train_refuses_a_game_it_cannot_enumerate(tmp_path, capsys, method):
    out = tmp_path / "run"
    argv = ["train", "liars_dice_duel_mmd", "--out", str(out), "--set", f"method={method}"]
    assert main([*argv, "--set", "params.dice=2"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"method {method} enumerates every information state" in err
    assert not out.exists()


def test_a_signal_stops_the_solve_and_still_exports_the_policy_reached(tmp_path):
    """Ctrl-C during the solve: the policy reached is distilled and exported, exit 128+SIGINT."""
    out = tmp_path / "run"
    argv = ["train", "liars_dice_duel_cfr_plus", "--out", str(out), "--quiet"]
    for item in ("tabular_iterations=100000", "eval_every=5", "distill_epochs=1", "eval_games=4"):
        argv += ["--set", item]
    proc = start_training(argv, out)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGINT, err
    assert "SIGINT: stopped after iteration" in err and "of 100,000" in err
    manifest = read_manifest(out / "agent")
    stopped = manifest.training["iterations"]
    assert 5 <= stopped < 100_000 and manifest.evaluation["nash_conv"] < 1.6
