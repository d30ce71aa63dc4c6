"""Divergence guards: a non-finite loss or policy stops training with its name.

A diverged run (a learning rate too large, say) first shows as a NaN or infinite loss, or as
non-finite logits at collection, where sampling would otherwise pick an arbitrary (possibly
illegal) action. Training stops there, before any optimizer step on the bad value and before
any checkpoint of it, so the last checkpoint on disk is the last good state.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch


class NonFiniteError(ArithmeticError):
    """A loss or a network output that is NaN or infinite (the run has diverged).

    Attributes:
        name: what was not finite (``pg_loss``, ``value_loss``, ``actor logits`` ...).
        value: its value (for a tensor, its first non-finite entry).
        update: the update in which it happened (set by the training loop).
        checkpoint: the update of the last checkpoint written, the last good state (set by
            the training loop; None: none was written).
    """

    def __init__(self, name: str, value: float) -> None:
        super().__init__(name, value)
        self.name = name
        self.value = value
        self.update: int | None = None
        self.checkpoint: int | None = None

    def __str__(self) -> str:
        where = f" in update {self.update}" if self.update is not None else ""
        return f"{self.name} is {self.value} (not finite){where}: the run has diverged"


def check_finite(values: Mapping[str, torch.Tensor | float]) -> None:
    """Raise :class:`NonFiniteError` naming the first of ``values`` that is not finite."""
    for name, value in values.items():
        tensor = torch.as_tensor(value).detach()
        if not bool(torch.isfinite(tensor).all()):
            bad = tensor[~torch.isfinite(tensor)].reshape(-1)[0]
            raise NonFiniteError(name, float(bad))
