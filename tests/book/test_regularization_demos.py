"""nnbook.regularization: chapter 5's demos and experiment helpers (polynomial fits, bias and
variance, penalties, proximal L1, dropout ensembles, whitening, batch norm)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnbook import regularization as reg  # noqa: E402
from nnlib import data, layers, losses  # noqa: E402


def test_polynomial_fit_is_least_squares_and_ridge_closed_form():
    x, t = data.sine(10, rng=0)
    w = reg.fit_polynomial(x, t, 3)
    np.testing.assert_allclose(w, np.polyfit(x.ravel(), t.ravel(), 3)[::-1], atol=1e-8)
    lam = 0.1
    ridge = reg.fit_polynomial(x, t, 3, lam=lam)
    phi = reg.polynomial_features(x, 3)
    gradient = phi.T @ (phi @ ridge - t.ravel()) + lam * ridge  # of (1/2)||.||^2 + (lam/2)||w||^2
    np.testing.assert_allclose(gradient, 0.0, atol=1e-10)
    assert np.linalg.norm(ridge) < np.linalg.norm(w)


def test_degree_n_minus_one_interpolates_the_training_points():
    x, t, _, _ = reg.bishop_sine(10)
    w = reg.fit_polynomial(x, t, 9)
    assert reg.rmse(reg.predict_polynomial(w, x), t) < 1e-6


def test_bias_variance_terms_add_up_to_the_measured_error():
    for degree in (1, 3):
        r = reg.bias_variance(degree, n_datasets=300, seed=1)
        total = r["bias2"] + r["variance"] + r["noise"]
        assert total == pytest.approx(r["expected_mse"], rel=0.05)
    assert reg.bias_variance(0)["bias2"] > reg.bias_variance(3)["bias2"]
    assert reg.bias_variance(9)["variance"] > reg.bias_variance(3)["variance"]


def test_l1_penalty_makes_more_weights_vanish_than_l2():
    x, y = data.digits()
    x, y = x[:400], y[:400]
    zeros = {}
    for penalty in ("L2", "L1"):
        model = layers.Sequential(layers.Dense(64, 10, rng=0))
        reg.fit_with_penalty(model, losses.CrossEntropyLoss(), x, y, penalty, 1e-2, epochs=10)
        zeros[penalty] = np.mean(np.abs(model[0].weight.data) < 1e-3)
    assert zeros["L1"] > zeros["L2"] + 0.05


def test_soft_threshold_minimises_the_proximal_objective():
    # argmin_w 1/2 (w - v)^2 + c |w|, by brute force on a fine grid, against the closed form
    grid = np.linspace(-3, 3, 600_001)
    c = 0.7
    for v in [-2.5, -0.7, -0.3, 0.0, 0.2, 0.7, 1.9]:
        brute = grid[np.argmin(0.5 * (grid - v) ** 2 + c * np.abs(grid))]
        assert reg.soft_threshold(np.array(v), c) == pytest.approx(brute, abs=1e-5)
    out = reg.soft_threshold(np.array([-0.69, 0.0, 0.7, 0.71]), c)
    assert out[0] == 0.0 and out[1] == 0.0 and out[2] == 0.0  # |v| <= c: exactly zero
    assert out[3] == pytest.approx(0.01)


def test_proximal_l1_gives_exact_zeros_where_the_subgradient_does_not():
    x, y = data.digits()
    x, y = x[:300], y[:300]
    weights = {}
    initial = layers.Dense(64, 10, rng=0).weight.data.copy()
    for proximal in (False, True):
        model = layers.Sequential(layers.Dense(64, 10, rng=0))
        reg.fit_with_penalty(
            model, losses.CrossEntropyLoss(), x, y, "L1", 1e-2, epochs=10, proximal=proximal
        )
        weights[proximal] = model[0].weight.data
    assert np.mean(weights[False] == 0.0) == 0.0
    assert np.mean(weights[True] == 0.0) > 0.1
    # a pixel blank in every example gives its weights no data gradient: each proximal step
    # shrinks them by lr * lam = 0.1 * 1e-2, so after k steps they are soft_threshold(w0, k lr lam)
    blank = x.std(axis=0) == 0
    steps = 10 * int(np.ceil(len(x) / 32))
    expected = np.sign(initial) * np.maximum(np.abs(initial) - steps * 1e-3, 0.0)
    assert blank.any()
    np.testing.assert_allclose(weights[True][blank], expected[blank], atol=1e-12)


def test_proximal_step_is_only_for_l1():
    model = layers.Sequential(layers.Dense(64, 10, rng=0))
    x, y = data.digits()
    with pytest.raises(ValueError, match="L1"):
        reg.fit_with_penalty(model, losses.CrossEntropyLoss(), x, y, "L2", 1e-3, proximal=True)


def test_mc_dropout_average_of_logits_tends_to_the_scaled_network():
    g = np.random.default_rng(0)
    net = layers.Sequential(
        layers.Dense(4, 50, rng=g), layers.Tanh(), layers.Dropout(0.5, rng=g), layers.Dense(50, 3)
    )
    x = g.normal(size=(6, 4))
    scaled = net.eval()(x)
    running = reg.mc_dropout_average(net, x, n_masks=2000)
    first, last = np.abs(running[0] - scaled).mean(), np.abs(running[-1] - scaled).mean()
    assert last < first / 10
    assert not net.training


def test_shift_images_moves_each_image_by_its_own_offset_and_fills_with_zero():
    images = np.arange(2 * 3 * 4, dtype=float).reshape(2, 3, 4) + 1
    moved = reg.shift_images(images, np.array([1, 0]), np.array([0, -1]))
    np.testing.assert_array_equal(moved[0, 1:], images[0, :-1])  # down by one row
    np.testing.assert_array_equal(moved[0, 0], 0.0)
    np.testing.assert_array_equal(moved[1, :, :-1], images[1, :, 1:])  # left by one column
    np.testing.assert_array_equal(moved[1, :, -1], 0.0)


def test_augment_digits_keeps_labels_and_range_and_adds_altered_copies():
    x, y = data.digits()
    x, y = x[:50], y[:50]
    xa, ya = reg.augment_digits(x, y, copies=2, noise=0.1, seed=0)
    assert xa.shape == (150, 64) and xa.min() >= 0.0 and xa.max() <= 1.0
    np.testing.assert_array_equal(xa[:50], x)
    np.testing.assert_array_equal(ya, np.tile(y, 3))
    assert not np.allclose(xa[50:100], x)


def test_ensemble_probabilities_average_the_members_softmax():
    g = np.random.default_rng(0)
    members = [layers.mlp([64, 8, 10], "relu", rng=s) for s in range(3)]
    x = g.random((5, 64))
    p = reg.ensemble_probabilities(members, x)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    single = [np.exp(m(x)) / np.exp(m(x)).sum(axis=1, keepdims=True) for m in members]
    np.testing.assert_allclose(p, np.mean(single, axis=0), atol=1e-12)


def test_snapshot_ensemble_keeps_one_independent_copy_per_cycle():
    x, y = data.digits()
    snapshots = reg.snapshot_ensemble(
        layers.mlp([64, 8, 10], "relu", rng=0), x[:100], y[:100], cycles=3, epochs_per_cycle=2
    )
    assert len(snapshots) == 3
    w = [s[0].weight.data for s in snapshots]
    assert not np.allclose(w[0], w[1]) and not np.allclose(w[1], w[2])
    assert w[0] is not w[1]


def test_least_squares_gd_converges_in_one_step_on_whitened_inputs_only():
    x, y = data.digits()
    targets = data.one_hot(y, 10)
    white = data.Whitening(n_components=30).fit(x).transform(x)
    centred = x - x.mean(axis=0)
    fast, slow = reg.least_squares_gd(white, targets, 5), reg.least_squares_gd(centred, targets, 5)
    assert fast[0] < 1e-6
    assert slow[-1] > 1e-3
    assert np.all(slow >= -1e-12) and np.all(np.diff(slow) <= 1e-12)


def test_batch_norm_survives_a_learning_rate_that_breaks_the_plain_network():
    x, y = data.digits()
    x_train, y_train, x_val, y_val = x[:800], y[:800], x[800:1100], y[800:1100]
    plain = reg.batch_norm_trial(False, 2.0, x_train, y_train, x_val, y_val, epochs=4)
    normalized = reg.batch_norm_trial(True, 2.0, x_train, y_train, x_val, y_val, epochs=4)
    assert plain["diverged"] or plain["val_accuracy"] < 0.3
    assert not normalized["diverged"] and normalized["val_accuracy"] > 0.7


def test_mc_dropout_spread_grows_away_from_the_training_data():
    net = reg.train_mc_dropout_net()
    inside = reg.dropout_samples(net, np.linspace(-1, 1, 21)[:, None], 100).std(axis=0).mean()
    outside = reg.dropout_samples(net, np.array([[-3.0], [3.0]]), 100).std(axis=0).mean()
    assert outside > 2 * inside
    x, t = reg.gap_regression_data()
    assert np.abs(x).max() <= 1.0
    assert reg.rmse(net(x), t) < 0.3  # it did learn the data (eval mode: the scaled network)
