"""Functions that work on floats, arrays, Duals and Tensors alike, and the gradient transforms.

Write a function once with these (or with NumPy's ufuncs, which dispatch the same way) and run it
on numbers to evaluate, on Duals for forward mode, on Tensors for reverse mode.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from nnlib.autodiff.dual import Dual, jvp
from nnlib.autodiff.numpy_protocol import NumpyDispatch
from nnlib.autodiff.ops import ELEMENTARY, Elementary
from nnlib.autodiff.tensor import Tensor
from nnlib.data import one_hot


def _function(op: Elementary) -> Callable[[Any], Any]:
    """The function ``<op.name>(x)``: the method on a Dual or a Tensor, NumPy's value otherwise."""

    def function(x: Any) -> Any:
        if isinstance(x, NumpyDispatch):
            return getattr(x, op.name)()
        if isinstance(x, int | float | np.number | np.ndarray | list):
            return op.value(np.asarray(x, dtype=float) if isinstance(x, list) else x)
        raise TypeError(
            f"{op.name}() is not supported for {type(x).__name__}: pass a number, an "
            "array, a Dual or a Tensor"
        )

    function.__name__ = function.__qualname__ = op.name
    function.__doc__ = f"{op.formula.format(a='x')}, with derivative {op.partial.format(a='x')}."
    return function


# One function per row of ops.ELEMENTARY, assigned by name so that linters and editors see them.
# A new row needs its line here: tests/autodiff/test_autodiff_ops.py fails until it is added.
exp = _function(ELEMENTARY["exp"])
log = _function(ELEMENTARY["log"])
sin = _function(ELEMENTARY["sin"])
cos = _function(ELEMENTARY["cos"])
tanh = _function(ELEMENTARY["tanh"])
sigmoid = _function(ELEMENTARY["sigmoid"])
relu = _function(ELEMENTARY["relu"])
sqrt = _function(ELEMENTARY["sqrt"])
abs = _function(ELEMENTARY["abs"])  # NumPy's name; the builtin abs is not used in this module
arctan = _function(ELEMENTARY["arctan"])

FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    f.__name__: f for f in (exp, log, sin, cos, tanh, sigmoid, relu, sqrt, abs, arctan)
}
"""The functions above by name, in the order of ``ELEMENTARY``."""


def log_softmax(x: Any, axis: int = -1) -> Any:
    """Derived: x - max - log Σ exp(x - max), the max shift keeps exp from overflowing.

    The same function as `nnlib.activations.log_softmax` (arrays only), for Duals and Tensors
    too; tests/autodiff/test_autodiff_ops.py checks that the two agree."""
    values = x.value if isinstance(x, Dual) else x
    values = values.data if isinstance(values, Tensor) else values  # the shift is a constant
    shifted = x - np.max(values, axis=axis, keepdims=True)
    return shifted - log(exp(shifted).sum(axis=axis, keepdims=True))


def softmax(x: Any, axis: int = -1) -> Any:
    """Derived: exp(log_softmax(x))."""
    return exp(log_softmax(x, axis=axis))


def _target_rows(target: Any, num_classes: int, dtype: Any) -> np.ndarray:
    """Class indices (N,) as one-hot rows (`nnlib.data.one_hot`); rows (N, K) as they are."""
    target = np.asarray(target.data if isinstance(target, Tensor) else target)
    if target.ndim == 1 and np.issubdtype(target.dtype, np.integer):
        return one_hot(target, num_classes, dtype)
    return target.astype(dtype)


def cross_entropy(logits: Any, target: Any) -> Any:
    """Softmax cross-entropy, mean over the batch: -(1/N) Σ_n Σ_k t_nk log softmax(z_n)_k.

    ``target`` holds class indices (N,) or one-hot/probability rows (N, K).
    """
    rows = _target_rows(target, logits.shape[-1], logits.dtype)
    return -(log_softmax(logits) * rows).sum() * (1.0 / logits.shape[0])


def _leaf(x: Any) -> Tensor:
    return Tensor(x, requires_grad=True)  # Tensor makes integers float64


def value_and_grad(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0
) -> Callable[..., tuple[Any, Any]]:
    """Transform f into a function returning ``(f(*args), ∇f)`` by one reverse sweep.

    ``f`` must return a scalar Tensor. With ``argnums`` a sequence, the gradient is a tuple.
    """

    def wrapped(*args: Any) -> tuple[Any, Any]:
        nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
        inputs = list(args)
        for i in nums:
            inputs[i] = _leaf(args[i])
        out = f(*inputs)
        if not isinstance(out, Tensor):
            raise TypeError(f"value_and_grad: f must return a Tensor, got {type(out).__name__}")
        if out.requires_grad:
            out.backward()
        grads = tuple(
            inputs[i].grad if inputs[i].grad is not None else np.zeros_like(inputs[i].data)
            for i in nums
        )
        value = out.data.item() if out.size == 1 else out.data
        return value, grads[0] if isinstance(argnums, int) else grads

    return wrapped


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Transform f (scalar-valued) into a function returning its gradient (reverse mode)."""
    vg = value_and_grad(f, argnums)
    return lambda *args: vg(*args)[1]


def jacobian(f: Callable[[Any], Any], x: Any, mode: str = "reverse") -> np.ndarray:
    """The Jacobian of f: R^n -> R^m at a vector x, of shape (m, n).

    ``mode="forward"``: one JVP (dual-number pass) per input, seeds e_1..e_n: n passes.
    ``mode="reverse"``: one graph, one backward sweep per output, seeds e_1..e_m: m sweeps
    (leaf gradients accumulate, so ``.grad`` is reset between sweeps).
    """
    x = np.asarray(x, dtype=float)
    if mode == "forward":
        columns = [np.atleast_1d(jvp(f, x, e)[1]) for e in np.eye(x.size).reshape(-1, *x.shape)]
        return np.stack(columns, axis=-1)
    if mode != "reverse":
        raise ValueError(f"mode must be 'forward' or 'reverse', got {mode!r}")
    leaf = _leaf(x)
    out = f(leaf)
    rows = []
    for e in np.eye(out.size).reshape(-1, *out.shape):
        leaf.zero_grad()
        out.backward(gradient=e)
        rows.append(leaf.grad.copy())
    return np.stack(rows)
