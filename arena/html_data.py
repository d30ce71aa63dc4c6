"""The data of the HTML report (:mod:`arena.html_report`) that is not a ratings table: the
training curves carried by agent packages, and the game viewer's games (which games, each
position as every seat saw it, and the move probabilities recomputed for the agents' moves).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from arena import records
from arena.ladder import GameRow

SAMPLE_SEED = 0
"""Seed of the sample of games in the viewer."""


# -- training curves --------------------------------------------------------------------------
def _curve_points(raw: Any) -> list[tuple[float, float]]:
    """``[[x, y], ...]`` or ``{"steps": [...], "values": [...]}`` as finite points."""
    if isinstance(raw, dict):
        pairs = zip(raw.get("steps", []), raw.get("values", []), strict=False)
    else:
        pairs = (tuple(p) for p in raw if isinstance(p, list | tuple) and len(p) == 2)
    out = []
    for x, y in pairs:
        if isinstance(x, int | float) and isinstance(y, int | float) and np.isfinite([x, y]).all():
            out.append((float(x), float(y)))
    return out


def package_curves(spec: str, digest: str) -> dict[str, list[tuple[float, float]]]:
    """The training curves carried by the package ``spec`` (when it is still the one rated)."""
    if not digest:
        return {}
    from agents import zoo
    from agents.content_hash import spec_hash
    from agents.package import PackageError, read_manifest

    path = zoo.zoo_path(spec[4:]) if spec.startswith("zoo:") else spec
    try:
        if path is None or spec_hash(spec) != digest:
            return {}
        curves = read_manifest(path).training.get("curves")
    except (PackageError, ValueError, OSError):
        return {}
    if not isinstance(curves, dict):
        return {}
    return {str(k): pts for k, v in curves.items() if (pts := _curve_points(v))}


# -- the game viewer --------------------------------------------------------------------------
def sample_games(rows: Sequence[GameRow], size: int, seed: int = SAMPLE_SEED) -> list[GameRow]:
    """Every game when there are at most ``size``, else a seeded uniform sample (in order)."""
    if len(rows) <= size:
        return list(rows)
    picked = np.random.default_rng(seed).choice(len(rows), size=size, replace=False)
    return [rows[i] for i in sorted(picked.tolist())]


def game_view(row: GameRow, identities: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """The viewer's data of one game.

    Keys: ``id``, ``agents``, ``steps`` (``{"t": text, "p": seat or -1}`` and, at a decision
    with probabilities, :func:`shown_probabilities`), ``lines`` (the distinct lines of every
    position), ``frames`` (``frames[f][v]``: the line numbers of the position after ``f``
    steps seen by seat ``v``, or by everybody for ``v == players``), ``notes`` (why a seat
    has no probabilities) and ``end``.
    """
    steps = records.replay_steps(row)
    probs, notes = records.move_probabilities(row, identities, steps)
    players = len(row.seats)
    lines: dict[str, int] = {}
    frames = []
    state = records.make_game(row).new_initial_state()
    for k in range(len(steps) + 1):
        if k:
            for action in steps[k - 1].actions:
                state.apply_action(int(action))
        views = [state.render(v) for v in range(players)] + [state.render()]
        frames.append(
            [[lines.setdefault(line, len(lines)) for line in view.splitlines()] for view in views]
        )
    out_steps = []
    for k, step in enumerate(steps):
        item: dict[str, Any] = {"t": step.text, "p": step.player}
        if k in probs:
            item.update(shown_probabilities(probs[k], step.actions[0]))
        out_steps.append(item)
    return {
        "id": records.game_id(row),
        "agents": list(row.agents),
        "steps": out_steps,
        "lines": list(lines),
        "frames": frames,
        "notes": {str(s): why for s, why in notes.items()},
        "end": records.ending_text(row),
    }


SHOWN_MOVES = 12
"""Most moves of a decision whose probabilities the page stores (the played one always)."""


def shown_probabilities(dist: Sequence[tuple[int, str, float]], played: int) -> dict[str, Any]:
    """The stored probabilities of one decision: ``q`` (the likeliest moves and the played one,
    as ``[string, probability, played]``), and ``r``/``rp`` (how many legal moves are left out
    and their total probability) when some are."""
    kept = [d for d in dist[:SHOWN_MOVES] if d[2] >= 0.0005 or d[0] == played]
    if not any(a == played for a, _, _ in kept):
        kept += [d for d in dist if d[0] == played]
    out: dict[str, Any] = {"q": [[s, round(p, 4), int(a == played)] for a, s, p in kept]}
    if len(dist) > len(kept):
        out["r"] = len(dist) - len(kept)
        out["rp"] = round(1.0 - sum(p for _, _, p in kept), 4)
    return out
