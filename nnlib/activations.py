"""Activation functions: every row of the slides' table, plus ELU, softplus and softmax.

Each elementwise activation is an `ActivationFunction`: call it (`f(x)`), differentiate it
(`f.derivative(x)`), and read the table's columns as data (`f.properties`). `TABLE` maps a
name to each one, in the order of the slides' table (deck 000), so the book and the tests can
iterate over the whole table.

Conventions at the kinks (where the slides disagree):

- ReLU'(0) = 0, as in PyTorch. Deck 000's table sets f'(0) = 1 (its "x >= 0" branch) and deck
  004 calls it undefined; any value in [0, 1] is a valid subgradient, and at x = 0 exactly the
  choice almost never matters in practice.
- Leaky ReLU, PReLU and ELU use the left branch at x = 0 (slope alpha), as PyTorch does.
- Binary step: f'(x) = 0 everywhere, including x = 0 where the true derivative does not exist
  (the table's "?"); nnlib returns 0 so that code runs, and the properties say C^{-1}.

Every function is numerically stable: no overflow or warning for |x| up to 1e4 and beyond
(sigmoid via exp(-|x|), softplus via log1p(exp(-|x|)), ELU via expm1 on the negative part).
Outputs keep the input's floating dtype (integers are promoted to float64).

Softmax is not elementwise (each output depends on the whole row), so it is not in `TABLE`:
`softmax(x)`, `log_softmax(x)`, `softmax_jacobian(x)` and `softmax_jvp(x, v)` live beside it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from nnlib.checks import as_float_array

__all__ = [
    "TABLE",
    "ActivationFunction",
    "Properties",
    "Range",
    "arctan",
    "binary_step",
    "elu",
    "get",
    "identity",
    "isru",
    "leaky_relu",
    "log_softmax",
    "prelu",
    "relu",
    "sigmoid",
    "softmax",
    "softmax_jacobian",
    "softmax_jvp",
    "softplus",
    "softsign",
    "stable_sigmoid",
    "tanh",
]

Array = np.ndarray
SMOOTH = math.inf  # continuity order of a C-infinity function


# ---------------------------------------------------------------------------------------------
# Properties as data
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Range:
    """The image of an activation: an interval (open or closed at each end) or a finite set."""

    low: float
    high: float
    closed_low: bool = False
    closed_high: bool = False
    values: tuple[float, ...] | None = None  # a finite range such as {0, 1}

    def contains(self, y: Array) -> Array:
        """Elementwise: is each y inside the range?"""
        y = np.asarray(y)
        if self.values is not None:
            return np.isin(y, self.values)
        above = y >= self.low if self.closed_low else y > self.low
        below = y <= self.high if self.closed_high else y < self.high
        return above & below

    def __str__(self) -> str:
        if self.values is not None:
            return "{" + ", ".join(f"{v:g}" for v in self.values) + "}"

        def end(v: float) -> str:
            if abs(v) == math.inf:
                return "∞" if v > 0 else "-∞"
            if abs(v) == math.pi / 2:  # arctan's bounds, exactly
                return "π/2" if v > 0 else "-π/2"
            return f"{v:.4g}"

        left = "[" if self.closed_low else "("
        right = "]" if self.closed_high else ")"
        return f"{left}{end(self.low)}, {end(self.high)}{right}"


@dataclass(frozen=True)
class Properties:
    """The columns of the slides' activation table.

    `continuity` is the order k of C^k: -1 for a discontinuous function, `math.inf` for a
    smooth one. `identity_near_origin` means f(0) = 0 and f'(0) = 1.
    """

    range: Range
    continuity: float
    monotonic: bool
    derivative_monotonic: bool
    identity_near_origin: bool

    @property
    def continuity_label(self) -> str:
        """'C^∞', 'C^1', 'C^0' or 'C^-1', as printed in the table."""
        return "C^∞" if self.continuity == SMOOTH else f"C^{int(self.continuity)}"


@dataclass(frozen=True)
class ActivationFunction:
    """An elementwise activation f with its derivative, its table properties and its formulas.

    `params` holds hyper-parameters (alpha of leaky ReLU, PReLU, ELU, ISRU); `with_params`
    returns a copy with other values, whose properties follow (e.g. PReLU is monotonic iff
    alpha >= 0).
    """

    name: str
    function: Callable[..., Array]
    derivative_function: Callable[..., Array]
    properties_function: Callable[..., Properties]
    equation: str  # LaTeX, as in the table
    derivative_equation: str  # LaTeX
    params: dict[str, float] = field(default_factory=dict)

    def __call__(self, x: object) -> Array:
        return self.function(as_float_array(x), **self.params)

    def derivative(self, x: object) -> Array:
        """f'(x), elementwise."""
        return self.derivative_function(as_float_array(x), **self.params)

    @property
    def properties(self) -> Properties:
        return self.properties_function(**self.params)

    def with_params(self, **params: float) -> ActivationFunction:
        unknown = set(params) - set(self.params)
        if unknown:
            raise ValueError(
                f"{self.name} takes parameters {sorted(self.params)}, got {sorted(unknown)}"
            )
        return replace(self, params={**self.params, **params})

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"ActivationFunction({self.name}{', ' + args if args else ''})"


# ---------------------------------------------------------------------------------------------
# The functions (x is already a float array)
# ---------------------------------------------------------------------------------------------


def _one(x: Array) -> Array:
    return np.ones_like(x)


def _where(cond: Array, a: Array | float, b: Array | float, like: Array) -> Array:
    """np.where that keeps `like`'s dtype even when both branches are Python scalars."""
    return np.where(cond, a, b).astype(like.dtype, copy=False)


def _identity(x: Array) -> Array:
    return x.copy()


def _binary_step(x: Array) -> Array:
    return _where(x >= 0, 1.0, 0.0, x)


def _binary_step_derivative(x: Array) -> Array:
    return np.zeros_like(x)


def stable_sigmoid(x: Array) -> Array:
    """sigma(x) = 1 / (1 + e^{-x}), computed from e^{-|x|} so that exp never overflows.

    The one stable sigmoid of nnlib: `sigmoid`, `layers.Sigmoid` and autodiff's `sigmoid` use
    it. Like a NumPy ufunc, it returns a scalar for a scalar input.
    """
    e = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return out if out.ndim else out[()]


def _sigmoid_derivative(x: Array) -> Array:
    s = stable_sigmoid(x)
    return s * (1.0 - s)


def _tanh(x: Array) -> Array:
    return np.tanh(x)


def _tanh_derivative(x: Array) -> Array:
    t = np.tanh(x)
    return 1.0 - t * t


def _arctan(x: Array) -> Array:
    return np.arctan(x)


def _arctan_derivative(x: Array) -> Array:
    return 1.0 / (x * x + 1.0)


def _softsign(x: Array) -> Array:
    return x / (1.0 + np.abs(x))


def _softsign_derivative(x: Array) -> Array:
    d = 1.0 + np.abs(x)
    return 1.0 / (d * d)


def _isru(x: Array, alpha: float) -> Array:
    return x / np.sqrt(1.0 + alpha * x * x)


def _isru_derivative(x: Array, alpha: float) -> Array:
    return (1.0 / np.sqrt(1.0 + alpha * x * x)) ** 3


def _relu(x: Array) -> Array:
    return np.maximum(x, 0)


def _relu_derivative(x: Array) -> Array:
    return _where(x > 0, 1.0, 0.0, x)  # f'(0) = 0, as in PyTorch


def _leaky(x: Array, alpha: float) -> Array:
    return np.where(x > 0, x, alpha * x)


def _leaky_derivative(x: Array, alpha: float) -> Array:
    return _where(x > 0, 1.0, alpha, x)


def _elu(x: Array, alpha: float) -> Array:
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _elu_derivative(x: Array, alpha: float) -> Array:
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0))).astype(x.dtype, copy=False)


def _softplus(x: Array) -> Array:
    """log(1 + e^x) = max(x, 0) + log1p(e^{-|x|}): exact and overflow-free."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


# ---------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------

REALS = Range(-math.inf, math.inf)


def _props(rng: Range, k: float, mono: bool, dmono: bool, ident: bool) -> Callable[..., Properties]:
    fixed = Properties(rng, k, mono, dmono, ident)
    return lambda: fixed


def _leaky_props(alpha: float) -> Properties:
    # A two-valued step f' (alpha, then 1) is monotonic whichever value is larger; alpha = 1
    # is the identity, hence smooth. With alpha <= 0 negative inputs map to [0, inf) too.
    image = REALS if alpha > 0 else Range(0, math.inf, closed_low=True)
    return Properties(image, SMOOTH if alpha == 1 else 0, alpha >= 0, True, alpha == 1)


def _isru_props(alpha: float) -> Properties:
    bound = 1.0 / math.sqrt(alpha)
    return Properties(Range(-bound, bound), SMOOTH, True, False, True)


def _elu_props(alpha: float) -> Properties:
    return Properties(
        Range(-alpha, math.inf),
        1 if alpha == 1 else 0,
        alpha >= 0,
        0 <= alpha <= 1,
        alpha == 1,
    )


identity = ActivationFunction(
    "identity", _identity, _one, _props(REALS, SMOOTH, True, True, True), r"f(x) = x", r"f'(x) = 1"
)
binary_step = ActivationFunction(
    "binary_step",
    _binary_step,
    _binary_step_derivative,
    _props(Range(0, 1, values=(0.0, 1.0)), -1, True, False, False),
    r"f(x) = \begin{cases} 0 & x < 0 \\ 1 & x \ge 0 \end{cases}",
    r"f'(x) = \begin{cases} 0 & x \ne 0 \\ \text{undefined} & x = 0 \end{cases}",
)
sigmoid = ActivationFunction(  # the slides' logistic function; PyTorch's name
    "sigmoid",
    stable_sigmoid,
    _sigmoid_derivative,
    _props(Range(0, 1), SMOOTH, True, False, False),
    r"f(x) = \frac{1}{1 + e^{-x}}",
    r"f'(x) = f(x)\,(1 - f(x))",
)
tanh = ActivationFunction(
    "tanh",
    _tanh,
    _tanh_derivative,
    _props(Range(-1, 1), SMOOTH, True, False, True),
    r"f(x) = \tanh(x) = \frac{2}{1 + e^{-2x}} - 1",
    r"f'(x) = 1 - f(x)^2",
)
arctan = ActivationFunction(
    "arctan",
    _arctan,
    _arctan_derivative,
    _props(Range(-math.pi / 2, math.pi / 2), SMOOTH, True, False, True),
    r"f(x) = \tan^{-1}(x)",
    r"f'(x) = \frac{1}{x^2 + 1}",
)
softsign = ActivationFunction(
    "softsign",
    _softsign,
    _softsign_derivative,
    _props(Range(-1, 1), 1, True, False, True),
    r"f(x) = \frac{x}{1 + |x|}",
    r"f'(x) = \frac{1}{(1 + |x|)^2}",
)
isru = ActivationFunction(
    "isru",
    _isru,
    _isru_derivative,
    _isru_props,
    r"f(x) = \frac{x}{\sqrt{1 + \alpha x^2}}",
    r"f'(x) = \left(\frac{1}{\sqrt{1 + \alpha x^2}}\right)^3",
    {"alpha": 1.0},
)
relu = ActivationFunction(
    "relu",
    _relu,
    _relu_derivative,
    _props(Range(0, math.inf, closed_low=True), 0, True, True, False),
    r"f(x) = \begin{cases} 0 & x < 0 \\ x & x \ge 0 \end{cases}",
    r"f'(x) = \begin{cases} 0 & x \le 0 \\ 1 & x > 0 \end{cases}",
)
leaky_relu = ActivationFunction(
    "leaky_relu",
    _leaky,
    _leaky_derivative,
    _leaky_props,
    r"f(x) = \begin{cases} 0.01 x & x < 0 \\ x & x \ge 0 \end{cases}",
    r"f'(x) = \begin{cases} 0.01 & x \le 0 \\ 1 & x > 0 \end{cases}",
    {"alpha": 0.01},
)
prelu = ActivationFunction(
    "prelu",
    _leaky,
    _leaky_derivative,
    _leaky_props,
    r"f(\alpha, x) = \begin{cases} \alpha x & x < 0 \\ x & x \ge 0 \end{cases}",
    r"f'(\alpha, x) = \begin{cases} \alpha & x \le 0 \\ 1 & x > 0 \end{cases}",
    {"alpha": 0.25},
)
elu = ActivationFunction(
    "elu",
    _elu,
    _elu_derivative,
    _elu_props,
    r"f(x) = \begin{cases} \alpha (e^x - 1) & x \le 0 \\ x & x > 0 \end{cases}",
    r"f'(x) = \begin{cases} \alpha e^x & x \le 0 \\ 1 & x > 0 \end{cases}",
    {"alpha": 1.0},
)
softplus = ActivationFunction(
    "softplus",
    _softplus,
    stable_sigmoid,
    _props(Range(0, math.inf), SMOOTH, True, True, False),
    r"f(x) = \ln(1 + e^x)",
    r"f'(x) = \frac{1}{1 + e^{-x}}",
)

#: Every elementwise activation by name: the slides' table in its order, then ELU and softplus.
TABLE: dict[str, ActivationFunction] = {
    f.name: f
    for f in (
        identity,
        binary_step,
        sigmoid,
        tanh,
        arctan,
        softsign,
        isru,
        relu,
        leaky_relu,
        prelu,
        elu,
        softplus,
    )
}

_ALIASES = {"linear": "identity", "step": "binary_step"}


def get(name: str | ActivationFunction) -> ActivationFunction:
    """The activation called `name` (a key of TABLE, or 'linear', 'step')."""
    if isinstance(name, ActivationFunction):
        return name
    key = _ALIASES.get(name.lower(), name.lower())
    if key not in TABLE:
        raise ValueError(f"unknown activation {name!r}; expected one of {sorted(TABLE)}")
    return TABLE[key]


# ---------------------------------------------------------------------------------------------
# Softmax (not elementwise)
# ---------------------------------------------------------------------------------------------


def softmax(x: object, axis: int = -1) -> Array:
    """softmax(x)_k = e^{x_k} / sum_j e^{x_j}, computed as e^{x_k - max x} (never overflows)."""
    x = as_float_array(x)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(x: object, axis: int = -1) -> Array:
    """log softmax(x)_k = x_k - max x - log sum_j e^{x_j - max x} (log-sum-exp trick)."""
    x = as_float_array(x)
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax_jacobian(x: object) -> Array:
    """The Jacobian J_kj = s_k (delta_kj - s_j) of softmax over the last axis.

    For an input of shape (..., K) the result has shape (..., K, K). For teaching: code
    should use `softmax_jvp`, which never forms the K x K matrix.
    """
    s = softmax(x)
    return s[..., :, None] * (np.eye(s.shape[-1], dtype=s.dtype) - s[..., None, :])


def softmax_jvp(x: object, v: object) -> Array:
    """J v = s * (v - <s, v>) along the last axis, without forming J.

    J is symmetric, so this is also the vector-Jacobian product used in backpropagation.
    """
    s = softmax(x)
    v = np.asarray(v, dtype=s.dtype)
    if v.shape != s.shape:
        raise ValueError(f"softmax_jvp expected v of shape {s.shape}, got {v.shape}")
    return s * (v - (s * v).sum(axis=-1, keepdims=True))
