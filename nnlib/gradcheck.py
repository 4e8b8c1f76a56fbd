"""Finite differences and gradient checking.

For a scalar function f of an array x, the partial derivative along entry i is approximated by

- the forward difference  (f(x + h e_i) - f(x)) / h,            error O(h), and
- the central difference  (f(x + h e_i) - f(x - h e_i)) / (2h),  error O(h^2),

plus a round-off error of order eps_machine |f| / h, which is why h is neither tiny nor large
(about 1e-7 forward and 1e-5 central in float64; chapter 3 plots the trade-off).

Gradient checks compare an analytic gradient a with a numerical one n entry by entry,
|a_i - n_i| / max(|a_i|, |n_i|), ignoring differences below an absolute `atol` (where both are
round-off, the ratio would divide noise by noise), and report the worst entry; and as a whole,
||a - n|| / (||a|| + ||n||). Below 1e-6 is a pass in float64; around 1e-2 or more, a bug.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nnlib.module import Module, Parameter
from nnlib.random import RNGLike, as_rng

__all__ = [
    "GradCheckReport",
    "central_difference",
    "check_grad",
    "check_module",
    "entrywise_relative_error",
    "forward_difference",
    "numerical_gradient",
    "relative_error",
]

ScalarFn = Callable[[np.ndarray], float]


def _perturbed_values(f: ScalarFn, x: np.ndarray, i: tuple[int, ...], h: float) -> float:
    """f with x[i] shifted by h (x is restored afterwards)."""
    old = x[i]
    x[i] = old + h
    try:
        return float(f(x))
    finally:
        x[i] = old


def forward_difference(f: ScalarFn, x: np.ndarray, h: float = 1e-7) -> np.ndarray:
    """Gradient of scalar f at x by forward differences (f(x + h e_i) - f(x)) / h."""
    x = np.array(x, dtype=np.float64)
    f0 = float(f(x))
    grad = np.empty_like(x)
    for i in np.ndindex(x.shape):
        grad[i] = (_perturbed_values(f, x, i, h) - f0) / h
    return grad


def central_difference(f: ScalarFn, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Gradient of scalar f at x by central differences (f(x + h e_i) - f(x - h e_i)) / 2h."""
    x = np.array(x, dtype=np.float64)
    grad = np.empty_like(x)
    for i in np.ndindex(x.shape):
        grad[i] = (_perturbed_values(f, x, i, h) - _perturbed_values(f, x, i, -h)) / (2 * h)
    return grad


def numerical_gradient(
    f: ScalarFn, x: np.ndarray, h: float | None = None, method: str = "central"
) -> np.ndarray:
    """Gradient of scalar f at x (a float64 copy of x is perturbed, never x itself)."""
    if method == "central":
        return central_difference(f, x, 1e-5 if h is None else h)
    if method == "forward":
        return forward_difference(f, x, 1e-7 if h is None else h)
    raise ValueError(f"expected method 'central' or 'forward', got {method!r}")


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """||a - b|| / max(||a|| + ||b||, tiny): 0 when equal, 1 when one of them is zero."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error expected equal shapes, got {a.shape} and {b.shape}")
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / max(scale, np.finfo(np.float64).tiny))


def entrywise_relative_error(a: np.ndarray, b: np.ndarray, atol: float = 1e-8) -> np.ndarray:
    """|a_i - b_i| / max(|a_i|, |b_i|), and 0 where |a_i - b_i| <= atol.

    The absolute floor matters: where both values are round-off (an exactly zero gradient and
    its finite-difference estimate of 1e-11, say) the plain ratio would be about 1.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    diff = np.abs(a - b)
    scale = np.maximum(np.abs(a), np.abs(b))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(diff > atol, diff / scale, 0.0)
    return ratio


@dataclass
class GradCheckReport:
    """The result of comparing an analytic gradient with central differences.

    The measure is `relative_error`, the scale-free ||a - n|| / (||a|| + ||n||) of the whole
    array (chapter 2's), and the check passes when it is at most `tolerance`, or when the two
    gradients differ by no more than `atol` anywhere (both are zero up to round-off, where the
    ratio means nothing). To say *where* a failing gradient is wrong, `worst_index` is the entry
    with the largest entrywise relative error (`max_error`, see `entrywise_relative_error`),
    with both values there.
    """

    max_error: float
    worst_index: tuple[int, ...]
    analytic_at_worst: float
    numerical_at_worst: float
    relative_error: float
    max_abs_error: float
    tolerance: float
    atol: float = 1e-8
    name: str = ""

    @property
    def passed(self) -> bool:
        return self.relative_error <= self.tolerance or self.max_abs_error <= self.atol

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        label = f"{self.name}: " if self.name else ""
        return (
            f"{label}{verdict}, relative error {self.relative_error:.1e} (tolerance "
            f"{self.tolerance:.0e}); worst entry {self.worst_index}: analytic "
            f"{self.analytic_at_worst:.6g}, numerical {self.numerical_at_worst:.6g}"
        )


def _report(
    analytic: np.ndarray, numerical: np.ndarray, tol: float, name: str = "", atol: float = 1e-8
) -> GradCheckReport:
    analytic = np.asarray(analytic, dtype=np.float64)
    if analytic.shape != numerical.shape:
        raise ValueError(
            f"check_grad expected an analytic gradient of shape {numerical.shape}, "
            f"got {analytic.shape}"
        )
    if analytic.size == 0:
        return GradCheckReport(0.0, (), 0.0, 0.0, 0.0, 0.0, tol, atol, name)
    errors = entrywise_relative_error(analytic, numerical, atol)
    diff = np.abs(analytic - numerical)
    flat = int(np.argmax(errors)) if errors.max() > 0 else int(np.argmax(diff))
    worst = tuple(int(i) for i in np.unravel_index(flat, diff.shape))
    return GradCheckReport(
        float(errors.max()),
        worst,
        float(analytic[worst]),
        float(numerical[worst]),
        relative_error(analytic, numerical),
        float(diff.max()),
        tol,
        atol,
        name,
    )


def check_grad(
    f: ScalarFn,
    x: np.ndarray,
    analytic: np.ndarray | Callable[[np.ndarray], np.ndarray],
    tol: float = 1e-6,
    h: float = 1e-5,
) -> GradCheckReport:
    """Compare `analytic` (an array, or a function of x returning one) with central differences."""
    x = np.array(x, dtype=np.float64)
    grad = analytic(x.copy()) if callable(analytic) else analytic
    return _report(grad, central_difference(f, x, h), tol)


def check_module(
    module: Module,
    x: np.ndarray,
    rng: RNGLike = None,
    tol: float = 1e-6,
    h: float = 1e-5,
) -> dict[str, GradCheckReport]:
    """Check a Module's input gradient and every parameter gradient, in float64.

    The scalar checked is L = sum(module(x) * G) with a fixed random G, so dL/dy = G. Returns
    one report per name: 'input', then each parameter, named as PyTorch's ``named_parameters``
    names it ('weight' of a layer; '0.weight', '2.bias' of a Sequential, by layer position).
    The module must be deterministic between calls (put Dropout in eval(), or seed its rng per
    call); its parameters' gradients are overwritten.
    """
    rng = as_rng(0 if rng is None else rng)
    for name, param in module.named_parameters():
        if param.data.dtype != np.float64:
            raise ValueError(
                f"check_module expected float64 parameters (finite differences need float64), "
                f"got {name} in {param.data.dtype}"
            )
    x = np.array(x, dtype=np.float64)
    weights = rng.standard_normal(np.shape(module(x.copy())))

    def loss_of_input(x_: np.ndarray) -> float:
        return float(np.sum(module(x_) * weights))

    module.zero_grad()
    module(x.copy())
    grad_x = module.backward(weights.copy())
    named = module.named_parameters()
    analytic = {name: p.grad.copy() for name, p in named}
    reports = {"input": _report(grad_x, central_difference(loss_of_input, x, h), tol, "input")}
    for name, param in named:
        numerical = _parameter_gradient(param, lambda: float(np.sum(module(x) * weights)), h)
        reports[name] = _report(analytic[name], numerical, tol, name)
    return reports


def _parameter_gradient(param: Parameter, loss: Callable[[], float], h: float) -> np.ndarray:
    """Central differences of loss() with respect to param.data, which is restored afterwards."""
    data = param.data
    original = data.copy()

    def loss_at(values: np.ndarray) -> float:
        data[...] = values
        return loss()

    try:
        return central_difference(loss_at, original, h).astype(data.dtype, copy=False)
    finally:
        data[...] = original
