"""Two-dimensional test surfaces and a helper that records an optimizer's path on them.

The chapter and the optimizer demos race optimizers on these: an ill-conditioned quadratic,
Rosenbrock's banana valley, and a saddle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nnlib.module import Parameter
from nnlib.optim.base import Optimizer


@dataclass(frozen=True)
class Surface:
    """A function of a 2-vector with its gradient and Hessian, a start point and a plot window."""

    name: str
    f: Callable[[np.ndarray], np.ndarray | float]  # vectorized: f(np.stack([X, Y])) works
    grad: Callable[[np.ndarray], np.ndarray]
    hess: Callable[[np.ndarray], np.ndarray]
    start: tuple[float, float]
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    minimum: tuple[float, float] | None = None


def quadratic(condition: float = 10.0) -> Surface:
    """f(x, y) = 1/2 (x^2 + condition y^2): Hessian diag(1, condition), minimum at the origin."""
    c = float(condition)
    h = np.diag([1.0, c])

    def f(p: np.ndarray) -> np.ndarray | float:
        x, y = p
        return 0.5 * (x**2 + c * y**2)

    return Surface(
        name=f"quadratic (condition number {c:g})",
        f=f,
        grad=lambda p: h @ p,
        hess=lambda p: h,
        start=(-4.0, 1.5),
        xlim=(-4.5, 4.5),
        ylim=(-2.0, 2.0),
        minimum=(0.0, 0.0),
    )


def rosenbrock(a: float = 1.0, b: float = 100.0) -> Surface:
    """f(x, y) = (a - x)^2 + b (y - x^2)^2, minimum (a, a^2) at the end of a curved valley."""

    def f(p: np.ndarray) -> np.ndarray | float:
        x, y = p
        return (a - x) ** 2 + b * (y - x**2) ** 2

    def grad(p: np.ndarray) -> np.ndarray:
        x, y = p
        return np.array([-2 * (a - x) - 4 * b * x * (y - x**2), 2 * b * (y - x**2)])

    def hess(p: np.ndarray) -> np.ndarray:
        x, y = p
        return np.array([[2 - 4 * b * (y - 3 * x**2), -4 * b * x], [-4 * b * x, 2 * b]])

    return Surface("Rosenbrock", f, grad, hess, (-1.5, 2.0), (-2.0, 2.0), (-1.0, 3.0), (a, a * a))


def saddle() -> Surface:
    """f(x, y) = x^2 - y^2 + y^4 / 4: a saddle at the origin, minima at (0, +-sqrt(2))."""

    def f(p: np.ndarray) -> np.ndarray | float:
        x, y = p
        return x**2 - y**2 + y**4 / 4

    def grad(p: np.ndarray) -> np.ndarray:
        x, y = p
        return np.array([2 * x, -2 * y + y**3])

    def hess(p: np.ndarray) -> np.ndarray:
        return np.array([[2.0, 0.0], [0.0, -2.0 + 3 * p[1] ** 2]])

    return Surface("saddle", f, grad, hess, (-2.0, 1e-3), (-2.5, 2.5), (-2.2, 2.2), (0.0, 2**0.5))


def optimizer_path(
    make_optimizer: Callable[[list[Parameter]], Optimizer],
    grad: Callable[[np.ndarray], np.ndarray],
    start: tuple[float, float] | np.ndarray,
    steps: int,
) -> np.ndarray:
    """Run an nnlib optimizer on a function given by its gradient; return the path (steps+1, d).

    Example: ``optimizer_path(lambda ps: Adam(ps, lr=0.1), surface.grad, surface.start, 100)``.
    The path stops early if it leaves the finite numbers (a divergent learning rate).
    """
    theta = Parameter(np.array(start, dtype=np.float64))
    opt = make_optimizer([theta])
    path = [theta.data.copy()]
    for _ in range(steps):
        theta.grad[...] = grad(theta.data)
        opt.step()
        if not np.all(np.isfinite(theta.data)) or np.max(np.abs(theta.data)) > 1e6:
            break
        path.append(theta.data.copy())
    return np.array(path)
