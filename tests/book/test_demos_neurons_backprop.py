"""Demos and experiments of chapters 1 (Neurons) and 2 (Backpropagation).

Each demo returns figures whose frames differ across its grid, and the claims the chapters make
from these functions hold: the XOR thresholds, the collapse of linear stacks, the universal
approximation fits, the rings' topology, the adjoints of the stepper graph, the delta recursion.
"""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnbook import backprop, neurons  # noqa: E402
from nnlib import activations, autodiff, data, gradcheck, layers, losses, train  # noqa: E402


def test_every_activation_of_the_table_is_in_the_explorer():
    assert neurons.activation_explorer().grid["activation"] == list(activations.TABLE)


def test_activation_table_has_one_row_per_activation_with_its_properties():
    table = neurons.activation_table_markdown().splitlines()
    assert len(table) == 2 + len(activations.TABLE)
    relu_row = next(line for line in table if line.startswith("| relu |"))
    assert "$C^{0}$" in relu_row and "$[0, \\infty)$" in relu_row
    step_row = next(line for line in table if line.startswith("| binary_step |"))
    assert "$\\{0, 1\\}$" in step_row and "$C^{-1}$" in step_row


# ---- chapter 1 claims -------------------------------------------------------------------------


def test_xor_by_hand_computes_xor_with_or_and_and_units():
    x, y = data.xor()
    net = neurons.xor_by_hand()
    np.testing.assert_array_equal(net(x)[:, 0], y)
    hidden = net[1](net[0](x))
    np.testing.assert_array_equal(hidden[:, 0], np.logical_or(x[:, 0], x[:, 1]))
    np.testing.assert_array_equal(hidden[:, 1], np.logical_and(x[:, 0], x[:, 1]))


def test_linear_stack_collapses_to_one_layer():
    rng = np.random.default_rng(3)
    stack = layers.Sequential(layers.Dense(3, 6, rng=rng), layers.Dense(6, 2, rng=rng))
    stack[0].bias.data[:] = rng.standard_normal(6)  # nonzero biases, or the test is too easy
    w, b = neurons.collapse_linear_stack(stack)
    x = rng.standard_normal((20, 3))
    np.testing.assert_allclose(stack(x), x @ w + b, atol=1e-12)
    with pytest.raises(ValueError):
        neurons.collapse_linear_stack(layers.mlp([2, 3, 1]))


def test_a_few_tanh_units_approximate_continuous_targets_but_not_the_step_uniformly():
    for target in ("abs", "square", "sin"):
        assert neurons.fit_target(target, 10).max_error < 0.05
    assert neurons.fit_target("abs", 10).max_error < neurons.fit_target("abs", 1).max_error / 5
    step = neurons.fit_target("step", 10)
    assert step.max_error > 0.4  # the jump: no continuous F gets uniformly close
    assert step.rms_error < 0.1


def test_rings_need_three_units_width_two_never_separates_them():
    results = neurons.rings_experiment(((2, 1), (2, 2), (3, 1)), seeds=range(4))
    assert max(results[(2, 1)]) < 0.95 and max(results[(2, 2)]) < 0.97
    assert max(results[(3, 1)]) == 1.0


def test_three_spirals_need_depth_at_width_three():
    shallow = neurons.train_classifier("spirals", 3, 1, restarts=3).accuracy
    deep = neurons.train_classifier("spirals", 3, 2, restarts=3).accuracy
    assert deep > 0.95 and deep - shallow > 0.1


def test_digits_net_learns_and_first_layer_weights_are_images():
    model, accuracy = neurons.train_digits()
    assert accuracy > 0.9
    assert model[0].weight.shape == (64, 16)


def test_hidden_activations_are_tanh_of_the_first_layer():
    model = layers.mlp([2, 3, 1], "tanh", rng=5)
    x = np.random.default_rng(6).standard_normal((7, 2))
    expected = np.tanh(x @ model[0].weight.data + model[0].bias.data)
    np.testing.assert_allclose(neurons.hidden_representation(model, x), expected, atol=1e-15)


def test_hidden_layer_makes_the_rings_linearly_separable():
    raw, hidden = neurons.linear_separability("rings", 3)
    assert raw < 0.8  # a disc inside a ring: no line separates them in the plane
    assert hidden == 1.0  # after three tanh units, a plane does
    codes = neurons.hidden_codes("rings", 3)
    disc_codes = [code for code, (disc, _) in codes.items() if disc > 0]
    assert len(disc_codes) == 1  # every disc point on the same side of all three lines
    assert codes[disc_codes[0]][1] == 0  # and no ring point there
    assert sum(d + r for d, r in codes.values()) == len(neurons.load_dataset("rings")[1])


def test_hidden_layer_figures_have_a_3d_panel_for_three_units():
    fig = neurons.plot_hidden_layer("rings", 3)
    assert fig.axes[1].name == "3d"
    fig = neurons.plot_hidden_layer("xor", 2)
    assert fig.axes[1].name == "rectilinear"


def test_softplus_curvature_at_zero_is_a_quarter():
    assert neurons.softplus_curvature() == pytest.approx(0.25, abs=1e-15)
    h = 1e-3
    f = activations.softplus
    second = (f(np.array(h)) - 2 * f(np.array(0.0)) + f(np.array(-h))) / h**2
    assert float(second) == pytest.approx(neurons.softplus_curvature(), rel=1e-5)


def test_multiplication_gate_multiplies_within_the_taylor_bound():
    # The O(lambda^2) remainder is lambda^2 (x1^3 x2 + x1 x2^3) f''''(0) / (6 f''(0)) with
    # f''''(0) = sigma'''(0) = -1/8: at most lambda^2 / 6 on [-1, 1]^2.
    x = np.random.default_rng(0).uniform(-1, 1, (200, 2))
    for scale in (0.3, 0.05):
        gate = neurons.multiplication_gate(scale)
        assert [type(m).__name__ for m in gate] == ["Dense", "Activation", "Dense"]
        assert gate[0].weight.shape == (2, 4)
        error = np.abs(gate(x)[:, 0] - x[:, 0] * x[:, 1])
        assert error.max() <= scale**2 / 6 * 1.05


def test_multiplication_gate_error_shrinks_like_scale_squared_until_rounding():
    errors = [neurons.gate_error(s) for s in (0.2, 0.1, 0.05, 0.025)]
    for a, b in zip(errors, errors[1:], strict=False):
        assert 3.5 < a / b < 4.5  # halving lambda quarters the error
    assert neurons.gate_error(1e-6) > neurons.gate_error(1e-3)  # mu ~ 1/lambda^2 amplifies rounding
    with pytest.raises(ValueError):
        neurons.multiplication_gate(0.0)


def test_gate_error_figure_and_activation_timings():
    fig = neurons.plot_gate_errors((1.0, 0.1, 0.01))
    assert len(fig.axes[0].lines) == 2
    rows = neurons.time_activations(size=1000, repeats=2)
    assert [r["name"] for r in rows] == ["sigmoid", "tanh", "relu"]
    assert all(0 < r["numpy_ms"] < np.inf and 0 < r["nnlib_ms"] < np.inf for r in rows)
    x = np.linspace(-30, 30, 61)
    for name, formula in neurons.ACTIVATION_FORMULAS.items():  # timed formulas are the real ones
        np.testing.assert_allclose(formula(x), activations.get(name)(x), rtol=1e-12, atol=1e-300)


# ---- chapter 2: the scalar graph and its backward pass ----------------------------------------


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


# ---- chapter 2: the delta recursion, timing, gradient checks ----------------------------------


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


@pytest.mark.parametrize("name", list(activations.TABLE))
def test_the_printed_activation_table_agrees_with_the_functions(name):
    """Chapter 1 prints these properties from the registry: check them numerically."""
    f = activations.get(name)
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


def test_one_neuron_fails_on_xor_and_rings():
    fig = neurons.plot_linear_models(["xor", "rings"])
    assert len([ax for ax in fig.axes if ax.get_title()]) == 2
    for name in ("xor", "rings"):
        x, y = neurons.load_dataset(name)
        model, _ = neurons._train_once(x, y, [2, 1], seed=0, steps=10)
        assert train.accuracy(model(x), y, threshold=0) < 0.75


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
