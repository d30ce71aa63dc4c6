"""The one masking convention of the trainers: illegal actions get the dtype's lowest value.

The deployed actor masks the same way (:func:`agents.neural.masked_logits`), so a policy's
probabilities are the same in training, evaluation and play. A finite value (not ``-inf``)
keeps softmax, log-probabilities, entropies and their gradients free of NaN, while the
probability of a masked action underflows to exactly 0.
"""

from __future__ import annotations

import torch

from agents.mlp import masked_logits

__all__ = ["masked_log_softmax", "masked_logits"]


def masked_log_softmax(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Log-probabilities over the legal actions (``mask`` true); illegal ones get a huge
    negative value (their probability is exactly 0)."""
    return torch.log_softmax(masked_logits(logits, mask), dim=-1)
