"""nnlib.gradcheck: the finite differences are accurate to their order, and checks catch bugs."""

import numpy as np
import pytest

from nnlib import gradcheck as gc
from nnlib.layers import Dense, Sequential, Tanh


def f(x):
    return float(np.sum(np.sin(x) * x**2))


def grad_f(x):
    return np.cos(x) * x**2 + 2 * x * np.sin(x)


X = np.array([[0.3, -1.2], [2.0, 0.7]])


def test_central_difference_is_second_order_and_forward_first_order():
    exact = grad_f(X)
    forward = [np.abs(gc.forward_difference(f, X, h) - exact).max() for h in (1e-2, 1e-3)]
    central = [np.abs(gc.central_difference(f, X, h) - exact).max() for h in (1e-2, 1e-3)]
    assert forward[0] / forward[1] == pytest.approx(10, rel=0.2)  # error ~ h
    assert central[0] / central[1] == pytest.approx(100, rel=0.2)  # error ~ h^2


def test_numerical_gradient_defaults_are_accurate_and_leave_x_alone():
    x = X.copy()
    assert gc.relative_error(gc.numerical_gradient(f, x), grad_f(X)) < 1e-9
    assert gc.relative_error(gc.numerical_gradient(f, x, method="forward"), grad_f(X)) < 1e-6
    assert np.array_equal(x, X)
    with pytest.raises(ValueError, match="central"):
        gc.numerical_gradient(f, x, method="backward")


def test_relative_error():
    a = np.array([1.0, 2.0])
    assert gc.relative_error(a, a) == 0
    assert gc.relative_error(a, np.zeros(2)) == 1
    assert gc.relative_error(a, a * 1.01) == pytest.approx(0.01 / 2.01)
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        gc.relative_error(a, np.zeros(3))


def test_check_grad_passes_a_right_gradient_and_pinpoints_a_wrong_entry():
    assert gc.check_grad(f, X, grad_f).passed
    wrong = grad_f(X)
    wrong[1, 0] += 0.5
    report = gc.check_grad(f, X, wrong)
    assert not report.passed and not report
    assert report.worst_index == (1, 0)
    assert report.analytic_at_worst - report.numerical_at_worst == pytest.approx(0.5, abs=1e-6)
    assert "FAILED" in str(report) and "(1, 0)" in str(report)


def test_entrywise_relative_error_ignores_round_off_but_not_small_gradients():
    a = np.array([1.0, 0.0, 1e-3, 2.0])
    b = np.array([1.0 + 1e-7, 1e-11, 1.1e-3, 2.0])
    errors = gc.entrywise_relative_error(a, b)
    assert errors[1] == 0  # both are round-off: below atol
    assert errors[0] == pytest.approx(1e-7, rel=1e-3)
    assert errors[2] == pytest.approx(0.1 / 1.1, rel=1e-6)
    assert errors[3] == 0


def test_an_exactly_zero_gradient_passes():
    report = gc.check_grad(lambda x: 3.0, np.ones(3), np.zeros(3))
    assert report.passed and report.max_error == 0


def test_check_grad_rejects_a_gradient_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"\(2, 2\).*\(4,\)"):
        gc.check_grad(f, X, np.zeros(4))


def test_check_module_passes_a_correct_network():
    r = np.random.default_rng(0)
    net = Sequential(Dense(3, 4, rng=r), Tanh(), Dense(4, 2, rng=r))
    reports = gc.check_module(net, r.normal(size=(5, 3)))
    assert list(reports) == ["input", "0.weight", "0.bias", "2.weight", "2.bias"]  # by layer
    assert all(report.passed for report in reports.values())


class _BrokenDense(Dense):
    """A typical bug: dL/dW comes out twice too large."""

    def backward(self, grad_out):
        grad_in = super().backward(grad_out)
        self.weight.grad *= 2
        return grad_in


def test_check_module_catches_a_wrong_parameter_gradient():
    r = np.random.default_rng(0)
    reports = gc.check_module(_BrokenDense(3, 2, rng=r), r.normal(size=(4, 3)))
    assert reports["input"].passed and reports["bias"].passed
    assert not reports["weight"].passed
    assert reports["weight"].max_error == pytest.approx(1 / 2, rel=1e-4)  # |2g - g| / |2g|
    assert reports["weight"].relative_error == pytest.approx(1 / 3, rel=1e-4)


def test_check_module_needs_float64_parameters():
    layer = Dense(2, 2, rng=0, dtype=np.float32)
    with pytest.raises(ValueError, match="float64"):
        gc.check_module(layer, np.ones((2, 2)))


def test_the_report_prints_one_error_measure_and_the_worst_entry():
    r = np.random.default_rng(0)
    report = gc.check_module(_BrokenDense(3, 2, rng=r), r.normal(size=(4, 3)))["weight"]
    text = str(report)
    assert text.startswith("weight: FAILED, relative error 3.3e-01 (tolerance 1e-06)")
    assert text.count("error") == 1 and "worst entry" in text


def test_gradients_that_vanish_to_round_off_pass():
    # the ratio of two round-off-sized numbers means nothing: an absolute floor decides
    report = gc.check_grad(lambda v: 0.0 * float(v.sum()), np.ones(3), np.full(3, 1e-12))
    assert report.relative_error > 0.5 and report.passed
