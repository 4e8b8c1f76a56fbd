"""nnbook.backprop: chapter 2's demos and experiments: the adjoints of the stepper graph, fan-out,
the delta recursion, error signals, the scalar and vector forms of the backward pass.
"""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnbook import backprop, neurons  # noqa: E402
from nnlib import autodiff, gradcheck, layers, losses  # noqa: E402


def test_stepper_graph_adjoints_match_reverse_mode_autodiff():
    graph = backprop.regularized_logistic_graph(lam=0.1)
    values = graph.forward(backprop.STEPPER_INPUTS)
    adjoints = {s.node: s.adjoint for s in graph.backward(values)}

    def loss(w, b):
        x, y = backprop.STEPPER_INPUTS["x"], backprop.STEPPER_INPUTS["y"]
        y_hat = autodiff.sigmoid(w * x + b)
        return 0.5 * (y_hat - y) ** 2 + 0.1 * 0.5 * w**2

    dw, db = autodiff.grad(loss, argnums=(0, 1))(
        backprop.STEPPER_INPUTS["w"], backprop.STEPPER_INPUTS["b"]
    )
    assert adjoints["w"] == pytest.approx(float(np.asarray(dw)), rel=1e-12)
    assert adjoints["b"] == pytest.approx(float(np.asarray(db)), rel=1e-12)
    assert values["L_reg"] == pytest.approx(float(np.asarray(loss(0.8, -0.5).data)))


def test_fan_out_adds_both_paths_into_w():
    graph = backprop.regularized_logistic_graph(lam=0.1)
    values = graph.forward(backprop.STEPPER_INPUTS)
    step_w = next(s for s in graph.backward(values) if s.node == "w")
    assert sorted(child for child, _, _ in step_w.terms) == ["R", "z"]
    assert step_w.adjoint == pytest.approx(sum(a * d for _, a, d in step_w.terms))


def test_graph_rejects_a_node_before_its_parents():
    with pytest.raises(ValueError, match="before its parents"):
        backprop.ScalarGraph([backprop.Node("y", ("x",), lambda x: x, lambda x: (1.0,))])


def test_stepper_frames_show_values_then_adjoints():
    frames = backprop.stepper_frames()
    graph = backprop.regularized_logistic_graph()
    computed = [n.name for n in graph.nodes if n.parents]
    assert len(frames) == 1 + len(computed) + len(computed) + 2  # inputs, forward, backward (+w, b)
    assert all(not f["adjoints"] for f in frames[: 1 + len(computed)])
    assert list(frames[-1]["adjoints"]) == ["L_reg", "R", "L", "ŷ", "z", "b", "w"]


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_delta_recursion_equals_nnlib_backward_and_finite_differences(activation):
    rng = np.random.default_rng(1)
    model = layers.mlp([3, 5, 4, 2], activation, rng=rng)
    x, y = rng.standard_normal((7, 3)), rng.standard_normal((7, 2))
    _, grads_w, grads_b = backprop.deltas_by_recursion(*backprop.dense_and_activations(model), x, y)
    loss = losses.MSELoss()
    model.zero_grad()
    model.backward(loss(model(x), y).backward())
    dense = [m for m in model if isinstance(m, layers.Dense)]
    for layer, gw, gb in zip(dense, grads_w, grads_b, strict=True):
        np.testing.assert_allclose(gw, layer.weight.grad, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(gb, layer.bias.grad, rtol=1e-10, atol=1e-14)

    def loss_of_w1(w1):
        saved = dense[0].weight.data.copy()
        dense[0].weight.data[:] = w1
        value = loss(model(x), y)
        dense[0].weight.data[:] = saved
        return value

    report = gradcheck.check_grad(loss_of_w1, dense[0].weight.data, grads_w[0], tol=1e-6)
    assert report.passed, str(report)


def test_sigmoid_error_signals_shrink_faster_than_relu_ones():
    sig, _ = backprop.error_signal_norms("sigmoid", 8)
    relu, _ = backprop.error_signal_norms("relu", 8)
    assert len(sig) == 9
    assert sig[0] / sig[-1] < relu[0] / relu[-1]
    assert sig[0] / sig[-1] < 1e-3


def test_time_forward_backward_reports_positive_times_per_width():
    rows = backprop.time_forward_backward(widths=(16, 32), batch=8, repeats=2)
    assert [r["width"] for r in rows] == [16, 32]
    for row in rows:
        assert row["forward_ms"] > 0 and row["backward_ms"] > 0
        assert row["ratio"] == pytest.approx(row["backward_ms"] / row["forward_ms"])


def test_scalar_and_vector_forms_of_the_two_layer_backward_pass_match_nnlib():
    rng = np.random.default_rng(2)
    net = layers.mlp([3, 4, 2], "sigmoid", rng=rng)
    w1, b1, w2, b2 = (p.data for p in net.parameters())
    x, t = rng.standard_normal(3), rng.standard_normal(2)
    scalar = backprop.two_layer_grads_scalar(x, t, w1, b1, w2, b2)
    vector = backprop.two_layer_grads_vector(x, t, w1, b1, w2, b2)
    net.zero_grad()
    loss = losses.MSELoss()(net(x[None]), t[None])
    net.backward(loss.backward())
    for name, p in zip(["W1", "b1", "W2", "b2"], net.parameters(), strict=True):
        np.testing.assert_allclose(scalar[name], p.grad, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(vector[name], p.grad, rtol=1e-12, atol=1e-15)


def test_lbfgs_gets_every_gradient_from_a_backward_pass():
    x, y = neurons.load_dataset("rings")
    model = layers.mlp([2, 3, 1], "tanh", rng=0)
    calls = []
    original_backward = model.backward

    def counted_backward(grad):
        calls.append(1)
        return original_backward(grad)

    model.backward = counted_backward
    run = backprop.count_backward_passes(
        model, losses.BCEWithLogitsLoss(), x, y[:, None] * 1.0, steps=4, max_iter=5
    )
    assert run.backward_passes == len(calls) >= 4
    assert len(run.losses) == 4 and run.losses[-1] < run.losses[0]
