"""The optimizer base class and the argument checks every optimizer shares.

One signature for all of them (CS231n's idea, PyTorch's names): ``Opt(params, lr=..., ...)``
with ``step()`` to update the parameters from their ``.grad`` and ``zero_grad()`` to clear
the gradients before the next backward pass.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from nnlib.module import Parameter, Settings


def check_nonnegative(name: str, value: float) -> float:
    """Return ``value`` as a float, or raise ValueError if it is negative or not finite."""
    value = float(value)
    if not math.isfinite(value) or value < 0.0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return value


def check_unit_interval(name: str, value: float) -> float:
    """Return ``value`` as a float, or raise ValueError unless 0 <= value < 1."""
    value = float(value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must lie in [0, 1), got {value!r}")
    return value


class Optimizer(Settings):
    """Holds the parameters and the learning rate ``lr`` (schedules change ``lr`` between steps).

    ``repr`` shows every hyper-parameter (``Settings``): ``SGD(lr=0.1, momentum=0.9, ...)``.
    """

    not_settings = ("params",)

    def __init__(self, params: Iterable[Parameter], lr: float) -> None:
        self.params: list[Parameter] = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        for p in self.params:
            if not isinstance(p, Parameter):
                raise TypeError(f"optimizer expects nnlib Parameters, got {type(p).__name__}")
        self.lr = lr
        self.steps = 0  # number of step() calls so far (Adam's t)

    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = check_nonnegative("lr", value)

    def zero_grad(self) -> None:
        """Set every parameter's gradient to zero (gradients accumulate otherwise)."""
        for p in self.params:
            p.grad[...] = 0.0

    def step(self) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    def _buffers(self) -> list[np.ndarray]:
        """One zero array per parameter, same shape and dtype (for moments and scratch space)."""
        return [np.zeros_like(p.data) for p in self.params]
