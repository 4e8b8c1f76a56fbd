"""The elementary operations of automatic differentiation, one row each.

Every other part of the engine reads this table: `Dual` and `Tensor` get one method per unary
row (``x.exp()``), the NumPy protocol routes ``np.exp(x)`` to it, `nnlib.autodiff.functional`
exports a function per row (``exp(x)`` on numbers, arrays, Duals and Tensors), and the book's
trace tables and graph drawings print the formulas and symbols. Adding an operation is adding
one row here (and a test).

A unary row holds the value f(x), the local derivative f'(x) (given x and the already computed
out = f(x), so that exp, tanh, sigmoid and sqrt reuse their output), the NumPy ufunc that
dispatches to it, and how the traces print it. Forward mode uses it as
f(a + ȧε) = f(a) + f'(a) ȧ ε (3.1); reverse mode as v̄ += f'(v) v̄_out (3.2).

The arithmetic operators (+, -, ×, /, unary -, ^) are the operators of the two classes, since
their rules involve two operands and broadcasting; `ARITHMETIC` holds how the traces print them
and how to apply them to Duals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnlib.activations import stable_sigmoid

Array = Any  # a float, a NumPy float or an ndarray


@dataclass(frozen=True)
class Elementary:
    """One unary elementary operation: value, derivative, name, and how it is printed."""

    name: str  # method and function name: x.exp(), exp(x)
    value: Callable[[Array], Array]  # f(x)
    derivative: Callable[[Array, Array], Array]  # f'(x) from (x, out = f(x))
    symbol: str  # short label of a graph node
    formula: str  # primal step in the trace tables; {a} is the operand
    partial: str  # d out / d a in the trace tables
    ufunc: np.ufunc | None = None  # the NumPy function that dispatches here (np.exp)


ELEMENTARY: dict[str, Elementary] = {
    op.name: op
    for op in [
        Elementary("exp", np.exp, lambda x, out: out, "exp", "exp {a}", "exp {a}", np.exp),
        Elementary("log", np.log, lambda x, out: 1 / x, "ln", "ln {a}", "1/{a}", np.log),
        Elementary("sin", np.sin, lambda x, out: np.cos(x), "sin", "sin {a}", "cos {a}", np.sin),
        Elementary("cos", np.cos, lambda x, out: -np.sin(x), "cos", "cos {a}", "-sin {a}", np.cos),
        Elementary(
            "tanh", np.tanh, lambda x, out: 1 - out * out, "tanh", "tanh {a}", "1 - tanh² {a}",
            np.tanh,
        ),
        Elementary(
            "sigmoid", stable_sigmoid, lambda x, out: out * (1 - out), "σ", "σ({a})",
            "σ({a})(1 - σ({a}))",
        ),
        # the derivative of ReLU at 0 is taken as 0 (PyTorch's convention)
        Elementary(
            "relu", lambda x: np.maximum(x, 0), lambda x, out: x > 0, "ReLU", "ReLU({a})",
            "1[{a} > 0]",
        ),
        Elementary("sqrt", np.sqrt, lambda x, out: 0.5 / out, "√", "√{a}", "1/(2√{a})", np.sqrt),
        Elementary("abs", np.abs, lambda x, out: np.sign(x), "|·|", "|{a}|", "sign {a}", np.abs),
        Elementary(
            "arctan", np.arctan, lambda x, out: 1 / (1 + x * x), "arctan", "arctan {a}",
            "1/(1 + {a}²)", np.arctan,
        ),
    ]
}  # fmt: skip


@dataclass(frozen=True)
class Arithmetic:
    """An arithmetic operator as the traces print it, and applied to Duals for the tangents."""

    symbol: str
    formula: str  # {a}, {b}: the operands
    partials: tuple[str, ...]  # d out / d a, d out / d b
    apply: Callable[..., Any]


ARITHMETIC: dict[str, Arithmetic] = {
    "add": Arithmetic("+", "{a} + {b}", ("1", "1"), lambda a, b: a + b),
    "sub": Arithmetic("−", "{a} - {b}", ("1", "-1"), lambda a, b: a - b),
    "mul": Arithmetic("×", "{a} × {b}", ("{b}", "{a}"), lambda a, b: a * b),
    "div": Arithmetic("/", "{a} / {b}", ("1/{b}", "-{a}/{b}²"), lambda a, b: a / b),
    "neg": Arithmetic("−", "-{a}", ("-1",), lambda a: -a),
    "pow": Arithmetic("^", "{a}^{b}", ("{b} {a}^({b} - 1)", "{a}^{b} ln {a}"), lambda a, b: a**b),
}


def apply(name: str, *operands: Any) -> Any:
    """Run the operation `name` (a row of either table) on Duals, Tensors or numbers."""
    if name in ARITHMETIC:
        return ARITHMETIC[name].apply(*operands)
    return getattr(operands[0], name)()
