"""The slides' worked examples, reproduced to the digits the slides print."""

import unicodedata

import numpy as np
import pytest
import sympy

from nnbook.examples import (
    baydin,
    log_normal_density,
    logistic_least_squares,
    logistic_least_squares_gradient,
    play,
    play_gradient,
)
from nnbook.trace import capture, fmt, trace_forward, trace_reverse
from nnlib.autodiff import Dual, Tensor, grad, jvp


def nfc(text):
    return unicodedata.normalize("NFC", text)


@pytest.fixture(scope="module")
def forward_004():
    return trace_forward(baydin, (2, 5), wrt=0)


@pytest.fixture(scope="module")
def reverse_004():
    return trace_reverse(baydin, (2, 5))


def test_fmt_prints_like_the_slides():
    assert [fmt(v) for v in (11.652071, 5.5, 1.71633781, -0.28366, 1.0, -0.0)] == [
        "11.652",
        "5.5",
        "1.716",
        "-0.284",
        "1",
        "0",
    ]


def test_004_forward_primal_trace(forward_004):
    rows = forward_004.rows("Forward primal trace")
    # deck 004: v1 = ln v-1, v2 = v-1 × v0, v3 = sin v0, v4 = v1 + v2, v5 = v4 - v3
    assert [r[0] for r in rows] == [
        "v₋₁ = x₁",
        "v₀ = x₂",
        "v₁ = ln v₋₁",
        "v₂ = v₋₁ × v₀",
        "v₃ = sin v₀",
        "v₄ = v₁ + v₂",
        "v₅ = v₄ - v₃",
        "y = v₅",
    ]
    assert [r[2] for r in rows] == ["2", "5", "0.693", "10", "-0.959", "10.693", "11.652", "11.652"]


def test_004_forward_tangent_trace_gives_5_5(forward_004):
    rows = forward_004.rows("Forward tangent (derivative) trace")
    steps = {r[0]: (r[1], r[2]) for r in rows}
    steps = {nfc(k): v for k, v in steps.items()} | steps
    assert steps["v̇₁ = v̇₋₁/v₋₁"] == ("1/2", "0.5")
    assert steps["v̇₂ = v̇₋₁ × v₀ + v̇₀ × v₋₁"] == ("1 × 5 + 0 × 2", "5")
    assert steps["v̇₃ = v̇₀ × cos v₀"] == ("0 × cos 5", "0")
    assert steps["v̇₄ = v̇₁ + v̇₂"] == ("0.5 + 5", "5.5")
    assert forward_004.value("ẏ") == "5.5"


def test_004_reverse_adjoint_trace_gives_5_5_and_1_716(reverse_004):
    rows = reverse_004.rows("Reverse adjoint (derivative) trace")
    expected = [  # the slide's rows, read bottom-up (the order the sweep runs them)
        ("v̄₅ = ȳ", "1"),
        ("v̄₄ = v̄₅ ∂v₅/∂v₄", "1"),
        ("v̄₃ = v̄₅ ∂v₅/∂v₃", "-1"),
        ("v̄₁ = v̄₄ ∂v₄/∂v₁", "1"),
        ("v̄₂ = v̄₄ ∂v₄/∂v₂", "1"),
        ("v̄₀ = v̄₃ ∂v₃/∂v₀", "-0.284"),
        ("v̄₋₁ = v̄₂ ∂v₂/∂v₋₁", "5"),
        ("v̄₀ = v̄₀ + v̄₂ ∂v₂/∂v₀", "1.716"),
        ("v̄₋₁ = v̄₋₁ + v̄₁ ∂v₁/∂v₋₁", "5.5"),
        ("x̄₁ = v̄₋₁", "5.5"),
        ("x̄₂ = v̄₀", "1.716"),
    ]
    assert [(r[0], r[2]) for r in rows] == [(nfc(s), v) for s, v in expected]
    formulas = [r[1] for r in rows]
    assert "v̄₃ × cos v₀" in formulas and "v̄₋₁ + v̄₁ / v₋₁" in formulas
    assert reverse_004.value("y") == "11.652"


def test_004_tables_agree_with_the_engines():
    x1, x2 = Tensor(2.0, requires_grad=True), Tensor(5.0, requires_grad=True)
    baydin(x1, x2).backward()
    assert fmt(x1.grad) == "5.5" and fmt(x2.grad) == "1.716"
    assert fmt(jvp(baydin, (2.0, 5.0), (1.0, 0.0))[1]) == "5.5"


def test_trace_table_prints_as_text_and_html(reverse_004):
    text, page = str(reverse_004), reverse_004._repr_html_()
    assert "Reverse adjoint (derivative) trace" in text and "= 1.716" in text
    assert page.startswith("<div") and "<table" in page and "1.716" in page


def test_000_log_normal_table_v1_to_v10():
    point = (1.3, 0.4, 1.7)
    graph = capture(log_normal_density, point, names=("y", "μ", "σ"), first_index=1)
    steps = [f"{n.label} = {graph.expression(n)}" for n in graph.operations]
    assert [n.label for n in graph.nodes] == [f"v{s}" for s in "₁₂₃₄₅₆₇₈₉"] + ["v₁₀"]
    assert steps == [
        "v₄ = v₁ - v₂",
        "v₅ = v₄ / v₃",
        "v₆ = v₅^2",
        "v₇ = (-0.5) × v₆",
        "v₈ = ln v₃",
        "v₉ = v₇ - v₈",
        "v₁₀ = v₉ - 0.919",
    ]
    # the partials column of the slide, and their values at the point
    by_label = {n.label: n for n in graph.operations}
    partials = {
        ("v₅", 1): ("-v₄/v₃²", -(1.3 - 0.4) / 1.7**2),
        ("v₆", 0): ("2v₅", 2 * (1.3 - 0.4) / 1.7),
        ("v₇", 1): ("-0.5", -0.5),
        ("v₈", 0): ("1/v₃", 1 / 1.7),
        ("v₉", 1): ("-1", -1.0),
    }
    for (label, k), (text, value) in partials.items():
        assert graph.partial_text(by_label[label], k) == text
        assert graph.partial_value(by_label[label], k) == pytest.approx(value, rel=1e-14)
    # the adjoints are the gradient of the log density
    bars, _ = graph.adjoints()
    y, mu, s = point
    expected = [-(y - mu) / s**2, (y - mu) / s**2, (y - mu) ** 2 / s**3 - 1 / s]
    got = [bars[id(n)] for n in graph.inputs]
    np.testing.assert_allclose(got, expected, rtol=1e-14)


def test_002_logistic_least_squares_backward_pass_with_ridge():
    w, b, x, t, lam = 0.8, -0.3, 1.7, 1.0, 0.1

    def loss(w, b):
        return logistic_least_squares(w, b, x, t, lam)

    table = trace_reverse(loss, (w, b), names=("w", "b"), label_inputs=False)
    steps = [r[0] for r in table.rows("Reverse adjoint (derivative) trace")]
    # the slide's backward pass: R̄ = L̄reg λ, L̄ = L̄reg, ȳ = L̄ (y - t), z̄ = ȳ σ'(z),
    # w̄ = z̄ x + R̄ w (two contributions: w has fan-out 2), b̄ = z̄
    for step in (
        "L̄ = L̄reg ∂Lreg/∂L",
        "ȳ = v̄₂ ∂v₂/∂y",
        "z̄ = ȳ ∂y/∂z",
        "b̄ = z̄ ∂z/∂b",
        "w̄ = w̄ + v̄₁ ∂v₁/∂w",
    ):
        assert nfc(step) in steps
    by_hand = logistic_least_squares_gradient(w, b, x, t, lam)
    assert table.value("w̄") == fmt(by_hand[0]) and table.value("b̄") == fmt(by_hand[1])
    engine = grad(loss, argnums=(0, 1))(w, b)
    np.testing.assert_allclose(engine, by_hand, rtol=1e-14)


def test_004_play_example_by_both_modes():
    x0, x1 = 0.7, -1.2
    expected = play_gradient(x0, x1)
    forward = [jvp(play, (x0, x1), seed)[1] for seed in ((1.0, 0.0), (0.0, 1.0))]
    reverse = grad(play, argnums=(0, 1))(x0, x1)
    np.testing.assert_allclose(forward, expected, rtol=1e-13)
    np.testing.assert_allclose(reverse, expected, rtol=1e-13)
    table_f0 = trace_forward(play, (x0, x1), wrt=0, names=("x₀", "x₁"))
    table_r = trace_reverse(play, (x0, x1), names=("x₀", "x₁"))
    assert table_f0.value("ẏ") == fmt(expected[0])
    assert table_r.value("x̄₀") == fmt(expected[0]) and table_r.value("x̄₁") == fmt(expected[1])
    # "do you recognize a known function?": it is the logistic sigmoid of -(x0 x1 + sin x0)
    assert play(x0, x1) == pytest.approx(1 / (1 + np.exp(x0 * x1 + np.sin(x0))))


def test_capture_refuses_non_scalar_operations():
    with pytest.raises(ValueError, match="scalar"):
        capture(lambda a: (a.reshape(1, 1) * 2).sum(), (1.0,))


def test_trace_forward_checks_wrt():
    with pytest.raises(ValueError, match="input index"):
        trace_forward(baydin, (2, 5), wrt=2)


def test_symbolic_matches_sympy_for_baydin():
    """SymPy's exact partials of Baydin's f equal both AD modes at (2, 5)."""
    a, b = sympy.symbols("a b")
    f = sympy.log(a) + a * b - sympy.sin(b)
    exact = [float(sympy.diff(f, v).subs({a: 2, b: 5})) for v in (a, b)]
    reverse = grad(baydin, argnums=(0, 1))(2.0, 5.0)
    forward = [baydin(Dual(2.0, 1.0), Dual(5.0, 0.0)).tangent,
               baydin(Dual(2.0, 0.0), Dual(5.0, 1.0)).tangent]  # fmt: skip
    assert [float(g) for g in reverse] == pytest.approx(exact, rel=1e-14)
    assert forward == pytest.approx(exact, rel=1e-14)
