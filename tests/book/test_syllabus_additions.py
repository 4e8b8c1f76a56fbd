"""Checks for the demo helpers added to close syllabus gaps in chapters 3, 4 and 6."""

import numpy as np

from nnbook import autodiff as autodiff_demos
from nnlib import gradcheck


def _batchnorm_loss(x, gamma, beta, grad_y, eps=1e-5):
    x_hat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps)
    return float(((gamma * x_hat + beta) * grad_y).sum())


def test_batchnorm_backward_slides_matches_central_differences():
    rng = np.random.default_rng(0)
    x, grad_y = rng.normal(1.0, 2.0, size=(6, 3)), rng.normal(size=(6, 3))
    gamma, beta = rng.normal(size=3), rng.normal(size=3)
    grad_x, grad_gamma, grad_beta = autodiff_demos.batchnorm_backward_slides(x, gamma, grad_y)
    numeric = {
        "x": gradcheck.central_difference(lambda v: _batchnorm_loss(v, gamma, beta, grad_y), x),
        "gamma": gradcheck.central_difference(lambda v: _batchnorm_loss(x, v, beta, grad_y), gamma),
        "beta": gradcheck.central_difference(lambda v: _batchnorm_loss(x, gamma, v, grad_y), beta),
    }
    np.testing.assert_allclose(grad_x, numeric["x"], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(grad_gamma, numeric["gamma"], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(grad_beta, numeric["beta"], rtol=1e-6, atol=1e-8)


def test_batchnorm_backward_slides_gradient_of_x_sums_to_zero():
    # shifting every example by the same amount leaves the normalized output unchanged
    rng = np.random.default_rng(1)
    x, grad_y = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    grad_x, _, _ = autodiff_demos.batchnorm_backward_slides(x, np.ones(2), grad_y)
    np.testing.assert_allclose(grad_x.sum(axis=0), 0.0, atol=1e-12)


def test_online_counterexample_separates_sgd_from_adam_with_small_beta2():
    from nnbook import optimizers as optimizer_demos
    from nnlib import optim

    sgd = optimizer_demos.online_counterexample(lambda ps: optim.SGD(ps, lr=0.01))
    adam = optimizer_demos.online_counterexample(
        lambda ps: optim.Adam(ps, lr=0.01, betas=(0.0, 0.1))
    )
    # over three steps the loss is (C - 2) x: the best point is -1, the worst +1
    assert sgd[-30:].mean() < -0.9
    assert adam[-30:].mean() > 0.9
    assert np.all(np.abs(adam) <= 1.0)


def test_excess_loss_is_tiny_for_full_batch_lbfgs_and_larger_on_small_batches():
    from nnbook import optimizers as optimizer_demos

    X, y = optimizer_demos.noisy_regression(n=300, d=5)
    full = optimizer_demos.excess_loss("L-BFGS", X, y, batch_size=300, steps=60)
    small = optimizer_demos.excess_loss("L-BFGS", X, y, batch_size=10, steps=60)
    assert abs(full) < 1e-8
    assert small > 1e-4


def test_digits_training_small_start_stalls_and_glorot_learns():
    from functools import partial

    from nnbook import initialization as init_demos
    from nnlib import init

    small = init_demos.digits_training(partial(init.normal, std=0.01), epochs=2)
    glorot = init_demos.digits_training(init.xavier_uniform, epochs=2)
    assert abs(small["loss"][-1] - np.log(10)) < 0.05  # the loss of guessing among 10 classes
    assert glorot["loss"][-1] < 0.5 * np.log(10)
    assert glorot["val_accuracy"][-1] > 0.8
