"""The optimizer base class.

One signature for all of them (CS231n's idea, PyTorch's names): ``Opt(params, lr=..., ...)``
with ``step()`` to update the parameters from their ``.grad`` and ``zero_grad()`` to clear
the gradients before the next backward pass.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from nnlib.checks import nonnegative
from nnlib.module import Parameter, Settings


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
        self._lr = nonnegative("lr", value)

    def zero_grad(self) -> None:
        """Set every parameter's gradient to zero (gradients accumulate otherwise)."""
        for p in self.params:
            p.grad[...] = 0.0

    def step(self) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    def _buffers(self) -> list[np.ndarray]:
        """One zero array per parameter, same shape and dtype (for moments and scratch space)."""
        return [np.zeros_like(p.data) for p in self.params]
