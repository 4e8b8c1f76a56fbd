"""solutions/_shared/checks.py: exact types first, comparisons an answer cannot change, and
messages that say expected against received.

The include runs here as a notebook cell would: executed in a fresh namespace (outside IPython,
so without the hook that binds the names again before each cell; the graded notebooks test that).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from support import ROOT

SOURCE = (ROOT / "solutions" / "_shared" / "checks.py").read_text()


class EqualToEverything:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __getattr__(self, name):
        return EqualToEverything()


class AgreeingArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)


class LoudFloat(float):
    pass


@pytest.fixture
def checks():
    namespace = {"__name__": "__main__"}
    exec(compile(SOURCE, "checks.py", "exec"), namespace)
    return namespace


def failure(check, *args, **kwargs) -> str:
    with pytest.raises(AssertionError) as caught:
        check(*args, **kwargs)
    return str(caught.value)


def test_the_right_answer_passes(checks):
    z = np.array([-1000.0, -50.0, 50.0])
    want = np.array([0.0, math.exp(-50) / (1 + math.exp(-50)), 1.0])
    assert checks["check_array"]("sigmoid(z)", want.copy(), want, rtol=1e-12) is None
    assert checks["check_scalar"]("loss", 1.25, 1.25) is None
    assert checks["check_str"]("diagnose(stats)", "healthy", "healthy") is None
    assert checks["check_tuple"]("pair", (1, 2), 2) is None
    assert checks["check_at_least"]("accuracy", 0.95, 0.9, inputs={"z": z}) is None


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        ("check_array", np.array([1.0, 2.0])),
        ("check_scalar", 1.5),
        ("check_str", "healthy"),
        ("check_tuple", 2),
        ("check_list", 2),
        ("check_at_least", 0.9),
    ],
)
def test_an_object_equal_to_everything_earns_nothing(checks, check, expected):
    message = failure(checks[check], "answer()", EqualToEverything(), expected)
    assert "received type" in message and "EqualToEverything" in message


def test_subclasses_are_not_the_expected_type(checks):
    want = np.array([1.0, 2.0])
    message = failure(checks["check_array"], "f(x)", want.view(AgreeingArray), want)
    assert "expected type numpy.ndarray, received type" in message
    assert "AgreeingArray" in message
    message = failure(checks["check_scalar"], "loss", LoudFloat(1.5), 1.5)
    assert "expected type float, received type" in message and "LoudFloat" in message
    assert "numpy.float64" in failure(checks["check_scalar"], "loss", np.float64(1.5), 1.5)


def test_patching_numpy_math_and_builtins_after_the_include_changes_nothing(checks, monkeypatch):
    import builtins

    def agree(*args, **kwargs):
        return True

    for name in ("allclose", "array_equal", "isclose"):
        monkeypatch.setattr(np, name, agree)
    monkeypatch.setattr(np.testing, "assert_allclose", lambda *a, **k: None)
    monkeypatch.setattr(math, "isclose", agree)
    real_isinstance = builtins.isinstance
    monkeypatch.setattr(
        builtins,
        "isinstance",
        lambda obj, kind: type(obj) is EqualToEverything or real_isinstance(obj, kind),
    )
    want = np.array([0.0, 1.9287498479639178e-22])
    assert "received type" in failure(checks["check_array"], "f(x)", EqualToEverything(), want)
    assert "wrong values" in failure(checks["check_array"], "sigmoid(z)", np.zeros(2), want)
    assert "expected 1.25, received 3.0" in failure(checks["check_scalar"], "loss", 3.0, 1.25)


def test_a_wrong_value_names_expected_received_the_entry_and_the_inputs(checks):
    z = np.array([-1000.0, -50.0, 0.0])
    want = np.array([0.0, 1.9287498479639178e-22, 0.5])
    message = failure(
        checks["check_array"], "sigmoid(z)", np.array([0.0, 0.0, 0.5]), want, inputs={"z": z}
    )
    assert message.startswith("sigmoid(z): wrong values")
    assert "1 of 3 entries differ; first at index (1,): expected 1.9287498479639178e-22" in message
    assert "received 0.0" in message and "relative error 1.00e+00" in message
    assert "called with:\n    z = [-1000.,   -50.,     0.]" in message


def test_shape_and_dtype_come_before_values(checks):
    want = np.zeros((3, 2))
    shape = failure(checks["check_array"], "dense_forward(X, W, b, relu)", np.zeros((2, 3)), want)
    assert "expected shape (3, 2), received shape (2, 3)" in shape
    dtype = failure(checks["check_array"], "sigmoid(z32)", np.zeros((3, 2), np.float32), want)
    assert "expected dtype float64, received dtype float32" in dtype


def test_tolerances_nan_and_infinity(checks):
    check = checks["check_array"]
    want = np.array([1.0, np.nan, np.inf, -np.inf])
    check("f(x)", np.array([1.0 + 1e-9, np.nan, np.inf, -np.inf]), want, rtol=1e-8)
    assert "wrong values" in failure(check, "f(x)", np.array([1.0, np.nan, np.inf, 0.0]), want)
    assert "wrong values" in failure(check, "f(x)", np.array([1.1, np.nan, np.inf, -np.inf]), want)
    ints = failure(check, "relu_prime(z)", np.array([0, 1]), np.array([0, 0]))
    assert "first at index (1,): expected 0, received 1" in ints
    assert "relative error" not in ints


def test_integers_and_booleans_are_exact(checks):
    checks["check_scalar"]("epoch", 5, 5, types=(int,))
    assert "expected 5, received 6" in failure(checks["check_scalar"], "epoch", 6, 5, types=(int,))
    assert "received type bool" in failure(checks["check_scalar"], "n", True, 1, types=(int,))


def test_options_are_checked_and_cannot_be_replaced_through_defaults(checks):
    with pytest.raises(TypeError, match="unknown option 'tol'"):
        checks["check_scalar"]("loss", 1.0, 1.0, tol=1.0)
    assert checks["check_array"].__kwdefaults__ is None
    assert checks["check_array"].__defaults__ is None


def test_the_nnlib_guard_refuses_nnlib_and_hidden_wrappers(checks):
    import nnlib.activations as act

    def relu(z):
        return np.maximum(z, 0)

    def sigmoid(z, f=act.sigmoid):
        return f(z)

    relu.__module__ = sigmoid.__module__ = "__main__"
    checks["_own"](relu)
    assert "must not call nnlib" in failure(checks["_own"], sigmoid)
    assert "not imported" in failure(checks["_own"], act.sigmoid)


def test_the_nnlib_guard_can_block_named_modules_only(checks):
    """_without_nnlib("nnlib.conv") where a part may use nnlib's layers but not its convolution."""
    import nnlib.conv as conv
    import nnlib.layers as layers

    image, kernel = np.ones((4, 4)), np.ones((2, 2))
    with checks["_without_nnlib"]("nnlib.conv", "nnlib.autoencoder"):
        assert layers.Dense(2, 3, rng=np.random.default_rng(0))(np.ones((1, 2))).shape == (1, 3)
        assert "must not call nnlib" in failure(conv.conv2d, image, kernel)
    assert conv.conv2d(image, kernel).shape == (3, 3)  # restored after the block
    with checks["_without_nnlib"]():
        assert "must not call nnlib" in failure(layers.Dense, 2, 3)


def test_ipython_shows_the_message_first_in_full_and_no_frame_of_the_checks(checks):
    """IPython (notebook, Validate, nbgrader validate, feedback) renders a failure with the
    exception's `_render_traceback_`: the message first, lines short enough that nbgrader validate
    (90 columns, 4 of indent) cuts none, then the test's own line."""
    import linecache
    import re

    test = (
        "X = np.zeros((400, 3))\n"
        "check_shape('a_long_function_name(X, W, b, activation)[1] (the gradient dW)', "
        "np.zeros((400, 1)), (400,), inputs={'X': X})\n"
    )
    linecache.cache["<test cell>"] = (len(test), None, test.splitlines(True), "<test cell>")
    with pytest.raises(AssertionError) as caught:
        exec(compile(test, "<test cell>", "exec"), {**checks, "np": np})
    lines = caught.value._render_traceback_()
    plain = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in lines]
    assert type(caught.value).__name__ == "AssertionError"
    assert plain[0].startswith("AssertionError: a_long_function_name(X, W, b, activation)[1]")
    head = " ".join(plain[:2])
    assert "expected shape (400,)" in head and "received shape (400, 1)" in head
    assert "called with:" in plain[2] and "X = " in plain[3]
    assert all(len(line) <= 80 for line in plain), max(plain, key=len)
    text = "\n".join(plain)
    assert "_make_checks" not in text and "fail(" not in text and "raise" not in text
    assert "line 2 of the test cell: check_shape('a_long_function_name" in text
