"""nnlib.losses: values against the textbook formulas, gradients against central differences,
stability for huge logits, and clear errors on bad input."""

import math

import numpy as np
import pytest

from nnlib import losses
from nnlib.autoencoder import sparsity_penalty
from nnlib.gradcheck import check_grad


def rng(seed=0):
    return np.random.default_rng(seed)


def _cases(seed: int):
    """(loss, prediction, target) triples for every loss, at modest values."""
    r = rng(seed)
    n, k = 5, 4
    probs = r.uniform(0.05, 0.95, size=(n, 1))
    return {
        "mse": (losses.MSELoss(), r.normal(size=(n, 3)), r.normal(size=(n, 3))),
        "mse-1d": (losses.MSELoss(), r.normal(size=n), r.normal(size=n)),
        "bce": (losses.BCELoss(), probs, r.integers(0, 2, size=(n, 1)).astype(float)),
        "bce-soft": (losses.BCELoss(), probs, r.uniform(size=(n, 1))),
        "bce-logits": (losses.BCEWithLogitsLoss(), r.normal(size=(n, 2)), r.uniform(size=(n, 2))),
        "ce-labels": (losses.CrossEntropyLoss(), r.normal(size=(n, k)), r.integers(0, k, size=n)),
        "ce-onehot": (
            losses.CrossEntropyLoss(),
            r.normal(size=(n, k)),
            np.eye(k)[r.integers(0, k, size=n)],
        ),
        "hinge": (
            losses.HingeLoss(),
            r.normal(size=(n, 1)) * 2,
            r.choice([-1.0, 1.0], size=(n, 1)),
        ),
        "gaussian-nll": (
            losses.GaussianNLLLoss(),
            np.hstack([r.normal(size=(n, 2)), r.uniform(0.2, 2.0, size=(n, 2))]),
            r.normal(size=(n, 2)),
        ),
    }


CASE_NAMES = list(_cases(0))


@pytest.mark.parametrize("name", CASE_NAMES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_backward_matches_central_differences(name, seed):
    loss, pred, target = _cases(seed)[name]
    value = loss(pred, target)
    report = check_grad(lambda p: loss(p, target), pred, value.backward())
    assert report.max_error < 1e-6, str(report)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_a_later_call_does_not_change_an_earlier_values_gradient(name):
    """A validation call between the training call and backward() used to swap the gradient."""
    loss, pred, target = _cases(0)[name]
    _, other_pred, other_target = _cases(1)[name]
    value = loss(pred, target)
    expected = value.backward().copy()
    later = loss(other_pred, other_target)
    np.testing.assert_array_equal(value.backward(), expected)
    assert not np.array_equal(later.backward(), expected)
    assert float(value) == loss(pred, target)


def test_gaussian_nll_gradient_is_mean_then_variance_columns():
    r = rng(0)
    mean, y, var = r.normal(size=(6, 2)), r.normal(size=(6, 2)), r.uniform(0.2, 2, size=(6, 2))
    grad = losses.GaussianNLLLoss()(np.hstack([mean, var]), y).backward()
    d_mean, d_var = np.split(grad, 2, axis=1)
    m = mean.size  # PyTorch's mean reduction over the elements of the target
    np.testing.assert_allclose(d_mean, (mean - y) / var / m, rtol=1e-12)
    np.testing.assert_allclose(d_var, 0.5 * (1 / var - (mean - y) ** 2 / var**2) / m, rtol=1e-12)


# --- values against the formulas -------------------------------------------------------------


def test_mse_uses_the_slides_one_half_and_averages_over_examples():
    pred, target = np.array([[1.0, 2.0], [0.0, 0.0]]), np.array([[0.0, 0.0], [0.0, 3.0]])
    # 1/(2N) sum ||.||^2 = (1 + 4 + 9) / 4
    assert losses.MSELoss()(pred, target) == pytest.approx(14 / 4)


def test_cross_entropy_value():
    z = np.array([[1.0, 2.0, 3.0]])
    expected = -math.log(math.exp(1) / (math.exp(1) + math.exp(2) + math.exp(3)))
    assert losses.CrossEntropyLoss()(z, [0]) == pytest.approx(expected)
    assert losses.CrossEntropyLoss()(z, [[1.0, 0.0, 0.0]]) == pytest.approx(expected)


def test_bce_with_logits_agrees_with_bce_on_probabilities():
    r = rng(1)
    z, y = r.normal(size=(8, 1)), r.uniform(size=(8, 1))
    p = 1 / (1 + np.exp(-z))
    assert losses.BCEWithLogitsLoss()(z, y) == pytest.approx(losses.BCELoss()(p, y))
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert losses.BCELoss()(p, y) == pytest.approx(expected)


def test_hinge_value():
    scores, labels = np.array([2.0, 0.5, -1.0]), np.array([1.0, 1.0, 1.0])
    assert losses.HingeLoss()(scores, labels) == pytest.approx((0 + 0.5 + 2) / 3)


def test_gaussian_nll_value_and_full_constant():
    pred, y = np.array([[0.0, 4.0]]), np.array([1.0])  # mean 0, variance 4
    half = 0.5 * (math.log(4) + 1 / 4)
    assert losses.GaussianNLLLoss()(pred, y) == pytest.approx(half)
    full = losses.GaussianNLLLoss(full=True)(pred, y)
    assert full == pytest.approx(half + 0.5 * math.log(2 * math.pi))
    clamped = losses.GaussianNLLLoss(eps=0.5)(np.array([[0.0, 0.25]]), y)  # var < eps: eps
    assert clamped == pytest.approx(0.5 * (math.log(0.5) + 1 / 0.5))


def test_loss_returns_a_python_float_carrying_a_gradient_of_pred_shape():
    value = losses.CrossEntropyLoss()(np.zeros((3, 4)), [0, 1, 2])
    assert isinstance(value, float) and value == pytest.approx(math.log(4))
    assert value.backward().shape == (3, 4)
    assert type(value * 2) is float and f"{value:.3f}" == "1.386"


def test_column_prediction_with_flat_target_is_accepted():
    pred, target = np.array([[0.5], [1.5]]), np.array([0.0, 1.0])
    assert losses.MSELoss()(pred, target) == pytest.approx((0.25 + 0.25) / 4)


# --- stability -------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huge_logits_stay_finite_without_warnings(dtype):
    z = np.array([[1e4, -1e4, -3e3], [-1e4, 1e4, 5e3]], dtype=dtype)
    ce = losses.CrossEntropyLoss()(z, [0, 0])
    assert ce == pytest.approx((0 + 2e4) / 2)  # row 1: 1e4 - (-1e4)
    assert np.all(np.isfinite(ce.backward())) and ce.backward().dtype == dtype
    bce = losses.BCEWithLogitsLoss()
    value = bce(z, (z > 0).astype(dtype))
    assert value == pytest.approx(0.0, abs=1e-3)  # all confidently right
    wrong = bce(-z, (z > 0).astype(dtype))
    assert wrong == pytest.approx(np.mean(np.abs(z)))
    assert np.all(np.isfinite(wrong.backward())) and wrong.backward().dtype == dtype


def test_bce_on_saturated_probabilities_is_large_but_finite():
    value = losses.BCELoss()(np.array([0.0, 1.0]), np.array([1.0, 0.0]))
    assert value == pytest.approx(100.0)
    assert np.all(np.isfinite(value.backward()))


@pytest.mark.parametrize("name", CASE_NAMES)
def test_float32_is_kept(name):
    loss, pred, target = _cases(0)[name]
    assert loss(pred.astype(np.float32), target).backward().dtype == np.float32


# --- bad input -------------------------------------------------------------------------------


def test_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(5, 2\).*\(5, 3\)"):
        losses.MSELoss()(np.zeros((5, 2)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"\(4,\).*\(3,\)"):
        losses.HingeLoss()(np.zeros(4), np.ones(3))


def test_cross_entropy_label_out_of_range():
    with pytest.raises(ValueError, match=r"\[0, 9\].*10"):
        losses.CrossEntropyLoss()(np.zeros((2, 10)), [3, 10])
    with pytest.raises(ValueError, match=r"\[0, 9\]"):
        losses.CrossEntropyLoss()(np.zeros((2, 10)), [-1, 0])


def test_cross_entropy_rejects_bad_targets():
    with pytest.raises(ValueError, match="integer"):
        losses.CrossEntropyLoss()(np.zeros((2, 3)), [0.5, 1.0])
    with pytest.raises(ValueError, match=r"\(2,\).*\(2, 3\).*\(3,\)"):
        losses.CrossEntropyLoss()(np.zeros((2, 3)), [0, 1, 2])
    with pytest.raises(ValueError, match="summing to 1"):
        losses.CrossEntropyLoss()(np.zeros((2, 3)), [[1, 1, 0], [0, 0, 1]])
    with pytest.raises(ValueError, match=r"\(N, K\)"):
        losses.CrossEntropyLoss()(np.zeros(3), [0, 1, 2])


def test_hinge_labels_must_be_plus_or_minus_one():
    with pytest.raises(ValueError, match=r"\{-1, \+1\}.*0"):
        losses.HingeLoss()(np.zeros(3), np.array([1.0, 0.0, -1.0]))


def test_bce_targets_and_probabilities_must_be_in_the_unit_interval():
    with pytest.raises(ValueError, match=r"targets in \[0, 1\].*2"):
        losses.BCELoss()(np.full(2, 0.5), np.array([0.0, 2.0]))
    with pytest.raises(ValueError, match=r"probabilities.*\[0, 1\]"):
        losses.BCELoss()(np.array([1.5, 0.5]), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"targets in \[0, 1\]"):
        losses.BCEWithLogitsLoss()(np.zeros(2), np.array([-1.0, 1.0]))


@pytest.mark.parametrize("name", CASE_NAMES)
def test_nan_predictions_are_rejected(name):
    loss, pred, target = _cases(0)[name]
    pred = pred.copy()
    pred.flat[0] = np.nan
    with pytest.raises(ValueError, match="finite predictions.*1 NaN"):
        loss(pred, target)


def test_nan_targets_are_rejected():
    with pytest.raises(ValueError, match="finite targets"):
        losses.MSELoss()(np.zeros(2), np.array([0.0, np.nan]))


def test_gaussian_nll_rejects_negative_variance_and_a_prediction_without_one():
    with pytest.raises(ValueError, match="non-negative"):
        losses.GaussianNLLLoss()(np.array([[0.0, 1.0], [0.0, -1.0]]), np.zeros(2))
    with pytest.raises(ValueError, match=r"\[mean \| var\].*\(N, 2D\).*\(2, 3\).*hstack"):
        losses.GaussianNLLLoss()(np.ones((2, 3)), np.zeros((2, 1)))
    with pytest.raises(ValueError, match=r"\(2, 2\).*\(2, 3\)"):
        losses.GaussianNLLLoss()(np.ones((2, 4)), np.zeros((2, 3)))


def test_the_loss_object_points_to_the_values_backward():
    with pytest.raises(RuntimeError, match=r"value\.backward\(\)"):
        losses.MSELoss().backward()


# --- penalties -------------------------------------------------------------------------------


def test_penalty_values_follow_the_documented_forms():
    w = np.array([[1.0, -2.0], [0.0, 3.0]])
    assert losses.l1_penalty(w, 0.1)[0] == pytest.approx(0.1 * 6)
    assert losses.l2_penalty(w, 0.1)[0] == pytest.approx(0.5 * 0.1 * 14)
    assert losses.elastic_net_penalty(w, 0.1, 0.2)[0] == pytest.approx(0.6 + 0.5 * 0.2 * 14)


PENALTIES = [
    lambda w: losses.l1_penalty(w, 0.3),
    lambda w: losses.l2_penalty(w, 0.3),
    lambda w: losses.elastic_net_penalty(w, 0.3, 0.7),
    lambda h: sparsity_penalty(h, 0.2, 3.0),
]


@pytest.mark.parametrize("penalty", PENALTIES)
def test_every_penalty_returns_its_value_and_gradient(penalty):
    """One convention: (value, gradient of the input's shape), the gradient that of the value."""
    w = rng(0).uniform(0.05, 0.95, size=(4, 3))  # in (0, 1): the sparsity penalty's activations
    value, grad = penalty(w)
    assert isinstance(value, float) and grad.shape == w.shape
    assert check_grad(lambda v: penalty(v)[0], w, grad).max_error < 1e-6


def test_penalties_accept_lists_and_parameters():
    from nnlib.layers import Dense

    layer = Dense(3, 2, rng=rng())
    ws = [layer.weight, layer.bias]
    expected = 0.5 * (np.sum(layer.weight.data**2) + np.sum(layer.bias.data**2))
    assert losses.l2_penalty(ws, 1.0)[0] == pytest.approx(expected)
    grads = losses.l2_penalty(ws, 2.0)[1]
    assert len(grads) == 2 and np.allclose(grads[0], 2 * layer.weight.data)
