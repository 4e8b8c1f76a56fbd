"""Hessian-vector products (nnlib.autodiff.hvp, hessian): exact Hessians of known functions,
central differences of the gradient, and PyTorch's documented semantics, in float64, fixed seeds.

PyTorch cannot be installed here (its Linux wheels pull gigabytes of CUDA packages), so the
PyTorch tests write out what ``torch.autograd.functional.hvp(func, inputs, v)`` is documented to
return: the tuple ``(func(inputs), H v)``, the product of the same shape as the inputs, zeros for
an input the output does not depend on; and ``torch.func.hvp``-style forward-over-reverse,
``jvp(grad(f), (x,), (v,))``, which is computed here independently by central differences of
nnlib's reverse-mode gradient and must agree.
"""

import numpy as np
import pytest

from nnlib.autodiff import (
    cross_entropy,
    exp,
    grad,
    hessian,
    hvp,
    log,
    sigmoid,
    sin,
    tanh,
)


def central_hvp(f, x, v, h=1e-5):
    """(∇f(x + h v) - ∇f(x - h v)) / 2h: finite differences of the reverse-mode gradient."""
    g = grad(f)
    return (g(x + h * v) - g(x - h * v)) / (2 * h)


def quadratic(A, b):
    return lambda x: 0.5 * (x * (A @ x)).sum() + (b * x).sum()


def rosenbrock(x):
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def rosenbrock_hessian(x):
    """Written by hand: the tridiagonal Hessian of sum 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2."""
    n = x.size
    H = np.zeros((n, n))
    for i in range(n - 1):
        H[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        H[i + 1, i + 1] += 200
        H[i, i + 1] = H[i + 1, i] = -400 * x[i]
    return H


def log_sum_exp(x):
    return log(exp(x).sum())


def test_quadratic_gives_its_matrix_times_v():
    rng = np.random.default_rng(0)
    M = rng.normal(size=(5, 5))
    A, b = M + M.T, rng.normal(size=5)
    x, v = rng.normal(size=5), rng.normal(size=5)
    value, Hv = hvp(quadratic(A, b), x, v)
    np.testing.assert_allclose(Hv, A @ v, rtol=1e-12, atol=1e-12)
    assert value == pytest.approx(0.5 * x @ A @ x + b @ x, rel=1e-12)


def test_nonsymmetric_quadratic_gives_the_symmetric_part():
    rng = np.random.default_rng(1)
    A, x, v = rng.normal(size=(4, 4)), rng.normal(size=4), rng.normal(size=4)
    _, Hv = hvp(lambda x: (x * (A @ x)).sum(), x, v)  # H = A + A^T
    np.testing.assert_allclose(Hv, (A + A.T) @ v, rtol=1e-12, atol=1e-12)


def test_rosenbrock_hessian_exact():
    rng = np.random.default_rng(2)
    x = rng.normal(size=6)
    np.testing.assert_allclose(hessian(rosenbrock, x), rosenbrock_hessian(x), rtol=1e-12)


def test_log_sum_exp_hessian_is_diag_p_minus_ppT():
    rng = np.random.default_rng(3)
    x = rng.normal(size=5)
    p = np.exp(x) / np.exp(x).sum()
    np.testing.assert_allclose(
        hessian(log_sum_exp, x), np.diag(p) - np.outer(p, p), rtol=1e-10, atol=1e-14
    )


def test_elementwise_second_derivatives():
    x = np.array([-1.3, -0.2, 0.4, 1.1])
    th = np.tanh(x)
    s = 1 / (1 + np.exp(-x))
    cases = [
        (lambda x: tanh(x).sum(), -2 * th * (1 - th**2)),
        (lambda x: sigmoid(x).sum(), s * (1 - s) * (1 - 2 * s)),
        (lambda x: sin(x).sum(), -np.sin(x)),
        (lambda x: (x**3).sum(), 6 * x),
        (lambda x: (1 / x).sum(), 2 / x**3),
    ]
    for f, second in cases:
        np.testing.assert_allclose(hessian(f, x), np.diag(second), rtol=1e-12, atol=1e-15)


def mlp_loss(X, y, sizes):
    """Softmax cross-entropy of a tanh MLP with all its parameters in one vector."""

    def loss(theta):
        out, start = X, 0
        for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            W = theta[start : start + n_in * n_out].reshape(n_in, n_out)
            b = theta[start + n_in * n_out : start + n_in * n_out + n_out]
            start += n_in * n_out + n_out
            out = out @ W + b
            if k < len(sizes) - 2:
                out = tanh(out)
        return cross_entropy(out, y)

    n_params = sum(i * o + o for i, o in zip(sizes[:-1], sizes[1:], strict=True))
    return loss, n_params


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mlp_loss_against_central_differences_of_the_gradient(seed):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(8, 3)), rng.integers(0, 3, size=8)
    loss, n = mlp_loss(X, y, [3, 5, 3])
    theta, v = rng.normal(size=n), rng.normal(size=n)
    _, Hv = hvp(loss, theta, v)
    np.testing.assert_allclose(Hv, central_hvp(loss, theta, v), rtol=1e-6, atol=1e-8)


def test_hessian_is_symmetric_and_matches_products():
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(6, 2)), rng.integers(0, 2, size=6)
    loss, n = mlp_loss(X, y, [2, 3, 2])
    theta = rng.normal(size=n)
    H = hessian(loss, theta)
    np.testing.assert_allclose(H, H.T, rtol=1e-10, atol=1e-12)
    v = rng.normal(size=n)
    np.testing.assert_allclose(hvp(loss, theta, v)[1], H @ v, rtol=1e-10, atol=1e-12)


def test_linear_in_v():
    rng = np.random.default_rng(5)
    x, u, v = rng.normal(size=(3, 4))
    _, Hu = hvp(rosenbrock, x, u)
    _, Hv = hvp(rosenbrock, x, v)
    np.testing.assert_allclose(hvp(rosenbrock, x, 2 * u - 3 * v)[1], 2 * Hu - 3 * Hv, rtol=1e-10)


# ---- PyTorch's documented semantics (torch.autograd.functional.hvp), written out -------------


def test_pytorch_semantics_value_shape_and_dtype():
    """Returns (func(inputs), hvp), hvp of the inputs' shape; a matrix input keeps its shape."""
    rng = np.random.default_rng(6)
    x, v = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))

    def pow_reducer(x):  # the example of PyTorch's documentation: x.pow(3).sum()
        return (x**3).sum()

    value, Hv = hvp(pow_reducer, x, v)
    assert value == pytest.approx(np.sum(x**3), rel=1e-12)
    assert Hv.shape == x.shape and Hv.dtype == np.float64
    np.testing.assert_allclose(Hv, 6 * x * v, rtol=1e-12)  # d²/dx² x³ = 6x, elementwise


def test_pytorch_semantics_zeros_where_the_output_does_not_depend_on_the_input():
    """strict=False: 'a Tensor of zeros as the hvp ... which is the expected mathematical value'."""
    x, v = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    value, Hv = hvp(lambda x: 3.0 * x.sum(), x, v)  # linear: H = 0
    assert value == pytest.approx(9.0) and np.array_equal(Hv, np.zeros(2))
    value, Hv = hvp(lambda x: 7.0, x, v)  # constant
    assert value == 7.0 and np.array_equal(Hv, np.zeros(2))


def test_agrees_with_forward_over_reverse_and_vector_hessian_product():
    """torch.func.hvp is jvp(grad(f)); torch.autograd.functional.vhp is v^T H: all equal H v."""
    rng = np.random.default_rng(7)
    x, v = rng.normal(size=5), rng.normal(size=5)
    _, Hv = hvp(log_sum_exp, x, v)
    np.testing.assert_allclose(Hv, central_hvp(log_sum_exp, x, v), rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(Hv, v @ hessian(log_sum_exp, x), rtol=1e-12, atol=1e-15)


def test_bad_shapes_and_non_scalar_outputs_raise():
    with pytest.raises(ValueError, match="shape of x"):
        hvp(rosenbrock, np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match="scalar"):
        hvp(lambda x: x * x, np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="vector"):
        hessian(rosenbrock, np.ones((2, 2)))
