"""Hyperparameter search: log-uniform random search, then a finer search around the best trial.

Steps 4 and 5 of the practical training recipe (chapter 4). Learning rates and weight decays
matter by their order of magnitude, so they are drawn uniformly on a log scale,

    log10(value) ~ U(log10(low), log10(high)),

and random points cover each axis better than a grid of the same size (Bergstra and Bengio, 2012):
with n trials a grid tries only n^(1/d) values of each of its d hyperparameters, random search n.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from nnlib.checks import integer
from nnlib.random import RNGLike, as_rng

Space = Mapping[str, tuple[float, float]]


@dataclass(frozen=True)
class Trial:
    """One evaluated setting: the hyperparameters and the score the objective gave them."""

    params: dict[str, float]
    score: float


def log_uniform(
    low: float, high: float, size: int | None = None, rng: RNGLike = None
) -> np.ndarray | float:
    """Samples whose base-10 logarithm is uniform on [log10(low), log10(high)] (0 < low <= high)."""
    if not 0 < low <= high:
        raise ValueError(f"log_uniform needs 0 < low <= high, got low={low!r}, high={high!r}")
    return 10.0 ** as_rng(rng).uniform(np.log10(low), np.log10(high), size)


def sample(space: Space, trials: int, rng: RNGLike = None) -> list[dict[str, float]]:
    """``trials`` settings, each hyperparameter drawn log-uniformly from its (low, high) range."""
    trials = integer("trials", trials)
    generator = as_rng(rng)
    columns = {name: log_uniform(*bounds, size=int(trials), rng=generator)
               for name, bounds in space.items()}  # fmt: skip
    return [{name: float(values[i]) for name, values in columns.items()} for i in range(trials)]


def random_search(
    objective: Callable[..., float], space: Space, trials: int, rng: RNGLike = None
) -> list[Trial]:
    """Evaluate ``objective(**params)`` at ``trials`` log-uniform settings; trials in run order.

    The objective returns a score to maximise, such as a validation accuracy.
    """
    return [Trial(params, float(objective(**params))) for params in sample(space, trials, rng)]


def best(trials: Sequence[Trial]) -> Trial:
    """The trial with the highest score (the first one on a tie); NaN scores never win."""
    finite = [trial for trial in trials if np.isfinite(trial.score)]
    if not finite:
        raise ValueError("best needs at least one trial with a finite score")
    return max(finite, key=lambda trial: trial.score)


def around(params: Mapping[str, float], factor: float = 3.0) -> dict[str, tuple[float, float]]:
    """The finer search space: each value divided and multiplied by ``factor`` (> 1)."""
    if not factor > 1:
        raise ValueError(f"factor must be greater than 1, got {factor!r}")
    return {name: (value / factor, value * factor) for name, value in params.items()}
