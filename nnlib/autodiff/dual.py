"""Forward-mode AD with dual numbers.

A dual number ``a + ȧ ε`` with ``ε² = 0`` carries a value (the *primal*) and a directional
derivative (the *tangent*). Evaluating a program on duals applies the chain rule step by step:

    f(a + ȧ ε) = f(a) + f'(a) ȧ ε                                                       (3.1)

so after one pass the tangent of the output is the Jacobian-vector product ``J v`` for the seed
tangent ``v`` of the inputs. Values and tangents may be Python floats or NumPy arrays; they
broadcast like NumPy arrays. They may also be reverse-mode Tensors: the forward pass is then
recorded on the Tensor's tape, so that a reverse sweep can differentiate the tangent itself
(``nnlib.autodiff.hessian.hvp``: second derivatives by nesting the two modes).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnlib.autodiff.numpy_protocol import NumpyDispatch
from nnlib.autodiff.ops import ELEMENTARY, Elementary
from nnlib.checks import as_float_array

Number = int | float | np.number | np.ndarray


def _as_float(x: Any) -> Any:
    """A float (for scalars) or a floating ndarray (for arrays) of ``x``; a Tensor as it is."""
    if isinstance(x, NumpyDispatch):  # a Tensor carried as value or tangent (nested modes)
        return x
    if isinstance(x, np.ndarray):
        return as_float_array(x)
    if isinstance(x, np.floating):
        return x
    return float(x)


def _shape(x: Any) -> tuple[int, ...]:
    return x.shape if isinstance(x, NumpyDispatch) else np.shape(x)


def _call(name: str, x: Any, *args: Any, **kwargs: Any) -> Any:
    """``x.<name>(...)`` for a carried Tensor, ``np.<name>(x, ...)`` for numbers and arrays."""
    if isinstance(x, NumpyDispatch):
        return getattr(x, name)(*args, **kwargs)
    return getattr(np, name)(x, *args, **kwargs)


class Dual(NumpyDispatch):
    """A dual number ``value + tangent·ε`` (ε² = 0), eq. (3.1).

    Besides the operators, it has one method per elementary operation of
    `nnlib.autodiff.ops.ELEMENTARY` (``d.exp()``, ``d.tanh()``, ...), each applying
    f(a + ȧε) = f(a) + f'(a) ȧ ε.
    """

    __slots__ = ("value", "tangent")
    mode = "forward"

    def __init__(self, value: Number, tangent: Number = 0.0) -> None:
        self.value = _as_float(value)
        tangent = _as_float(tangent)
        if _shape(tangent) != _shape(self.value):
            tangent = np.broadcast_to(
                tangent, np.broadcast_shapes(_shape(tangent), _shape(self.value))
            ).copy()
        self.tangent = tangent

    # ---- helpers -------------------------------------------------------------------------
    def _lift(self, other: Any) -> Dual:
        if isinstance(other, Dual):
            return other
        if isinstance(other, int | float | np.number | np.ndarray):
            return Dual(other, 0.0)
        self.refuse_other_mode(other)
        return NotImplemented

    def __repr__(self) -> str:
        def show(x: Any) -> str:
            if isinstance(x, NumpyDispatch):
                return repr(x)
            if np.ndim(x) == 0:
                return repr(float(x))
            return np.array2string(np.asarray(x), precision=4)

        return f"Dual(value={show(self.value)}, tangent={show(self.tangent)})"

    @property
    def shape(self) -> tuple[int, ...]:
        return _shape(self.value)

    @property
    def dtype(self) -> np.dtype:
        return getattr(self.value, "dtype", np.dtype(np.float64))

    # ---- arithmetic: the sum, product and quotient rules -------------------------------------
    def __add__(self, other: Any) -> Dual:
        o = self._lift(other)
        if o is NotImplemented:
            return o
        return Dual(self.value + o.value, self.tangent + o.tangent)

    def __radd__(self, other: Any) -> Dual:
        return self.__add__(other)

    def __sub__(self, other: Any) -> Dual:
        o = self._lift(other)
        if o is NotImplemented:
            return o
        return Dual(self.value - o.value, self.tangent - o.tangent)

    def __rsub__(self, other: Any) -> Dual:
        o = self._lift(other)
        return o if o is NotImplemented else o.__sub__(self)

    def __mul__(self, other: Any) -> Dual:
        o = self._lift(other)
        if o is NotImplemented:
            return o
        return Dual(self.value * o.value, self.tangent * o.value + self.value * o.tangent)

    def __rmul__(self, other: Any) -> Dual:
        return self.__mul__(other)

    def __truediv__(self, other: Any) -> Dual:
        o = self._lift(other)
        if o is NotImplemented:
            return o
        value = self.value / o.value
        return Dual(value, (self.tangent - value * o.tangent) / o.value)

    def __rtruediv__(self, other: Any) -> Dual:
        o = self._lift(other)
        return o if o is NotImplemented else o.__truediv__(self)

    def __neg__(self) -> Dual:
        return Dual(-self.value, -self.tangent)

    def __pos__(self) -> Dual:
        return self

    def __pow__(self, other: Any) -> Dual:
        """(a + ȧε)^(b + ḃε) = a^b + (b a^(b-1) ȧ + a^b ln(a) ḃ) ε."""
        o = self._lift(other)
        if o is NotImplemented:
            return o
        value = self.value**o.value
        tangent = o.value * self.value ** (o.value - 1) * self.tangent
        if np.any(o.tangent != 0):
            tangent = tangent + value * np.log(self.value) * o.tangent
        return Dual(value, tangent)

    def __rpow__(self, other: Any) -> Dual:
        o = self._lift(other)
        return o if o is NotImplemented else o.__pow__(self)

    def __matmul__(self, other: Any) -> Dual:
        o = self._lift(other)
        if o is NotImplemented:
            return o
        return Dual(self.value @ o.value, self.tangent @ o.value + self.value @ o.tangent)

    def __rmatmul__(self, other: Any) -> Dual:
        o = self._lift(other)
        return o if o is NotImplemented else o.__matmul__(self)

    def __abs__(self) -> Dual:
        return self.abs()  # abs() is one of the elementary methods added below

    # ---- shape and reductions (linear maps: the tangent goes through the same map) ----------
    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Dual:
        return Dual(
            _call("sum", self.value, axis=axis, keepdims=keepdims),
            _call("sum", self.tangent, axis=axis, keepdims=keepdims),
        )

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Dual:
        return Dual(
            _call("mean", self.value, axis=axis, keepdims=keepdims),
            _call("mean", self.tangent, axis=axis, keepdims=keepdims),
        )

    def max(self, axis: int | None = None, keepdims: bool = False) -> Dual:
        """The tangent of the entry that attains the maximum (the first one on ties)."""
        value = np.asarray(self.value)
        tangent = np.broadcast_to(self.tangent, value.shape)
        if axis is None:
            index = np.unravel_index(np.argmax(value), value.shape)
            out = Dual(value[index], tangent[index])
            if keepdims:
                out = out.reshape((1,) * value.ndim)
            return out
        index = np.expand_dims(np.argmax(value, axis=axis), axis)
        out_value = np.take_along_axis(value, index, axis)
        out_tangent = np.take_along_axis(tangent, index, axis)
        if not keepdims:
            out_value, out_tangent = out_value.squeeze(axis), out_tangent.squeeze(axis)
        return Dual(out_value, out_tangent)

    def reshape(self, *shape: Any) -> Dual:
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], tuple | list) else shape
        return Dual(_call("reshape", self.value, shape), _call("reshape", self.tangent, shape))

    def transpose(self, *axes: int) -> Dual:
        def flip(x: Any) -> Any:
            return (
                x.transpose(*axes)
                if isinstance(x, NumpyDispatch)
                else np.transpose(x, axes or None)
            )

        return Dual(flip(self.value), flip(self.tangent))

    @property
    def T(self) -> Dual:  # noqa: N802 (NumPy's name)
        return self.transpose()

    def __getitem__(self, index: Any) -> Dual:
        def pick(x: Any) -> Any:
            return x[index] if isinstance(x, NumpyDispatch) else np.asarray(x)[index]

        return Dual(pick(self.value), pick(self.tangent))


def _forward_rule(op: Elementary) -> Callable[[Dual], Dual]:
    """The method ``Dual.<op.name>``: f(a + ȧε) = f(a) + f'(a) ȧ ε (3.1)."""

    def method(self: Dual) -> Dual:
        x = self.value
        if not isinstance(x, NumpyDispatch):
            out = op.value(x)
            return Dual(out, op.derivative(x, out) * self.tangent)
        out = getattr(x, op.name)()  # a carried Tensor records f on its tape
        if op.name in PIECEWISE_LINEAR:  # f' is a step: a constant (f'' = 0 almost everywhere)
            return Dual(out, op.derivative(x.data, out.data) * self.tangent)
        return Dual(out, op.derivative(x, out) * self.tangent)

    method.__name__ = method.__qualname__ = op.name
    method.__doc__ = f"{op.formula.format(a='a')}, with derivative {op.partial.format(a='a')}."
    return method


PIECEWISE_LINEAR = {"relu", "abs"}  # their derivative rules compare or take signs


for _op in ELEMENTARY.values():
    setattr(Dual, _op.name, _forward_rule(_op))


def jvp(f: Callable[..., Any], x: Any, v: Any) -> tuple[Any, Any]:
    """Value and Jacobian-vector product ``(f(x), J_f(x) v)`` in one forward pass, eq. (3.1).

    ``x`` and ``v`` are a number or array each, or tuples of them for a function of several
    arguments (one tangent per argument).
    """
    if isinstance(x, tuple):
        if not isinstance(v, tuple) or len(v) != len(x):
            raise ValueError(f"jvp: x has {len(x)} arguments, so v must be a tuple of {len(x)}")
        out = f(*(Dual(xi, vi) for xi, vi in zip(x, v, strict=True)))
    else:
        out = f(Dual(x, v))
    if not isinstance(out, Dual):  # f ignored its input: a constant has tangent zero
        return out, np.zeros_like(np.asarray(out, dtype=float))
    return out.value, out.tangent


def derivative(f: Callable[[Any], Any], x: Number) -> Any:
    """f'(x) for f: R -> R^m by forward mode (seed tangent 1).

    For an array ``x`` and an elementwise ``f`` this is the elementwise derivative.
    """
    return jvp(f, x, np.ones_like(_as_float(x)))[1]
