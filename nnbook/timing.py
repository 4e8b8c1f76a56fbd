"""Timing for the chapters' cost experiments: best-of-n wall times on one BLAS thread."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np


def best_times(fns: Sequence[Callable[[], object]], repeats: int = 3) -> list[float]:
    """Best wall time (seconds) of each function over `repeats` rounds, the functions
    interleaved so that a busy spell of the machine slows all of them rather than one."""
    best = [np.inf] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def best_time(fn: Callable[[], object], repeats: int = 3) -> float:
    """Best wall time (seconds) of `fn` over `repeats` calls."""
    return best_times([fn], repeats)[0]


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run BLAS on one thread: timings then count operations, not how busy the other cores
    are, and small matrices gain nothing from more threads (on a loaded machine spinning BLAS
    threads make them up to ten times slower)."""
    try:
        from threadpoolctl import threadpool_limits  # in both locks; optional elsewhere
    except ImportError:  # pragma: no cover - timing still works, only noisier
        yield
        return
    with threadpool_limits(1, user_api="blas"):
        yield
