"""Tests of nnlib.autoencoder: the KL sparsity penalty, its gradient, the maximal input (7.3)."""

import numpy as np
import pytest

from nnlib import autoencoder
from nnlib.gradcheck import central_difference


def test_kl_is_zero_at_the_target_and_positive_elsewhere():
    assert autoencoder.kl_bernoulli(0.1, np.array([0.1]))[0] == pytest.approx(0.0)
    values = autoencoder.kl_bernoulli(0.1, np.array([0.01, 0.3, 0.9]))
    assert np.all(values > 0)
    by_hand = 0.1 * np.log(0.1 / 0.3) + 0.9 * np.log(0.9 / 0.7)
    assert values[1] == pytest.approx(by_hand)


def test_sparsity_penalty_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    hidden = rng.uniform(0.05, 0.95, size=(6, 4))
    value, grad = autoencoder.sparsity_penalty(hidden, rho=0.2, beta=3.0)
    assert value == pytest.approx(3.0 * autoencoder.kl_bernoulli(0.2, hidden.mean(0)).sum())
    penalty = lambda h: autoencoder.sparsity_penalty(h, 0.2, 3.0)[0]  # noqa: E731
    numeric = central_difference(penalty, hidden, h=1e-6)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def test_max_activating_input_beats_every_random_unit_vector():
    rng = np.random.default_rng(2)
    weight = rng.normal(size=(16, 5))
    best = autoencoder.max_activating_inputs(weight)
    np.testing.assert_allclose(np.linalg.norm(best, axis=1), 1.0)
    random_inputs = rng.normal(size=(5000, 16))
    random_inputs /= np.linalg.norm(random_inputs, axis=1, keepdims=True)
    best_pre_activation = np.einsum("ij,ji->i", best, weight)
    np.testing.assert_allclose(best_pre_activation, np.linalg.norm(weight, axis=0))
    assert np.all((random_inputs @ weight).max(axis=0) < best_pre_activation)


def test_autoencoder_backward_includes_the_sparsity_gradient():
    rng = np.random.default_rng(3)
    model = autoencoder.Autoencoder(5, 3, sparsity_target=0.1, sparsity_weight=2.0, rng=rng)
    x = rng.uniform(size=(4, 5))
    upstream = rng.normal(size=(4, 5))

    weight = model.encoder_weight  # the array itself: objective() reads it

    def objective(w):
        saved = weight.copy()
        weight[...] = w
        out, code = model(x), model.encode(x)
        weight[...] = saved
        return float(np.sum(upstream * out)) + autoencoder.sparsity_penalty(code, 0.1, 2.0)[0]

    numeric = central_difference(objective, weight, h=1e-6)
    model.zero_grad()
    model(x)
    model.backward(upstream)
    np.testing.assert_allclose(model.encoder[0].weight.grad, numeric, rtol=1e-5, atol=1e-8)
    assert model.last_penalty > 0


def test_bad_input_raises():
    with pytest.raises(ValueError):
        autoencoder.kl_bernoulli(1.5, np.array([0.5]))
    with pytest.raises(ValueError):
        autoencoder.max_activating_inputs(np.zeros((3, 2)))
    with pytest.raises(ValueError):
        autoencoder.sparsity_penalty(np.ones(3), 0.1, 1.0)
