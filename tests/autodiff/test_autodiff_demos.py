"""The chapter's demos and figures render, and show the numbers of the slides."""

import numpy as np
from matplotlib.figure import Figure

from nnbook import autodiff as demos
from nnbook.examples import baydin
from nnbook.graph import draw_graph, layout
from nnbook.trace import capture
from nnlib import gradcheck


def test_trace_stepper_ends_on_the_slides_derivatives():
    demo = demos.trace_stepper()
    assert demo.n_frames <= 30
    last_forward = demo.figure(mode="forward", step=9)
    last_reverse = demo.figure(mode="reverse", step=9)
    assert "= 5.5" in last_forward.axes[0].get_title(loc="left")
    assert "= 5.5" in last_reverse.axes[0].get_title(loc="left")  # the final update of v̄₋₁
    texts = " ".join(t.get_text() for t in last_reverse.axes[0].texts)
    assert "1.716" in texts and "5.5" in texts


def test_finite_difference_explorer_frames():
    demo = demos.finite_difference_explorer()
    assert demo.n_frames <= 30
    fig = demo.figure(precision="float32", h_exponent=-3)
    assert isinstance(fig, Figure) and fig.axes
    assert any(line.get_xydata().size for ax in fig.axes for line in ax.get_lines())


def test_graph_layout_puts_operands_left_of_results():
    graph = capture(baydin, (2.0, 5.0))
    positions = layout(graph)
    for node in graph.operations:
        for operand in node.operands:
            assert positions[id(operand)][0] < positions[id(node)][0]
    fig = draw_graph(baydin, (2.0, 5.0))
    labels = {t.get_text() for t in fig.axes[0].texts}
    assert {"v₋₁", "v₀", "v₁", "v₅"} <= labels


def test_mode_costs_measure_both_modes():
    timing = demos.time_modes(sizes=(1, 8), vary="inputs")
    assert timing["forward"].shape == timing["reverse"].shape == (2,)
    assert np.all(timing["forward"] > 0)
    fig = demos.plot_mode_costs(timing, timing)
    forward = fig.axes[0].get_lines()[0].get_xydata()
    np.testing.assert_allclose(forward, np.column_stack([[1, 8], timing["forward"] * 1e3]))


def test_expression_swell_figure_plots_the_operation_counts():
    rows = demos.expression_swell(4)
    lines = demos.plot_expression_swell(4).axes[0].get_lines()
    nested = lines[0].get_ydata()  # d l_n / dx of the nested expression, the first series
    np.testing.assert_array_equal(nested, np.maximum([r.nested_derivative_ops for r in rows], 1))
    assert np.all(np.diff(nested) > 0)  # it swells


def _batchnorm_loss(x, gamma, beta, grad_y, eps=1e-5):
    x_hat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps)
    return float(((gamma * x_hat + beta) * grad_y).sum())


def test_batchnorm_backward_slides_matches_central_differences():
    rng = np.random.default_rng(0)
    x, grad_y = rng.normal(1.0, 2.0, size=(6, 3)), rng.normal(size=(6, 3))
    gamma, beta = rng.normal(size=3), rng.normal(size=3)
    grad_x, grad_gamma, grad_beta = demos.batchnorm_backward_slides(x, gamma, grad_y)
    numeric = {
        "x": gradcheck.central_difference(lambda v: _batchnorm_loss(v, gamma, beta, grad_y), x),
        "gamma": gradcheck.central_difference(lambda v: _batchnorm_loss(x, v, beta, grad_y), gamma),
        "beta": gradcheck.central_difference(lambda v: _batchnorm_loss(x, gamma, v, grad_y), beta),
    }
    np.testing.assert_allclose(grad_x, numeric["x"], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(grad_gamma, numeric["gamma"], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(grad_beta, numeric["beta"], rtol=1e-6, atol=1e-8)


def test_batchnorm_backward_slides_gradient_of_x_sums_to_zero():
    # shifting every example by the same amount leaves the normalized output unchanged
    rng = np.random.default_rng(1)
    x, grad_y = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    grad_x, _, _ = demos.batchnorm_backward_slides(x, np.ones(2), grad_y)
    np.testing.assert_allclose(grad_x.sum(axis=0), 0.0, atol=1e-12)
