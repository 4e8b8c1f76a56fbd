"""Let NumPy functions act on Duals and Tensors, and refuse clearly what is not supported.

``np.exp(x)`` on a Dual or a Tensor calls its ``exp`` method, and ``array * x`` calls
``x.__rmul__(array)``, so the same code runs on floats, arrays, Duals and Tensors. Any other NumPy
function raises a TypeError naming it, instead of silently dropping the derivative.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlib.autodiff.ops import ELEMENTARY

# ufunc name -> (method when we are the first operand, method when we are the second)
_BINARY = {
    "add": ("__add__", "__radd__"),
    "subtract": ("__sub__", "__rsub__"),
    "multiply": ("__mul__", "__rmul__"),
    "divide": ("__truediv__", "__rtruediv__"),
    "true_divide": ("__truediv__", "__rtruediv__"),
    "power": ("__pow__", "__rpow__"),
    "matmul": ("__matmul__", "__rmatmul__"),
}
# ufunc name -> method: the two signs, then every elementary operation that has a NumPy ufunc
_UNARY = {"negative": "__neg__", "positive": "__pos__"} | {
    op.ufunc.__name__: op.name for op in ELEMENTARY.values() if op.ufunc is not None
}


class NumpyDispatch:
    """Mixin of Dual and Tensor: route NumPy ufuncs to our methods; refuse everything else by
    name; refuse to mix forward mode (Dual) and reverse mode (Tensor) in one expression."""

    __slots__ = ()
    mode = ""  # "forward" (Dual) or "reverse" (Tensor)

    def refuse_other_mode(self, other: Any) -> None:
        """A TypeError if `other` is a Dual and we a Tensor, or the reverse."""
        if isinstance(other, NumpyDispatch) and other.mode != self.mode:
            raise TypeError(
                f"cannot mix a {type(self).__name__} ({self.mode} mode) and a "
                f"{type(other).__name__} ({other.mode} mode) in one expression: run the "
                f"function on {type(self).__name__}s only, or on {type(other).__name__}s only"
            )

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        name = ufunc.__name__
        if method != "__call__" or kwargs:
            raise TypeError(
                f"np.{name}.{method} with {sorted(kwargs)} is not supported on "
                f"{type(self).__name__}"
            )
        if name in _UNARY and len(inputs) == 1:
            return getattr(inputs[0], _UNARY[name])()
        if name in _BINARY and len(inputs) == 2:
            first, second = _BINARY[name]
            if isinstance(inputs[0], NumpyDispatch):
                return getattr(inputs[0], first)(inputs[1])
            return getattr(inputs[1], second)(inputs[0])
        supported = ", ".join(f"np.{n}" for n in sorted({*_UNARY, *_BINARY}))
        raise TypeError(
            f"np.{name} is not supported on {type(self).__name__} (it has no derivative rule "
            f"here); supported NumPy functions: {supported}"
        )

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        raise TypeError(
            f"np.{func.__name__} is not supported on {type(self).__name__}: use its methods "
            "(sum, mean, max, reshape, transpose, ...) or nnlib.autodiff's functions"
        )

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise TypeError(
            f"a {type(self).__name__} cannot be converted to a NumPy array implicitly (the "
            "derivative would be lost): use .value for a Dual or .data for a Tensor"
        )
