"""The argument checks nnlib shares, one per meaning: each returns the value converted (an int or
a float) or raises a ValueError naming the argument, what was expected and what came. And the
one float promotion: `as_float_array`."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["as_float_array", "integer", "nonnegative", "positive", "unit_interval"]


def as_float_array(x: object) -> np.ndarray:
    """`x` as a floating-point array: float inputs keep their dtype, others become float64
    (integers and booleans are exact data, not a precision choice)."""
    x = np.asarray(x)
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)


def integer(name: str, value: object, minimum: int = 1) -> int:
    """`value` as an int, if it is a whole number >= `minimum` (a positive integer by default)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        ok = False
    else:
        ok = float(value).is_integer() and value >= minimum
    if not ok:
        expected = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    return int(value)


def nonnegative(name: str, value: float) -> float:
    """`value` as a float, if it is finite and >= 0 (a learning rate, a decay, a tolerance)."""
    value = float(value)
    if not math.isfinite(value) or value < 0.0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return value


def positive(name: str, value: float) -> float:
    """`value` as a float, if it is finite and > 0."""
    value = float(value)
    if not math.isfinite(value) or value <= 0.0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return value


def unit_interval(name: str, value: float) -> float:
    """`value` as a float, if 0 <= value < 1 (a probability of dropping, a decay rate, a fraction
    of the data)."""
    value = float(value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must lie in [0, 1), got {value!r}")
    return value
