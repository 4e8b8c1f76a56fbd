"""Demos and experiments of chapter 4 (Optimizers): the frames differ across their grids and the
claims the chapter makes from these functions hold."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from nnbook import optimizers  # noqa: E402
from nnlib import data, layers, optim, search  # noqa: E402


def test_race_at_three_times_the_rate_plain_sgd_diverges_but_adam_does_not():
    paths = optimizers.race_paths("ill-conditioned quadratic", 3.0, 0.0)
    steps = optimizers.STEPS["ill-conditioned quadratic"]
    assert len(paths["SGD"]) <= steps  # stopped early: it left the finite window
    assert len(paths["Adam"]) == steps + 1
    assert np.linalg.norm(paths["Adam"][-1]) < 0.1


def test_race_normalised_methods_leave_the_saddle_sooner():
    surface = optimizers.SURFACES["saddle"]()
    paths = optimizers.race_paths("saddle", 1.0, 0.0)

    def escape_step(path):  # first step below f = -0.5 (saddle 0, minima -1)
        below = np.nonzero([surface.f(p) < -0.5 for p in path])[0]
        return below[0] if len(below) else np.inf

    steps = {name: escape_step(path) for name, path in paths.items()}
    assert steps["Adam"] < steps["RMSProp"] < steps["SGD"] < np.inf


def test_decaying_schedules_lower_the_noise_floor():
    floor = {s: optimizers.noisy_sgd_losses(s, 0.05)[-10:].mean() for s in optimizers.SCHEDULES}
    assert floor["cosine"] < floor["constant"] / 3


def test_lr_curves_follow_the_schedules():
    np.testing.assert_allclose(optimizers.lr_curve("constant", 0.1), 0.1)
    cosine = optimizers.lr_curve("cosine", 0.1)
    assert cosine[0] == pytest.approx(0.1) and np.all(np.diff(cosine) <= 0)
    warm = optimizers.lr_curve("linear (warm-up)", 0.1)
    assert warm[0] < warm[optimizers.EPOCHS // 10]


# ---------------------------------------------------------------------------------------------
# Local minima and plateaus
# ---------------------------------------------------------------------------------------------


def test_wavy_grad_is_the_derivative_of_wavy():
    theta, h = np.linspace(-4, 4, 41), 1e-6
    numerical = (optimizers.wavy(theta + h) - optimizers.wavy(theta - h)) / (2 * h)
    np.testing.assert_allclose(optimizers.wavy_grad(theta), numerical, atol=1e-8)


def test_descend_1d_ends_in_three_distinct_minima_with_different_losses():
    path = optimizers.descend_1d(optimizers.wavy_grad, np.linspace(-3.5, 3.5, 8), lr=0.1, steps=100)
    assert path.shape == (101, 8)
    ends = path[-1]
    assert np.all(np.abs(optimizers.wavy_grad(ends)) < 1e-6), "stationary"
    assert np.all(0.1 - 2 * np.sin(2 * ends) > 0), "f'' > 0: minima, not maxima"
    minima = np.unique(np.round(ends, 4))
    assert len(minima) == 3
    assert len(np.unique(np.round(optimizers.wavy(minima), 4))) == 3
    # each run went downhill all the way (no jump over a ripple at this rate)
    assert np.all(np.diff(optimizers.wavy(path), axis=0) <= 1e-12)


def test_descend_1d_is_plain_gradient_descent():
    path = optimizers.descend_1d(optimizers.wavy_grad, np.array([0.3, -2.0]), lr=0.05, steps=3)
    theta = np.array([0.3, -2.0])
    for k in range(1, 4):
        theta = theta - 0.05 * optimizers.wavy_grad(theta)
        np.testing.assert_allclose(path[k], theta)


@pytest.fixture(scope="module")
def relu_runs():
    return {seed: optimizers.relu_pair_on_abs(seed) for seed in range(10)}


def test_relu_pair_ends_in_several_minima_explained_by_its_bends(relu_runs):
    x, t = data.target_1d("abs", n=40)
    constant_fit = 0.5 * np.mean((t - t.mean()) ** 2)
    levels = {}
    for run, grad_norm, bends, dead in relu_runs.values():
        levels.setdefault(bends, []).append(run[-1])
        assert bends + dead <= 2
        if bends == 0:  # a linear function of x: the best is the mean
            assert run[-1] == pytest.approx(constant_fit, rel=1e-6)
            assert grad_norm < 1e-8
        if run[-1] > 1e-2:  # every bad ending has lost a unit
            assert dead >= 1
    assert {0, 1, 2} <= set(levels), "the ten seeds show all three endings"
    assert min(levels[2]) < 1e-6 < constant_fit
    assert all(1e-2 < loss < constant_fit for loss in levels[1])


def test_one_bend_beside_a_linear_unit_fits_abs_exactly():
    # |x| = 2 relu(x) - x: the second unit relu(x + 2) is linear on [-1, 1]
    x, t = data.target_1d("abs", n=40)
    model = layers.Sequential(layers.Dense(1, 2, rng=0), layers.ReLU(), layers.Dense(2, 1, rng=0))
    model[0].weight.data[...] = [[1.0, 1.0]]
    model[0].bias.data[...] = [0.0, 2.0]
    model[2].weight.data[...] = [[2.0], [-1.0]]
    model[2].bias.data[...] = [2.0]
    np.testing.assert_allclose(model(x), t, atol=1e-12)


@pytest.mark.parametrize("kappa", [10.0, 100.0, 1000.0])
def test_heavy_ball_rate_is_sqrt_kappa_rate(kappa):
    lr, mu = optimizers.heavy_ball_parameters(kappa)
    # both extreme eigenvalues on the edge of the complex roots: eta lambda = (1 -+ sqrt(mu))^2
    assert lr * 1.0 == pytest.approx((1 - np.sqrt(mu)) ** 2)
    assert lr * kappa == pytest.approx((1 + np.sqrt(mu)) ** 2)
    expected = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
    measured = optimizers.measured_rate(lambda ps: optim.SGD(ps, lr=lr, momentum=mu), kappa, 400)
    assert expected <= measured <= expected * 2 ** (1 / 200) * 1.0001  # the double roots' factor t
    gd = optimizers.measured_rate(lambda ps: optim.SGD(ps, lr=2 / (1 + kappa)), kappa, 400)
    assert gd == pytest.approx((kappa - 1) / (kappa + 1), rel=1e-9)


def test_plateau_lengthens_as_the_initial_weights_shrink():
    x, t = data.target_1d("sin", n=40, interval=(-3.0, 3.0))
    lengths = []
    for scale in [1e-2, 1e-4, 1e-6]:
        run = optimizers.plateau_run(scale, steps=400)
        assert run[0] == pytest.approx(0.5 * np.mean(t**2), rel=1e-3), "starts at output ~ 0"
        assert run[-1] < 0.3 * run[0], "and leaves the plateau"
        lengths.append(int(np.argmax(run < 0.9 * run[0])))
    assert lengths[0] < lengths[1] < lengths[2]
    increments = np.diff(lengths)  # about the same per factor 100: length ~ log(1/scale)
    assert 0.5 < increments[0] / increments[1] < 2


# ---------------------------------------------------------------------------------------------
# Recipe steps 4 and 5 on the digits
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def digit_splits():
    X, y = data.digits()
    (Xt, yt), (Xv, yv), _ = data.train_val_test_split(X, y, 0.2, 0.2, rng=0)
    Xt, Xv = data.standardize(Xt, Xv)
    return (Xt, yt), (Xv, yv)


def test_train_relu_net_learns_with_a_good_rate_and_not_with_a_tiny_one(digit_splits):
    _, good = optimizers.train_relu_net(*digit_splits, lr=1e-2, weight_decay=1e-5, epochs=3)
    _, tiny = optimizers.train_relu_net(*digit_splits, lr=1e-5, weight_decay=1e-5, epochs=3)
    assert len(good["val_accuracy"]) == 3
    assert good["val_accuracy"][-1] > 0.85
    assert tiny["val_accuracy"][-1] < 0.3


def test_plot_search_circles_the_best_trial():
    coarse = [search.Trial({"lr": 1e-3, "weight_decay": 1e-4}, 0.5),
              search.Trial({"lr": 1e-2, "weight_decay": 1e-5}, 0.9)]  # fmt: skip
    fine = [search.Trial({"lr": 2e-2, "weight_decay": 2e-5}, 0.8)]
    fig = optimizers.plot_search({"coarse": coarse, "fine": fine}, title="t")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    circled = ax.collections[-1].get_offsets()
    np.testing.assert_allclose(circled, [[1e-2, 1e-5]])
    assert ax.get_xscale() == ax.get_yscale() == "log"


def test_online_counterexample_separates_sgd_from_adam_with_small_beta2():
    sgd = optimizers.online_counterexample(lambda ps: optim.SGD(ps, lr=0.01))
    adam = optimizers.online_counterexample(lambda ps: optim.Adam(ps, lr=0.01, betas=(0.0, 0.1)))
    # over three steps the loss is (C - 2) x: the best point is -1, the worst +1
    assert sgd[-30:].mean() < -0.9
    assert adam[-30:].mean() > 0.9
    assert np.all(np.abs(adam) <= 1.0)


def test_excess_loss_is_tiny_for_full_batch_lbfgs_and_larger_on_small_batches():
    X, y = optimizers.noisy_regression(n=300, d=5)
    full = optimizers.excess_loss("L-BFGS", X, y, batch_size=300, steps=60)
    small = optimizers.excess_loss("L-BFGS", X, y, batch_size=10, steps=60)
    assert abs(full) < 1e-8
    assert small > 1e-4
