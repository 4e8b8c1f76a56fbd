"""nnlib.data's natural image patches (loader, ZCA whitening, squashing into the sigmoid's range)
and nnlib.autoencoder's full-batch objective and L-BFGS training."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib import autoencoder, data


def test_sample_images_are_grey_in_the_unit_interval_and_block_averaged():
    full = data.sample_images_grey()
    half = data.sample_images_grey(downsample=2)
    assert [image.shape for image in full] == [(427, 640), (427, 640)]
    assert [image.shape for image in half] == [(213, 320), (213, 320)]
    for image in full:
        assert 0.0 <= image.min() < image.max() <= 1.0
    assert half[0][3, 5] == pytest.approx(full[0][6:8, 10:12].mean())


def test_sample_images_are_copies():
    data.sample_images_grey()[0][:] = -1.0
    assert data.sample_images_grey()[0].min() >= 0.0


@pytest.mark.parametrize("size", [1, 8, 10])
def test_patches_have_the_requested_shape_and_dtype(size):
    patches = data.natural_patches(50, size=size, rng=0)
    assert patches.shape == (50, size * size)
    assert patches.dtype == np.float64
    assert data.natural_patches(5, size=size, dtype=np.float32, rng=0).dtype == np.float32


def test_patches_are_cut_from_the_photographs():
    raw = data.natural_patches(10, size=3, whiten=False, rng=3)
    centred_windows = []
    for image in data.sample_images_grey():
        windows = np.lib.stride_tricks.sliding_window_view(image, (3, 3)).reshape(-1, 9)
        centred_windows.append(windows - windows.mean(axis=1, keepdims=True))
    for patch in raw:
        distance = min(np.abs(w - patch).max(axis=1).min() for w in centred_windows)
        assert distance < 1e-12


@pytest.mark.parametrize("whiten", [False, True])
def test_every_patch_has_zero_mean(whiten):
    patches = data.natural_patches(500, size=8, whiten=whiten, rng=1)
    np.testing.assert_allclose(patches.mean(axis=1), 0.0, atol=1e-9)
    assert np.abs(patches).max() > 0.01  # not trivially zero


def test_whitened_covariance_is_the_identity_apart_from_the_patch_mean():
    size = 8
    dim = size * size
    whitened = data.natural_patches(4000, size=size, epsilon=1e-9, rng=2)
    raw = data.natural_patches(4000, size=size, whiten=False, rng=2)
    # after mean removal the constant patch has no variance: the best is the projection onto
    # the patches of mean zero
    projection = np.eye(dim) - np.full((dim, dim), 1.0 / dim)
    covariance = whitened.T @ whitened / len(whitened)
    np.testing.assert_allclose(covariance, projection, atol=1e-4)
    # before whitening the variances along the principal directions differ a hundredfold
    raw_variances = np.linalg.eigvalsh(raw.T @ raw / len(raw))[1:]  # [0]: the patch mean
    assert raw_variances.max() / raw_variances.min() > 100


def test_zca_whitening_of_correlated_gaussians():
    gen = np.random.default_rng(4)
    mixing = gen.normal(size=(5, 5))
    X = gen.normal(size=(20_000, 5)) @ mixing
    X_white, Z = data.zca_whiten(X, epsilon=1e-10)
    np.testing.assert_allclose(X_white.T @ X_white / len(X), np.eye(5), atol=1e-6)
    np.testing.assert_allclose(Z, Z.T, atol=1e-12)
    np.testing.assert_allclose(X_white, X @ Z)
    # a larger epsilon shrinks the variance of every direction below 1
    shrunk, _ = data.zca_whiten(X, epsilon=1.0)
    assert np.linalg.eigvalsh(shrunk.T @ shrunk / len(X)).max() < 1.0


def test_zca_is_the_whitening_closest_to_the_data():
    """Among whitening transforms X W, ZCA (W symmetric) changes X the least."""
    gen = np.random.default_rng(5)
    X = gen.normal(size=(2000, 4)) @ gen.normal(size=(4, 4))
    X_white, Z = data.zca_whiten(X, epsilon=1e-12)
    rotation, _ = np.linalg.qr(gen.normal(size=(4, 4)))
    other = X_white @ rotation  # also white, but rotated
    assert np.linalg.norm(X_white - X) < np.linalg.norm(other - X)


def test_patches_are_deterministic_under_a_seed():
    first = data.natural_patches(200, size=8, rng=7)
    again = data.natural_patches(200, size=8, rng=7)
    other = data.natural_patches(200, size=8, rng=8)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n": 0},
        {"n": -3},
        {"n": 2.5},
        {"n": 10, "size": 0},
        {"n": 10, "size": -1},
        {"n": 10, "size": 428},
        {"n": 10, "epsilon": 0.0},
        {"n": 10, "epsilon": -1.0},
        {"n": 10, "epsilon": float("nan")},
        {"n": 10, "downsample": 0},
        {"n": 10, "size": 10, "downsample": 50},
    ],
)
def test_bad_patch_arguments_raise(kwargs):
    with pytest.raises(ValueError):
        data.natural_patches(rng=0, **kwargs)


def test_bad_rng_raises_type_error():
    with pytest.raises(TypeError):
        data.natural_patches(10, rng="seed")


def test_zca_rejects_bad_input():
    with pytest.raises(ValueError):
        data.zca_whiten(np.ones(5))
    with pytest.raises(ValueError):
        data.zca_whiten(np.ones((3, 2)), epsilon=0.0)


def test_squash_maps_into_the_interval_and_clips_at_three_std():
    gen = np.random.default_rng(6)
    X = gen.standard_t(df=3, size=(1000, 16))  # heavy tails: some entries get clipped
    squashed = data.squash_to_unit_interval(X)
    assert squashed.min() >= 0.1 - 1e-12 and squashed.max() <= 0.9 + 1e-12
    bound = 3 * X.std()
    assert np.isclose(squashed[X >= bound], 0.9).all() and np.any(X >= bound)
    inside = np.abs(X) < bound
    np.testing.assert_allclose(squashed[inside], 0.5 + 0.4 * X[inside] / bound)
    np.testing.assert_allclose(
        data.squash_to_unit_interval(np.array([-1.0, 0.0, 1.0])),
        [0.5 - 0.4 / (3 * np.sqrt(2 / 3)), 0.5, 0.5 + 0.4 / (3 * np.sqrt(2 / 3))],
    )


@pytest.mark.parametrize(
    "kwargs", [{"clip_std": 0.0}, {"low": 0.5, "high": 0.5}, {"low": -0.1}, {"high": 1.5}]
)
def test_squash_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        data.squash_to_unit_interval(np.array([0.0, 1.0]), **kwargs)
    with pytest.raises(ValueError):
        data.squash_to_unit_interval(np.zeros(3))


def _total_objective(model, x, weight_decay):
    """J (7.3) + beta sum KL (7.6) + lambda/2 (sum W^2 + sum V^2), written out by hand."""
    W, b = model.encoder[0].weight.data, model.encoder[0].bias.data
    V, c = model.decoder[0].weight.data, model.decoder[0].bias.data
    a = 1 / (1 + np.exp(-(x @ W + b)))
    x_hat = 1 / (1 + np.exp(-(a @ V + c)))
    reconstruction = 0.5 * np.sum((x_hat - x) ** 2) / len(x)
    rho, rho_hat = model.sparsity_target, a.mean(axis=0)
    kl = rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))
    decay = 0.5 * weight_decay * (np.sum(W**2) + np.sum(V**2))
    return reconstruction + model.sparsity_weight * kl.sum() + decay


def test_total_objective_value_and_gradient_match_the_formula():
    gen = np.random.default_rng(9)
    model = autoencoder.Autoencoder(6, 4, 0.1, 2.0, rng=gen)
    x = gen.uniform(0.1, 0.9, size=(7, 6))
    value = autoencoder.total_objective(model, x, weight_decay=0.05)
    assert value == pytest.approx(_total_objective(model, x, 0.05), rel=1e-12)
    for parameter in model.parameters():
        numeric = np.zeros_like(parameter.data)
        for index in np.ndindex(parameter.data.shape):
            old = parameter.data[index]
            parameter.data[index] = old + 1e-6
            up = _total_objective(model, x, 0.05)
            parameter.data[index] = old - 1e-6
            down = _total_objective(model, x, 0.05)
            parameter.data[index] = old
            numeric[index] = (up - down) / 2e-6
        np.testing.assert_allclose(parameter.grad, numeric, rtol=1e-5, atol=1e-8)


def test_short_lbfgs_training_lowers_the_full_objective():
    x = data.squash_to_unit_interval(data.natural_patches(300, size=5, epsilon=0.01, rng=0))
    model = autoencoder.Autoencoder(25, 16, 0.05, 3.0, rng=0)
    start = _total_objective(model, x, 1e-3)
    history = autoencoder.fit_lbfgs(model, x, weight_decay=1e-3, max_iter=30, record_every=10)
    assert len(history) == 4
    assert history[0] == pytest.approx(start, rel=1e-9)
    assert history[-1] == pytest.approx(_total_objective(model, x, 1e-3), rel=1e-9)
    assert history[-1] < 0.5 * history[0]
    assert all(later <= earlier for earlier, later in zip(history, history[1:], strict=False))
    assert not model.training


def test_lbfgs_training_beats_the_best_constant_reconstruction():
    x = data.squash_to_unit_interval(data.natural_patches(400, size=5, epsilon=0.01, rng=1))
    model = autoencoder.Autoencoder(25, 16, rng=1)  # no sparsity
    autoencoder.fit_lbfgs(model, x, weight_decay=0.0, max_iter=100)
    error = 0.5 * np.sum((model(x) - x) ** 2) / len(x)
    constant = 0.5 * np.sum((x - x.mean(axis=0)) ** 2) / len(x)
    assert error < 0.8 * constant


@pytest.mark.parametrize(
    "kwargs",
    [{"weight_decay": -1.0}, {"max_iter": 0}, {"record_every": 0}, {"max_iter": 2.5}],
)
def test_fit_lbfgs_rejects_bad_arguments(kwargs):
    model = autoencoder.Autoencoder(4, 2, rng=0)
    with pytest.raises(ValueError):
        autoencoder.fit_lbfgs(model, np.full((3, 4), 0.5), **kwargs)
    with pytest.raises(ValueError):
        autoencoder.fit_lbfgs(model, np.full((3, 5), 0.5))


def test_autoencoder_keeps_a_float32_dtype():
    model = autoencoder.Autoencoder(4, 3, rng=0, dtype=np.float32)
    assert all(p.data.dtype == np.float32 for p in model.parameters())
    assert model(np.full((2, 4), 0.5, dtype=np.float32)).dtype == np.float32
