"""Automatic differentiation: forward mode with dual numbers, reverse mode with a Tensor.

- Forward mode: ``Dual``, ``derivative(f, x)``, ``jvp(f, x, v)``.
- Reverse mode: ``Tensor`` (``.backward()``, ``.grad``, ``zero_grad()``), ``no_grad``,
  ``grad(f)``, ``value_and_grad(f)``; see ``nnlib.autodiff.tensor`` for the rule on repeated
  ``backward()`` calls.
- Functions for both: one per elementary operation of ``nnlib.autodiff.ops.ELEMENTARY``
  (``exp, log, sin, cos, tanh, sigmoid, relu, sqrt, abs, arctan``; NumPy's
  ufuncs such as ``np.exp`` dispatch too), and ``softmax, log_softmax, cross_entropy`` built
  from them. Adding an operation is one row of that table.
- Second derivatives, both modes nested: ``hvp(f, x, v)`` (Hessian-vector product, reverse over
  forward) and ``hessian(f, x)``.
- Finite differences and gradient checks: ``nnlib.gradcheck``. Chapter 3's experiments on
  numerical and symbolic differentiation (step-size errors, expression swell) and the teaching
  views (the slides' trace tables, computation-graph drawings, worked examples) live
  in the book's companion package, ``nnbook.trace``, ``nnbook.graph`` and ``nnbook.examples``.
"""

from nnlib.autodiff.dual import Dual, derivative, jvp
from nnlib.autodiff.functional import (
    FUNCTIONS,
    abs,  # shadows the builtin here, as NumPy's np.abs: one function per row of ELEMENTARY
    arctan,
    cos,
    cross_entropy,
    exp,
    grad,
    jacobian,
    log,
    log_softmax,
    relu,
    sigmoid,
    sin,
    softmax,
    sqrt,
    tanh,
    value_and_grad,
)
from nnlib.autodiff.hessian import hessian, hvp
from nnlib.autodiff.ops import ELEMENTARY
from nnlib.autodiff.tensor import Tensor, concatenate, no_grad, stack, where

__all__ = [
    "ELEMENTARY",
    "FUNCTIONS",
    "Dual",
    "Tensor",
    "abs",
    "arctan",
    "concatenate",
    "cos",
    "cross_entropy",
    "derivative",
    "exp",
    "grad",
    "hessian",
    "hvp",
    "jacobian",
    "jvp",
    "log",
    "log_softmax",
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
