"""Checkpoints with the complete training state, so a resumed run continues exactly.

One file, ``checkpoint.pt``, written atomically (temporary file + rename): network and optimizer
state dicts, the snapshot pool, the torch generator, and as plain data the config, the update
counter, the games in progress (their histories and seating) and the numpy generator state.
It holds tensors and plain Python data only and is read with ``torch.load(weights_only=True)``,
which refuses anything else: no arbitrary object is ever unpickled.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

FILENAME = "checkpoint.pt"


def save_checkpoint(out: Path, payload: dict[str, Any]) -> Path:
    """Write ``payload`` to ``out/checkpoint.pt`` atomically."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / FILENAME
    tmp = out / (FILENAME + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)
    return path


def load_checkpoint(out: Path) -> dict[str, Any]:
    """Read ``out/checkpoint.pt`` (tensors and plain data only).

    Raises:
        ValueError: when there is no checkpoint or it cannot be read safely.
    """
    path = Path(out) / FILENAME
    if not path.exists():
        raise ValueError(f"no checkpoint in {out}: nothing to resume")
    try:
        return torch.load(path, weights_only=True, map_location="cpu")
    except Exception as exc:  # corrupt, truncated, or holding objects weights_only refuses
        raise ValueError(f"cannot read checkpoint {path}: {exc}") from exc
