"""nnlib.viz: the house style and the shared figures draw what they are given."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnlib import optim, train, viz  # noqa: E402

OKABE_ITO = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}


def test_palette_is_okabe_ito_and_style_applies():
    assert set(viz.COLORS) == OKABE_ITO
    viz.use_style()
    assert tuple(plt.rcParams["figure.figsize"]) == (6.0, 4.0)
    assert plt.rcParams["figure.dpi"] == 100
    assert plt.rcParams["axes.prop_cycle"].by_key()["color"][0] == viz.COLORS[0]


def test_figures_are_not_left_open_in_pyplot():
    before = plt.get_fignums()
    for _ in range(3):
        viz.plot_loss_curves({"loss": [1.0, 0.5]})
    assert plt.get_fignums() == before


def test_decision_boundary_of_a_threshold_function():
    X = np.array([[-1.0, 0.0], [1.0, 0.0]])
    y = np.array([0, 1])
    fig = viz.plot_decision_boundary(lambda p: (p[:, 0] > 0).astype(float), X, y, resolution=20)
    mesh = fig.axes[0].collections[0].get_array().reshape(20, 20)
    assert np.all(mesh[:, :10] == 0) and np.all(mesh[:, 10:] == 1)  # left class 0, right class 1
    assert fig.axes[0].get_xlabel() == "$x_1$"


def test_decision_boundary_multiclass_uses_argmax():
    X = np.array([[-1.0, -1.0], [1.0, 1.0], [1.0, -1.0]])
    y = np.array([0, 1, 2])

    def scores(p):  # class 2 below the x axis, else 0 left / 1 right
        return np.column_stack([-p[:, 0], p[:, 0], -3 * p[:, 1]])

    fig = viz.plot_decision_boundary(scores, X, y, resolution=30, padding=0.0)
    mesh = fig.axes[0].collections[0].get_array().reshape(30, 30)
    assert mesh[0, 29] == 2 and mesh[29, 0] == 0 and mesh[29, 29] == 1


def test_loss_curves_plot_the_history():
    history = train.History()
    for epoch, (a, b) in enumerate([(1.0, 1.2), (0.6, 0.9), (0.3, 0.8)]):
        history.append(epoch, {"loss": a, "val_loss": b})
    ax = viz.plot_loss_curves(history).axes[0]
    lines = ax.get_lines()
    assert len(lines) == 2
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(lines[1].get_ydata(), [1.2, 0.9, 0.8])
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"


def test_layer_histograms_one_panel_per_layer():
    values = {"layer 1": np.zeros(100), "layer 2": np.ones(100) * 2}
    fig = viz.plot_layer_histograms(values)
    assert len(fig.axes) == 2
    assert "mean 2" in fig.axes[1].get_title()
    with pytest.raises(ValueError):
        viz.plot_layer_histograms([])


def test_optimizer_paths_on_a_surface():
    surface = optim.quadratic(10.0)
    path = optim.optimizer_path(lambda ps: optim.SGD(ps, lr=0.05), surface.grad, surface.start, 20)
    fig = viz.plot_optimizer_paths(surface, {"SGD": path})
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.get_lines()[0].get_xydata(), path)
    assert ax.get_xlim() == surface.xlim and ax.get_title() == surface.name
    with pytest.raises(ValueError, match="xlim"):
        viz.plot_optimizer_paths(lambda p: p[0] ** 2, {"a": path})


def test_weight_images_symmetric_scale():
    W = np.arange(12, dtype=float).reshape(4, 3) - 3.0  # three 2x2 images
    fig = viz.show_weight_images(W, (2, 2), ncols=3)
    images = [ax.get_images()[0] for ax in fig.axes if ax.get_images()]
    assert len(images) == 3
    np.testing.assert_array_equal(images[0].get_array(), W[:, 0].reshape(2, 2))
    assert images[0].get_clim() == (-6.0, 6.0)
    with pytest.raises(ValueError, match="5"):
        viz.show_weight_images(np.ones((5, 2)), (2, 2))


def test_new_figure_with_margins_fixes_them_instead_of_constrained_layout():
    constrained, _ = viz.new_figure()
    assert constrained.get_layout_engine() is not None
    fixed, axes = viz.new_figure(1, 2, figsize=(6, 3), margins={"left": 0.2})
    assert fixed.get_layout_engine() is None and len(axes) == 2
    assert fixed.subplotpars.left == 0.2
    assert fixed.subplotpars.right == viz.FIXED_MARGINS["right"]
