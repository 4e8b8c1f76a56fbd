"""Randomness, one convention for all of nnlib: wherever a function or layer takes ``rng``, it
accepts a ``numpy.random.Generator`` (used as is), an integer seed, or None (fresh entropy),
with the meaning of ``np.random.default_rng(rng)``. Nothing in nnlib touches NumPy's global state.
"""

from __future__ import annotations

import numpy as np

RNGLike = np.random.Generator | int | None

__all__ = ["RNGLike", "as_rng"]


def as_rng(value: RNGLike) -> np.random.Generator:
    """A Generator from a Generator (returned as is, so draws continue), a seed, or None."""
    if isinstance(value, np.random.Generator):
        return value
    if value is None or (isinstance(value, int | np.integer) and not isinstance(value, bool)):
        return np.random.default_rng(value)
    raise TypeError(
        f"rng must be a numpy Generator, an int seed or None, got {type(value).__name__}"
    )
