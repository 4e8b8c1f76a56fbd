"""Loss functions and weight penalties.

A penalty is a function returning the pair (value, gradient): `value, grads = l2_penalty(ws, lam)`.

A loss is an object called on a batch: `value = loss(pred, target)` returns a `LossValue`, a
Python float (the mean loss) that carries its own gradient: `value.backward()` returns
d value / d pred (same shape and dtype as pred). The loss object keeps no per-call state, so a
validation call between the training call and the backward pass changes nothing:

    value = loss(model(x), y)
    loss(model(x_val), y_val)        # another value, another gradient
    model.backward(value.backward())  # the training batch's gradient

Every loss is called as `loss(pred, target)` with one prediction array, so `train.fit` takes any
of them (`GaussianNLLLoss` reads its prediction as the mean and variance side by side).

Reductions: `MSELoss` sums over the output dimensions and averages over the N examples (the
slides' convention, with the 1/2); the other losses average over every element (N for a
single output, N*K for K independent outputs), as PyTorch does, except `CrossEntropyLoss`,
which averages over the N examples of its (N, K) logits.

A prediction of shape (N, 1) with a target of shape (N,) is accepted (the target is read as a
column); any other shape difference raises ValueError instead of broadcasting silently.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from nnlib.activations import sigmoid
from nnlib.checks import as_float_array
from nnlib.module import Parameter, Settings

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "GaussianNLLLoss",
    "HingeLoss",
    "Loss",
    "LossValue",
    "MSELoss",
    "elastic_net_penalty",
    "l1_penalty",
    "l2_penalty",
]


# ---------------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------------


def _finite(name: str, a: np.ndarray, who: str) -> None:
    if not np.all(np.isfinite(a)):
        bad = int(np.size(a) - np.count_nonzero(np.isfinite(a)))
        raise ValueError(f"{who} expected finite {name}, got {bad} NaN or infinite value(s)")


def _prediction(pred: object, who: str) -> np.ndarray:
    pred = as_float_array(pred)
    if pred.ndim == 0:
        raise ValueError(f"{who} expected a batch of predictions (N, ...), got a scalar")
    _finite("predictions", pred, who)
    return pred


def _same_shape_target(
    pred: np.ndarray, target: object, who: str, name: str = "target"
) -> np.ndarray:
    target = np.asarray(target)
    if pred.ndim == 2 and pred.shape[1] == 1 and target.shape == pred.shape[:1]:
        target = target[:, None]
    if target.shape != pred.shape:
        raise ValueError(
            f"{who} expected {name} of shape {pred.shape} (the prediction's), got {target.shape}"
        )
    target = target.astype(pred.dtype, copy=False)
    _finite(name + "s", target, who)
    return target


# ---------------------------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------------------------


class LossValue(float):
    """A loss value: a Python float (print it, add it, compare it) that carries the gradient of
    the loss with respect to the prediction it was computed from, returned by `backward()`.

    Arithmetic on it gives plain floats: only the value the loss returned knows its gradient.
    """

    def __new__(cls, value: float, grad: np.ndarray) -> LossValue:
        self = super().__new__(cls, value)
        self._grad = grad
        return self

    def backward(self) -> np.ndarray:
        """d loss / d pred (same shape and dtype as pred): the error signal to feed to
        `model.backward`."""
        return self._grad


class Loss(Settings):
    """Base class: `__call__(pred, target) -> LossValue`; subclasses implement
    `_value_and_grad(pred, target) -> (mean loss, d loss / d pred)`. `repr` shows the
    constructor's settings (`Settings`): `GaussianNLLLoss(full=False, eps=1e-06)`."""

    def __call__(self, pred: object, target: object) -> LossValue:
        value, grad = self._value_and_grad(_prediction(pred, self._name()), target)
        return LossValue(float(value), grad)

    def backward(self) -> np.ndarray:
        """Not here: the gradient belongs to the value a call returned."""
        raise RuntimeError(
            f"{self._name()} keeps no gradient: call backward() on the value it returned, "
            "value = loss(pred, target); model.backward(value.backward())"
        )

    def _value_and_grad(self, pred: np.ndarray, target: object):
        raise NotImplementedError

    def _name(self) -> str:
        return type(self).__name__


class MSELoss(Loss):
    """Squared error with the slides' 1/2: L = 1/(2N) sum_n ||y_hat_n - y_n||^2.

    dL/dy_hat = (y_hat - y) / N. PyTorch's MSELoss is the plain mean over all N*K elements
    without the 1/2, i.e. nnlib's value times 2/K.
    """

    def _value_and_grad(self, pred, target):
        diff = pred - _same_shape_target(pred, target, self._name())
        n = pred.shape[0]
        return 0.5 * np.sum(diff * diff) / n, diff / pred.dtype.type(n)


class BCELoss(Loss):
    """Binary cross-entropy on probabilities p in [0, 1], targets y in [0, 1]:
    L = -mean(y log p + (1 - y) log(1 - p)).

    Each log is clamped at -100 (as PyTorch does), so p = 0 or 1 gives a large finite loss. For
    a network, prefer `BCEWithLogitsLoss` on the logits: it is exact where this one saturates.
    """

    _LOG_FLOOR = -100.0

    def _value_and_grad(self, pred, target):
        who = self._name()
        target = _same_shape_target(pred, target, who)
        _in_unit_interval("predictions (probabilities)", pred, who)
        _in_unit_interval("targets", target, who)
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(pred), self._LOG_FLOOR)
            log_q = np.maximum(np.log1p(-pred), self._LOG_FLOOR)
        value = -np.mean(target * log_p + (1 - target) * log_q)
        tiny = np.finfo(pred.dtype).tiny
        denom = np.maximum(pred * (1 - pred), tiny)
        grad = (pred - target) / denom / pred.dtype.type(pred.size)
        return value, grad


def _in_unit_interval(name: str, a: np.ndarray, who: str) -> None:
    if a.size and (a.min() < 0 or a.max() > 1):
        raise ValueError(
            f"{who} expected {name} in [0, 1], got values in [{a.min():g}, {a.max():g}]"
        )


class BCEWithLogitsLoss(Loss):
    """Binary cross-entropy on logits z (p = sigma(z)), stable for any |z|:
    L = mean(softplus(z) - y z) = mean(max(z, 0) - y z + log(1 + e^{-|z|})).

    dL/dz = (sigma(z) - y) / M, with M the number of elements.
    """

    def _value_and_grad(self, pred, target):
        who = self._name()
        target = _same_shape_target(pred, target, who)
        _in_unit_interval("targets", target, who)
        value = np.mean(np.maximum(pred, 0) - target * pred + np.log1p(np.exp(-np.abs(pred))))
        grad = (sigmoid(pred) - target) / pred.dtype.type(pred.size)
        return value, grad


class CrossEntropyLoss(Loss):
    """Softmax cross-entropy on logits z of shape (N, K):
    L = -1/N sum_n sum_k y_nk log softmax(z_n)_k, with log-sum-exp for stability.

    The target is either integer class labels of shape (N,) in {0, ..., K-1} or a one-hot
    (or any probability) matrix of shape (N, K). dL/dz = (softmax(z) - y) / N.
    """

    def _value_and_grad(self, pred, target):
        who = self._name()
        if pred.ndim != 2:
            raise ValueError(f"{who} expected logits of shape (N, K), got {pred.shape}")
        target = self._check_target(pred, np.asarray(target), who)
        n = pred.shape[0]
        shifted = pred - pred.max(axis=1, keepdims=True)  # log-sum-exp: exp never overflows
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        grad = exp / total  # softmax(z)
        if target.ndim == 1:  # labels: pick one log-probability per row, no one-hot matrix
            rows = np.arange(n)
            value = np.mean(np.log(total[:, 0]) - shifted[rows, target])
            grad[rows, target] -= 1
        else:
            value = -np.sum(target * (shifted - np.log(total))) / n
            grad -= target
        grad /= pred.dtype.type(n)
        return value, grad

    @staticmethod
    def _check_target(pred: np.ndarray, target: np.ndarray, who: str) -> np.ndarray:
        """Integer labels (N,) or a one-hot / probability matrix (N, K), validated."""
        n, k = pred.shape
        if target.shape == (n, k):
            target = target.astype(pred.dtype, copy=False)
            _finite("targets", target, who)
            _in_unit_interval("one-hot (probability) targets", target, who)
            sums = target.sum(axis=1)
            if not np.allclose(sums, 1, atol=1e-4):
                raise ValueError(
                    f"{who} expected one-hot target rows summing to 1, got sums in "
                    f"[{sums.min():g}, {sums.max():g}]"
                )
            return target
        if target.shape != (n,):
            raise ValueError(
                f"{who} expected integer labels of shape ({n},) or one-hot targets of shape "
                f"({n}, {k}), got {target.shape}"
            )
        labels = _integer_labels(target, who)
        if labels.size and (labels.min() < 0 or labels.max() >= k):
            raise ValueError(
                f"{who} expected class labels in [0, {k - 1}] for {k} logits, got labels in "
                f"[{labels.min()}, {labels.max()}]"
            )
        return labels


def _integer_labels(target: np.ndarray, who: str) -> np.ndarray:
    if np.issubdtype(target.dtype, np.integer):
        return target
    if np.issubdtype(target.dtype, np.floating):
        _finite("labels", target, who)
        if np.all(target == np.round(target)):
            return target.astype(np.int64)
    raise ValueError(f"{who} expected integer class labels, got dtype {target.dtype}")


class HingeLoss(Loss):
    """Hinge loss on scores s with labels y in {-1, +1}: L = mean(max(0, 1 - y s)).

    dL/ds = -y / M where the margin y s < 1, else 0 (the subgradient 0 at y s = 1 exactly).
    """

    def _value_and_grad(self, pred, target):
        who = self._name()
        target = _same_shape_target(pred, target, who)
        if not np.all((target == 1) | (target == -1)):
            found = np.unique(target)[:5]
            raise ValueError(f"{who} expected labels in {{-1, +1}}, got values {found}")
        margin = 1 - target * pred
        value = np.mean(np.maximum(margin, 0))
        grad = np.where(margin > 0, -target, 0).astype(pred.dtype) / pred.dtype.type(pred.size)
        return value, grad


class GaussianNLLLoss(Loss):
    """Negative log-likelihood of y under N(mean, var), averaged over the elements of y:
    L = mean(1/2 (log var + (y - mean)^2 / var)) [+ 1/2 log(2 pi) if full=True].

    The prediction holds the mean and the variance side by side: `pred` of shape (N, 2D) is
    `[mean | var]` (D columns each) for a target of shape (N, D), e.g. the output of a
    `Dense(h, 2)` followed by a positive activation for one regression output;
    `np.hstack([mean, var])` builds it from separate arrays (PyTorch passes them as
    `loss(mean, target, var)`). `value.backward()` is then `[dL/dmean | dL/dvar]` of pred's
    shape. Variances below `eps` are clamped to eps (as PyTorch), and their gradient is then 0.
    """

    def __init__(self, full: bool = False, eps: float = 1e-6) -> None:
        self.full = full
        self.eps = eps

    def _value_and_grad(self, pred, target):
        who = self._name()
        mean, var = self._split(pred, who)
        target = _same_shape_target(mean, target, who)
        if np.any(var < 0):
            raise ValueError(f"{who} expected non-negative variances, got min {var.min():g}")
        clamped = np.maximum(var, self.eps)
        diff = mean - target
        m = mean.dtype.type(mean.size)
        value = 0.5 * np.mean(np.log(clamped) + diff * diff / clamped)
        if self.full:
            value += 0.5 * np.log(2 * np.pi)
        grad_mean = diff / clamped / m
        grad_var = np.where(var >= self.eps, 0.5 * (1 / clamped - diff * diff / clamped**2), 0)
        return value, np.concatenate([grad_mean, (grad_var / m).astype(mean.dtype)], axis=1)

    @staticmethod
    def _split(pred: np.ndarray, who: str) -> tuple[np.ndarray, np.ndarray]:
        if pred.ndim != 2 or pred.shape[1] % 2:
            raise ValueError(
                f"{who} expected a prediction [mean | var] of shape (N, 2D), got {pred.shape}; "
                "build it with np.hstack([mean, var])"
            )
        return np.split(pred, 2, axis=1)


# ---------------------------------------------------------------------------------------------
# Penalties on weights (added to a loss; see chapter 5)
# ---------------------------------------------------------------------------------------------

# One convention for every penalty, here and in `nnlib.autoencoder.sparsity_penalty`: a function
# of the arrays it penalizes and its strength that returns the pair (value, gradient), the
# gradient shaped like the input (one array, or a list of arrays for a list). One call computes
# both from the same intermediate values, as a loss returns its value with its gradient and as
# the exercises ask; the caller adds the value to the loss and the gradient into `.grad`.
Weights = np.ndarray | Parameter | Iterable[np.ndarray | Parameter]
Penalty = tuple[float, np.ndarray | list[np.ndarray]]


def _arrays(weights: Weights) -> list[np.ndarray]:
    if isinstance(weights, Parameter):
        return [weights.data]
    if isinstance(weights, np.ndarray):
        return [weights]
    return [w.data if isinstance(w, Parameter) else np.asarray(w) for w in weights]


def _like_input(weights: Weights, grads: list[np.ndarray]):
    single = isinstance(weights, np.ndarray | Parameter)
    return grads[0] if single else grads


def l1_penalty(weights: Weights, lam: float) -> Penalty:
    """Omega(w) = lam * sum |w| and its (sub)gradient lam * sign(w) (0 at w = 0)."""
    arrays = _arrays(weights)
    value = float(lam * sum(np.abs(w).sum() for w in arrays))
    return value, _like_input(weights, [lam * np.sign(w) for w in arrays])


def l2_penalty(weights: Weights, lam: float) -> Penalty:
    """Omega(w) = (lam / 2) * sum w^2 and its gradient lam * w (with the 1/2: weight decay)."""
    arrays = _arrays(weights)
    value = float(0.5 * lam * sum(np.vdot(w, w) for w in arrays))
    return value, _like_input(weights, [lam * w for w in arrays])


def elastic_net_penalty(weights: Weights, l1: float, l2: float) -> Penalty:
    """Omega(w) = l1 * sum |w| + (l2 / 2) * sum w^2 (Zou & Hastie, 2005, in the 1/2 form) and
    its gradient l1 * sign(w) + l2 * w."""
    arrays = _arrays(weights)
    value = l1_penalty(arrays, l1)[0] + l2_penalty(arrays, l2)[0]
    return value, _like_input(weights, [l1 * np.sign(w) + l2 * w for w in arrays])
