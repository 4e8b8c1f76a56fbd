"""Second-order methods: Newton's method for small problems and L-BFGS for full-batch training.

Newton: the quadratic model L(theta) ~ L(theta0) + (theta - theta0)^T g
+ 1/2 (theta - theta0)^T H (theta - theta0) is smallest at theta0 - H^{-1} g. Deck 002 drops the
1/2; without it the minimizer would be theta0 - H^{-1} g / 2, half the Newton step.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

import numpy as np

from nnlib.checks import integer, nonnegative
from nnlib.module import Parameter
from nnlib.optim.base import Optimizer

Vector = np.ndarray


def newton_step(x: Vector, grad: Vector, hess: np.ndarray, lr: float = 1.0) -> Vector:
    """One (damped) Newton step x - lr H^{-1} g, solving H d = g rather than inverting H."""
    return np.asarray(x) - lr * np.linalg.solve(np.atleast_2d(hess), np.atleast_1d(grad))


def newton(
    grad: Callable[[Vector], Vector],
    hess: Callable[[Vector], np.ndarray],
    x0: Vector,
    steps: int = 20,
    lr: float = 1.0,
    tol: float = 1e-12,
) -> np.ndarray:
    """Run Newton's method from ``x0``; return the path, shape (steps_taken + 1, d).

    Stops early once the gradient norm falls below ``tol``.
    """
    nonnegative("lr", lr)
    x = np.array(x0, dtype=np.float64).ravel()
    path = [x.copy()]
    for _ in range(steps):
        g = np.atleast_1d(grad(x))
        if np.linalg.norm(g) < tol:
            break
        x = newton_step(x, g, hess(x), lr)
        path.append(x.copy())
    return np.array(path)


class LBFGS(Optimizer):
    """Limited-memory BFGS (Nocedal 1980) for deterministic, full-batch objectives.

    ``step(closure)`` runs up to ``max_iter`` iterations. ``closure()`` must zero the gradients,
    recompute the loss and its gradients (backward) and return the loss as a float. Each
    iteration: the direction d = -H_k g from the two-loop recursion over the last
    ``history_size`` pairs s = theta_{k+1} - theta_k, y = g_{k+1} - g_k (initial H_0 = s^T y /
    y^T y), then a backtracking line search from t = lr that halves t until the Armijo condition
    L(theta + t d) <= L(theta) + c1 t g^T d holds. Returns the loss at the final point.
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 1.0,
        history_size: int = 10,
        max_iter: int = 20,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        c1: float = 1e-4,
        max_backtracks: int = 30,
    ) -> None:
        super().__init__(params, lr)
        self.history_size = integer("history_size", history_size)
        self.max_iter = integer("max_iter", max_iter)
        self.tolerance_grad = nonnegative("tolerance_grad", tolerance_grad)
        self.tolerance_change = nonnegative("tolerance_change", tolerance_change)
        self.c1 = nonnegative("c1", c1)
        self.max_backtracks = int(max_backtracks)
        self.history: deque[tuple[Vector, Vector, float]] = deque(maxlen=self.history_size)
        self.evaluations = 0

    # flat views of all parameters, so the algebra is on one vector
    def _flat_params(self) -> Vector:
        return np.concatenate([p.data.ravel() for p in self.params]).astype(np.float64)

    def _flat_grad(self) -> Vector:
        return np.concatenate([p.grad.ravel() for p in self.params]).astype(np.float64)

    def _set_params(self, flat: Vector) -> None:
        offset = 0
        for p in self.params:
            n = p.data.size
            p.data[...] = flat[offset : offset + n].reshape(p.data.shape)
            offset += n

    def _evaluate(self, closure: Callable[[], float]) -> tuple[float, Vector]:
        self.evaluations += 1
        loss = float(closure())
        return loss, self._flat_grad()

    def direction(self, g: Vector) -> Vector:
        """The two-loop recursion: -H g with H the L-BFGS inverse-Hessian approximation."""
        q = g.copy()
        alphas = []
        for s, y, rho in reversed(self.history):
            alpha = rho * (s @ q)
            q -= alpha * y
            alphas.append(alpha)
        if self.history:
            s, y, _ = self.history[-1]
            q *= (s @ y) / (y @ y)
        for (s, y, rho), alpha in zip(self.history, reversed(alphas), strict=True):
            beta = rho * (y @ q)
            q += (alpha - beta) * s
        return -q

    def step(self, closure: Callable[[], float]) -> float:  # type: ignore[override]
        loss, g = self._evaluate(closure)
        x = self._flat_params()
        for _ in range(self.max_iter):
            if np.max(np.abs(g)) <= self.tolerance_grad:
                break
            self.steps += 1
            d = self.direction(g)
            slope = g @ d
            if slope >= 0:  # not a descent direction: forget the curvature, go downhill
                self.history.clear()
                d, slope = -g, -(g @ g)
            t = self.lr if self.history else min(1.0, 1.0 / np.sum(np.abs(g))) * self.lr
            new_loss, new_g, new_x = loss, g, x
            for _ in range(self.max_backtracks):
                new_x = x + t * d
                self._set_params(new_x)
                new_loss, new_g = self._evaluate(closure)
                if new_loss <= loss + self.c1 * t * slope:
                    break
                t *= 0.5
            s, y = new_x - x, new_g - g
            if s @ y > 1e-10:  # keep only pairs with positive curvature (keeps H positive definite)
                self.history.append((s, y, 1.0 / (s @ y)))
            change = abs(new_loss - loss)
            x, g, loss = new_x, new_g, new_loss
            if change < self.tolerance_change or np.max(np.abs(s)) < self.tolerance_change:
                break
        return loss
