"""nnlib.layers: backward passes against central differences, the Module contract, dtypes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib import layers as L
from nnlib.gradcheck import check_module


def rng(seed=0):
    return np.random.default_rng(seed)


# Layers whose backward is checked; each factory gets (number of input features, rng).
FACTORIES = {
    "Dense": lambda d, r: L.Dense(d, 3, rng=r),
    "Dense-no-bias": lambda d, r: L.Dense(d, 2, bias=False, rng=r),
    "Linear-he": lambda d, r: L.Linear(d, 4, init="he_normal", rng=r),
    "ReLU": lambda d, r: L.ReLU(),
    "Tanh": lambda d, r: L.Tanh(),
    "Sigmoid": lambda d, r: L.Sigmoid(),
    "Identity": lambda d, r: L.Identity(),
    "LeakyReLU": lambda d, r: L.LeakyReLU(0.1),
    "PReLU-shared": lambda d, r: L.PReLU(),
    "PReLU-per-feature": lambda d, r: L.PReLU(d, init=0.2),
    "ELU": lambda d, r: L.ELU(0.7),
    "Softplus": lambda d, r: L.Softplus(),
    "Softsign": lambda d, r: L.Softsign(),
    "ArcTan": lambda d, r: L.ArcTan(),
    "ISRU": lambda d, r: L.ISRU(0.5),
    "BinaryStep": lambda d, r: L.BinaryStep(),
    "Activation(tanh)": lambda d, r: L.Activation("tanh"),
    "Softmax": lambda d, r: L.Softmax(),
    "BatchNorm1d": lambda d, r: _batchnorm_with_random_affine(d, r),
    "Dropout-eval": lambda d, r: L.Dropout(0.5, rng=r).eval(),
    "DropConnect-eval": lambda d, r: L.DropConnect(d, 3, p=0.5, rng=r).eval(),
    "Flatten": lambda d, r: L.Flatten(),
    "Sequential-MLP": lambda d, r: L.Sequential(
        L.Dense(d, 6, rng=r),
        L.BatchNorm1d(6),
        L.Tanh(),
        L.Dense(6, 5, rng=r),
        L.PReLU(5),
        L.Dense(5, 2, rng=r),
        L.Sigmoid(),
    ),
}


def _batchnorm_with_random_affine(d, r):
    bn = L.BatchNorm1d(d)
    bn.weight.data[:] = r.uniform(0.5, 2.0, d)
    bn.bias.data[:] = r.normal(size=d)
    return bn


def _input(shape, seed):
    x = rng(seed + 100).normal(size=shape)
    x[np.abs(x) < 1e-3] = 0.1  # keep away from the kinks of ReLU-like layers
    return x


@pytest.mark.parametrize("name", list(FACTORIES))
@pytest.mark.parametrize(("n", "d", "seed"), [(4, 3, 0), (7, 5, 1), (2, 1, 2)])
def test_backward_matches_central_differences(name, n, d, seed):
    module = FACTORIES[name](d, rng(seed))
    reports = check_module(module, _input((n, d), seed), rng=rng(seed))
    for report in reports.values():
        assert report.passed, str(report)
        assert report.max_error < 1e-6


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(2, 6),
    sizes=st.lists(st.integers(1, 5), min_size=2, max_size=4),
    seed=st.integers(0, 2**16),
)
def test_random_mlps_backward_matches_central_differences(n, sizes, seed):
    r = rng(seed)
    modules = []
    for d_in, d_out in zip(sizes, sizes[1:], strict=False):
        modules += [L.Dense(d_in, d_out, rng=r), L.Tanh()]
    reports = check_module(L.Sequential(modules), r.normal(size=(n, sizes[0])), rng=r)
    assert all(report.passed for report in reports.values()), [str(r) for r in reports.values()]


def test_flatten_backward_restores_the_shape_and_checks_in_3d():
    x = _input((2, 3, 4), 0)
    reports = check_module(L.Sequential(L.Flatten(), L.Dense(12, 2, rng=rng())), x)
    assert all(r.passed for r in reports.values())
    assert L.Flatten()(x).shape == (2, 12)


# --- Dense -----------------------------------------------------------------------------------


def test_dense_computes_x_w_plus_b():
    layer = L.Dense(3, 2, rng=rng())
    layer.bias.data[:] = [1.0, -1.0]
    x = rng(1).normal(size=(4, 3))
    assert layer.weight.data.shape == (3, 2)
    assert np.allclose(layer(x), x @ layer.weight.data + layer.bias.data)


def test_linear_is_pytorchs_layout_of_the_same_layer():
    dense, linear = L.Dense(3, 2, rng=5), L.Linear(3, 2, rng=5)
    assert dense.weight.shape == (3, 2) and linear.weight.shape == (2, 3)  # torch: (out, in)
    assert np.array_equal(linear.weight.data, dense.weight.data.T)  # same draw, transposed
    x = rng(1).normal(size=(4, 3))
    linear.bias.data[:] = [0.5, -0.5]
    assert np.allclose(linear(x), x @ linear.weight.data.T + linear.bias.data)


def test_dense_rejects_wrong_input_shape_naming_both_shapes():
    layer = L.Dense(3, 2, rng=rng())
    with pytest.raises(ValueError, match=r"\(N, 3\).*\(4, 5\)"):
        layer(np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"\(N, 3\)"):
        layer(np.zeros(3))


def test_backward_rejects_wrong_gradient_shape():
    layer = L.Dense(3, 2, rng=rng())
    layer(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"\(4, 2\).*\(4, 3\)"):
        layer.backward(np.zeros((4, 3)))


def test_backward_before_forward_is_an_error():
    with pytest.raises(RuntimeError, match="before forward"):
        L.Dense(3, 2, rng=rng()).backward(np.zeros((1, 2)))


def test_gradients_accumulate_and_zero_grad_resets():
    layer = L.Dense(3, 2, rng=rng())
    x, g = rng(1).normal(size=(4, 3)), rng(2).normal(size=(4, 2))
    layer(x)
    layer.backward(g)
    once = layer.weight.grad.copy()
    layer.backward(g)
    assert np.allclose(layer.weight.grad, 2 * once)
    assert np.allclose(once, x.T @ g)
    layer.zero_grad()
    assert not layer.weight.grad.any() and not layer.bias.grad.any()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_and_float64_keep_their_dtype_end_to_end(dtype):
    r = rng()
    model = L.Sequential(
        L.Dense(4, 8, rng=r, dtype=dtype),
        L.BatchNorm1d(8, dtype=dtype),
        L.ReLU(),
        L.Dropout(0.2, rng=r),
        L.Dense(8, 8, rng=r, dtype=dtype),
        L.Tanh(),
        L.Sigmoid(),
        L.PReLU(dtype=dtype),
        L.ELU(),
        L.Softplus(),
        L.DropConnect(8, 3, 0.3, rng=r, dtype=dtype),
        L.Softmax(),
    )
    x = r.normal(size=(5, 4)).astype(dtype)
    y = model(x)
    grad_in = model.backward(np.ones_like(y))
    assert y.dtype == dtype and grad_in.dtype == dtype
    assert all(p.data.dtype == dtype and p.grad.dtype == dtype for p in model.parameters())


# --- Sequential and the Module contract ------------------------------------------------------


def test_sequential_accepts_a_list_or_arguments_and_collects_parameters():
    a, b = L.Dense(2, 3, rng=rng()), L.Dense(3, 1, rng=rng())
    by_list, by_args = L.Sequential([a, L.ReLU(), b]), L.Sequential(a, L.ReLU(), b)
    assert by_list.parameters() == by_args.parameters()
    assert by_list.parameters() == [a.weight, a.bias, b.weight, b.bias]
    assert len(by_list) == 3 and by_list[2] is b
    with pytest.raises(TypeError, match="int"):
        L.Sequential([a, 3])


def test_train_and_eval_are_recursive():
    model = L.Sequential(L.Dense(2, 2, rng=rng()), L.Dropout(0.5, rng=rng()))
    model.eval()
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_prelu_learns_alpha():
    prelu = L.PReLU(init=0.25)
    x = np.array([[-2.0, 3.0]])
    assert np.allclose(prelu(x), [[-0.5, 3.0]])
    prelu.backward(np.ones_like(x))
    assert prelu.weight.grad[0] == pytest.approx(-2.0)  # alpha, stored as PyTorch's `weight`


# --- Dropout and DropConnect -----------------------------------------------------------------


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_keeps_the_mean_and_drops_the_right_fraction(p):
    x = np.ones((400, 500))
    y = L.Dropout(p, rng=rng())(x)
    assert np.mean(y == 0) == pytest.approx(p, abs=0.01)
    assert y.mean() == pytest.approx(1.0, abs=0.02)
    assert np.allclose(np.unique(y), [0.0, 1 / (1 - p)])


def test_dropout_backward_uses_the_same_mask():
    layer = L.Dropout(0.5, rng=rng())
    y = layer(np.ones((3, 4)))
    assert np.array_equal(layer.backward(np.ones((3, 4))), y)


def test_dropout_is_the_identity_in_eval():
    x = rng().normal(size=(3, 4))
    layer = L.Dropout(0.9, rng=rng()).eval()
    assert np.array_equal(layer(x), x) and np.array_equal(layer.backward(x), x)


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5])
def test_dropout_rejects_probabilities_outside_0_1(p):
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        L.Dropout(p)
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        L.DropConnect(3, 2, p)


def test_dropconnect_drops_weights_not_units():
    layer = L.DropConnect(200, 300, p=0.5, rng=rng())
    x = np.ones((2, 200))
    y = layer(x)
    assert np.allclose(y[0], y[1])  # one mask for the batch: units are not zeroed per example
    assert np.all(y != 0)  # no output unit is dropped as a whole
    kept = np.mean(layer.mask != 0)
    assert kept == pytest.approx(0.5, abs=0.01)
    layer.eval()
    assert np.allclose(layer(x), x @ layer.weight.data + layer.bias.data)


def test_dropconnect_backward_matches_the_masked_dense_layer():
    layer = L.DropConnect(4, 3, p=0.4, rng=rng())
    x, g = rng(1).normal(size=(5, 4)), rng(2).normal(size=(5, 3))
    layer(x)
    w_eff = layer.weight.data * layer.mask
    assert np.allclose(layer.backward(g), g @ w_eff.T)
    assert np.allclose(layer.weight.grad, (x.T @ g) * layer.mask)


def test_dropconnect_mean_output_equals_the_eval_output():
    r = rng(3)
    layer = L.DropConnect(10, 4, p=0.5, rng=r)
    x = r.normal(size=(1, 10))
    average = np.mean([layer(x) for _ in range(4000)], axis=0)
    assert np.allclose(average, layer.eval()(x), atol=0.06)


# --- BatchNorm1d -----------------------------------------------------------------------------


def test_batchnorm_normalizes_in_training():
    x = rng().normal(3.0, 5.0, size=(64, 4))
    y = L.BatchNorm1d(4)(x)
    assert np.allclose(y.mean(axis=0), 0, atol=1e-12)
    assert np.allclose(y.std(axis=0), 1, atol=1e-3)


def test_batchnorm_eval_uses_running_statistics():
    r = rng()
    bn = L.BatchNorm1d(3, momentum=0.1)
    for _ in range(300):
        bn(r.normal(2.0, 3.0, size=(50, 3)))
    assert np.allclose(bn.running_mean, 2.0, atol=0.3)
    assert np.allclose(bn.running_var, 9.0, rtol=0.15)
    bn.eval()
    x = r.normal(size=(4, 3))
    expected = (x - bn.running_mean) / np.sqrt(bn.running_var + bn.eps)
    assert np.allclose(bn(x), expected)
    single = bn(x[:1])  # one example is fine in eval
    assert np.allclose(single, expected[:1])


def test_batchnorm_running_update_follows_momentum():
    bn = L.BatchNorm1d(2, momentum=0.25)
    x = np.array([[1.0, 2.0], [3.0, 6.0]])
    bn(x)
    assert np.allclose(bn.running_mean, 0.25 * x.mean(axis=0))
    assert np.allclose(bn.running_var, 0.75 + 0.25 * x.var(axis=0, ddof=1))


def test_batchnorm_rejects_a_batch_of_one_in_training():
    with pytest.raises(ValueError, match=r"at least 2.*\(1, 3\)"):
        L.BatchNorm1d(3)(np.zeros((1, 3)))


def test_batchnorm_rejects_wrong_feature_count():
    with pytest.raises(ValueError, match=r"\(N, 3\).*\(5, 4\)"):
        L.BatchNorm1d(3)(np.zeros((5, 4)))


# --- mlp --------------------------------------------------------------------------------------


def test_mlp_alternates_dense_and_activation_and_ends_linear():
    net = L.mlp([4, 5, 3, 2], "relu", rng=0)
    kinds = [type(m).__name__ for m in net]
    assert kinds == ["Dense", "Activation", "Dense", "Activation", "Dense"]
    assert [net[i].weight.shape for i in (0, 2, 4)] == [(4, 5), (5, 3), (3, 2)]
    assert net[1].fn.name == "relu"


def test_mlp_options_batch_norm_dropout_and_drop_connect():
    net = L.mlp([2, 5, 5, 1], "relu", dropout=0.5, batch_norm=True, drop_connect=0.3, rng=0)
    kinds = [type(m).__name__ for m in net]
    assert kinds == ["Dense", "BatchNorm1d", "Activation", "Dropout",
                     "DropConnect", "BatchNorm1d", "Activation", "Dropout", "Dense"]  # fmt: skip


def test_mlp_seed_gives_the_same_net_and_layers_different_weights():
    a, b = L.mlp([3, 3, 3], rng=4), L.mlp([3, 3, 3], rng=4)
    assert all(np.array_equal(p.data, q.data) for p, q in zip(a.parameters(), b.parameters(),
                                                               strict=True))  # fmt: skip
    assert not np.array_equal(a[0].weight.data, a[2].weight.data)
    with pytest.raises(ValueError, match="at least"):
        L.mlp([3])
