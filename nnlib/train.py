"""The training loop: mini-batches, validation, metrics, schedules, callbacks, early stopping.

Model contract: ``model(x)`` runs forward, ``model.backward(grad)`` back-propagates and adds into
the parameters' ``.grad``, ``model.parameters()``, ``model.train()`` / ``model.eval()``.
Loss contract: ``value = loss_fn(pred, y)`` is a float whose ``value.backward()`` returns
d loss / d pred (every ``nnlib.losses`` loss).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

import numpy as np

from nnlib.checks import integer
from nnlib.data import batches
from nnlib.optim import LBFGS
from nnlib.optim.base import Optimizer
from nnlib.random import RNGLike, as_rng

Metric = Callable[[np.ndarray, np.ndarray], float]


class Model(Protocol):
    def __call__(self, x: np.ndarray) -> np.ndarray: ...
    def backward(self, grad: np.ndarray) -> np.ndarray: ...
    def parameters(self) -> list: ...
    def train(self, mode: bool = True) -> Any: ...
    def eval(self) -> Any: ...


# metrics and helpers
def accuracy(pred: np.ndarray, y: np.ndarray, threshold: float = 0.5) -> float:
    """Fraction of correct predictions.

    ``pred`` of shape (N, K) with K > 1: the class is the arg-max (logits or probabilities).
    ``pred`` of shape (N,) or (N, 1): class 1 where pred > ``threshold`` (0.5 for probabilities;
    pass 0 for logits). ``y`` holds integer labels, or one-hot rows for (N, K) predictions.
    """
    pred, y = np.asarray(pred), np.asarray(y)
    if pred.ndim == 2 and pred.shape[1] > 1:
        guess = pred.argmax(axis=1)
        truth = y.argmax(axis=1) if y.ndim == 2 and y.shape[1] > 1 else y.reshape(-1)
    else:
        guess = (pred.reshape(-1) > threshold).astype(np.int64)
        truth = y.reshape(-1)
    if guess.shape != truth.shape:
        raise ValueError(f"accuracy: {guess.shape[0]} predictions but {truth.shape[0]} labels")
    return float(np.mean(guess == truth))


def predict(model: Model, X: np.ndarray, batch_size: int | None = None) -> np.ndarray:
    """The model's output on ``X`` in evaluation mode (dropout off, batch-norm running stats);
    the model's previous mode is restored afterwards."""
    was_training = getattr(model, "training", True)
    model.eval()
    try:
        if batch_size is None:
            return model(X)
        return np.concatenate([model(xb) for xb, _ in batches(X, None, batch_size, shuffle=False)])
    finally:
        model.train(was_training)


def evaluate(
    model: Model,
    loss_fn: Any,
    X: np.ndarray,
    y: np.ndarray,
    metrics: Mapping[str, Metric] | None = None,
) -> dict[str, float]:
    """``{"loss": ..., name: metric(pred, y), ...}`` on the whole of (X, y) in evaluation mode."""
    pred = predict(model, X)
    result = {"loss": float(loss_fn(pred, y))}
    for name, metric in (metrics or {}).items():
        result[name] = float(metric(pred, y))
    return result


# history and callbacks
class History:
    """Per-epoch records: ``history["loss"]``, ``history["val_loss"]``, ``history["accuracy"]``,
    ``history["val_accuracy"]``, ``history["lr"]``, ... (only the keys that were measured)."""

    def __init__(self) -> None:
        self.records: dict[str, list[float]] = {}
        self.epochs: list[int] = []
        self.stopped_early = False

    def append(self, epoch: int, logs: Mapping[str, float]) -> None:
        self.epochs.append(epoch)
        for key, value in logs.items():
            self.records.setdefault(key, []).append(float(value))

    def __getitem__(self, key: str) -> list[float]:
        return self.records[key]

    def __contains__(self, key: str) -> bool:
        return key in self.records

    def keys(self) -> list[str]:
        return list(self.records)

    @property
    def train_loss(self) -> list[float]:
        return self.records.get("loss", [])

    @property
    def val_loss(self) -> list[float]:
        return self.records.get("val_loss", [])

    def __len__(self) -> int:
        return len(self.epochs)

    def __repr__(self) -> str:
        last = {k: round(v[-1], 4) for k, v in self.records.items()}
        return f"History(epochs={len(self)}, last={last})"


class Callback:
    """Hooks called by ``fit``; ``on_epoch_end`` returns True to stop training."""

    def on_train_begin(self, model: Model) -> None:
        pass

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float], model: Model) -> bool | None:
        return None

    def on_train_end(self, model: Model) -> None:
        pass


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    With ``restore_best=True`` the parameters are set back (in place) to those of the best epoch
    when training ends. ``mode="min"`` for losses, ``"max"`` for accuracies.
    """

    def __init__(
        self,
        patience: int = 5,
        min_delta: float = 0.0,
        restore_best: bool = True,
        monitor: str = "val_loss",
        mode: str = "min",
    ) -> None:
        patience = integer("patience", patience, minimum=0)
        if min_delta < 0:
            raise ValueError(f"min_delta must be >= 0, got {min_delta!r}")
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        self.patience, self.min_delta = int(patience), float(min_delta)
        self.restore_best, self.monitor, self.mode = restore_best, monitor, mode

    def on_train_begin(self, model: Model) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch: int | None = None
        self.stopped_epoch: int | None = None
        self.wait = 0
        self._best_weights: list[np.ndarray] | None = None

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float], model: Model) -> bool:
        if self.monitor not in logs:
            raise ValueError(f"EarlyStopping monitors {self.monitor!r}, logs have {sorted(logs)}")
        value = logs[self.monitor]
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                self._best_weights = [p.data.copy() for p in model.parameters()]
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            return True
        return False

    def on_train_end(self, model: Model) -> None:
        if self.restore_best and self._best_weights is not None:
            for p, best in zip(model.parameters(), self._best_weights, strict=True):
                p.data[...] = best


class _FunctionCallback(Callback):
    def __init__(self, fn: Callable[[int, Mapping[str, float]], bool | None]) -> None:
        self.fn = fn

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float], model: Model) -> bool | None:
        return self.fn(epoch, logs)


def progress_enabled(progress: bool) -> bool:
    """Progress bars are off when asked, and always while the book is built (NNLIB_BOOK_BUILD=1)."""
    return bool(progress) and os.environ.get("NNLIB_BOOK_BUILD", "") in ("", "0")


def _epoch_bar(epochs: int, progress: bool) -> Any:
    if not progress_enabled(progress):
        return None
    from tqdm.auto import tqdm

    return tqdm(total=epochs, desc="epochs", unit="epoch", leave=False)


# the loop
def train_epoch(
    model: Model,
    loss_fn: Any,
    optimizer: Optimizer,
    X: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    rng: RNGLike,
    metrics: Mapping[str, Metric] | None = None,
    shuffle: bool = True,
) -> dict[str, float]:
    """One pass over the data in mini-batches; returns the batch-size-weighted mean loss and
    metrics (measured on each batch before its update, as Keras and PyTorch loops report)."""
    model.train()
    totals = dict.fromkeys(["loss", *(metrics or {})], 0.0)
    for xb, yb in batches(X, y, batch_size, shuffle=shuffle, rng=rng):
        optimizer.zero_grad()
        pred = model(xb)
        loss = loss_fn(pred, yb)
        totals["loss"] += loss * len(xb)
        for name, metric in (metrics or {}).items():
            totals[name] += metric(pred, yb) * len(xb)
        model.backward(loss.backward())
        optimizer.step()
    return {key: value / len(X) for key, value in totals.items()}


def fit(
    model: Model,
    loss_fn: Any,
    optimizer: Optimizer,
    X: np.ndarray,
    y: np.ndarray,
    epochs: int = 10,
    batch_size: int = 32,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    callbacks: Iterable[Callback | Callable] = (),
    scheduler: Any = None,
    metrics: Mapping[str, Metric] | None = None,
    progress: bool = True,
    rng: RNGLike = None,
    shuffle: bool = True,
) -> History:
    """Train ``model`` for up to ``epochs`` epochs of mini-batch steps; return the History.

    Each epoch: shuffle (with ``rng``), one optimizer step per batch, then evaluate on
    ``validation`` (logged with a ``val_`` prefix), step the ``scheduler`` (the learning rate used
    is logged as ``lr``) and run the ``callbacks`` (objects with ``on_epoch_end`` or functions
    ``fn(epoch, logs)``; returning True stops). Training also stops if the loss is not finite.
    """
    epochs = integer("epochs", epochs)
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
    generator = as_rng(rng)
    hooks = [cb if isinstance(cb, Callback) else _FunctionCallback(cb) for cb in callbacks]
    history = History()
    bar = _epoch_bar(int(epochs), progress)
    for hook in hooks:
        hook.on_train_begin(model)
    try:
        for epoch in range(int(epochs)):
            lr = optimizer.lr
            logs = train_epoch(
                model, loss_fn, optimizer, X, y, batch_size, generator, metrics, shuffle
            )
            if validation is not None:
                val = evaluate(model, loss_fn, *validation, metrics=metrics)
                logs.update({f"val_{key}": value for key, value in val.items()})
            logs["lr"] = lr
            history.append(epoch, logs)
            if scheduler is not None:
                scheduler.step()
            if bar is not None:
                bar.update(1)
                bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items() if k != "lr"})
            stop = [bool(hook.on_epoch_end(epoch, logs, model)) for hook in hooks]
            if any(stop) or not math.isfinite(logs["loss"]):
                history.stopped_early = epoch < epochs - 1
                break
    finally:
        if bar is not None:
            bar.close()
        for hook in hooks:
            hook.on_train_end(model)
    return history


def fit_full_batch(
    model: Model,
    loss_fn: Any,
    optimizer: Optimizer,
    X: np.ndarray,
    y: np.ndarray,
    steps: int,
) -> list[float]:
    """Train on the whole data set at once, `steps` optimizer steps; return the loss at each.

    The arguments come in `fit`'s order: model, loss, optimizer, data, then the length.

    One step is: zero the gradients, the loss on all of (X, y), backward, `optimizer.step()`;
    an optimizer whose step re-evaluates the loss itself (`optim.LBFGS`, whose line search
    does) gets that evaluation as a closure, `optimizer.step(closure)`, and may take several
    iterations per step. The model is left in training mode, as `fit` leaves it.
    """
    steps = integer("steps", steps)
    model.train()

    def closure() -> float:
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        model.backward(loss.backward())
        return float(loss)

    if isinstance(optimizer, LBFGS):
        return [float(optimizer.step(closure)) for _ in range(int(steps))]
    values = []
    for _ in range(int(steps)):
        values.append(closure())
        optimizer.step()
    return values
