"""The worked examples of the slides, written once so that they run on numbers, Duals and Tensors.

Each is written step by step in the order the slides number the intermediate variables, so that
``trace_forward``/``trace_reverse`` reproduce the slides' tables row for row.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnbook.trace import named
from nnlib.autodiff.functional import exp, log, sigmoid, sin

HALF_LOG_2PI = 0.5 * np.log(2 * np.pi)


def baydin(x1: Any, x2: Any) -> Any:
    """f(x1, x2) = ln x1 + x1 x2 - sin x2 (deck 004, after Baydin et al. 2018, Table 2)."""
    v1 = log(x1)
    v2 = x1 * x2
    v3 = sin(x2)
    v4 = v1 + v2
    return v4 - v3


def log_normal_density(y: Any, mu: Any, sigma: Any) -> Any:
    """log Normal(y | μ, σ) = -½((y - μ)/σ)² - log σ - ½ log 2π (deck 000, variables v1..v10)."""
    v4 = y - mu
    v5 = v4 / sigma
    v6 = v5**2
    v7 = -0.5 * v6
    v8 = log(sigma)
    v9 = v7 - v8
    return v9 - HALF_LOG_2PI


def logistic_least_squares(w: Any, b: Any, x: float, t: float, lam: float) -> Any:
    """L_reg = ½(σ(wx + b) - t)² + λ ½ w² (deck 002, univariate logistic least squares + ridge)."""
    z = named(w * x + b, "z")
    y = named(sigmoid(z), "y")
    loss = named(0.5 * (y - t) ** 2, "L")
    ridge = named(0.5 * w**2, "R")
    return named(loss + lam * ridge, "Lreg")


def logistic_least_squares_gradient(
    w: float, b: float, x: float, t: float, lam: float
) -> tuple[float, float]:
    """The slide's backward pass by hand: ȳ = y - t, z̄ = ȳ σ'(z), w̄ = z̄ x + λ w, b̄ = z̄."""
    z = w * x + b
    y = 1 / (1 + np.exp(-z))
    y_bar = y - t
    z_bar = y_bar * y * (1 - y)
    return z_bar * x + lam * w, z_bar


def play(x0: Any, x1: Any) -> Any:
    """y = 1 / (1 + exp(x0 x1 + sin x0)) (deck 004, "Want to play?"): σ(-(x0 x1 + sin x0))."""
    return 1 / (1 + exp(x0 * x1 + sin(x0)))


def play_gradient(x0: float, x1: float) -> tuple[float, float]:
    """By hand: with u = x0 x1 + sin x0, y = σ(-u), dy/du = -y(1 - y)."""
    y = 1 / (1 + np.exp(x0 * x1 + np.sin(x0)))
    dy_du = -y * (1 - y)
    return dy_du * (x1 + np.cos(x0)), dy_du * x0


__all__ = [
    "baydin",
    "log_normal_density",
    "logistic_least_squares",
    "logistic_least_squares_gradient",
    "play",
    "play_gradient",
]


QUOTED_NUMBERS_MARK = "numbers quoted in the text:"


def quote_numbers(numbers: dict[str, float]) -> None:
    """Print the numbers a chapter's "Check your understanding" quotes, as its code computes them.

    The convention (for any chapter): one code cell tagged ``check-numbers`` calls this with a
    dict from each number *as the text writes it* ("1.716", "-0.284", "147", "1/4") to the value
    the chapter's code computes. ``tests/book/quoted_numbers.py`` then checks, on the executed
    chapter, that every key appears in the "Check your understanding" section, that each value
    rounds to its key (to the decimals the key shows; fractions exactly), and that every decimal
    number of that section is listed.
    """
    import json

    print(QUOTED_NUMBERS_MARK, json.dumps({k: float(v) for k, v in numbers.items()}))
