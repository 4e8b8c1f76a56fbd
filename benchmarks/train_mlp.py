"""Seconds per training epoch: nnlib against a hand-written NumPy loop of the same network.

An MLP 64-256-256-10 (ReLU, softmax cross-entropy, Adam lr 1e-3, batch 64, float32) trained on
scikit-learn's digits repeated four times (7188 examples, 113 batches per epoch). Also PyTorch
(CPU) and scikit-learn's MLPClassifier when they are installed. Epochs of the contenders are
interleaved so that load on a shared machine hits them alike; the median is reported.

    .venv/bin/python benchmarks/train_mlp.py [--epochs 7] [--threads 1]

Goal: nnlib within 1.15x of the plain NumPy loop.

BLAS threads: the matrices are small (64 x 256), so one thread is the default here. On a loaded
machine OpenBLAS's worker threads spin against each other: with 2 cores and a load of 10 an epoch
took 8 s instead of 0.6 s. ``--threads 0`` leaves the libraries' own default.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _threads_from_argv(argv: list[str]) -> int:
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            return int(argv[i + 1])
        if arg.startswith("--threads="):
            return int(arg.split("=", 1)[1])
    return 1


# the BLAS thread count must be set before NumPy is imported
if __name__ == "__main__" and _threads_from_argv(sys.argv) > 0:
    for variable in THREAD_VARIABLES:
        os.environ[variable] = str(_threads_from_argv(sys.argv))

import numpy as np  # noqa: E402

from nnlib import data, layers, losses, optim, train  # noqa: E402

SIZES = (64, 256, 256, 10)
BATCH = 64
LR = 1e-3


def load() -> tuple[np.ndarray, np.ndarray]:
    X, y = data.digits(dtype=np.float32)
    return np.tile(X, (4, 1)), np.tile(y, 4)


def he_weights(rng: np.random.Generator) -> list[np.ndarray]:
    """Shared initial weights (He normal), so every contender starts from the same network."""
    return [
        (rng.standard_normal((a, b)) * np.sqrt(2.0 / a)).astype(np.float32)
        for a, b in zip(SIZES[:-1], SIZES[1:], strict=True)
    ]


# contender 1: nnlib
def nnlib_epoch(weights: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> Callable[[], float]:
    dense = [
        layers.Dense(a, b, dtype=np.float32) for a, b in zip(SIZES[:-1], SIZES[1:], strict=True)
    ]
    for layer, w in zip(dense, weights, strict=True):
        layer.weight.data[...] = w
    model = layers.Sequential(dense[0], layers.ReLU(), dense[1], layers.ReLU(), dense[2])
    loss_fn = losses.CrossEntropyLoss()
    opt = optim.Adam(model.parameters(), lr=LR)
    rng = np.random.default_rng(0)

    def epoch() -> float:
        history = train.fit(model, loss_fn, opt, X, y, epochs=1, batch_size=BATCH,
                            progress=False, rng=rng)  # fmt: skip
        return history["loss"][-1]

    return epoch


# contender 2: the same network written out by hand in NumPy
def numpy_epoch(weights: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> Callable[[], float]:
    params = [w.copy() for w in weights] + [np.zeros(b, np.float32) for b in SIZES[1:]]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    t = 0
    rng = np.random.default_rng(0)
    eye = np.eye(10, dtype=np.float32)

    def epoch() -> float:
        nonlocal t
        W1, W2, W3, b1, b2, b3 = params
        total = 0.0
        order = rng.permutation(len(X))
        for start in range(0, len(X), BATCH):
            idx = order[start : start + BATCH]
            x, target = X[idx], eye[y[idx]]
            h1 = np.maximum(x @ W1 + b1, 0)
            h2 = np.maximum(h1 @ W2 + b2, 0)
            z = h2 @ W3 + b3
            z = z - z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            total += -np.sum(target * np.log(p + 1e-12)) / len(x) * len(x)
            g3 = (p - target) / np.float32(len(x))
            g2 = (g3 @ W3.T) * (h2 > 0)
            g1 = (g2 @ W2.T) * (h1 > 0)
            grads = [x.T @ g1, h1.T @ g2, h2.T @ g3, g1.sum(0), g2.sum(0), g3.sum(0)]
            t += 1
            for param, grad, m_i, v_i in zip(params, grads, m, v, strict=True):
                m_i[...] = 0.9 * m_i + 0.1 * grad
                v_i[...] = 0.999 * v_i + 0.001 * grad * grad
                m_hat = m_i / (1 - 0.9**t)
                v_hat = v_i / (1 - 0.999**t)
                param -= LR * m_hat / (np.sqrt(v_hat) + 1e-8)
        return total / len(X)

    return epoch


# contender 3: PyTorch on the CPU
def torch_epoch(weights: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> Callable[[], float]:
    import torch

    if os.environ.get("OMP_NUM_THREADS"):
        torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    linears = [torch.nn.Linear(a, b) for a, b in zip(SIZES[:-1], SIZES[1:], strict=True)]
    with torch.no_grad():
        for lin, w in zip(linears, weights, strict=True):
            lin.weight.copy_(torch.from_numpy(w.T.copy()))
            lin.bias.zero_()
    model = torch.nn.Sequential(
        linears[0], torch.nn.ReLU(), linears[1], torch.nn.ReLU(), linears[2]
    )
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    generator = torch.Generator().manual_seed(0)

    def epoch() -> float:
        total = 0.0
        order = torch.randperm(len(Xt), generator=generator)
        for start in range(0, len(Xt), BATCH):
            idx = order[start : start + BATCH]
            opt.zero_grad()
            loss = loss_fn(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        return total / len(Xt)

    return epoch


# contender 4: scikit-learn
def sklearn_epoch(weights: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> Callable[[], float]:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=SIZES[1:-1], solver="adam", learning_rate_init=LR,
                        batch_size=BATCH, max_iter=1, warm_start=True, random_state=0)  # fmt: skip

    def epoch() -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)
        return float(clf.loss_)

    return epoch


def available(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=7, help="timed epochs per contender")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (0: library default)")
    args = parser.parse_args()
    X, y = load()
    weights = he_weights(np.random.default_rng(0))
    contenders = {"nnlib": nnlib_epoch, "plain NumPy": numpy_epoch}
    if available("torch"):
        contenders["PyTorch (CPU)"] = torch_epoch
    if available("sklearn"):
        contenders["sklearn MLPClassifier"] = sklearn_epoch
    epochs = {name: make(weights, X, y) for name, make in contenders.items()}
    times: dict[str, list[float]] = {name: [] for name in epochs}
    losses_seen: dict[str, float] = {}
    for run in range(args.epochs + 1):  # the first epoch of each is a warm-up, not timed
        for name, epoch in epochs.items():
            start = time.perf_counter()
            losses_seen[name] = epoch()
            if run > 0:
                times[name].append(time.perf_counter() - start)
    print(f"MLP {'-'.join(map(str, SIZES))}, ReLU, Adam, batch {BATCH}, float32, "
          f"{len(X)} examples; median of {args.epochs} epochs; "
          f"BLAS threads: {args.threads or 'default'}")  # fmt: skip
    base = statistics.median(times["plain NumPy"])
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:24s} {median:7.3f} s/epoch   {median / base:5.2f}x plain NumPy   "
              f"(loss after last epoch {losses_seen[name]:.4f})")  # fmt: skip
    ratio = statistics.median(times["nnlib"]) / base
    print(
        f"nnlib / plain NumPy = {ratio:.2f} (goal <= 1.15): {'met' if ratio <= 1.15 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
