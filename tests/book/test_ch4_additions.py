"""Chapter 4 additions: local minima and plateaus (nnbook.optimizers) and the hyperparameter
search of recipe steps 4 and 5 (nnlib.search)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from nnbook import optimizers as demos  # noqa: E402
from nnlib import data, search  # noqa: E402

# ---------------------------------------------------------------------------------------------
# nnlib.search
# ---------------------------------------------------------------------------------------------


def test_log_uniform_lies_in_range_and_is_uniform_in_the_exponent():
    samples = search.log_uniform(1e-4, 1.0, size=4000, rng=0)
    assert samples.shape == (4000,)
    assert samples.min() >= 1e-4 and samples.max() <= 1.0
    # each decade gets a quarter of the samples; a linear-uniform draw would put 99% in the last
    counts = np.histogram(np.log10(samples), bins=[-4, -3, -2, -1, 0])[0]
    assert np.all(np.abs(counts / 4000 - 0.25) < 0.03)


def test_log_uniform_is_reproducible_and_scalar_without_size():
    assert search.log_uniform(1e-3, 1e-1, size=5, rng=7).tolist() == (
        search.log_uniform(1e-3, 1e-1, size=5, rng=7).tolist()
    )
    assert 1e-3 <= float(search.log_uniform(1e-3, 1e-1, rng=1)) <= 1e-1


@pytest.mark.parametrize("low, high", [(0.0, 1.0), (-1.0, 1.0), (1.0, 0.1)])
def test_log_uniform_rejects_bad_bounds(low, high):
    with pytest.raises(ValueError, match="low"):
        search.log_uniform(low, high)


def test_sample_draws_every_hyperparameter_within_its_own_range():
    space = {"lr": (1e-5, 1.0), "weight_decay": (1e-6, 1e-1)}
    settings = search.sample(space, 50, rng=3)
    assert len(settings) == 50
    for params in settings:
        assert set(params) == set(space)
        for name, (low, high) in space.items():
            assert low <= params[name] <= high
    assert len({params["lr"] for params in settings}) == 50, "random search tries n values"
    with pytest.raises(ValueError, match="trials"):
        search.sample(space, 0)


def test_random_search_evaluates_the_objective_at_the_recorded_settings():
    calls = []

    def objective(lr, weight_decay):
        calls.append({"lr": lr, "weight_decay": weight_decay})
        return -((np.log10(lr) + 2) ** 2) - 0.1 * np.log10(weight_decay) ** 2

    trials = search.random_search(objective, {"lr": (1e-5, 1), "weight_decay": (1e-3, 1)}, 30, 0)
    assert [trial.params for trial in trials] == calls
    for trial in trials:
        assert trial.score == pytest.approx(objective(**trial.params))


def test_best_returns_the_highest_score_and_skips_nan():
    trials = [search.Trial({"lr": lr}, score) for lr, score in
              [(1e-3, 0.5), (1e-2, np.nan), (1e-1, 0.9), (1.0, 0.9), (10.0, 0.2)]]  # fmt: skip
    assert search.best(trials) is trials[2], "the first of the tied best"
    with pytest.raises(ValueError, match="finite"):
        search.best([search.Trial({"lr": 1.0}, np.nan)])


def test_search_then_refine_finds_a_known_optimum():
    """On a score with its peak at lr = 1e-2, the refined search ends closer than the coarse one."""

    def score(lr, weight_decay):
        return -abs(np.log10(lr) + 2) - 0.01 * abs(np.log10(weight_decay) + 4)

    space = {"lr": (1e-5, 1.0), "weight_decay": (1e-6, 1e-1)}
    coarse = search.best(search.random_search(score, space, 20, rng=0))
    fine = search.best(search.random_search(score, search.around(coarse.params, 3.0), 20, rng=1))
    assert fine.score >= coarse.score
    assert abs(np.log10(fine.params["lr"]) + 2) < 0.2


def test_around_brackets_each_value_by_the_factor():
    box = search.around({"lr": 0.01, "weight_decay": 1e-4}, factor=3.0)
    assert box["lr"] == pytest.approx((0.01 / 3, 0.03))
    assert box["weight_decay"] == pytest.approx((1e-4 / 3, 3e-4))
    with pytest.raises(ValueError, match="factor"):
        search.around({"lr": 0.01}, factor=1.0)


# ---------------------------------------------------------------------------------------------
# Local minima and plateaus
# ---------------------------------------------------------------------------------------------


def test_wavy_grad_is_the_derivative_of_wavy():
    theta, h = np.linspace(-4, 4, 41), 1e-6
    numerical = (demos.wavy(theta + h) - demos.wavy(theta - h)) / (2 * h)
    np.testing.assert_allclose(demos.wavy_grad(theta), numerical, atol=1e-8)


def test_descend_1d_ends_in_three_distinct_minima_with_different_losses():
    path = demos.descend_1d(demos.wavy_grad, np.linspace(-3.5, 3.5, 8), lr=0.1, steps=100)
    assert path.shape == (101, 8)
    ends = path[-1]
    assert np.all(np.abs(demos.wavy_grad(ends)) < 1e-6), "stationary"
    assert np.all(0.1 - 2 * np.sin(2 * ends) > 0), "f'' > 0: minima, not maxima"
    minima = np.unique(np.round(ends, 4))
    assert len(minima) == 3
    assert len(np.unique(np.round(demos.wavy(minima), 4))) == 3
    # each run went downhill all the way (no jump over a ripple at this rate)
    assert np.all(np.diff(demos.wavy(path), axis=0) <= 1e-12)


def test_descend_1d_is_plain_gradient_descent():
    path = demos.descend_1d(demos.wavy_grad, np.array([0.3, -2.0]), lr=0.05, steps=3)
    theta = np.array([0.3, -2.0])
    for k in range(1, 4):
        theta = theta - 0.05 * demos.wavy_grad(theta)
        np.testing.assert_allclose(path[k], theta)


@pytest.fixture(scope="module")
def relu_runs():
    return {seed: demos.relu_pair_on_abs(seed) for seed in range(10)}


def test_relu_pair_ends_in_several_minima_explained_by_its_bends(relu_runs):
    x, t = data.target_1d("abs", n=40)
    constant_fit = 0.5 * np.mean((t - t.mean()) ** 2)
    levels = {}
    for run, grad_norm, bends in relu_runs.values():
        levels.setdefault(bends, []).append(run[-1])
        if bends == 0:  # a linear function of x: the best is the mean
            assert run[-1] == pytest.approx(constant_fit, rel=1e-6)
            assert grad_norm < 1e-8
    assert {0, 1, 2} <= set(levels), "the ten seeds show all three endings"
    assert min(levels[2]) < 1e-6 < constant_fit
    assert all(1e-2 < loss < constant_fit for loss in levels[1])


def test_plateau_lengthens_as_the_initial_weights_shrink():
    x, t = data.target_1d("sin", n=40, interval=(-3.0, 3.0))
    lengths = []
    for scale in [1e-2, 1e-4, 1e-6]:
        run = demos.plateau_run(scale, steps=400)
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
    _, good = demos.train_relu_net(*digit_splits, lr=1e-2, weight_decay=1e-5, epochs=3)
    _, tiny = demos.train_relu_net(*digit_splits, lr=1e-5, weight_decay=1e-5, epochs=3)
    assert len(good["val_accuracy"]) == 3
    assert good["val_accuracy"][-1] > 0.85
    assert tiny["val_accuracy"][-1] < 0.3


def test_plot_search_circles_the_best_trial():
    coarse = [search.Trial({"lr": 1e-3, "weight_decay": 1e-4}, 0.5),
              search.Trial({"lr": 1e-2, "weight_decay": 1e-5}, 0.9)]  # fmt: skip
    fine = [search.Trial({"lr": 2e-2, "weight_decay": 2e-5}, 0.8)]
    fig = demos.plot_search({"coarse": coarse, "fine": fine}, title="t")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    circled = ax.collections[-1].get_offsets()
    np.testing.assert_allclose(circled, [[1e-2, 1e-5]])
    assert ax.get_xscale() == ax.get_yscale() == "log"
