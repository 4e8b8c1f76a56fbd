"""Second derivatives by nesting the two modes: Hessian-vector products without the Hessian.

For a scalar function f: Rⁿ -> R with Hessian H(x), the product with a direction v is the
directional derivative of the gradient,

    H v = d/dε ∇f(x + ε v) |_(ε=0) = ∇_x (∇f(x)ᵀ v)                                      (3.4)

(H is symmetric, so the two forms agree). `hvp` computes the right-hand form by nesting nnlib's two
modes: a forward pass on dual numbers whose value and tangent are reverse-mode Tensors gives the
directional derivative ∇f(x)ᵀv as a Tensor recorded on the tape (forward mode, eq. 3.1, inside), and
one reverse sweep over that tape gives its gradient H v (reverse mode, eq. 3.2, outside). That is
*reverse-over-forward*. JAX's and ``torch.func``'s usual *forward-over-reverse*, ``jvp(grad(f))``,
computes the left-hand form and the same numbers; it would need reverse sweeps whose every step can
carry tangents, which nnlib's NumPy closures do not. Either way the cost is a small constant times
one gradient, whatever n is, and the n × n matrix H is never formed (Pearlmutter 1994).

The result follows ``torch.autograd.functional.hvp(func, inputs, v)``: ``(f(x), H v)`` with ``H v``
of the shape of ``x``, and zeros where f does not depend on x.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnlib.autodiff.dual import Dual
from nnlib.autodiff.tensor import Tensor
from nnlib.checks import as_float_array


def hvp(f: Callable[[Any], Any], x: Any, v: Any) -> tuple[float, np.ndarray]:
    """Value and Hessian-vector product ``(f(x), H(x) v)`` of a scalar f, eq. (3.4).

    ``f`` is written with nnlib.autodiff's functions (or NumPy's ufuncs) and operators, as for
    `grad`; ``x`` and ``v`` are arrays of the same shape. Costs about one forward and one reverse
    pass over a tape twice the size of f's.
    """
    x = as_float_array(x)
    v = np.asarray(v, dtype=x.dtype)
    if v.shape != x.shape:
        raise ValueError(f"hvp: v must have the shape of x, {x.shape}, got {v.shape}")
    leaf = Tensor(x, requires_grad=True)
    out = f(Dual(leaf, Tensor(v)))  # value f(x), tangent ∇f(x)ᵀv, both on leaf's tape
    if not isinstance(out, Dual):  # f ignored its input
        return float(np.asarray(out.data if isinstance(out, Tensor) else out)), np.zeros_like(x)
    value, directional = out.value, out.tangent
    size = np.size(directional.data if isinstance(directional, Tensor) else directional)
    if size != 1:
        raise ValueError(f"hvp: f must return a scalar, got {size} numbers")
    value = float(value.data if isinstance(value, Tensor) else value)
    if not isinstance(directional, Tensor) or not directional.requires_grad:
        return value, np.zeros_like(x)  # ∇f(x)ᵀv does not depend on x: f is linear, H = 0
    directional.backward(np.ones_like(directional.data))
    return value, leaf.grad if leaf.grad is not None else np.zeros_like(x)


def hessian(f: Callable[[Any], Any], x: Any) -> np.ndarray:
    """The Hessian of a scalar f at a vector x, (n, n): one `hvp` per unit vector e_i.

    For checks and small problems only: it costs n Hessian-vector products.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"hessian: x must be a vector, got shape {x.shape}")
    return np.stack([hvp(f, x, e)[1] for e in np.eye(x.size)], axis=1)
