"""The demos and experiment helpers of chapters 5 (regularization) and 7 (beyond the MLP)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from nnlib import data, layers, losses  # noqa: E402
from nnlib.demos import beyond  # noqa: E402
from nnlib.demos import regularization as reg  # noqa: E402
from nnlib.demos.base import Demo  # noqa: E402

DEMOS = [
    reg.capacity_demo,
    reg.dropout_weight_decay_demo,
    beyond.kernel_demo,
    beyond.pooling_demo,
    beyond.autoencoder_demo,
]


@pytest.mark.parametrize("make", DEMOS, ids=lambda f: f.__name__)
def test_each_demo_is_a_small_grid_and_draws_its_default_frame(make):
    demo = make()
    assert isinstance(demo, Demo)
    assert 2 <= demo.n_frames <= 30
    fig = demo.figure()
    assert isinstance(fig, Figure) and fig.axes


def test_cheap_demo_frames_differ_across_the_grid():
    demo = reg.capacity_demo()
    assert demo.frame_png(degree=1) != demo.frame_png(degree=9)
    kernels = beyond.kernel_demo()
    assert kernels.frame_png(kernel="sharpen") != kernels.frame_png(kernel="box blur")


def test_polynomial_fit_is_least_squares_and_ridge_closed_form():
    x, t = data.sine(10, rng=data.rng(0))
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


def test_mlp_layout():
    net = reg.mlp([2, 5, 5, 1], activation="relu", dropout=0.5, batch_norm=True)
    kinds = [type(m).__name__ for m in net]
    assert kinds == ["Dense", "BatchNorm1d", "ReLU", "Dropout"] * 2 + ["Dense"]


def test_l1_penalty_makes_more_weights_vanish_than_l2():
    x, y = data.digits()
    x, y = x[:400], y[:400]
    zeros = {}
    for penalty in ("L2", "L1"):
        model = layers.Sequential(layers.Dense(64, 10, rng=data.rng(0)))
        reg.fit_with_penalty(model, losses.CrossEntropyLoss(), x, y, penalty, 1e-2, epochs=10)
        zeros[penalty] = np.mean(np.abs(model[0].weight.data) < 1e-3)
    assert zeros["L1"] > zeros["L2"] + 0.05


def test_mc_dropout_average_of_logits_tends_to_the_scaled_network():
    g = data.rng(0)
    net = layers.Sequential(
        layers.Dense(4, 50, rng=g), layers.Tanh(), layers.Dropout(0.5, rng=g), layers.Dense(50, 3)
    )
    x = g.normal(size=(6, 4))
    scaled = net.eval()(x)
    running = reg.mc_dropout_average(net, x, n_masks=2000)
    first, last = np.abs(running[0] - scaled).mean(), np.abs(running[-1] - scaled).mean()
    assert last < first / 10
    assert not net.training


def test_synthetic_image_and_relative_change():
    card = beyond.synthetic_image(32)
    assert card.shape == (32, 32) and card.min() == 0.0 and card.max() == 1.0
    assert beyond.relative_change(card, card) == 0.0
    assert beyond.relative_change(card, 2 * card) == pytest.approx(1.0)


def test_autoencoder_training_reduces_the_reconstruction_error():
    model, history = beyond.train_autoencoder(4, epochs=3)
    assert history.val_loss[-1] < history.val_loss[0]
    assert model.encoder_weight.shape == (64, 4)
