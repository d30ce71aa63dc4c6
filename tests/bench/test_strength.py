"""``bench/strength.py --exploitability`` on one tiny row: the row's record and table line,
and a rerun that resumes from the results file instead of measuring the row again."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
ROW = "liars_dice p2 random"


@pytest.fixture(scope="module")
def strength():
    """``bench/strength.py`` as a module (it puts ``bench/`` on ``sys.path`` for its helpers)."""
    spec = importlib.util.spec_from_file_location("bench_strength", BENCH / "strength.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(strength, out: Path) -> int:
    argv = ["--exploitability", "--only", ROW, "--budget", "2000", "--games", "200"]
    return strength.main([*argv, "--out", str(out)])


def test_exploitability_row_then_resume(strength, tmp_path, capsys, monkeypatch):
    out = tmp_path / "rows.json"
    assert _run(strength, out) == 0
    rows = json.loads(out.read_text())["rows"]
    assert len(rows) == 1
    row = rows[0]
    assert (row["configuration"], row["agent"], row["players"]) == ("liars_dice p2", "random", 2)
    assert row["params"]["dice"] == 5
    low, high = row["ci95"]
    assert low <= row["lower_bound"] <= high
    assert row["decisions"] >= 2000 and row["requested_budget"] == 2000
    assert row["eval_games"] >= 200 and row["requested_games"] == 200
    assert row["wall_s"] > 0 and row["seed"] == 0
    line = f"| liars_dice p2 | random | {row['lower_bound']:+.4f} |"
    table = capsys.readouterr().out
    assert "| configuration | agent | lower bound | 95% interval |" in table
    assert line in table and "measured" in table

    def measure(*args, **kwargs):
        raise AssertionError("a row already in the results file was measured again")

    strength_exploit = sys.modules["strength_exploit"]
    monkeypatch.setattr(strength_exploit, "measure", measure)
    assert _run(strength, out) == 0
    assert json.loads(out.read_text())["rows"] == rows
    table = capsys.readouterr().out
    assert line in table and "resumed" in table and "measured" not in table


def test_only_matching_nothing_is_refused(strength, tmp_path):
    with pytest.raises(ValueError, match="matches no row"):
        strength.main(["--exploitability", "--only", "chess", "--out", str(tmp_path / "r.json")])


def test_curves_read_each_trainers_clock(strength):
    import strength_curves

    ctde = [  # the CTDE loop's clock, evaluations included
        {"update": 1, "decisions": 4096, "decisions_per_s": 2048, "wall_s": 2.0},
        {"update": 2, "decisions": 8192, "decisions_per_s": 1024, "nash_conv": 1.5, "wall_s": 7.5},
    ]
    assert strength_curves.curves(ctde)["actor"].tolist() == [[7.5, 1.5]]
    older = [  # a run from before the loop logged wall_s: update seconds = decisions / rate
        {key: value for key, value in row.items() if key != "wall_s"} for row in ctde
    ]
    assert strength_curves.curves(older)["actor"].tolist() == [[6.0, 1.5]]
    cfr = [  # full width: its own wall_s; the actor's NashConv only where it was distilled
        {"update": 50, "tabular_nash_conv": 0.1, "wall_s": 5.0},
        {"update": 100, "tabular_nash_conv": 0.05, "wall_s": 9.0, "nash_conv": 0.2},
    ]
    curves = strength_curves.curves(cfr)
    assert curves["tabular policy"].tolist() == [[5.0, 0.1], [9.0, 0.05]]
    assert curves["distilled actor"].tolist() == [[9.0, 0.2]]
    tabular = curves["tabular policy"]
    doubled = tabular * [1.0, 2.0]
    mean = strength_curves.mean_curve([tabular, doubled])  # seeds' mean on a common grid
    assert mean[0] == pytest.approx([5.0, 0.15]) and mean[-1] == pytest.approx([9.0, 0.075])
