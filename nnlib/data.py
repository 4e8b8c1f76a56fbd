"""Data sets of the course and the plumbing around them: splits, standardization, mini-batches.

Every generator takes ``rng``: a ``numpy.random.Generator``, an integer seed, or None (fresh
randomness). Inputs come back as float arrays of shape (N, D); class labels as int arrays of
shape (N,); regression targets as float arrays of shape (N, 1).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import numpy as np

from nnlib.checks import integer, positive, unit_interval
from nnlib.random import RNGLike, as_rng

#: The digits and the two photographs, with their sources and licences (README.md there).
DATA_FILES = Path(__file__).resolve().parent / "data_files"
SAMPLE_IMAGES = ("china.jpg", "flower.jpg")


# classification in the plane
def xor(
    n_per_corner: int = 1, noise: float = 0.0, rng: RNGLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """The XOR problem: corners of the unit square, label x1 XOR x2.

    ``n_per_corner=1, noise=0`` gives the four points of the lecture; more points per corner
    with Gaussian ``noise`` give a cloud around each corner.
    """
    n = integer("n_per_corner", n_per_corner)
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
    n = integer("n", n)
    gen = as_rng(rng)
    inner = _points_in_annulus(n // 2, 0.0, 1.0 / 3.0, gen)
    outer = _points_in_annulus(n - n // 2, 2.0 / 3.0, 1.0, gen)
    return np.vstack([inner, outer]), np.repeat(np.array([0, 1]), [n // 2, n - n // 2])


def spirals(
    n: int = 300, classes: int = 2, noise: float = 0.2, rng: RNGLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (CS231n's toy data): n // classes points per arm."""
    per_class = integer("n", n) // integer("classes", classes)
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
    n = integer("n", n)
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
    n = integer("n", n)
    gen = as_rng(rng)
    if np.ndim(centers) == 0:
        centers = gen.uniform(-5.0, 5.0, size=(integer("centers", centers), dim))
    centers = np.asarray(centers, dtype=np.float64)
    label = np.arange(n) % len(centers)
    return centers[label] + gen.normal(scale=std, size=(n, centers.shape[1])), label


# regression
def sine(n: int = 10, noise: float = 0.3, rng: RNGLike = None) -> tuple[np.ndarray, np.ndarray]:
    """Bishop's curve-fitting data: x evenly spaced on [0, 1], t = sin(2 pi x) + N(0, noise^2)."""
    n = integer("n", n)
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
    x = np.linspace(*interval, integer("n", n))
    y = TARGETS_1D[name](x)
    if noise:
        y = y + as_rng(rng).normal(scale=noise, size=y.shape)
    return x[:, None], y[:, None]


def digits(dtype: type = np.float64, images: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The 8x8 handwritten digits (1797 images, UCI; the copy scikit-learn ships, kept in
    ``nnlib/data_files/``), pixels scaled to [0, 1].

    Returns X of shape (1797, 64), or (1797, 8, 8) with ``images=True``, and labels 0..9.
    """
    table = _digits_table()
    X = table[:, :-1].astype(dtype) / 16.0
    return (X.reshape(-1, 8, 8) if images else X), table[:, -1].astype(np.int64)


@lru_cache(maxsize=1)
def _digits_table() -> np.ndarray:
    import gzip

    with gzip.open(DATA_FILES / "digits.csv.gz", "rt") as f:
        table = np.loadtxt(f, delimiter=",")
    table.flags.writeable = False  # cached: callers get copies
    return table


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
    val_fraction = unit_interval("val_fraction", val_fraction)
    test_fraction = unit_interval("test_fraction", test_fraction)
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
    n_samples = integer("n_samples", n_samples)
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
    batch_size = integer("batch_size", batch_size)
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


# natural image patches (deck 003: "100 hidden units learn edge detectors")
LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114])  # ITU-R BT.601: grey level from R, G, B


def sample_images_grey(downsample: int = 1) -> tuple[np.ndarray, ...]:
    """Two photographs (china.jpg, flower.jpg in ``nnlib/data_files/``, the ones scikit-learn
    ships; 427 x 640) as grey levels in [0, 1], each shrunk by averaging ``downsample`` x
    ``downsample`` blocks."""
    return tuple(image.copy() for image in _sample_images_grey(integer("downsample", downsample)))


@lru_cache(maxsize=4)
def _sample_images_grey(factor: int) -> tuple[np.ndarray, ...]:
    from PIL import Image  # Pillow comes with Matplotlib

    images = []
    for name in SAMPLE_IMAGES:
        with Image.open(DATA_FILES / name) as file:
            rgb = np.asarray(file)
        grey = rgb.astype(np.float64) @ LUMA_WEIGHTS / 255.0
        rows, cols = grey.shape[0] // factor, grey.shape[1] // factor
        if min(rows, cols) < 1:
            raise ValueError(f"downsample {factor} leaves no pixel of a {grey.shape} image")
        blocks = grey[: rows * factor, : cols * factor].reshape(rows, factor, cols, factor)
        images.append(blocks.mean(axis=(1, 3)))
    return tuple(images)


class Whitening:
    """PCA and ZCA whitening from one eigendecomposition Sigma = U D U^T (chapter 5, eq. (5.19);
    chapter 7 and UFLDL for ZCA), fitted on the training set only, like `standardize`.

    `fit(x)`: with `center=True` (PCA's use, chapter 5) Sigma is the covariance of x (NumPy's
    `np.cov`, denominator N - 1) and `mean` its mean; with `center=False` (ZCA of patches whose
    own mean was removed, Ng's notes) Sigma = x^T x / N and `mean` is zero. The eigenvalues
    (`eigenvalues`, decreasing) and eigenvectors (`components`, columns) of the first
    `n_components` directions are kept (all by default).

    - `rotate(x)`: PCA alone, U_k^T (x - mean): decorrelated coordinates with variances D_k.
    - `transform(x)`: PCA whitening D_k^{-1/2} U_k^T (x - mean), covariance close to I_k.
    - `zca(x)`: that rotated back, U_k D_k^{-1/2} U_k^T (x - mean): ZCA whitening, the whitening
      closest to x (whitened patches still look like patches).

    `eps` > 0 (added to every eigenvalue) keeps directions of (nearly) zero variance, a blank
    pixel or the patch mean once removed, from being blown up into noise.
    """

    def __init__(self, n_components: int | None = None, eps: float = 1e-5, center: bool = True):
        self.n_components, self.eps, self.center = n_components, float(eps), bool(center)

    def fit(self, x: np.ndarray) -> Whitening:
        x = np.asarray(x)
        if x.ndim != 2 or len(x) < 1:
            raise ValueError(f"expected a data matrix of shape (N, D), got {x.shape}")
        if self.center:
            self.mean = x.mean(axis=0)
            sigma = np.cov(x, rowvar=False)
        else:
            self.mean = np.zeros(x.shape[1], dtype=x.dtype)
            sigma = x.T @ x / len(x)
        eigenvalues, components = np.linalg.eigh(sigma)
        order = np.argsort(eigenvalues)[::-1][: self.n_components]
        self.eigenvalues = np.clip(eigenvalues[order], 0.0, None)
        self.components = components[:, order]
        return self

    def rotate(self, x: np.ndarray) -> np.ndarray:
        return (x - self.mean) @ self.components

    def transform(self, x: np.ndarray) -> np.ndarray:
        return self.rotate(x) / np.sqrt(self.eigenvalues + self.eps)

    @property
    def zca_matrix(self) -> np.ndarray:
        """Z = U_k D_k^{-1/2} U_k^T (symmetric): zca(x) = (x - mean) Z."""
        return (self.components / np.sqrt(self.eigenvalues + self.eps)) @ self.components.T

    def zca(self, x: np.ndarray) -> np.ndarray:
        return (x - self.mean) @ self.zca_matrix


def zca_whiten(X: np.ndarray, epsilon: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
    """ZCA whitening of the patches X (UFLDL; chapter 7, natural image patches):
    X_white = X Z with Z = U diag(1 / sqrt(lambda + epsilon)) U^T, `Whitening(center=False)`.

    U and lambda are the eigenvectors and eigenvalues of the second-moment matrix
    Sigma = X^T X / N (the covariance if every feature has mean zero; Ng's notes use it as it is
    for patches whose own mean was removed). The rotation U^T decorrelates the
    features, the scaling gives each direction unit variance (the covariance of X_white is
    U diag(lambda / (lambda + epsilon)) U^T, close to the identity where lambda >> epsilon), and
    rotating back by U keeps X_white as close as possible to X. Returns ``(X_white, Z)``; Z is
    symmetric, so X_white = X Z row by row.
    """
    X = np.asarray(X)
    whitening = Whitening(eps=positive("epsilon", epsilon), center=False).fit(X)
    Z = whitening.zca_matrix
    return (X @ Z).astype(X.dtype), Z.astype(X.dtype)


def natural_patches(
    n: int,
    size: int = 8,
    whiten: bool = True,
    epsilon: float = 1e-3,
    downsample: int = 1,
    dtype: type = np.float64,
    rng: RNGLike = None,
) -> np.ndarray:
    """``n`` random ``size`` x ``size`` grey patches of ``sample_images_grey``'s photographs,
    preprocessed as in Ng's sparse autoencoder notes (UFLDL). Returns an array (n, size * size).

    1. Pick a photograph (each with probability 1/2) and a position uniformly at random.
    2. Remove each patch's own mean: overall brightness says nothing about edges.
    3. If ``whiten``, ZCA-whiten the patches (``zca_whiten`` with ``epsilon``, fitted on these
       n patches): neighbouring pixels are strongly correlated in natural images, and whitening
       removes those correlations, so that what is left to learn is edges rather than smooth
       brightness gradients.

    ``downsample`` > 1 first shrinks the photographs (see ``sample_images_grey``). A sigmoid
    decoder needs targets in [0, 1]: follow with ``squash_to_unit_interval``.
    """
    n = integer("n", n)
    size = integer("size", size)
    images = _sample_images_grey(integer("downsample", downsample))
    smallest = min(min(image.shape) for image in images)
    if size > smallest:
        raise ValueError(f"size must be at most {smallest} (the image size), got {size}")
    gen = as_rng(rng)
    which = gen.integers(len(images), size=n)
    corners = gen.random(size=(n, 2))
    patches = np.empty((n, size, size))
    for k, image in enumerate(images):
        chosen = which == k
        windows = np.lib.stride_tricks.sliding_window_view(image, (size, size))
        top = (corners[chosen, 0] * windows.shape[0]).astype(int)
        left = (corners[chosen, 1] * windows.shape[1]).astype(int)
        patches[chosen] = windows[top, left]
    X = patches.reshape(n, size * size)
    X = X - X.mean(axis=1, keepdims=True)
    if whiten:
        X = zca_whiten(X, epsilon)[0]
    return X.astype(dtype)


def squash_to_unit_interval(
    X: np.ndarray, clip_std: float = 3.0, low: float = 0.1, high: float = 0.9
) -> np.ndarray:
    """Map zero-centred data into [low, high] for a sigmoid output, as Ng's sparse autoencoder
    exercise does: clip at +-``clip_std`` standard deviations (of all entries), then rescale
    linearly, so that 0 goes to (low + high) / 2 and +-clip_std std to ``high`` and ``low``."""
    X = np.asarray(X)
    clip_std = positive("clip_std", clip_std)
    if not 0.0 <= low < high <= 1.0:
        raise ValueError(f"expected 0 <= low < high <= 1, got low={low!r}, high={high!r}")
    bound = clip_std * X.std()
    if bound == 0:
        raise ValueError("X is constant: there is no spread to rescale")
    unit = np.clip(X, -bound, bound) / bound  # in [-1, 1]
    return (low + (unit + 1.0) * (high - low) / 2.0).astype(X.dtype)
