"""Gradient clipping, applied between ``backward`` and ``step`` (PyTorch's ``clip_grad_norm_``)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from nnlib.module import Parameter


def clip_grad_norm_(parameters: Iterable[Parameter], max_norm: float) -> float:
    """Gradient clipping by norm: if the joint norm ||g|| = sqrt(sum_p ||p.grad||^2) exceeds
    `max_norm`, scale every gradient by max_norm / ||g||, in place, so the step keeps its direction
    but not its length. Returns ||g|| before clipping (computed in float64, so a float32
    gradient's norm does not overflow)."""
    if not max_norm > 0:
        raise ValueError(f"max_norm must be > 0, got {max_norm!r}")
    parameters = list(parameters)
    norm = math.sqrt(sum(float(np.sum(np.square(p.grad, dtype=np.float64))) for p in parameters))
    if norm > max_norm:
        for p in parameters:
            p.grad *= max_norm / norm
    return norm
