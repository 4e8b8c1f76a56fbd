"""nnbook.neurons: chapter 1's demos and experiments.

Each demo returns figures whose frames differ across its grid, and the claims the chapter makes
from these functions hold: the XOR thresholds, the collapse of linear stacks, the universal
approximation fits, the rings' topology.
"""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnbook import neurons  # noqa: E402
from nnlib import activations, data, layers  # noqa: E402


def test_every_activation_of_the_table_is_in_the_explorer():
    assert neurons.activation_explorer().grid["activation"] == list(activations.TABLE)


def test_activation_table_has_one_row_per_activation_with_its_properties():
    table = neurons.activation_table_markdown().splitlines()
    assert len(table) == 2 + len(activations.TABLE)
    relu_row = next(line for line in table if line.startswith("| relu |"))
    assert "$C^{0}$" in relu_row and "$[0, \\infty)$" in relu_row
    step_row = next(line for line in table if line.startswith("| binary_step |"))
    assert "$\\{0, 1\\}$" in step_row and "$C^{-1}$" in step_row


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


def test_one_neuron_fails_on_xor_and_rings():
    fig = neurons.plot_linear_models(["xor", "rings"])
    assert len([ax for ax in fig.axes if ax.get_title()]) == 2
    for name in ("xor", "rings"):
        one_neuron = neurons.train_classifier(name, width=1, depth=0, steps=10)  # sizes [2, 1]
        assert one_neuron.accuracy < 0.75
