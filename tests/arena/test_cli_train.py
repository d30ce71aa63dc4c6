"""``arena train --ladder``: the placement gauntlet (arena/cli_train.py)."""

from __future__ import annotations

import re

from arena.cli import main

TINY = ["total_decisions=2000", "num_envs=16", "steps_per_env=16", "eval_every=0"]
TINY += ["checkpoint_every=2", "actor_hidden=[16]", "critic_hidden=[16]"]


def test_placement_prints_its_configuration_and_marks_the_new_agent(tmp_path, capsys):
    argv = ["train", "liars_dice_duel_ctde", "--out", str(tmp_path / "run"), "--quiet"]
    for item in TINY:
        argv += ["--set", item]
    argv += ["--ladder", "--placement-games", "2", "--db", str(tmp_path / "l.db")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert re.search(
        r"^\nliars_dice .*mode=single_round.*: 8 games; \* marks the new agent$", out, re.M
    )
    package = str(tmp_path / "run" / "agent")
    marked = [line for line in out.splitlines() if line.lstrip().startswith("*")]
    assert len(marked) == 1 and f"{package}@" in marked[0]
    assert {"random", "heuristic"} <= {line.split()[1] for line in out.splitlines()[-3:]}
