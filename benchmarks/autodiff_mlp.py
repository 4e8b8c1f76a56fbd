"""Seconds per training epoch: gradients by nnlib.autodiff's Tensor engine against nnlib's
hand-written layers and against HIPS autograd.

The network and data of benchmarks/train_mlp.py: MLP 64-256-256-10, ReLU, softmax cross-entropy,
Adam (nnlib.optim.Adam, lr 1e-3) for every contender, batch 64, float32, scikit-learn's digits
repeated four times (7188 examples, 113 batches per epoch). Only the way the gradient is computed
differs. Epochs are interleaved so that load on a shared machine hits the contenders alike; the
median is reported.

    .venv/bin/python benchmarks/autodiff_mlp.py [--epochs 7] [--threads 1]

Goals: Tensor within 1.3x of the hand-written layers, and faster than autograd.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

# the BLAS thread count must be set before NumPy is imported (see train_mlp.py)
if __name__ == "__main__":
    _threads = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--threads=")), None)
    if "--threads" in sys.argv:
        _threads = sys.argv[sys.argv.index("--threads") + 1]
    if int(_threads or 1) > 0:
        for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[_variable] = str(_threads or 1)

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from train_mlp import BATCH, LR, SIZES, he_weights, load  # noqa: E402

from nnlib import layers, losses, optim  # noqa: E402
from nnlib.autodiff import Tensor, cross_entropy  # noqa: E402
from nnlib.module import Parameter  # noqa: E402

Epoch = Callable[[], float]


def _parameters(weights: list[np.ndarray]) -> list[Parameter]:
    """W1, b1, W2, b2, W3, b3 as nnlib Parameters (copies of the shared initial weights)."""
    params = []
    for w in weights:
        params += [Parameter(w.copy()), Parameter(np.zeros(w.shape[1], np.float32))]
    return params


def _batches(rng: np.random.Generator, n: int):
    order = rng.permutation(n)
    for start in range(0, n, BATCH):
        yield order[start : start + BATCH]


def layers_epoch(weights: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> Epoch:
    """nnlib.layers with their hand-written backward passes."""
    dense = [layers.Dense(a, b, dtype=np.float32) for a, b in zip(SIZES, SIZES[1:], strict=False)]
    for layer, w in zip(dense, weights, strict=True):
        layer.weight.data[...] = w
    model = layers.Sequential(dense[0], layers.ReLU(), dense[1], layers.ReLU(), dense[2])
    loss_fn, opt = losses.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=LR)
    rng = np.random.default_rng(0)

    def epoch() -> float:
        total = 0.0
        for idx in _batches(rng, len(X)):
            opt.zero_grad()
            loss = loss_fn(model(X[idx]), y[idx])
            total += loss * len(idx)
            model.backward(loss.backward())
            opt.step()
        return total / len(X)

    return epoch


def tensor_epoch(weights: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> Epoch:
    """The same network written with nnlib.autodiff.Tensor; gradients by .backward()."""
    params = _parameters(weights)
    # leaves share memory with the Parameters, so Adam's in-place update moves them too
    leaves = [Tensor(p.data, requires_grad=True) for p in params]
    opt = optim.Adam(params, lr=LR)
    rng = np.random.default_rng(0)

    def forward(x: Tensor) -> Tensor:
        w1, b1, w2, b2, w3, b3 = leaves
        h = (x @ w1 + b1).relu()
        h = (h @ w2 + b2).relu()
        return h @ w3 + b3

    def epoch() -> float:
        total = 0.0
        for idx in _batches(rng, len(X)):
            for leaf in leaves:
                leaf.zero_grad()
            loss = cross_entropy(forward(Tensor(X[idx])), y[idx])
            loss.backward()
            for p, leaf in zip(params, leaves, strict=True):
                p.grad = leaf.grad
            opt.step()
            total += loss.item() * len(idx)
        return total / len(X)

    return epoch


def autograd_epoch(weights: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> Epoch:
    """The same network in HIPS autograd (autograd.numpy), gradients by autograd.grad."""
    import autograd.numpy as anp
    from autograd import value_and_grad

    params = _parameters(weights)
    opt = optim.Adam(params, lr=LR)
    rng = np.random.default_rng(0)
    eye = np.eye(SIZES[-1], dtype=np.float32)

    def loss_fn(ws: list[np.ndarray], x: np.ndarray, target: np.ndarray) -> np.ndarray:
        w1, b1, w2, b2, w3, b3 = ws
        h = anp.maximum(anp.dot(x, w1) + b1, 0)
        h = anp.maximum(anp.dot(h, w2) + b2, 0)
        z = anp.dot(h, w3) + b3
        z = z - anp.max(z, axis=1, keepdims=True)
        log_p = z - anp.log(anp.sum(anp.exp(z), axis=1, keepdims=True))
        return -anp.sum(log_p * target) / x.shape[0]

    loss_and_grads = value_and_grad(loss_fn)

    def epoch() -> float:
        total = 0.0
        for idx in _batches(rng, len(X)):
            value, grads = loss_and_grads([p.data for p in params], X[idx], eye[y[idx]])
            for p, g in zip(params, grads, strict=True):
                p.grad = np.asarray(g, dtype=np.float32)
            opt.step()
            total += float(value) * len(idx)
        return total / len(X)

    return epoch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=7, help="timed epochs per contender")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (0: library default)")
    args = parser.parse_args()
    X, y = load()
    weights = he_weights(np.random.default_rng(0))
    contenders = {
        "nnlib.layers (by hand)": layers_epoch,
        "nnlib.autodiff.Tensor": tensor_epoch,
    }
    try:
        import autograd  # noqa: F401

        contenders["HIPS autograd"] = autograd_epoch
    except ImportError:
        print("(autograd is not installed: skipped)")
    epochs = {name: make(weights, X, y) for name, make in contenders.items()}
    times: dict[str, list[float]] = {name: [] for name in epochs}
    last_loss: dict[str, float] = {}
    for run in range(args.epochs + 1):  # the first epoch of each is a warm-up, not timed
        for name, epoch in epochs.items():
            start = time.perf_counter()
            last_loss[name] = epoch()
            if run > 0:
                times[name].append(time.perf_counter() - start)
    threads = args.threads or "default"
    print(f"MLP {'-'.join(map(str, SIZES))}, ReLU, Adam, batch {BATCH}, float32, {len(X)} "
          f"examples; median of {args.epochs} epochs; BLAS threads: {threads}")  # fmt: skip
    medians = {name: statistics.median(values) for name, values in times.items()}
    base = medians["nnlib.layers (by hand)"]
    for name, median in medians.items():
        print(f"  {name:24s} {median:7.3f} s/epoch   {median / base:5.2f}x by hand   "
              f"(mean loss of the last epoch {last_loss[name]:.4f})")  # fmt: skip
    ratio = medians["nnlib.autodiff.Tensor"] / base
    print(f"Tensor / by hand = {ratio:.2f} (goal <= 1.3): {'met' if ratio <= 1.3 else 'MISSED'}")
    if "HIPS autograd" in medians:
        speedup = medians["HIPS autograd"] / medians["nnlib.autodiff.Tensor"]
        verdict = "met" if speedup > 1 else "MISSED"
        print(f"autograd / Tensor = {speedup:.2f} (goal > 1: Tensor faster): {verdict}")


if __name__ == "__main__":
    main()
