"""Data sets of the course and the plumbing around them: splits, standardization, mini-batches.

Every generator takes ``rng``: a ``numpy.random.Generator``, an integer seed, or None (fresh
randomness). Inputs come back as float arrays of shape (N, D); class labels as int arrays of
shape (N,); regression targets as float arrays of shape (N, 1).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

RNGLike = np.random.Generator | int | None


def rng(seed: int | None = None) -> np.random.Generator:
    """Shorthand for ``np.random.default_rng(seed)``."""
    return np.random.default_rng(seed)


def as_rng(value: RNGLike) -> np.random.Generator:
    """A Generator from a Generator (returned as is), a seed, or None."""
    if isinstance(value, np.random.Generator):
        return value
    if value is None or isinstance(value, int | np.integer):
        return np.random.default_rng(value)
    raise TypeError(
        f"rng must be a numpy Generator, an int seed or None, got {type(value).__name__}"
    )


def _check_positive(name: str, value: int) -> int:
    if int(value) != value or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


# classification in the plane
def xor(
    n_per_corner: int = 1, noise: float = 0.0, rng: RNGLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """The XOR problem: corners of the unit square, label x1 XOR x2.

    ``n_per_corner=1, noise=0`` gives the four points of the lecture; more points per corner
    with Gaussian ``noise`` give a cloud around each corner.
    """
    n = _check_positive("n_per_corner", n_per_corner)
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    X = np.repeat(corners, n, axis=0)
    if noise:
        X = X + as_rng(rng).normal(scale=noise, size=X.shape)
    y = np.repeat(np.array([0, 1, 1, 0]), n)
    return X, y


def _points_in_annulus(n: int, r_min: float, r_max: float, gen: np.random.Generator) -> np.ndarray:
    """Uniform over the area of the annulus r_min < r < r_max (a disc if r_min = 0)."""
    radius = np.sqrt(gen.uniform(r_min**2, r_max**2, size=n))
    angle = gen.uniform(0.0, 2 * np.pi, size=n)
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])


def rings(n: int = 400, rng: RNGLike = None) -> tuple[np.ndarray, np.ndarray]:
    """The topology claim's two sets: A = {|x| < 1/3} (label 0), B = {2/3 < |x| < 1} (label 1).

    Half of the ``n`` points in each, uniform over its area.
    """
    n = _check_positive("n", n)
    gen = as_rng(rng)
    inner = _points_in_annulus(n // 2, 0.0, 1.0 / 3.0, gen)
    outer = _points_in_annulus(n - n // 2, 2.0 / 3.0, 1.0, gen)
    return np.vstack([inner, outer]), np.repeat(np.array([0, 1]), [n // 2, n - n // 2])


def spirals(
    n: int = 300, classes: int = 2, noise: float = 0.2, rng: RNGLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (CS231n's toy data): n // classes points per arm."""
    per_class = _check_positive("n", n) // _check_positive("classes", classes)
    gen = as_rng(rng)
    radius = np.tile(np.linspace(0.0, 1.0, per_class), classes)
    label = np.repeat(np.arange(classes), per_class)
    angle = (
        np.tile(np.linspace(0.0, 4.0, per_class), classes)
        + label * (2 * np.pi / classes)
        + gen.normal(scale=noise, size=per_class * classes)
    )
    return np.column_stack([radius * np.sin(angle), radius * np.cos(angle)]), label


def moons(n: int = 200, noise: float = 0.1, rng: RNGLike = None) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (as scikit-learn's make_moons), Gaussian ``noise`` added."""
    n = _check_positive("n", n)
    gen = as_rng(rng)
    n_upper = n // 2
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(0.0, np.pi, n - n_upper)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    X = np.vstack([upper, lower]) + gen.normal(scale=noise, size=(n, 2))
    return X, np.repeat(np.array([0, 1]), [n_upper, n - n_upper])


def blobs(
    n: int = 300,
    centers: int | np.ndarray = 3,
    std: float = 1.0,
    dim: int = 2,
    rng: RNGLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs: ``centers`` given as an array (k, dim) or a count drawn in [-5, 5]^dim."""
    n = _check_positive("n", n)
    gen = as_rng(rng)
    if np.ndim(centers) == 0:
        centers = gen.uniform(-5.0, 5.0, size=(_check_positive("centers", centers), dim))
    centers = np.asarray(centers, dtype=np.float64)
    label = np.arange(n) % len(centers)
    return centers[label] + gen.normal(scale=std, size=(n, centers.shape[1])), label


# regression
def sine(n: int = 10, noise: float = 0.3, rng: RNGLike = None) -> tuple[np.ndarray, np.ndarray]:
    """Bishop's curve-fitting data: x evenly spaced on [0, 1], t = sin(2 pi x) + N(0, noise^2)."""
    n = _check_positive("n", n)
    x = np.linspace(0.0, 1.0, n)
    t = np.sin(2 * np.pi * x) + as_rng(rng).normal(scale=noise, size=n)
    return x[:, None], t[:, None]


TARGETS_1D = {
    "abs": np.abs,
    "square": np.square,
    "sin": np.sin,
    "step": lambda x: np.where(x >= 0, 1.0, 0.0),
}


def target_1d(
    name: str,
    n: int = 50,
    interval: tuple[float, float] = (-1.0, 1.0),
    noise: float = 0.0,
    rng: RNGLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Samples of |x|, x^2, sin x or the unit step (1 for x >= 0) on an evenly spaced grid.

    ``name`` is one of ``TARGETS_1D``: "abs", "square", "sin", "step".
    """
    if name not in TARGETS_1D:
        raise ValueError(f"name must be one of {sorted(TARGETS_1D)}, got {name!r}")
    x = np.linspace(*interval, _check_positive("n", n))
    y = TARGETS_1D[name](x)
    if noise:
        y = y + as_rng(rng).normal(scale=noise, size=y.shape)
    return x[:, None], y[:, None]


def digits(dtype: type = np.float64, images: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 digits (1797 images, no download), pixels scaled to [0, 1].

    Returns X of shape (1797, 64), or (1797, 8, 8) with ``images=True``, and labels 0..9.
    """
    from sklearn.datasets import load_digits

    bunch = load_digits()
    X = (bunch.images if images else bunch.data).astype(dtype) / 16.0
    return X, bunch.target.astype(np.int64)


def one_hot(y: np.ndarray, num_classes: int | None = None, dtype: type = np.float64) -> np.ndarray:
    """Integer labels (N,) to one-hot rows (N, C)."""
    y = np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(
            f"one_hot expects a 1-D integer label array, got shape {y.shape}, dtype {y.dtype}"
        )
    classes = int(y.max()) + 1 if num_classes is None else num_classes
    out = np.zeros((len(y), classes), dtype=dtype)
    out[np.arange(len(y)), y] = 1
    return out


# preprocessing and splits
class Standardizer:
    """z = (x - mean) / std per feature, with mean and std fitted on the training set only.

    Features with zero spread (constant pixels at the border of the digits) are left centred.
    """

    def fit(self, X: np.ndarray) -> Standardizer:
        self.mean = X.mean(axis=0)
        std = X.std(axis=0)
        self.std = np.where(std > 0, std, 1.0).astype(X.dtype)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        return (X - self.mean) / self.std

    def fit_transform(self, X: np.ndarray) -> np.ndarray:
        return self.fit(X).transform(X)


def standardize(train: np.ndarray, *others: np.ndarray) -> tuple[np.ndarray, ...]:
    """Standardize ``train`` with its own mean and std, and ``others`` with the same statistics.

    ``Xtr, Xval, Xte = standardize(Xtr, Xval, Xte)``; with no ``others`` a 1-tuple.
    """
    scaler = Standardizer().fit(train)
    return tuple(scaler.transform(X) for X in (train, *others))


def _check_fraction(name: str, value: float) -> float:
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must lie in [0, 1), got {value!r}")
    return float(value)


def train_val_test_split(
    X: np.ndarray,
    y: np.ndarray,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    rng: RNGLike = None,
) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Shuffle and split into ``(X_train, y_train), (X_val, y_val), (X_test, y_test)``."""
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
    val_fraction = _check_fraction("val_fraction", val_fraction)
    test_fraction = _check_fraction("test_fraction", test_fraction)
    if val_fraction + test_fraction >= 1.0:
        raise ValueError(
            f"val_fraction + test_fraction must be < 1, got {val_fraction + test_fraction}"
        )
    order = as_rng(rng).permutation(len(X))
    n_test = round(test_fraction * len(X))
    n_val = round(val_fraction * len(X))
    test, val, train = np.split(order, [n_test, n_test + n_val])
    return (X[train], y[train]), (X[val], y[val]), (X[test], y[test])


def kfold(
    n_samples: int, k: int = 5, shuffle: bool = True, rng: RNGLike = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """k-fold cross-validation indices: k pairs (train_idx, val_idx); each sample validates once."""
    n_samples = _check_positive("n_samples", n_samples)
    if int(k) != k or not 2 <= k <= n_samples:
        raise ValueError(f"k must be an integer in [2, n_samples={n_samples}], got {k!r}")
    order = as_rng(rng).permutation(n_samples) if shuffle else np.arange(n_samples)
    folds = np.array_split(order, k)
    return [(np.concatenate(folds[:i] + folds[i + 1 :]), fold) for i, fold in enumerate(folds)]


def batches(
    X: np.ndarray,
    y: np.ndarray | None = None,
    batch_size: int = 32,
    shuffle: bool = True,
    rng: RNGLike = None,
) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
    """Mini-batches ``(X_batch, y_batch)`` covering the data once (one epoch); the last may be
    smaller. Shuffled with ``rng`` unless ``shuffle=False``."""
    batch_size = _check_positive("batch_size", batch_size)
    if y is not None and len(X) != len(y):
        raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
    n = len(X)
    order = as_rng(rng).permutation(n) if shuffle else None
    for start in range(0, n, batch_size):
        if order is None:
            idx = slice(start, start + batch_size)
        else:
            idx = order[start : start + batch_size]
        yield X[idx], (None if y is None else y[idx])
