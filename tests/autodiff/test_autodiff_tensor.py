"""Reverse mode: every primitive's gradient against central differences (float64, fixed seeds)."""

import numpy as np
import pytest

from nnlib.autodiff import (
    Dual,
    Tensor,
    concatenate,
    cross_entropy,
    grad,
    log_softmax,
    no_grad,
    softmax,
    stack,
    value_and_grad,
    where,
)
from nnlib.autodiff.tensor import topological_order
from nnlib.gradcheck import central_difference

RNG = np.random.default_rng(1234)


def check(f, *arrays, rtol=1e-6, atol=1e-8):
    """Tensor gradients of scalar f(*tensors) equal central differences for every argument."""
    grads = grad(lambda *ts: f(*ts), argnums=tuple(range(len(arrays))))(*arrays)
    for k, (a, g) in enumerate(zip(arrays, grads, strict=True)):

        def fk(ak, k=k):
            args = [Tensor(b) for b in arrays]
            args[k] = Tensor(ak)
            return f(*args).item()

        np.testing.assert_allclose(g, central_difference(fk, a, h=1e-6), rtol=rtol, atol=atol)


A = RNG.normal(size=(3, 4))
B = RNG.normal(size=(3, 4))
ROW = RNG.normal(size=(4,))
COL = RNG.normal(size=(3, 1))
POS = RNG.uniform(0.5, 2.0, size=(3, 4))

ELEMENTWISE = {
    "add": lambda a, b: (a + b * b).sum(),
    "sub": lambda a, b: (a - b * a).sum(),
    "mul": lambda a, b: (a * b).sum(),
    "div": lambda a, b: (a / (1.5 + b * b)).sum(),
    "neg": lambda a, b: (-a * b).sum(),
    "pow": lambda a, b: ((a * a + 1) ** (b * 0.5)).sum(),
    "rsub_rdiv": lambda a, b: ((2.0 - a) * (1.0 / (2 + b * b))).sum(),
    "exp_log": lambda a, b: ((a * 0.3).exp() + (1 + b * b).log()).sum(),
    "sin_cos": lambda a, b: (a.sin() * b.cos()).sum(),
    "tanh_sigmoid": lambda a, b: (a.tanh() * b.sigmoid()).sum(),
    "sqrt_abs": lambda a, b: ((1 + a * a).sqrt() + (b + 10).abs()).sum(),
}


@pytest.mark.parametrize("name", list(ELEMENTWISE))
def test_elementwise_gradients(name):
    check(ELEMENTWISE[name], A, B)


@pytest.mark.parametrize("other", [ROW, COL, np.array(0.7)], ids=["row", "column", "scalar"])
def test_broadcasting_sums_the_gradient_back(other):
    check(lambda a, o: (a * o + o / (1 + a * a)).sum(), A, other)


def test_relu_gradient_away_from_the_kink():
    x = np.array([[-1.0, -0.2, 0.3, 2.0]])
    g = grad(lambda t: (t.relu() * t).sum())(x)
    np.testing.assert_array_equal(g, np.where(x > 0, 2 * x, 0.0))


@pytest.mark.parametrize(
    "shapes", [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((2, 3, 4), (4, 5)), ((4,), (4,))]
)
def test_matmul_gradients(shapes):
    a, b = (RNG.normal(size=s) for s in shapes)
    check(lambda x, y: ((x @ y) ** 2).sum(), a, b)


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_with_axes(axis, keepdims):
    weights = RNG.normal(size=A.sum(axis=axis, keepdims=keepdims).shape)
    check(lambda a: (a.sum(axis=axis, keepdims=keepdims) * weights).sum(), A)
    check(lambda a: (a.mean(axis=axis, keepdims=keepdims) * weights).sum(), A)
    if not isinstance(axis, tuple):
        check(lambda a: (a.max(axis=axis, keepdims=keepdims) * weights).sum(), A)


def test_max_shares_gradient_between_ties():
    g = grad(lambda t: t.max())(np.array([1.0, 3.0, 3.0]))
    np.testing.assert_array_equal(g, [0.0, 0.5, 0.5])


def test_reshape_transpose_getitem_concatenate_stack():
    check(lambda a: (a.reshape(2, 6).T ** 2 * np.arange(12.0).reshape(6, 2)).sum(), A)
    check(lambda a: (a.transpose(1, 0)[1:, ::2] ** 3).sum(), A)
    check(lambda a, b: (concatenate([a, b * 2], axis=1) ** 2).sum(), A, B)
    check(lambda a, b: (stack([a, b], axis=0).sin() * 3).sum(), A, B)


def test_getitem_with_repeated_indices_accumulates():
    g = grad(lambda t: t[np.array([0, 0, 2])].sum())(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(g, [2.0, 0.0, 1.0])


def test_softmax_cross_entropy_gradient_is_softmax_minus_one_hot():
    logits, labels = RNG.normal(size=(5, 4)), np.array([0, 3, 1, 1, 2])
    value, g = value_and_grad(lambda z: cross_entropy(z, labels))(logits)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert value == pytest.approx(-np.mean(np.log(p[np.arange(5), labels])), rel=1e-12)
    np.testing.assert_allclose(g, (p - np.eye(4)[labels]) / 5, rtol=1e-12, atol=1e-15)
    check(lambda z: (softmax(z) * B[:, :4][:3].repeat(2, 0)[:5]).sum(), logits)


def test_log_softmax_is_stable_for_large_logits():
    z = Tensor(np.array([[1000.0, 0.0, -1000.0]]), requires_grad=True)
    out = log_softmax(z)
    assert np.all(np.isfinite(out.data))
    assert out.data[0, 0] == pytest.approx(0.0)


MIXED = {
    "add": lambda a, b: a + b,
    "radd": lambda a, b: b + a,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "matmul": lambda a, b: a @ b,
    "where": lambda a, b: where(np.eye(2, dtype=bool), a, b),
    "concatenate": lambda a, b: concatenate([a, b]),
}


@pytest.mark.parametrize("name", list(MIXED))
@pytest.mark.parametrize("wrap", [Tensor, np.asarray], ids=["Tensor", "ndarray"])
def test_float32_with_float64_is_a_type_error_naming_both(name, wrap):
    """The layers' dtype rule: nothing is promoted silently."""
    x32 = Tensor(np.ones((2, 2), dtype=np.float32), requires_grad=True)
    x64 = wrap(np.ones((2, 2), dtype=np.float64))
    with pytest.raises(TypeError) as error:
        MIXED[name](x32, x64)
    assert "float32" in str(error.value) and "float64" in str(error.value)


def test_integers_and_scalars_take_the_tensors_dtype():
    x32 = Tensor(np.ones((2, 2), dtype=np.float32), requires_grad=True)
    assert (x32 * np.arange(4).reshape(2, 2)).dtype == np.float32
    assert (x32 * np.float64(2.0) + 3 + 0.5).dtype == np.float32
    assert (Tensor(np.arange(3)) + 1.0).dtype == np.float64


def test_float32_is_kept():
    x = Tensor(np.ones((2, 2), dtype=np.float32), requires_grad=True)
    y = (x * 2.5 + 1).exp().sum()
    y.backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32


def test_leaf_gradients_accumulate_across_backward_calls_until_zero_grad():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()  # the graph is kept; leaves accumulate
    np.testing.assert_array_equal(x.grad, 2 * 2 * np.array([1.0, 2.0]))
    x.zero_grad()
    assert x.grad is None
    y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])


def test_intermediate_adjoints_are_not_double_counted_on_repeated_backward():
    x = Tensor(3.0, requires_grad=True)
    h = x * x
    y = h * 2
    y.backward()
    y.backward()
    assert h.grad == pytest.approx(2.0)  # the adjoint of the last call only
    assert x.grad == pytest.approx(2 * 12.0)


def test_fan_out_accumulates_both_paths():
    x = Tensor(2.0, requires_grad=True)
    y = x * x.sin() + x  # x is used three times
    y.backward()
    assert x.grad == pytest.approx(np.sin(2) + 2 * np.cos(2) + 1)


def test_no_grad_records_nothing():
    w = Tensor(np.ones(3), requires_grad=True)
    with no_grad():
        y = (w * 2).sum()
    assert not y.requires_grad and y.is_leaf
    z = (w * 2).sum()
    assert z.requires_grad


def test_chain_of_100000_operations():
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    assert x.grad == pytest.approx(1.00001**100_000, rel=1e-9)
    assert len(topological_order(y)) == 100_001


def test_non_scalar_backward_explains_the_seed():
    y = Tensor(np.ones((2, 3)), requires_grad=True) * 2
    with pytest.raises(ValueError, match=r"gradient= an array of shape \(2, 3\)"):
        y.backward()
    y.backward(gradient=np.ones((2, 3)))  # with the seed it works
    with pytest.raises(ValueError, match="needs shape"):
        y.backward(gradient=np.ones(3))


def test_backward_without_graph_says_how_to_build_one():
    with pytest.raises(ValueError, match="requires_grad=True"):
        Tensor(1.0).exp().backward()


def test_unsupported_operations_raise_type_error_naming_them():
    t = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(TypeError, match="np.arcsinh"):
        np.arcsinh(t)
    with pytest.raises(TypeError, match="np.linalg.inv|np.inv"):
        np.linalg.inv(Tensor(np.eye(2)))
    with pytest.raises(TypeError, match="str"):
        t + "one"
    with pytest.raises(TypeError, match="converted to a NumPy array"):
        np.asarray(t, dtype=float) + 0


def test_mixing_with_dual_is_refused():
    with pytest.raises(TypeError, match="cannot mix"):
        Tensor(1.0) - Dual(1.0, 1.0)
    with pytest.raises(TypeError, match="cannot mix"):
        Dual(1.0, 1.0) * Tensor(1.0)


def test_numpy_ufuncs_and_arrays_on_the_left_dispatch_to_tensor():
    x = Tensor(np.array([0.5, 1.5]), requires_grad=True)
    y = (np.exp(x) * np.array([2.0, 3.0]) + np.ones(2) @ x).sum()
    y.backward()
    np.testing.assert_allclose(x.grad, np.exp([0.5, 1.5]) * [2, 3] + 2)


def test_jacobian_by_both_modes_equals_the_analytic_one():
    from nnlib.autodiff import jacobian, tanh

    a = RNG.normal(size=(3, 5))
    x = RNG.normal(size=5)

    def f(v):
        return tanh(a @ v)

    expected = (1 - np.tanh(a @ x) ** 2)[:, None] * a
    np.testing.assert_allclose(jacobian(f, x, "forward"), expected, rtol=1e-12)
    np.testing.assert_allclose(jacobian(f, x, "reverse"), expected, rtol=1e-12)
