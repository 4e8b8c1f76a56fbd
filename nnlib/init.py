"""Weight initializers: `f(shape, rng, dtype=np.float64, **kw) -> ndarray`.

Weights are stored as (fan_in, fan_out) = (in_features, out_features), so y = x @ W + b.
For shapes with more than two axes, the trailing axes are a receptive field that multiplies
both fans (as for convolution kernels).

Which variance each scheme targets, Var(W) =

=================  ==========================  ==============================================
name               variance                    source
=================  ==========================  ==============================================
lecun_normal       1 / fan_in                  LeCun et al. (1998), "Efficient BackProp";
                                               deck 002 calls std 1/sqrt(D_in) "Xavier"
xavier_normal      2 / (fan_in + fan_out)      Glorot & Bengio (2010), eq. 12 (normal form)
xavier_uniform     2 / (fan_in + fan_out)      Glorot & Bengio (2010), eq. 16: U(-a, a) with
                                               a = sqrt(6 / (fan_in + fan_out))
he_normal          2 / fan_in                  He et al. (2015), for ReLU; deck 002 prints
                                               std 2/sqrt(D_in), a typo for sqrt(2/D_in)
he_uniform         2 / fan_in                  He et al. (2015): U(-a, a), a = sqrt(6/fan_in)
pytorch_default    1 / (3 fan_in)              PyTorch's nn.Linear/Conv2d default,
                                               kaiming_uniform_(a=sqrt(5)) = U(+-1/sqrt(fan_in))
=================  ==========================  ==============================================

He's initializers take PyTorch's `mode` ("fan_in", the default, or "fan_out": keep the
backward variance instead) and `a` (a leaky ReLU's negative slope: variance 2/((1 + a^2) fan)).

`gain` multiplies the standard deviation (PyTorch's convention), e.g. gain=5/3 for tanh.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from nnlib.random import RNGLike, as_rng

__all__ = [
    "INITIALIZERS",
    "Initializer",
    "constant",
    "fans",
    "get",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "lecun_uniform",
    "normal",
    "pytorch_default",
    "uniform",
    "xavier_normal",
    "xavier_uniform",
    "zeros",
]

Shape = int | tuple[int, ...]
Initializer = Callable[..., np.ndarray]


def _shape(shape: Shape) -> tuple[int, ...]:
    shape = (shape,) if isinstance(shape, int | np.integer) else tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"expected a shape of non-negative sizes, got {shape}")
    return shape


def fans(shape: Shape) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of `shape` = (in, out, *receptive_field).

    A vector (a bias) counts its length as both fans.
    """
    shape = _shape(shape)
    if len(shape) == 0:
        raise ValueError("expected a shape with at least one axis, got ()")
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[2:])
    return shape[0] * receptive, shape[1] * receptive


def constant(shape: Shape, rng: RNGLike = None, dtype=np.float64, value: float = 0.0) -> np.ndarray:
    """Every entry equal to `value` (rng is ignored). Constant weights are symmetric: see ch. 6."""
    return np.full(_shape(shape), value, dtype=dtype)


def zeros(shape: Shape, rng: RNGLike = None, dtype=np.float64) -> np.ndarray:
    """All zeros: the usual bias initialization."""
    return constant(shape, rng, dtype, 0.0)


def normal(
    shape: Shape, rng: RNGLike = None, dtype=np.float64, mean: float = 0.0, std: float = 1.0
):
    """W_ij ~ N(mean, std^2)."""
    return as_rng(rng).normal(mean, std, _shape(shape)).astype(dtype, copy=False)


def uniform(
    shape: Shape, rng: RNGLike = None, dtype=np.float64, low: float = 0.0, high: float = 1.0
):
    """W_ij ~ U(low, high), whose variance is (high - low)^2 / 12."""
    return as_rng(rng).uniform(low, high, _shape(shape)).astype(dtype, copy=False)


def _normal_with_variance(shape, rng, dtype, variance: float, gain: float) -> np.ndarray:
    return normal(shape, rng, dtype, 0.0, gain * math.sqrt(variance))


def _uniform_with_variance(shape, rng, dtype, variance: float, gain: float) -> np.ndarray:
    bound = gain * math.sqrt(3.0 * variance)  # U(-a, a) has variance a^2 / 3
    return uniform(shape, rng, dtype, -bound, bound)


def lecun_normal(
    shape: Shape, rng: RNGLike = None, dtype=np.float64, gain: float = 1.0
) -> np.ndarray:
    """N(0, 1/fan_in): LeCun et al. (1998); the "Xavier" of deck 002 (std = 1/sqrt(D_in)).

    Keeps Var(z) = Var(x) through a linear layer: Var(z_j) = fan_in Var(W) Var(x).
    """
    fan_in, _ = fans(shape)
    return _normal_with_variance(shape, rng, dtype, 1.0 / fan_in, gain)


def lecun_uniform(
    shape: Shape, rng: RNGLike = None, dtype=np.float64, gain: float = 1.0
) -> np.ndarray:
    """U(-a, a) with a = sqrt(3/fan_in): variance 1/fan_in, as lecun_normal."""
    fan_in, _ = fans(shape)
    return _uniform_with_variance(shape, rng, dtype, 1.0 / fan_in, gain)


def xavier_normal(
    shape: Shape, rng: RNGLike = None, dtype=np.float64, gain: float = 1.0
) -> np.ndarray:
    """N(0, 2/(fan_in + fan_out)): Glorot & Bengio (2010), the compromise between keeping the
    forward variance (1/fan_in) and the backward variance (1/fan_out) constant."""
    fan_in, fan_out = fans(shape)
    return _normal_with_variance(shape, rng, dtype, 2.0 / (fan_in + fan_out), gain)


def xavier_uniform(
    shape: Shape, rng: RNGLike = None, dtype=np.float64, gain: float = 1.0
) -> np.ndarray:
    """U(-a, a), a = sqrt(6/(fan_in + fan_out)): Glorot & Bengio (2010), eq. 16, the
    "normalized initialization"; variance 2/(fan_in + fan_out)."""
    fan_in, fan_out = fans(shape)
    return _uniform_with_variance(shape, rng, dtype, 2.0 / (fan_in + fan_out), gain)


def _he_variance(shape: Shape, mode: str, a: float) -> float:
    """2 / ((1 + a^2) fan): He et al. (2015), eq. 10 (fan_in) or eq. 14 (fan_out), for a (leaky)
    ReLU of negative slope `a`; PyTorch's `kaiming_*_(mode=..., a=...)`."""
    fan_in, fan_out = fans(shape)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan = fan_in if mode == "fan_in" else fan_out
    return 2.0 / ((1.0 + a**2) * fan)


def he_normal(
    shape: Shape,
    rng: RNGLike = None,
    dtype=np.float64,
    gain: float = 1.0,
    mode: str = "fan_in",
    a: float = 0.0,
) -> np.ndarray:
    """N(0, 2/fan_in): He et al. (2015) for ReLU, which zeroes half its inputs on average.

    mode="fan_out" uses 2/fan_out instead, which keeps the variance of the back-propagated
    gradient (He et al.'s eq. 14); `a` is a leaky ReLU's negative slope: 2/((1 + a^2) fan).
    Deck 002's ReLU correction prints std = 2/sqrt(D_in); the right form is sqrt(2/D_in).
    """
    return _normal_with_variance(shape, rng, dtype, _he_variance(shape, mode, a), gain)


def he_uniform(
    shape: Shape,
    rng: RNGLike = None,
    dtype=np.float64,
    gain: float = 1.0,
    mode: str = "fan_in",
    a: float = 0.0,
) -> np.ndarray:
    """U(-b, b), b = sqrt(6/fan_in): He et al. (2015); variance 2/fan_in (`mode`, `a` as in
    he_normal: b = sqrt(6 / ((1 + a^2) fan))).

    PyTorch's default for `nn.Linear` and `nn.Conv2d` weights is this with a = sqrt(5), that is
    b = sqrt(6 / (6 fan_in)) = 1/sqrt(fan_in): see `pytorch_default`.
    """
    return _uniform_with_variance(shape, rng, dtype, _he_variance(shape, mode, a), gain)


def pytorch_default(shape: Shape, rng: RNGLike = None, dtype=np.float64) -> np.ndarray:
    """U(-1/sqrt(fan_in), 1/sqrt(fan_in)): what PyTorch's `nn.Linear` and `nn.Conv2d` draw by
    default, `kaiming_uniform_(weight, a=sqrt(5))`, and their bias too (bound 1/sqrt(fan_in) of
    the weight; nnlib's layers start biases at 0). Variance 1/(3 fan_in): Glorot and Bengio's
    "standard" initialization.
    """
    return he_uniform(shape, rng, dtype, a=math.sqrt(5.0))


#: Initializers by name (also accepted as `Dense(init=...)`).
INITIALIZERS: dict[str, Initializer] = {
    f.__name__: f
    for f in (
        constant,
        zeros,
        normal,
        uniform,
        lecun_normal,
        lecun_uniform,
        xavier_normal,
        xavier_uniform,
        he_normal,
        he_uniform,
        pytorch_default,
    )
}
_ALIASES = {
    "glorot_normal": "xavier_normal",
    "glorot_uniform": "xavier_uniform",
    "kaiming_normal": "he_normal",
    "kaiming_uniform": "he_uniform",
}


def get(init: str | Initializer) -> Initializer:
    """An initializer from its name (Glorot/Kaiming aliases too) or the callable itself."""
    if callable(init):
        return init
    if not isinstance(init, str):
        raise TypeError(f"expected an initializer name or callable, got {type(init).__name__}")
    key = _ALIASES.get(init.lower(), init.lower())
    if key not in INITIALIZERS:
        raise ValueError(f"unknown initializer {init!r}; expected one of {sorted(INITIALIZERS)}")
    return INITIALIZERS[key]
