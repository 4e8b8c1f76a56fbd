"""Layers with hand-written backward passes: Dense, activations, Dropout, BatchNorm1d, ...

Every layer follows the `Module` contract of `nnlib.module`: `forward(x)` caches only what
`backward` needs; `backward(grad_out)` returns dL/dx and *adds* dL/dtheta into each
`Parameter.grad`. Call `forward` before `backward` (backward uses the last forward's cache).

Notation: a batch x has shape (N, D_in); a Dense layer computes y = x W + b with W of shape
(D_in, D_out) (the row-vector convention of the slides; deck 004 writes z = W^T x for one column
example). `Linear` is PyTorch's layout of the same layer: weight (D_out, D_in), y = x W^T + b.

Input conversion, the dtype rule, integer seeds and `repr` are `Module`'s (see `nnlib.module`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import numpy as np

from nnlib import activations as act
from nnlib import init as initializers
from nnlib.checks import unit_interval
from nnlib.module import Module, Parameter
from nnlib.random import RNGLike, as_rng

__all__ = [
    "ELU",
    "ISRU",
    "Activation",
    "ArcTan",
    "BatchNorm1d",
    "BinaryStep",
    "Dense",
    "DropConnect",
    "Dropout",
    "Flatten",
    "Identity",
    "LeakyReLU",
    "Linear",
    "Module",
    "PReLU",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Softsign",
    "Tanh",
    "mlp",
]


def _check_batch(layer: Module, x: np.ndarray, features: int) -> None:
    if x.ndim != 2 or x.shape[1] != features:
        raise ValueError(
            f"{type(layer).__name__} expected input of shape (N, {features}), got {x.shape}"
        )


def _check_same_shape(layer: Module, grad_out: np.ndarray, shape: tuple[int, ...]) -> None:
    if grad_out.shape != shape:
        raise ValueError(
            f"{type(layer).__name__}.backward expected grad_out of shape {shape}, "
            f"got {grad_out.shape}"
        )


def _require_forward(layer: Module, cache: object) -> None:
    if cache is None:
        raise RuntimeError(f"{type(layer).__name__}.backward called before forward")


# ---------------------------------------------------------------------------------------------
# Dense
# ---------------------------------------------------------------------------------------------


class Dense(Module):
    """Fully connected layer y = x W + b, W of shape (in_features, out_features).

    Backward (deck 004, matrix form): dL/dW = x^T g, dL/db = sum_n g_n, dL/dx = g W^T,
    where g = dL/dy. `init` is a name from `nnlib.init` or a callable `init(shape, rng)`;
    biases start at zero.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        init: str | Callable[..., np.ndarray] = "xavier_uniform",
        bias: bool = True,
        rng: RNGLike = None,
        dtype: type = np.float64,
    ) -> None:
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        shape = (self.in_features, self.out_features)
        weight = np.asarray(initializers.get(init)(shape, rng), dtype=dtype)
        if weight.shape != shape:
            raise ValueError(f"init returned shape {weight.shape}, expected {shape}")
        self.weight = Parameter(self._stored(weight))
        self.bias = Parameter(np.zeros(self.out_features, dtype=dtype)) if bias else None
        self._x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        _check_batch(self, x, self.in_features)
        self._x = x  # a reference, not a copy: all backward needs
        y = x @ self.weight.data
        if self.bias is not None:
            y += self.bias.data  # in place: no second (N, D_out) array
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        _require_forward(self, self._x)
        _check_same_shape(self, grad_out, (self._x.shape[0], self.out_features))
        self.weight.grad += self._x.T @ grad_out
        if self.bias is not None:
            self.bias.grad += grad_out.sum(axis=0)
        return grad_out @ self.weight.data.T

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )

    @staticmethod
    def _stored(weight: np.ndarray) -> np.ndarray:
        """The weight as this layer keeps it, from the (in, out) array init draws."""
        return weight


class Linear(Dense):
    """PyTorch's `nn.Linear`: the Dense layer with the weight stored (out_features, in_features).

    y = x W^T + b; backward dL/dW = g^T x, dL/db = sum_n g_n, dL/dx = g W. Same initialisation
    as `Dense` (the same fans), so `Linear(...).weight.data.T` is what `Dense(...)` would hold
    with the same rng. Use it to copy weights from or to PyTorch; the chapters use `Dense`.
    """

    @staticmethod
    def _stored(weight: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(weight.T)  # PyTorch's (out, in)

    def forward(self, x: np.ndarray) -> np.ndarray:
        _check_batch(self, x, self.in_features)
        self._x = x
        y = x @ self.weight.data.T
        if self.bias is not None:
            y += self.bias.data
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        _require_forward(self, self._x)
        _check_same_shape(self, grad_out, (self._x.shape[0], self.out_features))
        self.weight.grad += grad_out.T @ self._x
        if self.bias is not None:
            self.bias.grad += grad_out.sum(axis=0)
        return grad_out @ self.weight.data


class DropConnect(Dense):
    """A Dense layer whose *weights* (not units) are dropped with probability p in training.

    Wan et al. (2013): y = x (M * W) / (1 - p) + b, with M_ij ~ Bernoulli(1 - p) drawn once per
    forward pass (one mask per mini-batch, a common simplification of the paper's per-example
    masks). The 1/(1 - p) scaling ("inverted", as in Dropout) makes eval() simply y = x W + b.
    Biases are not dropped. `mask` is the scaled mask M / (1 - p) of the last training forward
    pass (None after a pass in eval mode), the one backward multiplies the weights by.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        p: float = 0.5,
        init: str | Callable[..., np.ndarray] = "xavier_uniform",
        bias: bool = True,
        rng: RNGLike = None,
        dtype: type = np.float64,
    ) -> None:
        self.rng = as_rng(rng)
        super().__init__(in_features, out_features, init, bias, self.rng, dtype)
        self.p = unit_interval("p (the drop probability)", p)
        self.mask: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        if not self.training or self.p == 0:
            self.mask = None
            return super().forward(x)
        _check_batch(self, x, self.in_features)
        w = self.weight.data
        keep = self.rng.random(w.shape) >= self.p
        self.mask = keep.astype(w.dtype) / w.dtype.type(1.0 - self.p)
        self._x = x
        y = x @ (w * self.mask)
        if self.bias is not None:
            y += self.bias.data
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self.mask is None:
            return super().backward(grad_out)
        _require_forward(self, self._x)
        _check_same_shape(self, grad_out, (self._x.shape[0], self.out_features))
        self.weight.grad += (self._x.T @ grad_out) * self.mask
        if self.bias is not None:
            self.bias.grad += grad_out.sum(axis=0)
        return grad_out @ (self.weight.data * self.mask).T

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, p={self.p}"


# ---------------------------------------------------------------------------------------------
# Activation layers
# ---------------------------------------------------------------------------------------------


class Activation(Module):
    """Applies an elementwise `nnlib.activations` function: y = f(x), dL/dx = f'(x) * g.

    A function that has a layer of its own prints as that layer, however it was built:
    `Activation("relu")` and `ReLU()` both print `ReLU()`, so `mlp(..., activation="relu")`
    prints as PyTorch's `nn.Sequential` of `nn.Linear` and `nn.ReLU` would.
    """

    function: str | None = None  # the activation a subclass stands for (its layer's name)

    def __init__(self, fn: str | act.ActivationFunction) -> None:
        self.fn = act.get(fn)
        self._x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._x = x
        return self.fn(x)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        _require_forward(self, self._x)
        _check_same_shape(self, grad_out, self._x.shape)
        return grad_out * self.fn.derivative(self._x)

    def extra_repr(self) -> str:
        return ", ".join(f"{name}={value}" for name, value in self.fn.params.items())

    def __repr__(self) -> str:
        layer = _LAYER_OF.get(self.fn.name) if type(self) is Activation else type(self)
        if layer is None:  # a function without a layer of its own
            settings = self.extra_repr()
            return f"Activation({self.fn.name}{', ' + settings if settings else ''})"
        return f"{layer.__name__}({layer.extra_repr(self)})"


class ReLU(Activation):
    """max(0, x); the derivative at 0 is taken as 0 (PyTorch's convention)."""

    function = "relu"

    def __init__(self) -> None:
        super().__init__(act.relu)
        self._y: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._y = np.maximum(x, 0)
        return self._y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        _require_forward(self, self._y)
        _check_same_shape(self, grad_out, self._y.shape)
        return grad_out * (self._y > 0)


class Tanh(Activation):
    """tanh(x), backward from the cached output: f' = 1 - f^2."""

    function = "tanh"

    def __init__(self) -> None:
        super().__init__(act.tanh)
        self._y: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._y = np.tanh(x)
        return self._y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        _require_forward(self, self._y)
        _check_same_shape(self, grad_out, self._y.shape)
        return grad_out * (1 - self._y * self._y)


class Sigmoid(Activation):
    """The logistic sigmoid (stable for any |x|), backward from the output: f' = f (1 - f)."""

    function = "sigmoid"

    def __init__(self) -> None:
        super().__init__(act.sigmoid)
        self._y: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._y = act.sigmoid(x)
        return self._y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        _require_forward(self, self._y)
        _check_same_shape(self, grad_out, self._y.shape)
        return grad_out * self._y * (1 - self._y)


class Identity(Module):
    """y = x."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out


class LeakyReLU(Activation):
    """x for x > 0, negative_slope * x otherwise."""

    function = "leaky_relu"

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__(act.leaky_relu.with_params(alpha=negative_slope))

    def extra_repr(self) -> str:
        return f"negative_slope={self.fn.params['alpha']}"


class ELU(Activation):
    """x for x > 0, alpha (e^x - 1) otherwise (Clevert et al., 2016)."""

    function = "elu"

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__(act.elu.with_params(alpha=alpha))


class ISRU(Activation):
    """Inverse square root unit x / sqrt(1 + alpha x^2)."""

    function = "isru"

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__(act.isru.with_params(alpha=alpha))


class Softplus(Activation):
    function = "softplus"

    def __init__(self) -> None:
        super().__init__(act.softplus)


class Softsign(Activation):
    function = "softsign"

    def __init__(self) -> None:
        super().__init__(act.softsign)


class ArcTan(Activation):
    function = "arctan"

    def __init__(self) -> None:
        super().__init__(act.arctan)


class BinaryStep(Activation):
    """The Heaviside step; its backward is zero (no gradient flows: why it is not trained)."""

    function = "binary_step"

    def __init__(self) -> None:
        super().__init__(act.binary_step)


#: The layer of each activation function that has one (`Activation(name)` prints as it).
_LAYER_OF: dict[str, type[Module]] = {
    cls.function: cls
    for cls in (ReLU, Tanh, Sigmoid, LeakyReLU, ELU, ISRU, Softplus, Softsign, ArcTan, BinaryStep)
}
_LAYER_OF["identity"] = Identity


class PReLU(Module):
    """x for x > 0, alpha x otherwise, with alpha learned (He et al., 2015).

    `num_parameters` = 1 shares one alpha; = the number of features learns one per feature.
    dL/dalpha = sum over x <= 0 of g * x. The code stores alpha as `weight`, PyTorch's name.
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, dtype: type = np.float64):
        self.init = float(init)
        self.weight = Parameter(np.full(num_parameters, init, dtype=dtype))  # alpha
        self._x: np.ndarray | None = None

    def _alpha(self, x: np.ndarray) -> np.ndarray:
        """alpha shaped to broadcast over x's feature axis (axis 1)."""
        alpha = self.weight.data
        n = alpha.shape[0]
        if n == 1:
            return alpha[0]
        if x.ndim < 2 or x.shape[1] != n:
            raise ValueError(f"PReLU expected input of shape (N, {n}, ...), got {x.shape}")
        return alpha.reshape((1, n) + (1,) * (x.ndim - 2))

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._x = x
        return np.where(x > 0, x, self._alpha(x) * x)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        _require_forward(self, self._x)
        x = self._x
        _check_same_shape(self, grad_out, x.shape)
        negative = x <= 0
        g_alpha = np.where(negative, grad_out * x, 0)
        if self.weight.data.shape[0] == 1:
            self.weight.grad += g_alpha.sum()
        else:
            self.weight.grad += g_alpha.sum(axis=tuple(i for i in range(x.ndim) if i != 1))
        return np.where(negative, self._alpha(x) * grad_out, grad_out)

    def extra_repr(self) -> str:
        return f"num_parameters={self.weight.data.shape[0]}, init={self.init}"


class Softmax(Module):
    """softmax over the last axis; backward is the Jacobian-vector product s * (g - <s, g>).

    For classification, feed logits to `losses.CrossEntropyLoss` instead (it is stabler).
    """

    def __init__(self) -> None:
        self._s: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._s = act.softmax(x)
        return self._s

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        _require_forward(self, self._s)
        _check_same_shape(self, grad_out, self._s.shape)
        s = self._s
        return s * (grad_out - (s * grad_out).sum(axis=-1, keepdims=True))


# ---------------------------------------------------------------------------------------------
# Regularization and normalization
# ---------------------------------------------------------------------------------------------


class Dropout(Module):
    """Inverted dropout: in training, drop each unit with probability p and scale the kept
    ones by 1/(1 - p), so E[y] = x and eval() is the identity (Srivastava et al., 2014).

    p is the DROP probability (PyTorch's convention; deck 000's code uses keep_prob = 1 - p).
    `mask` is the scaled mask of the last training forward pass (None after a pass in eval mode).
    """

    def __init__(self, p: float = 0.5, rng: RNGLike = None) -> None:
        self.p = unit_interval("p (the drop probability)", p)
        self.rng = as_rng(rng)
        self.mask: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        if not self.training or self.p == 0:
            self.mask = None
            return x
        keep = self.rng.random(x.shape) >= self.p
        self.mask = keep.astype(x.dtype) / x.dtype.type(1.0 - self.p)
        return x * self.mask

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self.mask is None:
            return grad_out
        _check_same_shape(self, grad_out, self.mask.shape)
        return grad_out * self.mask

    def extra_repr(self) -> str:
        return f"p={self.p}"


class BatchNorm1d(Module):
    """Batch normalization over the batch axis (Ioffe & Szegedy, 2015).

    Training: x_hat = (x - mu_B) / sqrt(var_B + eps), y = gamma * x_hat + beta, with the batch
    mean and (biased) variance; running estimates are updated as
    running = (1 - momentum) running + momentum * batch (unbiased variance, as PyTorch).
    Eval: the running statistics replace the batch ones.

    Backward through the batch statistics (the paper's eq. in compact form):
    dL/dx = (gamma / sqrt(var_B + eps)) (g - mean(g) - x_hat mean(g x_hat)).

    The code uses PyTorch's names: gamma is `weight`, beta is `bias`.
    """

    def __init__(
        self, num_features: int, momentum: float = 0.1, eps: float = 1e-5, dtype: type = np.float64
    ) -> None:
        self.num_features = int(num_features)
        self.momentum = float(momentum)
        self.eps = float(eps)
        self.weight = Parameter(np.ones(self.num_features, dtype=dtype))  # gamma
        self.bias = Parameter(np.zeros(self.num_features, dtype=dtype))  # beta
        self.running_mean = np.zeros(self.num_features, dtype=dtype)
        self.running_var = np.ones(self.num_features, dtype=dtype)
        self._x_hat: np.ndarray | None = None
        self._inv_std: np.ndarray | None = None
        self._batch_stats = False

    def forward(self, x: np.ndarray) -> np.ndarray:
        _check_batch(self, x, self.num_features)
        if self.training:
            n = x.shape[0]
            if n < 2:
                raise ValueError(
                    f"BatchNorm1d in training mode expected a batch of at least 2 examples "
                    f"(the variance of one example is 0), got input of shape {x.shape}; "
                    "call .eval() to use the running statistics"
                )
            mean = x.mean(axis=0)
            var = x.var(axis=0)
            m = self.momentum
            self.running_mean *= 1 - m
            self.running_mean += m * mean
            self.running_var *= 1 - m
            self.running_var += m * var * (n / (n - 1))
        else:
            mean, var = self.running_mean, self.running_var
        self._batch_stats = self.training
        self._inv_std = 1.0 / np.sqrt(var + self.eps)  # a Python float keeps var's dtype
        self._x_hat = (x - mean) * self._inv_std
        return self.weight.data * self._x_hat + self.bias.data

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        _require_forward(self, self._x_hat)
        x_hat = self._x_hat
        _check_same_shape(self, grad_out, x_hat.shape)
        self.weight.grad += (grad_out * x_hat).sum(axis=0)
        self.bias.grad += grad_out.sum(axis=0)
        scale = self.weight.data * self._inv_std
        if not self._batch_stats:  # running statistics are constants
            return grad_out * scale
        return scale * (grad_out - grad_out.mean(axis=0) - x_hat * (grad_out * x_hat).mean(axis=0))

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


# ---------------------------------------------------------------------------------------------
# Containers and shape
# ---------------------------------------------------------------------------------------------


class Flatten(Module):
    """(N, d1, d2, ...) -> (N, d1 * d2 * ...); backward restores the shape."""

    def __init__(self) -> None:
        self._shape: tuple[int, ...] | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        _require_forward(self, self._shape)
        return grad_out.reshape(self._shape)


class Sequential(Module):
    """Chains modules: forward in order, backward in reverse (the chain rule, layer by layer).

    `Sequential([a, b, c])` or `Sequential(a, b, c)`; index, iterate and `append` like a list.
    """

    def __init__(self, *modules: Module | Iterable[Module]) -> None:
        if len(modules) == 1 and not isinstance(modules[0], Module):
            modules = tuple(modules[0])
        for m in modules:
            if not isinstance(m, Module):
                raise TypeError(f"Sequential expected Module instances, got {type(m).__name__}")
        self.layers: list[Module] = list(modules)

    def forward(self, x: np.ndarray) -> np.ndarray:
        for layer in self.layers:
            x = layer(x)
        return x

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        for layer in reversed(self.layers):
            grad_out = layer.backward(grad_out)
        return grad_out

    def append(self, module: Module) -> Sequential:
        self.layers.append(module)
        return self

    def __getitem__(self, index: int) -> Module:
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)

    def named_children(self) -> Iterator[tuple[str, Module]]:
        return ((str(i), layer) for i, layer in enumerate(self.layers))


def mlp(
    sizes: Iterable[int],
    activation: str = "tanh",
    *,
    dropout: float = 0.0,
    batch_norm: bool = False,
    drop_connect: float = 0.0,
    init: str | Callable[..., np.ndarray] = "xavier_uniform",
    rng: RNGLike = None,
    dtype: type = np.float64,
) -> Sequential:
    """A multilayer perceptron: Dense layers of widths `sizes` (input first) with an
    `Activation(activation)` layer (a name of `nnlib.activations`) between them, and a linear
    last layer (its output is the score the loss turns into a prediction: identity, sigmoid or
    softmax inside the loss).

    Options, per hidden layer: `batch_norm` puts BatchNorm1d before the activation, `dropout`
    > 0 puts Dropout(dropout) after it, `drop_connect` > 0 makes the hidden-to-hidden layers
    (neither the first nor the last) DropConnect layers.
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2:
        raise ValueError(f"mlp needs at least an input and an output size, got {sizes}")
    act.get(activation)  # an unknown name fails here, before any layer is built
    rng = as_rng(rng)  # one generator for every layer: a seed must not repeat their weights
    last = len(sizes) - 2
    modules: list[Module] = []
    for i, (d_in, d_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=False)):
        if drop_connect > 0 and 0 < i < last:
            modules.append(DropConnect(d_in, d_out, drop_connect, init, rng=rng, dtype=dtype))
        else:
            modules.append(Dense(d_in, d_out, init, rng=rng, dtype=dtype))
        if i == last:
            break
        if batch_norm:
            modules.append(BatchNorm1d(d_out, dtype=dtype))
        modules.append(Activation(activation))  # keeps its function as .fn
        if dropout > 0:
            modules.append(Dropout(dropout, rng=rng))
    return Sequential(modules)
