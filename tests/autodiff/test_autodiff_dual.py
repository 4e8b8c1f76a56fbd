"""Forward mode: dual numbers give exact derivatives of elementary functions and compositions."""

import numpy as np
import pytest

from nnlib.autodiff import Dual, Tensor, derivative, exp, jvp, log, relu, sigmoid, sin, tanh

X = np.array([-1.7, -0.3, 0.4, 1.2, 2.5])

KNOWN = [  # f, f' written by hand
    (exp, np.exp),
    (log, lambda x: 1 / x),
    (sin, np.cos),
    (np.cos, lambda x: -np.sin(x)),
    (tanh, lambda x: 1 - np.tanh(x) ** 2),
    (sigmoid, lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2),
    (relu, lambda x: (x > 0).astype(float)),
    (np.sqrt, lambda x: 0.5 / np.sqrt(x)),
    (lambda x: x**3, lambda x: 3 * x**2),
    (lambda x: 2.0**x, lambda x: np.log(2.0) * 2.0**x),
    (lambda x: 1 / x, lambda x: -1 / x**2),
    (lambda x: 3 - x, lambda x: -np.ones_like(x)),
]


@pytest.mark.parametrize(("f", "df"), KNOWN)
def test_derivative_of_elementary_functions(f, df):
    x = np.abs(X) if f in (log, np.sqrt) else X
    np.testing.assert_allclose(derivative(f, x), df(x), rtol=1e-12)


def test_scalar_derivative_of_composition_matches_chain_rule():
    # d/dx sin(x^2) exp(-x) = (2x cos(x^2) - sin(x^2)) exp(-x)
    def f(x):
        return sin(x * x) * exp(-x)

    x = 0.7
    expected = (2 * x * np.cos(x**2) - np.sin(x**2)) * np.exp(-x)
    assert derivative(f, x) == pytest.approx(expected, rel=1e-14)


def test_jvp_of_two_argument_function_is_directional_derivative():
    def f(x1, x2):
        return log(x1) + x1 * x2 - sin(x2)

    value, tangent = jvp(f, (2.0, 5.0), (0.3, -0.7))
    grad = np.array([1 / 2 + 5, 2 - np.cos(5.0)])
    assert value == pytest.approx(np.log(2) + 10 - np.sin(5))
    assert tangent == pytest.approx(grad @ [0.3, -0.7], rel=1e-14)


def test_jvp_with_arrays_matmul_broadcasting_and_reductions():
    rng = np.random.default_rng(0)
    w, x, v = rng.normal(size=(3, 4)), rng.normal(size=(5, 3)), rng.normal(size=(3, 4))
    b = rng.normal(size=4)

    def f(w):
        return tanh(x @ w + b).sum(axis=0).max()

    _, tangent = jvp(f, w, v)
    h = 1e-6
    numeric = (f(w + h * v) - f(w - h * v)) / (2 * h)
    assert tangent == pytest.approx(numeric, rel=1e-7)


def test_dual_keeps_tangent_shape_under_broadcasting():
    d = Dual(2.0, 1.0) * np.ones(3)
    assert d.tangent.shape == (3,)
    np.testing.assert_array_equal(d.tangent, np.ones(3))


def test_dual_refuses_tensor_operand():
    with pytest.raises(TypeError, match="cannot mix a Dual"):
        Dual(1.0, 1.0) + Tensor(1.0, requires_grad=True)
    with pytest.raises(TypeError, match="cannot mix a Tensor"):
        Tensor(1.0, requires_grad=True) * Dual(1.0, 1.0)


def test_unsupported_numpy_function_is_named():
    with pytest.raises(TypeError, match="np.arcsinh"):
        np.arcsinh(Dual(1.0, 1.0))
    with pytest.raises(TypeError, match="np.sort"):
        np.sort(Dual(np.ones(3), np.ones(3)))
    with pytest.raises(TypeError, match="@"):
        Dual(1.0) @ "matrix"


def test_constant_function_has_zero_derivative():
    assert derivative(lambda x: 3.0, 1.5) == 0.0
