"""The two base classes every layer builds on: `Parameter` and `Module`.

A `Module` maps a batch forward and, given the gradient of a scalar loss with respect to its
output, returns the gradient with respect to its input (the error signal of the backprop
lecture) while *adding* the gradient of each of its parameters into `Parameter.grad`.
Gradients accumulate (`+=`) so that a parameter used twice receives both contributions; call
`zero_grad()` (or the optimizer's) before each backward pass.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


class Parameter:
    """A trainable array `data` with its gradient `grad` (same shape and dtype, zeros at first)."""

    def __init__(self, data: np.ndarray, name: str = "") -> None:
        data = np.asarray(data)
        if not np.issubdtype(data.dtype, np.floating):
            data = data.astype(np.float64)
        self.data = data
        self.grad = np.zeros_like(data)
        self.name = name

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    def zero_grad(self) -> None:
        self.grad[...] = 0.0

    def __repr__(self) -> str:
        return f"Parameter(name={self.name!r}, shape={self.data.shape}, dtype={self.data.dtype})"


class Module:
    """Base class: subclasses implement `forward` and `backward`.

    Parameters and sub-modules stored as attributes (or in lists of them) are found
    automatically by `parameters()` and `modules()`, in attribute order.
    """

    training: bool = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} does not implement forward()")

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} does not implement backward()")

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    def _children(self) -> Iterator[Module | Parameter]:
        for value in vars(self).values():
            items = value if isinstance(value, list | tuple) else (value,)
            for item in items:
                if isinstance(item, Module | Parameter):
                    yield item

    def modules(self) -> Iterator[Module]:
        """This module and every module below it, depth first."""
        yield self
        for child in self._children():
            if isinstance(child, Module):
                yield from child.modules()

    def parameters(self) -> list[Parameter]:
        """Every Parameter of this module and its sub-modules, each once, in a stable order."""
        found: list[Parameter] = []
        seen: set[int] = set()
        for module in self.modules():
            for child in module._children():
                if isinstance(child, Parameter) and id(child) not in seen:
                    seen.add(id(child))
                    found.append(child)
        return found

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.zero_grad()

    def train(self, mode: bool = True) -> Module:
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        return self.train(False)
