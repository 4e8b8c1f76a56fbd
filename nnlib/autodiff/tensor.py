"""Reverse-mode AD: a vectorized ``Tensor`` over NumPy arrays, in the style of micrograd.

Every operation creates a new Tensor that remembers its operands and a closure ``_backward``
holding the operation's local derivative. ``backward()`` visits the graph in reverse
topological order and applies, at every node ``v_i``, the adjoint recursion

    v̄_i = Σ_{j child of i} v̄_j ∂v_j/∂v_i                                               (3.2)

each closure adding (``+=``) its term into the ``grad`` of its operands. Under broadcasting
the term is summed back to the operand's shape (eq. 3.3: the adjoint of a broadcast is a sum).
A few primitives have closures; the rest (mean, softmax, cross-entropy, ...) are built from them.

Rule for repeated ``backward()`` calls
--------------------------------------
The graph is kept after ``backward()``, so it may be called again. *Leaf* tensors (created by
you with ``requires_grad=True``) **accumulate**: each call adds into ``.grad`` until you call
``zero_grad()`` (or set ``.grad = None``), exactly like ``Parameter.grad`` in ``nnlib.layers``.
Intermediate tensors hold the adjoint of the most recent call only. ``.grad`` is ``None`` until
a backward pass reaches the tensor (as in PyTorch).

Inside ``with no_grad():`` operations record nothing (no graph, no closures).

The dtype rule is the layers' (`nnlib.module`): a Tensor computes in its own dtype; a float
operand of another dtype is a TypeError naming both, an integer operand is converted, and a
scalar takes the Tensor's dtype. float32 with float64 never promotes silently.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from nnlib.autodiff.numpy_protocol import NumpyDispatch
from nnlib.autodiff.ops import ELEMENTARY, Elementary
from nnlib.checks import as_float_array

_grad_enabled = True
_creation_counter = itertools.count()


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Within this block operations build no graph (inference, optimizer updates)."""
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = previous


def _sum_to_shape(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Undo broadcasting: sum ``grad`` over the axes that broadcasting added or stretched (3.3)."""
    if grad.shape == shape:
        return grad
    grad = grad.sum(axis=tuple(range(grad.ndim - len(shape)))) if grad.ndim > len(shape) else grad
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


def _refuse_mixed(ours: np.dtype, theirs: np.dtype) -> None:
    raise TypeError(
        f"a Tensor operation got {ours} and {theirs} operands; convert one (x.astype(np.{ours})) "
        "so that nothing is cast silently (nnlib's dtype rule, as in the layers)"
    )


class Tensor(NumpyDispatch):
    """An array that records how it was computed, so that gradients can flow back through it.

    Besides the operators, it has one method per elementary operation of
    `nnlib.autodiff.ops.ELEMENTARY` (``t.exp()``, ``t.tanh()``, ...), each recording
    v̄ += f'(v) v̄_out for the backward sweep.
    """

    __slots__ = ("data", "grad", "requires_grad", "name", "_op", "_args", "_backward", "_id")
    mode = "reverse"

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        name: str = "",
        dtype: Any = None,
    ) -> None:
        if isinstance(data, Tensor | NumpyDispatch):
            raise TypeError(f"Tensor(data) expects numbers or an array, got {type(data).__name__}")
        self.data: np.ndarray = as_float_array(np.asarray(data, dtype=dtype))
        self.grad: np.ndarray | None = None
        self.requires_grad = requires_grad
        self.name = name
        self._op = ""
        self._args: tuple[Any, ...] = ()
        self._backward: Callable[[np.ndarray], None] | None = None
        self._id = next(_creation_counter)

    # ---- construction of graph nodes --------------------------------------------------------
    @classmethod
    def _make(
        cls,
        data: np.ndarray,
        op: str,
        args: tuple[Any, ...],
        backward: Callable[[np.ndarray], None],
    ) -> Tensor:
        """The result of an operation; it records the graph only if an operand needs a gradient."""
        out = object.__new__(cls)  # skip __init__'s checks: data is already a float array
        out.data, out.grad, out.name, out._id = np.asarray(data), None, "", next(_creation_counter)
        if _grad_enabled and any(a.requires_grad for a in args):
            out.requires_grad, out._op, out._args, out._backward = True, op, args, backward
        else:
            out.requires_grad, out._op, out._args, out._backward = False, "", (), None
        return out

    def _lift(self, other: Any) -> Tensor:
        """`other` as an operand of ours, by the dtype rule of the layers (`nnlib.module`).

        A Python or NumPy scalar is 'weak' (takes our dtype, as in NumPy and PyTorch); an
        integer or boolean array is exact data, converted to our dtype; a float Tensor or array
        of another dtype is a TypeError naming both: float32 times float64 never promotes
        silently, so a float32 computation stays float32.
        """
        if isinstance(other, Tensor):
            if other.data.dtype != self.data.dtype:
                _refuse_mixed(self.data.dtype, other.data.dtype)
            return other
        if isinstance(other, int | float | np.number):  # the hot path: skip __init__'s checks
            const = object.__new__(Tensor)
            const.data, const.grad, const.requires_grad, const.name = (
                np.asarray(other, dtype=self.data.dtype),
                None,
                False,
                "",
            )
            const._op, const._args, const._backward = "", (), None
            const._id = next(_creation_counter)
            return const
        if isinstance(other, np.ndarray):
            if other.dtype.kind == "f" and other.dtype != self.data.dtype:
                _refuse_mixed(self.data.dtype, other.dtype)
            return Tensor(other, dtype=self.data.dtype)
        self.refuse_other_mode(other)
        raise TypeError(
            f"unsupported operand of type {type(other).__name__} for a Tensor operation"
        )

    def _accumulate(self, grad: np.ndarray) -> None:
        """v̄ += grad, summed back to our shape; a new array, never in place (operands share)."""
        if not self.requires_grad:
            return
        grad = _sum_to_shape(grad, self.data.shape)
        self.grad = grad if self.grad is None else self.grad + grad

    # ---- properties ---------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def is_leaf(self) -> bool:
        return self._backward is None

    @property
    def op(self) -> str:
        """The name of the operation that made this tensor ("" for a leaf or a constant)."""
        return self._op

    @property
    def operands(self) -> tuple[Tensor, ...]:
        """The tensors this one was computed from (empty for a leaf or a constant)."""
        return self._args

    @property
    def serial(self) -> int:
        """The order of creation: operations ran in increasing serial (the trace numbering)."""
        return self._id

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        op = f", op={self._op!r}" if self._op else ""
        return f"Tensor({np.array2string(self.data, precision=4)}{grad}{op})"

    def item(self) -> float:
        return self.data.item()

    def numpy(self) -> np.ndarray:
        return self.data

    def detach(self) -> Tensor:
        """The same values, cut from the graph (a constant)."""
        return Tensor(self.data)

    def named(self, name: str) -> Tensor:
        """Set the name the trace tables and graph drawings use; returns self."""
        self.name = name
        return self

    def zero_grad(self) -> None:
        self.grad = None

    # ---- elementwise arithmetic ---------------------------------------------------------------
    def __add__(self, other: Any) -> Tensor:
        a, b = self, self._lift(other)

        def backward(g: np.ndarray) -> None:
            a._accumulate(g)
            b._accumulate(g)

        return Tensor._make(a.data + b.data, "add", (a, b), backward)

    def __radd__(self, other: Any) -> Tensor:
        return self._lift(other).__add__(self)

    def __sub__(self, other: Any) -> Tensor:
        a, b = self, self._lift(other)

        def backward(g: np.ndarray) -> None:
            a._accumulate(g)
            b._accumulate(-g)

        return Tensor._make(a.data - b.data, "sub", (a, b), backward)

    def __rsub__(self, other: Any) -> Tensor:
        return self._lift(other).__sub__(self)

    def __mul__(self, other: Any) -> Tensor:
        a, b = self, self._lift(other)

        def backward(g: np.ndarray) -> None:
            a._accumulate(g * b.data)
            b._accumulate(g * a.data)

        return Tensor._make(a.data * b.data, "mul", (a, b), backward)

    def __rmul__(self, other: Any) -> Tensor:
        return self._lift(other).__mul__(self)

    def __truediv__(self, other: Any) -> Tensor:
        a, b = self, self._lift(other)
        out = a.data / b.data

        def backward(g: np.ndarray) -> None:
            a._accumulate(g / b.data)
            b._accumulate(-g * out / b.data)

        return Tensor._make(out, "div", (a, b), backward)

    def __rtruediv__(self, other: Any) -> Tensor:
        return self._lift(other).__truediv__(self)

    def __neg__(self) -> Tensor:
        a = self

        def backward(g: np.ndarray) -> None:
            a._accumulate(-g)

        return Tensor._make(-a.data, "neg", (a,), backward)

    def __pos__(self) -> Tensor:
        return self

    def __pow__(self, other: Any) -> Tensor:
        a, b = self, self._lift(other)
        out = a.data**b.data

        def backward(g: np.ndarray) -> None:
            if a.requires_grad:
                a._accumulate(g * b.data * a.data ** (b.data - 1))
            if b.requires_grad:
                b._accumulate(g * out * np.log(a.data))

        return Tensor._make(out, "pow", (a, b), backward)

    def __rpow__(self, other: Any) -> Tensor:
        return self._lift(other).__pow__(self)

    # ---- elementary functions --------------------------------------------------------------
    def _unary(self, op: str, value: np.ndarray, local: Callable[[], np.ndarray]) -> Tensor:
        """out = f(self) with local derivative f'(self) computed lazily by ``local()``."""
        a = self

        def backward(g: np.ndarray) -> None:
            a._accumulate(g * local())

        return Tensor._make(value, op, (a,), backward)

    def __abs__(self) -> Tensor:
        return self.abs()  # abs() is one of the elementary methods added below

    # ---- linear algebra ------------------------------------------------------------------------
    def __matmul__(self, other: Any) -> Tensor:
        """C = A B; Ā = C̄ Bᵀ and B̄ = Aᵀ C̄ (1-D operands are treated as row/column vectors)."""
        a, b = self, self._lift(other)
        a2 = a.data[None, :] if a.ndim == 1 else a.data
        b2 = b.data[:, None] if b.ndim == 1 else b.data

        def backward(g: np.ndarray) -> None:
            if a.ndim == 1 and b.ndim == 1:  # inner product
                a._accumulate(g * b.data)
                b._accumulate(g * a.data)
                return
            g2 = g[..., None, :] if a.ndim == 1 else g
            g2 = g2[..., None] if b.ndim == 1 else g2
            if a.requires_grad:
                ga = g2 @ b2.swapaxes(-1, -2)
                a._accumulate(ga[..., 0, :] if a.ndim == 1 else ga)
            if b.requires_grad:
                gb = a2.swapaxes(-1, -2) @ g2
                b._accumulate(gb[..., 0] if b.ndim == 1 else gb)

        return Tensor._make(a.data @ b.data, "matmul", (a, b), backward)

    def __rmatmul__(self, other: Any) -> Tensor:
        return self._lift(other).__matmul__(self)

    # ---- reductions ----------------------------------------------------------------------------
    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        a = self

        def backward(g: np.ndarray) -> None:
            if not keepdims and axis is not None:
                g = np.expand_dims(g, axis)
            a._accumulate(np.broadcast_to(g, a.shape))

        return Tensor._make(a.data.sum(axis=axis, keepdims=keepdims), "sum", (a,), backward)

    def max(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Maximum; its gradient goes to the maximal entries (shared equally on ties)."""
        a = self
        out = a.data.max(axis=axis, keepdims=True)

        def backward(g: np.ndarray) -> None:
            if not keepdims and axis is not None:
                g = np.expand_dims(g, axis)
            mask = a.data == out
            a._accumulate(g * mask / mask.sum(axis=axis, keepdims=True))

        value = out if keepdims else (out.reshape(()) if axis is None else out.squeeze(axis))
        return Tensor._make(value, "max", (a,), backward)

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Derived: sum / count."""
        axes = range(self.ndim) if axis is None else np.atleast_1d(axis)
        count = int(np.prod([self.shape[i] for i in axes]))
        return self.sum(axis=axis, keepdims=keepdims) * (1.0 / count)

    # ---- shapes ---------------------------------------------------------------------------------
    def reshape(self, *shape: Any) -> Tensor:
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], tuple | list) else shape
        a = self

        def backward(g: np.ndarray) -> None:
            a._accumulate(g.reshape(a.shape))

        return Tensor._make(a.data.reshape(shape), "reshape", (a,), backward)

    def transpose(self, *axes: int) -> Tensor:
        a = self
        axes_ = tuple(axes[0]) if len(axes) == 1 and isinstance(axes[0], tuple | list) else axes
        inverse = tuple(np.argsort(axes_)) if axes_ else None

        def backward(g: np.ndarray) -> None:
            a._accumulate(np.transpose(g, inverse))

        return Tensor._make(np.transpose(a.data, axes_ or None), "transpose", (a,), backward)

    @property
    def T(self) -> Tensor:  # noqa: N802 (NumPy's name)
        return self.transpose()

    def __getitem__(self, index: Any) -> Tensor:
        a = self
        if isinstance(index, Tensor):
            index = index.data.astype(np.intp)

        def backward(g: np.ndarray) -> None:
            full = np.zeros_like(a.data)
            np.add.at(full, index, g)  # repeated indices receive every contribution
            a._accumulate(full)

        return Tensor._make(a.data[index], "getitem", (a,), backward)

    # ---- reverse sweep --------------------------------------------------------------------------
    def backward(self, gradient: Any = None) -> None:
        """Fill ``.grad`` of every tensor this one depends on, by eq. (3.2) in reverse order.

        ``gradient`` is the seed v̄ of this tensor; it may be omitted only for a scalar (seed 1).
        Leaf gradients accumulate across calls (see the module docstring).
        """
        if not self.requires_grad:
            raise ValueError(
                "backward() called on a Tensor that does not require grad: create the inputs "
                "with Tensor(x, requires_grad=True) (and not inside no_grad())"
            )
        if gradient is None:
            if self.size != 1:
                raise ValueError(
                    f"backward() on a Tensor of shape {self.shape} needs a seed gradient: pass "
                    f"gradient= an array of shape {self.shape} (the adjoint of this output, e.g. "
                    f"np.ones({self.shape}) for the gradient of its sum), or reduce it to a "
                    "scalar first, e.g. y.sum().backward()"
                )
            gradient = np.ones_like(self.data)
        gradient = np.asarray(gradient, dtype=self.dtype)
        if gradient.shape != self.shape:
            raise ValueError(
                f"backward(gradient=...) needs shape {self.shape}, got {gradient.shape}"
            )
        order = topological_order(self)
        for node in order:
            if not node.is_leaf:
                node.grad = None
        self.grad = gradient if self.grad is None else self.grad + gradient
        for node in reversed(order):
            if node._backward is not None and node.grad is not None:
                node._backward(node.grad)


def topological_order(root: Tensor) -> list[Tensor]:
    """Every tensor ``root`` depends on (that requires grad), operands before results.

    Iterative depth-first search, so a chain of 100,000 operations does not hit Python's
    recursion limit.
    """
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for arg in node._args:
            if isinstance(arg, Tensor) and arg.requires_grad and id(arg) not in visited:
                stack.append((arg, False))
    return order


def _reverse_rule(op: Elementary) -> Callable[[Tensor], Tensor]:
    """The method ``Tensor.<op.name>``: out = f(x), and backward adds f'(x) v̄_out into x̄."""

    def method(self: Tensor) -> Tensor:
        x = self.data
        out = op.value(x)
        return self._unary(op.name, out, lambda: op.derivative(x, out))

    method.__name__ = method.__qualname__ = op.name
    method.__doc__ = f"{op.formula.format(a='x')}, with derivative {op.partial.format(a='x')}."
    return method


for _op in ELEMENTARY.values():
    setattr(Tensor, _op.name, _reverse_rule(_op))


def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis; each receives its slice of the gradient."""
    parts = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    parts = [parts[0]] + [parts[0]._lift(p) for p in parts[1:]]  # one dtype (the rule of _lift)
    bounds = np.cumsum([p.shape[axis] for p in parts])[:-1]

    def backward(g: np.ndarray) -> None:
        for part, piece in zip(parts, np.split(g, bounds, axis=axis), strict=True):
            part._accumulate(piece)

    data = np.concatenate([p.data for p in parts], axis=axis)
    return Tensor._make(data, "concatenate", tuple(parts), backward)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """Elementwise ``a`` where ``condition`` holds, else ``b``; each receives its share of v̄."""
    cond = np.asarray(condition.data if isinstance(condition, Tensor) else condition, dtype=bool)
    like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else Tensor(0.0)
    a, b = like._lift(a), like._lift(b)

    def backward(g: np.ndarray) -> None:
        zero = np.zeros((), dtype=g.dtype)
        a._accumulate(np.where(cond, g, zero))
        b._accumulate(np.where(cond, zero, g))

    return Tensor._make(np.where(cond, a.data, b.data), "where", (a, b), backward)


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Derived: join along a new axis (expand each, then concatenate)."""
    expanded = []
    for t in tensors:
        t = t if isinstance(t, Tensor) else Tensor(t)
        shape = list(t.shape)
        shape.insert(axis if axis >= 0 else len(shape) + 1 + axis, 1)
        expanded.append(t.reshape(shape))
    return concatenate(expanded, axis=axis)
