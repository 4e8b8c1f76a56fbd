"""nnlib.data: the data sets have the stated geometry; splits and batches partition the data."""

import subprocess
import sys

import numpy as np
import pytest

from nnlib import data


def test_xor_is_the_truth_table():
    X, y = data.xor()
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])
    Xn, yn = data.xor(n_per_corner=25, noise=0.1, rng=0)
    assert Xn.shape == (100, 2) and np.bincount(yn).tolist() == [50, 50]


def test_rings_lie_in_the_two_sets():
    X, y = data.rings(500, rng=1)
    r = np.linalg.norm(X, axis=1)
    assert np.all(r[y == 0] < 1 / 3)
    assert np.all((r[y == 1] > 2 / 3) & (r[y == 1] < 1))
    assert np.bincount(y).tolist() == [250, 250]
    # uniform over the area: half the inner disc's points lie within radius (1/3)/sqrt(2)
    assert abs(np.mean(r[y == 0] < (1 / 3) / np.sqrt(2)) - 0.5) < 0.1


def test_sine_is_bishops_data():
    x, t = data.sine(rng=3)
    assert x.shape == t.shape == (10, 1)
    np.testing.assert_allclose(x[:, 0], np.linspace(0, 1, 10))
    residual = t[:, 0] - np.sin(2 * np.pi * x[:, 0])
    assert 0.1 < residual.std() < 0.6
    _, t_again = data.sine(rng=3)
    np.testing.assert_array_equal(t, t_again)


@pytest.mark.parametrize(
    ("name", "f"),
    [("abs", abs), ("square", lambda v: v * v), ("sin", np.sin), ("step", lambda v: float(v >= 0))],
)
def test_target_1d(name, f):
    x, y = data.target_1d(name, n=21)
    assert x[0, 0] == -1.0 and x[-1, 0] == 1.0
    np.testing.assert_allclose(y[:, 0], [f(v) for v in x[:, 0]])


def test_target_1d_rejects_unknown_names():
    with pytest.raises(ValueError, match="cube"):
        data.target_1d("cube")


def test_spirals_moons_blobs_shapes_and_seeds():
    for make in (data.spirals, data.moons, data.blobs):
        X, y = make(rng=7)
        X2, _ = make(rng=7)
        assert X.ndim == 2 and X.shape[1] == 2 and len(y) == len(X)
        np.testing.assert_array_equal(X, X2)
    X, y = data.blobs(n=400, centers=np.array([[5.0, 5.0], [-5.0, -5.0]]), std=0.5, rng=0)
    np.testing.assert_allclose(X[y == 0].mean(axis=0), [5, 5], atol=0.15)


def test_digits_are_bundled_and_scaled():
    X, y = data.digits(dtype=np.float32)
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert X.min() == 0.0 and X.max() == 1.0
    assert sorted(set(y.tolist())) == list(range(10))


def test_digits_are_scikit_learns_and_need_no_scikit_learn():
    from sklearn.datasets import load_digits  # the development install keeps it for this check

    bunch = load_digits()
    X, y = data.digits()
    np.testing.assert_array_equal(X, bunch.data / 16.0)
    np.testing.assert_array_equal(y, bunch.target)
    images, _ = data.digits(images=True)
    np.testing.assert_array_equal(images, bunch.images / 16.0)
    X[0, 0] = 99.0  # a caller's array is its own
    assert data.digits()[0][0, 0] == bunch.data[0, 0] / 16.0


def test_sample_images_are_scikit_learns_photographs():
    from sklearn.datasets import load_sample_images

    for ours, theirs in zip(data.sample_images_grey(), load_sample_images().images, strict=True):
        np.testing.assert_array_equal(ours, theirs.astype(np.float64) @ data.LUMA_WEIGHTS / 255.0)
    small = data.sample_images_grey(downsample=4)
    assert [image.shape for image in small] == [(106, 160), (106, 160)]


def test_data_loads_without_scikit_learn_or_scipy():
    code = (
        "import sys; from nnlib import data; data.digits(); data.sample_images_grey(8); "
        "data.natural_patches(10, rng=0); "
        "print(sorted(m for m in ('sklearn', 'scipy') if sys.modules[m] is not None))"
    )
    blocker = "import sys; sys.modules['sklearn'] = None; sys.modules['scipy'] = None; "
    out = subprocess.run(
        [sys.executable, "-c", blocker + code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]", out.stderr


def test_standardize_fits_on_train_only():
    train = np.array([[0.0, 5.0], [2.0, 5.0]])
    test = np.array([[4.0, 6.0]])
    train_z, test_z = data.standardize(train, test)
    np.testing.assert_allclose(train_z, [[-1.0, 0.0], [1.0, 0.0]])  # mean (1, 5), std (1, 0->1)
    np.testing.assert_allclose(test_z, [[3.0, 1.0]])


def test_train_val_test_split_partitions():
    X = np.arange(100)[:, None]
    y = np.arange(100)
    (Xtr, ytr), (Xv, yv), (Xte, yte) = data.train_val_test_split(X, y, 0.2, 0.1, rng=0)
    assert (len(ytr), len(yv), len(yte)) == (70, 20, 10)
    assert sorted(np.concatenate([ytr, yv, yte]).tolist()) == list(range(100))
    np.testing.assert_array_equal(Xtr[:, 0], ytr)
    with pytest.raises(ValueError, match="1.2"):
        data.train_val_test_split(X, y, 1.2, 0.1)


def test_kfold_each_sample_validates_once():
    folds = data.kfold(23, k=5, rng=0)
    val = np.concatenate([v for _, v in folds])
    assert sorted(val.tolist()) == list(range(23))
    for train, v in folds:
        assert len(np.intersect1d(train, v)) == 0 and len(train) + len(v) == 23
    with pytest.raises(ValueError, match="30"):
        data.kfold(10, k=30)


def test_batches_cover_the_epoch_once():
    X = np.arange(10)[:, None].astype(float)
    y = np.arange(10)
    got = list(data.batches(X, y, batch_size=4, rng=0))
    assert [len(b) for _, b in got] == [4, 4, 2]
    labels = np.concatenate([b for _, b in got])
    assert sorted(labels.tolist()) == list(range(10)) and labels.tolist() != list(range(10))
    for xb, yb in got:
        np.testing.assert_array_equal(xb[:, 0], yb)
    in_order = [b.tolist() for _, b in data.batches(X, y, batch_size=5, shuffle=False)]
    assert in_order == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    with pytest.raises(ValueError, match="0"):
        next(data.batches(X, y, batch_size=0))


def test_rng_shorthand_and_one_hot():
    assert np.random.default_rng(5).integers(1000) == np.random.default_rng(5).integers(1000)
    np.testing.assert_array_equal(data.one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])


def test_pca_whitening_gives_identity_covariance_and_fits_on_training_data_only():
    x = np.random.default_rng(0).multivariate_normal(
        [1.0, -2.0, 0.5], [[4, 1.5, 0], [1.5, 1, 0.3], [0, 0.3, 2]], 5000
    )
    whitener = data.Whitening(eps=0.0).fit(x)
    z = whitener.transform(x)
    np.testing.assert_allclose(np.cov(z, rowvar=False), np.eye(3), atol=1e-10)
    assert np.all(np.diff(whitener.eigenvalues) <= 0)
    top = data.Whitening(n_components=2, eps=0.0).fit(x)
    assert top.transform(x[:7]).shape == (7, 2)


def test_zca_is_pca_whitening_rotated_back():
    x = np.random.default_rng(1).normal(size=(200, 4)) @ np.array(
        [[2.0, 0.5, 0.0, 0.1], [0.0, 1.0, 0.3, 0.0], [0.0, 0.0, 0.5, 0.2], [0.0, 0.0, 0.0, 0.1]]
    )
    for center in (True, False):
        w = data.Whitening(eps=1e-3, center=center).fit(x)
        np.testing.assert_allclose(w.zca(x), w.transform(x) @ w.components.T, atol=1e-12)
    x0 = x - x.mean(axis=1, keepdims=True)  # patches with their own mean removed
    white, Z = data.zca_whiten(x0, epsilon=1e-3)
    np.testing.assert_allclose(white, data.Whitening(eps=1e-3, center=False).fit(x0).zca(x0))
    np.testing.assert_allclose(Z, Z.T, atol=1e-12)
