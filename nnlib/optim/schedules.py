"""Learning-rate schedules (deck 002's step, cosine, linear and inverse square root).

A schedule wraps an optimizer: it sets ``optimizer.lr = lr_at(0)`` when created and
``lr_at(epoch)`` after each ``step()`` (call it once per epoch, after the epoch). ``lr_at`` is a
pure function of the epoch, so figures can plot a schedule without training. For a plot alone,
pass a base learning rate instead of an optimizer: ``CosineSchedule(0.1, T_max=50).lr_at(10)``.
Notation: alpha_0 the base learning rate, t the epoch (0, 1, 2, ...), T the number of epochs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from nnlib.checks import integer, nonnegative
from nnlib.module import Settings
from nnlib.optim.base import Optimizer


class LRScheduler(Settings):
    """Base class: subclasses implement ``lr_at(epoch)``.

    ``repr`` shows the base learning rate and every setting: ``CosineSchedule(base_lr=0.1,
    T_max=50, eta_min=0.0)``.
    """

    not_settings = ("optimizer",)

    def extra_repr(self) -> str:
        return ", ".join(filter(None, [f"base_lr={self.base_lr!r}", super().extra_repr()]))

    def __init__(self, optimizer: Optimizer | float) -> None:
        if isinstance(optimizer, Optimizer):
            self.optimizer: Optimizer | None = optimizer
            self.base_lr = optimizer.lr
        else:
            self.optimizer = None
            self.base_lr = nonnegative("base learning rate", optimizer)
        self.epoch = 0

    def _start(self) -> None:
        self._apply(self.lr_at(0))

    def _apply(self, lr: float) -> None:
        self._lr = lr
        if self.optimizer is not None:
            self.optimizer.lr = lr

    @property
    def lr(self) -> float:
        """The learning rate for the current epoch."""
        return self._lr

    def lr_at(self, epoch: int) -> float:
        raise NotImplementedError

    def step(self) -> float:
        """Advance one epoch and set the optimizer's learning rate; return it."""
        self.epoch += 1
        self._apply(self.lr_at(self.epoch))
        return self._lr

    def curve(self, epochs: int) -> np.ndarray:
        """lr_at(0), ..., lr_at(epochs - 1) as an array (for plots)."""
        return np.array([self.lr_at(t) for t in range(epochs)])


class StepSchedule(LRScheduler):
    """alpha_t = alpha_0 gamma^(number of milestones <= t) (PyTorch's MultiStepLR).

    Give ``milestones`` (e.g. (30, 60, 90), the ResNet recipe in deck 002) or a period
    ``step_size`` (decay every ``step_size`` epochs, PyTorch's StepLR).
    """

    def __init__(
        self,
        optimizer: Optimizer | float,
        milestones: Sequence[int] | None = None,
        gamma: float = 0.1,
        step_size: int | None = None,
    ) -> None:
        super().__init__(optimizer)
        if (milestones is None) == (step_size is None):
            raise ValueError("give exactly one of milestones and step_size")
        self.milestones = sorted(milestones) if milestones is not None else None
        self.step_size = integer("step_size", step_size) if step_size is not None else None
        self.gamma = nonnegative("gamma", gamma)
        self._start()

    def lr_at(self, epoch: int) -> float:
        if self.step_size is not None:
            drops = epoch // self.step_size
        else:
            drops = sum(1 for m in self.milestones if epoch >= m)
        return self.base_lr * self.gamma**drops


class CosineSchedule(LRScheduler):
    """alpha_t = eta_min + (alpha_0 - eta_min) (1 + cos(pi t / T)) / 2, constant after T."""

    def __init__(self, optimizer: Optimizer | float, T_max: int, eta_min: float = 0.0) -> None:  # noqa: N803
        super().__init__(optimizer)
        self.T_max = integer("T_max", T_max)
        self.eta_min = nonnegative("eta_min", eta_min)
        self._start()

    def lr_at(self, epoch: int) -> float:
        t = min(epoch, self.T_max)
        return (
            self.eta_min
            + (self.base_lr - self.eta_min) * (1 + math.cos(math.pi * t / self.T_max)) / 2
        )


class LinearSchedule(LRScheduler):
    """Linear warm-up, then linear decay: alpha_t = alpha_0 (1 - t / T) without warm-up.

    With ``warmup`` w > 0: alpha_t = alpha_0 (t + 1) / w for t < w, then a straight line from
    alpha_0 at t = w to ``end_factor`` alpha_0 at t = T (and constant after).
    """

    def __init__(
        self,
        optimizer: Optimizer | float,
        T_max: int,
        warmup: int = 0,
        end_factor: float = 0.0,  # noqa: N803
    ) -> None:
        super().__init__(optimizer)
        self.T_max = integer("T_max", T_max)
        self.warmup = integer("warmup", warmup, minimum=0)
        if self.warmup >= self.T_max:
            raise ValueError(f"warmup must be < T_max={self.T_max}, got {warmup!r}")
        self.end_factor = nonnegative("end_factor", end_factor)
        self._start()

    def lr_at(self, epoch: int) -> float:
        if epoch < self.warmup:
            return self.base_lr * (epoch + 1) / self.warmup
        fraction = min(epoch - self.warmup, self.T_max - self.warmup) / (self.T_max - self.warmup)
        return self.base_lr * (1 - (1 - self.end_factor) * fraction)


class InverseSqrtSchedule(LRScheduler):
    """alpha_t = alpha_0 / sqrt(t + 1): deck 002's alpha_0 / sqrt(t) with epochs counted from 1.

    With ``warmup`` w > 0: alpha_t = alpha_0 (t + 1) / w for t < w, then alpha_0 sqrt(w / (t + 1))
    (the Transformer's schedule, continuous at t = w - 1).
    """

    def __init__(self, optimizer: Optimizer | float, warmup: int = 0) -> None:
        super().__init__(optimizer)
        self.warmup = integer("warmup", warmup, minimum=0)
        self._start()

    def lr_at(self, epoch: int) -> float:
        if epoch < self.warmup:
            return self.base_lr * (epoch + 1) / self.warmup
        return self.base_lr * math.sqrt(max(self.warmup, 1) / (epoch + 1))


__all__ = [
    "CosineSchedule",
    "InverseSqrtSchedule",
    "LRScheduler",
    "LinearSchedule",
    "StepSchedule",
]
