"""Demos and experiments of chapter 4 (Optimizers): the frames differ across their grids and the
claims the chapter makes from these functions hold."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnbook import optimizers  # noqa: E402


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
