"""nnlib.activations: values, derivatives and the table's properties, checked numerically."""

import math

import numpy as np
import pytest

from nnlib import activations as A
from nnlib.gradcheck import relative_error

# The table's rows plus the parameter values where a property changes.
VARIANTS = {
    **A.TABLE,
    "prelu(-0.5)": A.prelu.with_params(alpha=-0.5),
    "prelu(1)": A.prelu.with_params(alpha=1.0),
    "elu(0.5)": A.elu.with_params(alpha=0.5),
    "elu(2)": A.elu.with_params(alpha=2.0),
    "isru(4)": A.isru.with_params(alpha=4.0),
}
GRID = np.linspace(-15, 15, 6001)  # |x| <= 15: float64 still resolves the open ends


def variants():
    return pytest.mark.parametrize("f", list(VARIANTS.values()), ids=list(VARIANTS))


# --- the slides' table, row by row -----------------------------------------------------------


def test_table_holds_every_row_of_the_slides_plus_elu_and_softplus():
    slides = ["identity", "binary_step", "sigmoid", "tanh", "arctan", "softsign", "isru"]
    slides += ["relu", "leaky_relu", "prelu"]
    assert list(A.TABLE)[: len(slides)] == slides
    assert {"elu", "softplus"} <= set(A.TABLE)


@pytest.mark.parametrize(
    ("name", "rng", "continuity", "mono", "dmono", "ident"),
    [  # transcribed from deck 000's table (PReLU at its default alpha = 0.25)
        ("identity", "(-∞, ∞)", "C^∞", True, True, True),
        ("binary_step", "{0, 1}", "C^-1", True, False, False),
        ("sigmoid", "(0, 1)", "C^∞", True, False, False),
        ("tanh", "(-1, 1)", "C^∞", True, False, True),
        ("arctan", "(-π/2, π/2)", "C^∞", True, False, True),
        ("softsign", "(-1, 1)", "C^1", True, False, True),
        ("isru", "(-1, 1)", "C^∞", True, False, True),
        ("relu", "[0, ∞)", "C^0", True, True, False),
        ("leaky_relu", "(-∞, ∞)", "C^0", True, True, False),
        ("prelu", "(-∞, ∞)", "C^0", True, True, False),
    ],
)
def test_properties_match_the_slides_table(name, rng, continuity, mono, dmono, ident):
    p = A.TABLE[name].properties
    assert (str(p.range), p.continuity_label) == (rng, continuity)
    assert (p.monotonic, p.derivative_monotonic, p.identity_near_origin) == (mono, dmono, ident)


# --- each property verified numerically ------------------------------------------------------


@variants()
def test_values_lie_in_the_stated_range(f):
    r = f.properties.range
    assert np.all(r.contains(f(GRID)))


@variants()
def test_range_ends_are_approached(f):
    r = f.properties.range
    if r.values is not None:
        assert set(np.unique(f(GRID))) == set(r.values)
        return
    y = f(np.concatenate([[-1e6], GRID, [1e6]]))
    for end, value in ((r.low, y.min()), (r.high, y.max())):
        if math.isinf(end):
            assert abs(value) > 1e3 and np.sign(value) == np.sign(end)
        else:
            assert value == pytest.approx(end, abs=1e-3)


@variants()
def test_monotonicity_of_f(f):
    steps = np.diff(f(GRID))
    assert np.all(steps >= -1e-12) == f.properties.monotonic


@variants()
def test_monotonicity_of_the_derivative(f):
    p = f.properties
    if p.continuity < 0:
        # Discontinuous f: its derivative is a Dirac impulse at the jump, not a monotonic function.
        assert not p.derivative_monotonic
        return
    steps = np.diff(f.derivative(GRID))
    monotonic = np.all(steps >= -1e-12) or np.all(steps <= 1e-12)
    assert monotonic == p.derivative_monotonic


@variants()
def test_approximates_identity_near_origin(f):
    h = 1e-4
    ratios = f(np.array([-h, h])) / np.array([-h, h])
    assert np.allclose(ratios, 1, atol=1e-3) == f.properties.identity_near_origin


def _kink(g, x0: float, h: float = 1e-5) -> float:
    """Difference of the one-sided slopes of g at x0 (about 0 if g is differentiable there)."""
    x = np.array([x0 - h, x0, x0 + h])
    left, mid, right = g(x)
    return abs((right - mid) / h - (mid - left) / h)


def _estimated_continuity(f) -> float:
    """Order k of C^k found by finite differences at a few points (2 stands for 'at least 2')."""
    points = [-1.3, 0.0, 0.7]
    h = 1e-7
    if any(abs(f(np.array([x + h]))[0] - f(np.array([x - h]))[0]) > 1e-3 for x in points):
        return -1
    if any(_kink(f, x) > 1e-3 for x in points):
        return 0
    if any(_kink(f.derivative, x) > 1e-3 for x in points):
        return 1
    return 2


@variants()
def test_order_of_continuity(f):
    assert _estimated_continuity(f) == min(f.properties.continuity, 2)


# --- derivatives -----------------------------------------------------------------------------


@variants()
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_derivative_matches_central_differences(f, seed):
    x = np.random.default_rng(seed).uniform(-4, 4, 300)
    x = x[np.abs(x) > 1e-3]  # the kinks sit at 0
    h = 1e-6
    numerical = (f(x + h) - f(x - h)) / (2 * h)
    assert relative_error(f.derivative(x), numerical) < 1e-6


def test_relu_derivative_at_zero_is_zero_by_convention():
    assert A.relu.derivative(np.array([0.0]))[0] == 0.0
    assert A.leaky_relu.derivative(np.array([0.0]))[0] == 0.01


def test_prelu_takes_alpha_and_rejects_unknown_parameters():
    f = A.prelu.with_params(alpha=0.3)
    assert f(np.array([-2.0]))[0] == pytest.approx(-0.6)
    with pytest.raises(ValueError, match="beta"):
        A.prelu.with_params(beta=1.0)


def test_get_by_name_and_alias():
    assert A.get("sigmoid") is A.sigmoid
    assert A.get("ReLU") is A.relu
    with pytest.raises(ValueError, match="logistic"):
        A.get("logistic")  # one name per function, PyTorch's
    with pytest.raises(ValueError, match="swish"):
        A.get("swish")


# --- numerical stability and dtypes ----------------------------------------------------------


@pytest.mark.parametrize("f", list(A.TABLE.values()), ids=list(A.TABLE))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_inputs_stay_finite_and_keep_dtype(f, dtype):
    x = np.array([-1e4, -800.0, -1.0, 0.0, 1.0, 800.0, 1e4], dtype=dtype)
    y, dy = f(x), f.derivative(x)  # RuntimeWarnings are errors in this test suite
    assert y.dtype == dtype and dy.dtype == dtype
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(dy))


def test_logistic_and_softplus_saturate_exactly():
    x = np.array([-1e4, 1e4])
    assert A.sigmoid(x).tolist() == [0.0, 1.0]
    assert A.softplus(x).tolist() == [0.0, 1e4]
    assert A.softplus(np.array([0.0]))[0] == pytest.approx(math.log(2))


def test_integer_input_becomes_float64():
    assert A.tanh(np.array([1, 2])).dtype == np.float64


# --- softmax ---------------------------------------------------------------------------------


def test_softmax_is_a_distribution_and_shift_invariant():
    x = np.random.default_rng(0).normal(size=(4, 5))
    s = A.softmax(x)
    assert np.allclose(s.sum(axis=1), 1) and np.all(s > 0)
    assert np.allclose(A.softmax(x + 1000.0), s)


def test_softmax_is_stable_for_huge_logits():
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], dtype=np.float32)
    s = A.softmax(x)
    assert s.dtype == np.float32
    assert np.allclose(s, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]])
    assert np.allclose(A.log_softmax(x)[0], [0.0, -2e4, -1e4])


def test_softmax_jacobian_matches_finite_differences_and_jvp():
    rng = np.random.default_rng(1)
    x, v = rng.normal(size=5), rng.normal(size=5)
    h = 1e-6
    numerical = np.stack(
        [(A.softmax(x + h * e) - A.softmax(x - h * e)) / (2 * h) for e in np.eye(5)], axis=1
    )
    jac = A.softmax_jacobian(x)
    assert relative_error(jac, numerical) < 1e-6
    assert np.allclose(A.softmax_jvp(x, v), jac @ v)
    assert np.allclose(A.softmax_jacobian(x[None])[0], jac)


def test_softmax_jvp_rejects_a_vector_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"\(3,\).*\(4,\)"):
        A.softmax_jvp(np.zeros(3), np.zeros(4))


@pytest.mark.parametrize("name", list(A.TABLE))
def test_the_printed_activation_table_agrees_with_the_functions(name):
    """The properties chapter 1 prints from the registry, checked numerically."""
    f = A.get(name)
    props = f.properties
    x = np.linspace(-6, 6, 2401)
    y = f(x)
    assert props.range.contains(y).all()
    steps = np.diff(y)
    assert props.monotonic == bool((steps >= 0).all() or (steps <= 0).all())
    slopes_at_zero = f.derivative(np.array([-1e-9, 1e-9]))  # both one-sided slopes must be 1
    near_identity = abs(float(f(np.array([0.0]))[0])) < 1e-12 and np.allclose(slopes_at_zero, 1.0)
    assert props.identity_near_origin == bool(near_identity)
    smooth = np.abs(x) > 1e-3  # away from the kinks at 0
    numerical = (f(x + 1e-6) - f(x - 1e-6)) / 2e-6
    np.testing.assert_allclose(f.derivative(x)[smooth], numerical[smooth], atol=1e-5)
