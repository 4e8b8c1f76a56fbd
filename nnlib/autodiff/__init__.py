"""Automatic differentiation: forward mode with dual numbers, reverse mode with a Tensor.

- Forward mode: ``Dual``, ``derivative(f, x)``, ``jvp(f, x, v)``.
- Reverse mode: ``Tensor`` (``.backward()``, ``.grad``, ``zero_grad()``), ``no_grad``,
  ``grad(f)``, ``value_and_grad(f)``; see ``nnlib.autodiff.tensor`` for the rule on repeated
  ``backward()`` calls.
- Functions for both: ``exp, log, sin, cos, tanh, sigmoid (logistic), relu, sqrt, softmax,
  log_softmax, cross_entropy`` (NumPy's ufuncs such as ``np.exp`` dispatch too).
- The other ways to differentiate: ``nnlib.autodiff.numerical`` and ``nnlib.autodiff.symbolic``.
  The teaching views (the slides' trace tables, computation-graph drawings, worked examples) live
  in the book's companion package, ``nnbook.trace``, ``nnbook.graph`` and ``nnbook.examples``.
"""

from nnlib.autodiff.dual import Dual, derivative, jvp
from nnlib.autodiff.functional import (
    arctan,
    cos,
    cross_entropy,
    exp,
    grad,
    jacobian,
    log,
    log_softmax,
    logistic,
    relu,
    sigmoid,
    sin,
    softmax,
    sqrt,
    tanh,
    value_and_grad,
)
from nnlib.autodiff.tensor import Tensor, concatenate, no_grad, stack, where

__all__ = [
    "Dual",
    "Tensor",
    "arctan",
    "concatenate",
    "cos",
    "cross_entropy",
    "derivative",
    "exp",
    "grad",
    "jacobian",
    "jvp",
    "log",
    "log_softmax",
    "logistic",
    "no_grad",
    "relu",
    "sigmoid",
    "sin",
    "softmax",
    "sqrt",
    "stack",
    "tanh",
    "value_and_grad",
    "where",
]
