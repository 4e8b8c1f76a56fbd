"""nnlib.losses: values against the textbook formulas, gradients against central differences,
stability for huge logits, and clear errors on bad input."""

import math

import numpy as np
import pytest

from nnlib import losses
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
    }


CASE_NAMES = list(_cases(0))


@pytest.mark.parametrize("name", CASE_NAMES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_backward_matches_central_differences(name, seed):
    loss, pred, target = _cases(seed)[name]
    loss(pred, target)
    report = check_grad(lambda p: loss(p, target), pred, loss.backward())
    assert report.max_error < 1e-6, str(report)


def test_gaussian_nll_gradients_for_mean_and_variance():
    r = rng(0)
    mean, y, var = r.normal(size=(6, 2)), r.normal(size=(6, 2)), r.uniform(0.2, 2, size=(6, 2))
    loss = losses.GaussianNLLLoss()
    loss(mean, y, var)
    d_mean, d_var = loss.backward()
    assert check_grad(lambda m: loss(m, y, var), mean, d_mean).max_error < 1e-6
    assert check_grad(lambda v: loss(mean, y, v), var, d_var).max_error < 1e-6


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
    mean, y, var = np.array([0.0]), np.array([1.0]), np.array([4.0])
    half = 0.5 * (math.log(4) + 1 / 4)
    assert losses.GaussianNLLLoss()(mean, y, var) == pytest.approx(half)
    full = losses.GaussianNLLLoss(full=True)(mean, y, var)
    assert full == pytest.approx(half + 0.5 * math.log(2 * math.pi))


def test_loss_returns_a_python_float_and_a_gradient_of_pred_shape():
    loss = losses.CrossEntropyLoss()
    value = loss(np.zeros((3, 4)), [0, 1, 2])
    assert type(value) is float
    assert loss.backward().shape == (3, 4)


def test_column_prediction_with_flat_target_is_accepted():
    pred, target = np.array([[0.5], [1.5]]), np.array([0.0, 1.0])
    assert losses.MSELoss()(pred, target) == pytest.approx((0.25 + 0.25) / 4)


# --- stability -------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huge_logits_stay_finite_without_warnings(dtype):
    z = np.array([[1e4, -1e4, -3e3], [-1e4, 1e4, 5e3]], dtype=dtype)
    ce = losses.CrossEntropyLoss()
    assert ce(z, [0, 0]) == pytest.approx((0 + 2e4) / 2)  # row 1: 1e4 - (-1e4)
    assert np.all(np.isfinite(ce.backward())) and ce.backward().dtype == dtype
    bce = losses.BCEWithLogitsLoss()
    value = bce(z, (z > 0).astype(dtype))
    assert value == pytest.approx(0.0, abs=1e-3)  # all confidently right
    assert bce(-z, (z > 0).astype(dtype)) == pytest.approx(np.mean(np.abs(z)))
    assert np.all(np.isfinite(bce.backward())) and bce.backward().dtype == dtype


def test_bce_on_saturated_probabilities_is_large_but_finite():
    loss = losses.BCELoss()
    value = loss(np.array([0.0, 1.0]), np.array([1.0, 0.0]))
    assert value == pytest.approx(100.0)
    assert np.all(np.isfinite(loss.backward()))


@pytest.mark.parametrize("name", CASE_NAMES)
def test_float32_is_kept(name):
    loss, pred, target = _cases(0)[name]
    loss(pred.astype(np.float32), target)
    assert loss.backward().dtype == np.float32


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


def test_gaussian_nll_rejects_negative_or_missing_variance():
    with pytest.raises(ValueError, match="non-negative"):
        losses.GaussianNLLLoss()(np.zeros(2), np.zeros(2), np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match="var"):
        losses.GaussianNLLLoss()(np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match=r"var of shape \(2,\)"):
        losses.GaussianNLLLoss()(np.zeros(2), np.zeros(2), np.ones(3))


def test_backward_before_call_is_an_error():
    with pytest.raises(RuntimeError, match="before"):
        losses.MSELoss().backward()


# --- penalties -------------------------------------------------------------------------------


def test_penalty_values_follow_the_documented_forms():
    w = np.array([[1.0, -2.0], [0.0, 3.0]])
    assert losses.l1_penalty(w, 0.1) == pytest.approx(0.1 * 6)
    assert losses.l2_penalty(w, 0.1) == pytest.approx(0.5 * 0.1 * 14)
    assert losses.elastic_net_penalty(w, 0.1, 0.2) == pytest.approx(0.6 + 0.5 * 0.2 * 14)


@pytest.mark.parametrize(
    ("value", "grad"),
    [
        (lambda w: losses.l1_penalty(w, 0.3), lambda w: losses.l1_penalty_grad(w, 0.3)),
        (lambda w: losses.l2_penalty(w, 0.3), lambda w: losses.l2_penalty_grad(w, 0.3)),
        (
            lambda w: losses.elastic_net_penalty(w, 0.3, 0.7),
            lambda w: losses.elastic_net_penalty_grad(w, 0.3, 0.7),
        ),
    ],
)
def test_penalty_gradients_match_central_differences(value, grad):
    w = rng(0).normal(size=(4, 3))
    assert check_grad(value, w, grad(w)).max_error < 1e-6


def test_penalties_accept_lists_and_parameters():
    from nnlib.layers import Dense

    layer = Dense(3, 2, rng=rng())
    ws = [layer.weight, layer.bias]
    expected = 0.5 * (np.sum(layer.weight.data**2) + np.sum(layer.bias.data**2))
    assert losses.l2_penalty(ws, 1.0) == pytest.approx(expected)
    grads = losses.l2_penalty_grad(ws, 2.0)
    assert len(grads) == 2 and np.allclose(grads[0], 2 * layer.weight.data)
