"""nnlib.autodiff.ops: the one table of elementary operations feeds Dual, Tensor, the NumPy
protocol, the functions of nnlib.autodiff and the book's trace tables."""

import subprocess
import sys

import numpy as np
import pytest

import nnlib.autodiff as ad
from nnbook import graph, trace
from nnlib import activations
from nnlib.autodiff import Dual, Tensor
from nnlib.autodiff.ops import ARITHMETIC, ELEMENTARY
from nnlib.gradcheck import central_difference

NAMES = list(ELEMENTARY)
# a point inside every operation's domain (log and sqrt need x > 0), away from relu's kink
POINTS = np.array([0.3, 0.7, 1.9])


def _numerical_derivative(op, x):
    return np.array([central_difference(lambda v: float(op.value(v[0])), np.array([xi]))[0]
                     for xi in x])  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_each_rows_derivative_matches_central_differences(name):
    op = ELEMENTARY[name]
    out = op.value(POINTS)
    np.testing.assert_allclose(op.derivative(POINTS, out), _numerical_derivative(op, POINTS),
                               rtol=1e-7)  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_dual_and_tensor_methods_and_the_function_come_from_the_row(name):
    op = ELEMENTARY[name]
    expected_value = op.value(POINTS)
    expected_derivative = op.derivative(POINTS, expected_value)
    dual = getattr(Dual(POINTS, np.ones(3)), name)()
    np.testing.assert_allclose(dual.value, expected_value, rtol=1e-15)
    np.testing.assert_allclose(dual.tangent, expected_derivative, rtol=1e-15)
    leaf = Tensor(POINTS, requires_grad=True)
    getattr(ad, name)(leaf).sum().backward()
    np.testing.assert_allclose(leaf.grad, expected_derivative, rtol=1e-15)
    np.testing.assert_allclose(getattr(ad, name)(POINTS), expected_value, rtol=1e-15)


@pytest.mark.parametrize("name", [n for n in NAMES if ELEMENTARY[n].ufunc is not None])
def test_numpy_ufuncs_dispatch_to_the_row(name):
    ufunc = ELEMENTARY[name].ufunc
    dual = ufunc(Dual(POINTS, np.ones(3)))
    np.testing.assert_allclose(dual.value, ufunc(POINTS), rtol=1e-15)
    assert isinstance(ufunc(Tensor(POINTS)), Tensor)


@pytest.mark.parametrize("name", NAMES + list(ARITHMETIC))
def test_the_trace_tables_and_graph_drawings_know_every_row(name):
    assert name in trace.RULES and graph.OP_SYMBOLS[name]


def test_one_stable_sigmoid_for_activations_layers_and_autodiff():
    x = np.array([-800.0, -30.0, 0.0, 2.5, 800.0])
    assert ELEMENTARY["sigmoid"].value is activations.stable_sigmoid
    np.testing.assert_array_equal(activations.sigmoid(x), activations.stable_sigmoid(x))
    np.testing.assert_array_equal(ad.sigmoid(Tensor(x)).data, activations.stable_sigmoid(x))
    assert np.all(np.isfinite(ad.sigmoid(Dual(x, np.ones(5))).tangent))


def test_dual_and_tensor_refuse_each_other_naming_both_modes():
    for left, right in [(Dual(1.0, 1.0), Tensor(1.0)), (Tensor(1.0), Dual(1.0, 1.0))]:
        with pytest.raises(TypeError, match=r"forward mode.*reverse mode|reverse mode.*forward"):
            left * right


def test_importing_the_engine_does_not_import_matplotlib():
    code = "import sys, nnlib.autodiff; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)  # fmt: skip
    assert result.stdout.strip() == "False"


def _module_level_names(path):
    """Names a linter sees in a module: assigned at module level, or imported."""
    import ast

    tree = ast.parse(open(path, encoding="utf-8").read())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.ImportFrom):
            names |= {alias.asname or alias.name for alias in node.names}
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call)
             and isinstance(n.func, ast.Name)}  # fmt: skip
    return names, calls


@pytest.mark.parametrize("module", ["functional", "__init__"])
def test_every_rows_function_is_defined_where_linters_see_it(module):
    """No globals().update: each row of ELEMENTARY has a statement of its own (a new row needs
    its line in nnlib/autodiff/functional.py and its import in nnlib/autodiff/__init__.py)."""
    import pathlib

    path = pathlib.Path(ad.__file__).with_name(f"{module}.py")
    names, calls = _module_level_names(path)
    assert [name for name in ELEMENTARY if name not in names] == []
    assert "globals" not in calls


def test_the_functions_are_the_rows_in_the_tables_order():
    assert list(ad.FUNCTIONS) == list(ELEMENTARY)
    assert all(getattr(ad, name) is ad.FUNCTIONS[name] for name in ELEMENTARY)
    assert set(ELEMENTARY) <= set(ad.__all__)


def test_an_activation_and_an_elementary_operation_computing_the_same_have_one_name():
    """The activation table and the AD table name a function alike (PyTorch's name)."""
    x = np.linspace(-3.0, 3.0, 12)  # avoids 0, where log is -inf
    with np.errstate(invalid="ignore", divide="ignore"):  # log and sqrt of negatives: NaN
        values = {name: op.value(x) for name, op in ELEMENTARY.items()}
    same = {
        (op_name, act_name)
        for op_name, value in values.items()
        for act_name, f in activations.TABLE.items()
        if np.allclose(value, f(x))
    }
    assert {"sigmoid", "tanh", "relu"} <= {a for a, _ in same}
    assert [(a, b) for a, b in same if a != b] == []


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_autodiffs_softmax_and_log_softmax_equal_the_activations(dtype):
    """Two implementations of one meaning: the array one (nnlib.activations, used by the layers
    and losses) and the one for Duals and Tensors (nnlib.autodiff); they must agree."""
    x = (np.random.default_rng(0).normal(size=(4, 5)) * [[1], [10], [100], [1000]]).astype(dtype)
    tol = 1e-6 if dtype == np.float32 else 1e-12
    for mine, theirs in ((ad.softmax, activations.softmax),
                         (ad.log_softmax, activations.log_softmax)):  # fmt: skip
        expected = theirs(x)
        for got in (mine(x), mine(Tensor(x)).data, mine(Dual(x, np.ones_like(x))).value):
            assert got.dtype == dtype
            np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)
