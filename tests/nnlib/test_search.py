"""nnlib.search: log-uniform sampling and the coarse-to-fine random search of the practical
recipe (steps 4 and 5)."""

import numpy as np
import pytest

from nnlib import search


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
