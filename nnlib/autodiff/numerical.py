"""Numerical differentiation, and why its step size h cannot simply be made small.

The forward difference (f(x + h) - f(x)) / h has truncation error ~ h |f''| / 2 and round-off
error ~ 2 ε |f| / h (ε the machine epsilon), so its total error is smallest near h ~ √ε; the
central difference (f(x + h) - f(x - h)) / 2h has truncation error ~ h² |f'''| / 6, best near
h ~ ε^(1/3). Below those steps the error grows again as 1/h.                          (3.4)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def forward_difference(f: Callable[[float], float], x: float, h: float) -> float:
    """(f(x + h) - f(x)) / h, error O(h)."""
    return (f(x + h) - f(x)) / h


def central_difference(f: Callable[[float], float], x: float, h: float) -> float:
    """(f(x + h) - f(x - h)) / 2h, error O(h²)."""
    return (f(x + h) - f(x - h)) / (2 * h)


SCHEMES = {"forward": forward_difference, "central": central_difference}


def difference_errors(
    f: Callable[[float], float],
    dfdx: float,
    x: float,
    steps: np.ndarray,
    scheme: str = "forward",
) -> np.ndarray:
    """|finite difference - exact derivative| for every step h in ``steps``."""
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {sorted(SCHEMES)}, got {scheme!r}")
    rule = SCHEMES[scheme]
    return np.array([abs(rule(f, x, float(h)) - dfdx) for h in steps])


def optimal_step(scheme: str = "forward", eps: float = float(np.finfo(float).eps)) -> float:
    """The step that balances truncation and round-off, eq. (3.4): √ε or ε^(1/3)."""
    return {"forward": eps**0.5, "central": eps ** (1 / 3)}[scheme]


def error_model(
    steps: np.ndarray,
    scheme: str,
    f_value: float,
    higher_derivative: float,
    eps: float = float(np.finfo(float).eps),
) -> np.ndarray:
    """The bound of eq. (3.4): truncation + round-off, with |f''| (forward) or |f'''| (central)."""
    steps = np.asarray(steps, dtype=float)
    if scheme == "forward":
        return steps * abs(higher_derivative) / 2 + 2 * eps * abs(f_value) / steps
    return steps**2 * abs(higher_derivative) / 6 + eps * abs(f_value) / steps
