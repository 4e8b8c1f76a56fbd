"""Chapter 5 (Regularization): the helpers its experiments share, and its widget demos.

Equation numbers refer to chapter 5 of the book (lectures/05_regularization).
"""

from __future__ import annotations

import copy
from functools import lru_cache

import numpy as np
from matplotlib.figure import Figure

from nnbook.base import Demo
from nnlib import data, layers, losses, optim, train, viz
from nnlib.activations import softmax

# ---------------------------------------------------------------------------------------------
# Polynomial curve fitting (Bishop's example)
# ---------------------------------------------------------------------------------------------


def true_function(x: np.ndarray) -> np.ndarray:
    """The curve behind Bishop's data, f(x) = sin(2 pi x)."""
    return np.sin(2 * np.pi * np.asarray(x))


def polynomial_features(x: np.ndarray, degree: int) -> np.ndarray:
    """The design matrix Phi with Phi_nk = x_n^k, k = 0..M, of y(x, w) = sum_k w_k x^k (5.1)."""
    if int(degree) != degree or degree < 0:
        raise ValueError(f"degree must be a non-negative integer, got {degree!r}")
    return np.vander(np.ravel(x), int(degree) + 1, increasing=True)


def fit_polynomial(x: np.ndarray, t: np.ndarray, degree: int, lam: float = 0.0) -> np.ndarray:
    """Least squares, or ridge regression for lam > 0: w = (lam I + Phi^T Phi)^-1 Phi^T t (5.5).

    Minimises (1/2) sum_n (y(x_n, w) - t_n)^2 + (lam / 2) ||w||^2; with lam = 0 the minimum-norm
    least-squares solution (the fit interpolates once M + 1 >= N).
    """
    phi, t = polynomial_features(x, degree), np.ravel(t)
    if lam < 0:
        raise ValueError(f"lam must be >= 0, got {lam!r}")
    if lam == 0:
        return np.linalg.lstsq(phi, t, rcond=None)[0]
    return np.linalg.solve(lam * np.eye(phi.shape[1]) + phi.T @ phi, phi.T @ t)


def predict_polynomial(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """y(x, w) = sum_k w_k x^k (5.1), as a column (N, 1)."""
    return (polynomial_features(x, len(w) - 1) @ w)[:, None]


def rmse(prediction: np.ndarray, target: np.ndarray) -> float:
    """E_RMS = sqrt(mean_n (y_n - t_n)^2) (5.2): comparable across data-set sizes."""
    return float(np.sqrt(np.mean((np.ravel(prediction) - np.ravel(target)) ** 2)))


def bias_variance(
    degree: int,
    lam: float = 0.0,
    n: int = 10,
    n_datasets: int = 200,
    noise: float = 0.3,
    seed: int = 0,
) -> dict[str, float]:
    """Estimate the terms of (5.3) for the polynomial of `degree` by resampling data sets.

    Fits one polynomial to each of `n_datasets` fresh data sets of `n` points; on a grid of test
    inputs x*: bias^2 = mean_x* (mean_D y - f)^2, variance = mean_x* var_D y, noise = sigma^2,
    and `expected_mse` = mean over data sets, x* and fresh targets t* of (y - t*)^2, measured
    directly, so that it can be compared with bias^2 + variance + noise.
    """
    gen = np.random.default_rng(seed)
    x_test = np.linspace(0.0, 1.0, 200)
    f_test = true_function(x_test)
    predictions = np.empty((n_datasets, x_test.size))
    squared_errors = np.empty(n_datasets)
    for i in range(n_datasets):
        x, t = data.sine(n, noise=noise, rng=gen)
        predictions[i] = predict_polynomial(fit_polynomial(x, t, degree, lam), x_test).ravel()
        t_test = f_test + gen.normal(scale=noise, size=x_test.size)
        squared_errors[i] = np.mean((predictions[i] - t_test) ** 2)
    mean_prediction = predictions.mean(axis=0)
    return {
        "bias2": float(np.mean((mean_prediction - f_test) ** 2)),
        "variance": float(np.mean(predictions.var(axis=0))),
        "noise": noise**2,
        "expected_mse": float(squared_errors.mean()),
    }


# ---------------------------------------------------------------------------------------------
# Small networks
# ---------------------------------------------------------------------------------------------


PENALTIES = {
    "none": lambda w, lam: (0.0, np.zeros_like(w)),
    "L2": losses.l2_penalty,
    "L1": losses.l1_penalty,
    "elastic net": lambda w, lam: losses.elastic_net_penalty(w, lam, lam),
}


def soft_threshold(v: np.ndarray, threshold: float) -> np.ndarray:
    """The proximal step of threshold |w|: argmin_w 1/2 (w - v)^2 + threshold |w|, entry by entry,
    = sign(v) max(|v| - threshold, 0), eq. (5.11). Every entry with |v| <= threshold becomes
    exactly zero."""
    return np.sign(v) * np.maximum(np.abs(v) - threshold, 0.0)


def fit_with_penalty(
    model: layers.Module,
    loss: losses.Loss,
    x: np.ndarray,
    y: np.ndarray,
    penalty: str,
    lam: float,
    epochs: int = 30,
    lr: float = 0.1,
    seed: int = 0,
    proximal: bool = False,
) -> None:
    """Mini-batch SGD (batches of 32) on loss + penalty (5.4), the penalty on Dense weights only.

    After back-propagating the loss, the penalty's (sub)gradient is added to each weight's
    gradient: lam sign(w) for "L1", lam w for "L2", both for "elastic net". With
    ``proximal=True`` (L1 only) the step follows the loss gradient alone and then applies the
    proximal step, soft-thresholding at lr * lam: proximal gradient descent (ISTA).
    """
    if proximal and penalty != "L1":
        raise ValueError(f"proximal=True is implemented for the L1 penalty, got {penalty!r}")
    weights = [m.weight for m in model.modules() if isinstance(m, layers.Dense)]
    optimizer = optim.SGD(model.parameters(), lr=lr)
    gen = np.random.default_rng(seed)
    model.train()
    for _ in range(epochs):
        for xb, yb in data.batches(x, y, batch_size=32, rng=gen):
            optimizer.zero_grad()
            model.backward(loss(model(xb), yb).backward())
            if not proximal:
                for w in weights:
                    w.grad += PENALTIES[penalty](w.data, lam)[1]
            optimizer.step()
            if proximal:
                for w in weights:
                    w.data[...] = soft_threshold(w.data, lr * lam)
    model.eval()


def dropout_samples(model: layers.Module, x: np.ndarray, n_masks: int, seed: int = 0) -> np.ndarray:
    """The model's outputs under `n_masks` random dropout masks (training mode), stacked:
    shape (n_masks, *output.shape); the members of the ensemble of (5.13). Leaves eval mode."""
    for module in model.modules():
        if isinstance(module, layers.Dropout):
            module.rng = np.random.default_rng(seed)
    model.train()
    outputs = np.stack([model(x) for _ in range(n_masks)])
    model.eval()
    return outputs


def running_mean(samples: np.ndarray) -> np.ndarray:
    """Entry k - 1 is the mean of samples[:k]: the ensemble average of (5.13) for K = 1, 2, ..."""
    counts = np.arange(1, len(samples) + 1).reshape(-1, *([1] * (samples.ndim - 1)))
    return np.cumsum(samples, axis=0) / counts


def mc_dropout_average(model: layers.Module, x: np.ndarray, n_masks: int, seed: int = 0):
    """Running means over `n_masks` dropout masks of the model's output: the mean of (5.14)."""
    return running_mean(dropout_samples(model, x, n_masks, seed))


# ---------------------------------------------------------------------------------------------
# Demos
# ---------------------------------------------------------------------------------------------

BLUE, ORANGE, GREEN, GREY = (viz.OKABE_ITO[c] for c in ("blue", "vermillion", "green", "black"))


@lru_cache(maxsize=8)
def bishop_sine(n: int = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The chapter's fixed draw of Bishop's data: (x, t) with `n` points, and 100 test points."""
    x, t = data.sine(n, rng=4)
    x_test, t_test = data.sine(100, rng=1000)
    return x, t, x_test, t_test


def _capacity_figure(degree: int = 3, n_points: int = 10) -> Figure:
    x, t, x_test, t_test = bishop_sine(n_points)
    grid = np.linspace(0, 1, 300)
    fig = Figure(figsize=(8, 3))
    left, right = fig.subplots(1, 2)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.16, top=0.9, wspace=0.25)
    w = fit_polynomial(x, t, degree)
    left.plot(grid, true_function(grid), color=GREEN, label="sin(2πx)")
    left.plot(grid, predict_polynomial(w, grid), color=ORANGE, label=f"degree M = {degree}")
    left.scatter(x, t, color=BLUE, zorder=3, label=f"N = {n_points} training points")
    left.set(xlabel="x", ylabel="t", ylim=(-1.7, 1.7), title="The fitted polynomial")
    left.legend(loc="lower left", fontsize=8)
    degrees = np.arange(10)
    fits = [fit_polynomial(x, t, m) for m in degrees]
    train = [rmse(predict_polynomial(w, x), t) for w in fits]
    test = [rmse(predict_polynomial(w, x_test), t_test) for w in fits]
    right.plot(degrees, train, "o-", color=BLUE, label="training")
    right.plot(degrees, test, "s-", color=ORANGE, label="test (100 new points)")
    right.axvline(degree, color=GREY, linestyle=":")
    right.set(xlabel="degree M", ylabel="RMS error", ylim=(0, 1.2), title="Error against degree")
    right.legend(fontsize=8)
    return fig


def capacity_demo() -> Demo:
    """Bishop's polynomial over-fitting: a degree slider, and N = 10 against N = 100 points."""
    return Demo(
        _capacity_figure,
        grid={"degree": [0, 1, 2, 3, 5, 7, 9], "n_points": [10, 100]},
        title="Capacity against data: high degrees over-fit 10 points, not 100",
        defaults={"degree": 3, "n_points": 10},
    )


@lru_cache(maxsize=2)
def moons_problem() -> tuple[np.ndarray, ...]:
    """40 noisy two-moons training points and 1000 test points: (x, y, x_test, y_test)."""
    x, y = data.moons(40, noise=0.25, rng=0)
    x_test, y_test = data.moons(1000, noise=0.25, rng=1)
    return x, y[:, None].astype(float), x_test, y_test[:, None].astype(float)


@lru_cache(maxsize=16)
def train_moons_classifier(
    dropout: float = 0.0, weight_decay: float = 0.0, drop_connect: float = 0.0, seed: int = 0
) -> layers.Sequential:
    """A 2-64-64-1 ReLU net trained (400 full-batch Adam steps, learning rate 0.02) on the 40
    points of `moons_problem`, initialised (and its masks drawn) from `seed`; cached, so the
    chapter and its demo share the trained nets."""
    x, y = moons_problem()[:2]
    model = layers.mlp([2, 64, 64, 1], "relu", dropout=dropout, drop_connect=drop_connect, rng=seed)
    adam = optim.Adam(model.parameters(), lr=0.02, weight_decay=weight_decay)
    train.fit_full_batch(model, losses.BCEWithLogitsLoss(), adam, x, y, steps=400)
    return model.eval()


def _regularized_boundary_figure(dropout: float = 0.0, weight_decay: float = 0.0) -> Figure:
    x, y, x_test, y_test = moons_problem()
    model = train_moons_classifier(dropout, weight_decay)
    train_acc = train.accuracy(model(x), y, threshold=0)  # logits: class 1 where z > 0
    test_acc = train.accuracy(model(x_test), y_test, threshold=0)
    fig = Figure(figsize=(5, 3.6))
    fig.subplots_adjust(left=0.13, right=0.97, bottom=0.14, top=0.92)
    ax = fig.subplots()
    title = f"training accuracy {train_acc:.0%}, test accuracy {test_acc:.1%}"
    viz.plot_decision_boundary(model, x, y, ax=ax, resolution=120, title=title)
    ax.legend(loc="lower left")
    return fig


def dropout_weight_decay_demo() -> Demo:
    """Decision boundary of a net trained on 40 noisy moons, for dropout rate and L2 strength."""
    return Demo(
        _regularized_boundary_figure,
        grid={"dropout": [0.0, 0.3, 0.5], "weight_decay": [0.0, 0.001, 0.01]},
        title="Dropout and weight decay smooth the decision boundary of an over-fitting net",
    )


# ---------------------------------------------------------------------------------------------
# Digits: augmentation, ensembles of classifiers, snapshot ensembles, whitening
# ---------------------------------------------------------------------------------------------


def fit_classifier(
    model: layers.Module,
    x: np.ndarray,
    y: np.ndarray,
    epochs: int = 30,
    lr: float = 0.01,
    seed: int = 0,
    scheduler=None,
    optimizer: optim.Optimizer | None = None,
) -> train.History:
    """Adam (or `optimizer`) on the cross-entropy, batches of 32, no progress bar."""
    optimizer = optim.Adam(model.parameters(), lr=lr) if optimizer is None else optimizer
    if callable(scheduler):
        scheduler = scheduler(optimizer)
    return train.fit(
        model,
        losses.CrossEntropyLoss(),
        optimizer,
        x,
        y,
        epochs=epochs,
        batch_size=32,
        scheduler=scheduler,
        progress=False,
        rng=seed,
    )


def shift_images(images: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Move image n of the batch (N, H, W) by rows[n] down and cols[n] right, filling with 0."""
    n, height, width = images.shape
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1)))
    out = np.empty_like(images)
    for i in range(n):  # shifts of at most one pixel: a window of the padded image
        out[i] = padded[i, 1 - rows[i] : 1 - rows[i] + height, 1 - cols[i] : 1 - cols[i] + width]
    return out


def augment_digits(
    x: np.ndarray, y: np.ndarray, copies: int = 3, noise: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The training set plus `copies` altered copies of each digit: shifted by -1, 0 or +1 pixel
    in each direction and with Gaussian pixel noise of std `noise`, clipped to [0, 1]. The
    label is unchanged: a digit moved by a pixel is the same digit."""
    gen = np.random.default_rng(seed)
    images = x.reshape(-1, 8, 8)
    new = []
    for _ in range(copies):
        rows, cols = gen.integers(-1, 2, size=(2, len(x)))
        moved = shift_images(images, rows, cols).reshape(len(x), 64)
        new.append(np.clip(moved + noise * gen.standard_normal(moved.shape), 0.0, 1.0))
    return np.vstack([x, *new]), np.concatenate([y] * (copies + 1))


def ensemble_probabilities(models: list[layers.Module], x: np.ndarray) -> np.ndarray:
    """Average of the members' predicted class probabilities softmax(f_b(x)); argmax decides."""
    return np.mean([softmax(train.predict(m, x)) for m in models], axis=0)


def snapshot_ensemble(
    model: layers.Module,
    x: np.ndarray,
    y: np.ndarray,
    cycles: int = 4,
    epochs_per_cycle: int = 10,
    lr: float = 0.02,
    seed: int = 0,
) -> list[layers.Module]:
    """Train ONE model with a cosine learning rate restarted every `epochs_per_cycle` epochs
    (Loshchilov and Hutter's SGDR, CosineSchedule per cycle) and keep a copy at the end of each
    cycle, where the rate is lowest: the snapshots of Huang et al. (2017)."""
    snapshots = []
    optimizer = optim.Adam(model.parameters(), lr=lr)
    for cycle in range(cycles):
        optimizer.lr = lr  # the restart: back to the top of the cosine
        schedule = optim.CosineSchedule(optimizer, T_max=epochs_per_cycle)
        fit_classifier(
            model,
            x,
            y,
            epochs_per_cycle,
            seed=seed + cycle,
            optimizer=optimizer,
            scheduler=schedule,
        )
        snapshots.append(copy.deepcopy(model))
    return snapshots


# ---------------------------------------------------------------------------------------------
# Monte Carlo dropout on a 1-D regression (Gal and Ghahramani, 2016)
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=2)
def gap_regression_data(n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Noisy sin(3x) observed only on [-1, 1]: inputs outside it are far from the data."""
    gen = np.random.default_rng(5)
    x = np.sort(gen.uniform(-1.0, 1.0, size=(n, 1)), axis=0)
    return x, np.sin(3 * x) + 0.1 * gen.standard_normal(x.shape)


@lru_cache(maxsize=2)
def train_mc_dropout_net(p: float = 0.1, steps: int = 1500) -> layers.Sequential:
    """A 1-50-50-1 ReLU net with Dropout(p) after each hidden layer, trained on
    `gap_regression_data` with full-batch Adam (1500 steps, learning rate 0.005); cached."""
    x, t = gap_regression_data()
    model = layers.mlp([1, 50, 50, 1], "relu", dropout=p, rng=0)
    adam = optim.Adam(model.parameters(), lr=0.005)
    train.fit_full_batch(model, losses.MSELoss(), adam, x, t, steps)
    return model.eval()


def least_squares_gd(x: np.ndarray, targets: np.ndarray, steps: int = 100) -> np.ndarray:
    """Full-batch gradient descent on J(W) = 1/(2N) ||X W - T||^2 (a linear model, no bias;
    centre x first) with the largest safe step 1/lambda_max of X^T X / N. Returns the excess
    loss J(W_k) - J(W*) after each step: it shrinks like (1 - 1/kappa)^k, kappa the condition
    number of X^T X / N, so inputs with equal variances in every direction learn fastest."""
    n = len(x)
    hessian = x.T @ x / n
    lr = 1.0 / np.linalg.eigvalsh(hessian).max()
    best = np.linalg.lstsq(x, targets, rcond=None)[0]

    def loss(w: np.ndarray) -> float:
        return float(np.sum((x @ w - targets) ** 2) / (2 * n))

    w = np.zeros((x.shape[1], targets.shape[1]))
    excess = []
    for _ in range(steps):
        w -= lr * (x.T @ (x @ w - targets) / n)
        excess.append(loss(w) - loss(best))
    return np.array(excess)


def batch_norm_trial(
    batch_norm: bool, lr: float, x, y, x_val, y_val, epochs: int = 8, seed: int = 0
) -> dict[str, float]:
    """Train a 64-64-64-64-10 ReLU net (with or without BatchNorm1d) by plain SGD at `lr`.
    Returns train and validation accuracy, or {"diverged": True} once the loss is not finite
    (overflow is then expected, so its warnings are silenced here)."""
    model = layers.mlp([64, 64, 64, 64, 10], "relu", batch_norm=batch_norm, rng=seed)
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            history = fit_classifier(
                model, x, y, epochs, seed=seed, optimizer=optim.SGD(model.parameters(), lr=lr)
            )
        except ValueError:  # a loss refused its NaN predictions
            return {"diverged": True}
        if not np.isfinite(history.train_loss[-1]) or len(history.train_loss) < epochs:
            return {"diverged": True}
        return {
            "diverged": False,
            "train_accuracy": train.accuracy(train.predict(model, x), y),
            "val_accuracy": train.accuracy(train.predict(model, x_val), y_val),
        }
