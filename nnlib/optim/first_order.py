"""First-order optimizers: SGD (with PyTorch's momentum and Nesterov), the slides' moving-average
momentum, RMSProp and Adam.

Every update works in place on preallocated buffers of the parameter's own dtype, so a float32
network stays float32 and a step allocates nothing beyond NumPy's own temporaries.
Notation: g is the gradient, theta the parameter, eta the learning rate ``lr``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from nnlib.checks import nonnegative, unit_interval
from nnlib.module import Parameter
from nnlib.optim.base import Optimizer


def _gradient_with_decay(p: Parameter, weight_decay: float, out: np.ndarray) -> np.ndarray:
    """g + weight_decay * theta (L2 regularization folded into the gradient), written to ``out``."""
    if weight_decay == 0.0:
        return p.grad
    np.multiply(p.data, weight_decay, out=out)
    out += p.grad
    return out


class SGD(Optimizer):
    """Stochastic gradient descent, PyTorch's ``torch.optim.SGD`` algorithm step for step.

    Without momentum: theta <- theta - eta g.  With momentum mu (a *sum*, not an average) and
    dampening tau:  b_1 = g_1,  b_t = mu b_{t-1} + (1 - tau) g_t;  theta <- theta - eta b_t.
    Nesterov: theta <- theta - eta (g_t + mu b_t), the look-ahead form rewritten (eq. (4.9) of
    chapter 4); like PyTorch, it needs mu > 0 and tau = 0.
    ``weight_decay`` lambda replaces g by g + lambda theta before everything else.
    For the slides' moving average m = gamma m + (1 - gamma) g see :class:`Momentum`.
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 1e-2,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = unit_interval("momentum", momentum)
        self.dampening = float(dampening)
        if not 0.0 <= self.dampening <= 1.0:
            raise ValueError(f"dampening must lie in [0, 1], got {dampening!r}")
        self.weight_decay = nonnegative("weight_decay", weight_decay)
        if nesterov and (self.momentum <= 0.0 or self.dampening != 0.0):
            raise ValueError(
                "Nesterov momentum needs momentum > 0 and dampening = 0 (as in PyTorch), "
                f"got momentum={momentum!r}, dampening={dampening!r}"
            )
        self.nesterov = bool(nesterov)
        self.velocity = self._buffers() if self.momentum else [None] * len(self.params)
        self._scratch = self._buffers()
        self._decayed = self._buffers() if self.weight_decay else [None] * len(self.params)

    def step(self) -> None:
        self.steps += 1
        mu = self.momentum
        buffers = zip(self.params, self.velocity, self._scratch, self._decayed, strict=True)
        for p, b, tmp, dec in buffers:
            g = _gradient_with_decay(p, self.weight_decay, dec)
            if mu != 0.0:
                if self.steps == 1:  # PyTorch starts the buffer at g_1, undamped
                    b[...] = g
                else:
                    b *= mu
                    if self.dampening:
                        np.multiply(g, 1.0 - self.dampening, out=tmp)
                        b += tmp
                    else:
                        b += g
                if self.nesterov:  # look ahead: g + mu b
                    np.multiply(b, mu, out=tmp)
                    tmp += g
                    g = tmp
                else:
                    g = b
            np.multiply(g, self.lr, out=tmp)
            p.data -= tmp


class Momentum(Optimizer):
    """The slides' momentum: an exponential moving average of the gradients (deck 002).

    m_0 = 0;  m_{k+1} = gamma m_k + (1 - gamma) g_k;  theta_{k+1} = theta_k - eta m_{k+1}.

    How it differs from PyTorch's ``SGD(momentum=gamma)``: PyTorch sums, b = gamma b + g, so
    b_k = m_k / (1 - gamma) and ``Momentum(lr=eta, gamma)`` takes exactly the steps of
    ``SGD(lr=eta * (1 - gamma), momentum=gamma)``. The average keeps the step the size of one
    gradient step; the sum makes it up to 1 / (1 - gamma) times larger (10x for gamma = 0.9).
    """

    def __init__(self, params: Iterable[Parameter], lr: float = 1e-2, gamma: float = 0.9) -> None:
        super().__init__(params, lr)
        self.gamma = unit_interval("gamma", gamma)
        self.average = self._buffers()
        self._scratch = self._buffers()

    def step(self) -> None:
        self.steps += 1
        for p, m, tmp in zip(self.params, self.average, self._scratch, strict=True):
            m *= self.gamma
            np.multiply(p.grad, 1.0 - self.gamma, out=tmp)
            m += tmp
            np.multiply(m, self.lr, out=tmp)
            p.data -= tmp


class RMSProp(Optimizer):
    """RMSProp (Tieleman and Hinton 2012) in PyTorch's form.

    v <- alpha v + (1 - alpha) g^2;  theta <- theta - eta g / (sqrt(v) + eps).
    Deck 002 writes eps inside the root, sqrt(v + eps); PyTorch and Keras add it outside.
    Either only guards against division by zero. (The deck also calls this ADADELTA, which it is
    not: Zeiler's ADADELTA also averages the squared updates and needs no learning rate.)
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.alpha = unit_interval("alpha", alpha)
        self.eps = nonnegative("eps", eps)
        self.weight_decay = nonnegative("weight_decay", weight_decay)
        self.square_avg = self._buffers()
        self._scratch = self._buffers()
        self._decayed = self._buffers() if self.weight_decay else [None] * len(self.params)

    def step(self) -> None:
        self.steps += 1
        a = self.alpha
        for p, v, tmp, dec in zip(
            self.params, self.square_avg, self._scratch, self._decayed, strict=True
        ):
            g = _gradient_with_decay(p, self.weight_decay, dec)
            v *= a
            np.multiply(g, g, out=tmp)
            tmp *= 1.0 - a
            v += tmp
            np.sqrt(v, out=tmp)
            tmp += self.eps
            np.divide(g, tmp, out=tmp)
            tmp *= self.lr
            p.data -= tmp


class Adam(Optimizer):
    """Adam (Kingma and Ba 2015): momentum and RMSProp's normalization, with bias correction.

    m <- beta1 m + (1 - beta1) g          (first moment, beta1 = 0.9)
    v <- beta2 v + (1 - beta2) g^2        (second moment, beta2 = 0.999)
    theta <- theta - eta (m / c1) / (sqrt(v / c2) + eps),   c_i = 1 - beta_i^t at step t = 1, 2, ...

    Deck 002 labels the moments the other way round (its gamma_1 = 0.9 sits on the squared
    gradients); the values above are the paper's. ``bias_correction=False`` sets c1 = c2 = 1, so
    the book can show why the correction matters early: m and v start at zero, v's average is
    much slower, and the uncorrected steps come out c1 / sqrt(c2) times too large (3.2x at t = 1,
    about 6.5x at t = 10 for the default betas).
    ``weight_decay`` adds lambda theta to g (L2 in the gradient, as PyTorch's Adam). Under Adam
    that is *not* weight decay: the normalization divides the penalty's gradient too, so every
    weight shrinks by about eta per step whatever lambda is. :class:`AdamW` decouples it.
    """

    decoupled = False  # AdamW: decay the weights directly instead of through the gradient

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        bias_correction: bool = True,
    ) -> None:
        super().__init__(params, lr)
        if len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (
            unit_interval("beta1", betas[0]),
            unit_interval("beta2", betas[1]),
        )
        self.eps = nonnegative("eps", eps)
        self.weight_decay = nonnegative("weight_decay", weight_decay)
        self.bias_correction = bool(bias_correction)
        self.exp_avg = self._buffers()
        self.exp_avg_sq = self._buffers()
        self._scratch = self._buffers()
        self._decayed = self._buffers() if self.weight_decay else [None] * len(self.params)

    def step(self) -> None:
        self.steps += 1
        beta1, beta2 = self.betas
        c1, c2 = 1.0, 1.0
        if self.bias_correction:
            c1, c2 = 1.0 - beta1**self.steps, 1.0 - beta2**self.steps
        step_size = self.lr / c1
        inv_sqrt_c2 = 1.0 / c2**0.5
        buffers = zip(
            self.params, self.exp_avg, self.exp_avg_sq, self._scratch, self._decayed, strict=True
        )
        coupled_decay = 0.0 if self.decoupled else self.weight_decay
        for p, m, v, tmp, dec in buffers:
            if self.decoupled and self.weight_decay:
                p.data *= 1.0 - self.lr * self.weight_decay
            g = _gradient_with_decay(p, coupled_decay, dec)
            m *= beta1
            np.multiply(g, 1.0 - beta1, out=tmp)
            m += tmp
            v *= beta2
            np.multiply(g, g, out=tmp)
            tmp *= 1.0 - beta2
            v += tmp
            # denominator sqrt(v / c2) + eps, then the step (m / c1) / denominator
            np.sqrt(v, out=tmp)
            tmp *= inv_sqrt_c2
            tmp += self.eps
            np.divide(m, tmp, out=tmp)
            tmp *= step_size
            p.data -= tmp


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter 2019), as PyTorch's ``AdamW``.

    theta <- theta (1 - eta lambda)                       (weight decay, outside the gradient)
    theta <- theta - eta (m / c1) / (sqrt(v / c2) + eps)  (Adam's step on the loss gradient alone)

    With coupled L2 (``Adam(weight_decay=lambda)``) the penalty's gradient lambda theta is divided
    by Adam's running root mean square like any other gradient, so a weight the loss does not touch
    falls by about eta per step whatever lambda is. Here it falls by the factor 1 - eta lambda per
    step, as plain gradient descent with L2 would make it, whatever the gradients' scale. PyTorch's
    default ``weight_decay=1e-2`` is kept.
    """

    decoupled = True

    def __init__(
        self, params: Iterable[Parameter], lr: float = 1e-3, *, weight_decay: float = 1e-2, **adam
    ) -> None:
        """Adam's arguments (``betas``, ``eps``, ``bias_correction``) by keyword."""
        super().__init__(params, lr, weight_decay=weight_decay, **adam)
