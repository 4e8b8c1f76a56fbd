"""The two base classes every layer builds on: `Parameter` and `Module`.

A `Module` maps a batch forward and, given the gradient of a scalar loss with respect to its
output, returns the gradient with respect to its input (the error signal of the backprop
lecture) while *adding* the gradient of each of its parameters into `Parameter.grad`.
Gradients accumulate (`+=`) so that a parameter used twice receives both contributions; call
`zero_grad()` (or the optimizer's) before each backward pass.

The conventions every layer shares live here, not in the layers:

- Input (`Module.__call__`, as in PyTorch: call the module, not `forward`): anything NumPy can
  read as a numeric array (a list, a tuple, an array) is converted; anything else raises a
  TypeError naming what came.
- The dtype rule (PyTorch's): a module computes in its parameters' dtype. A floating input of
  another dtype raises a TypeError naming both dtypes (convert the input with `x.astype(...)`,
  or build the layer with `dtype=`); nothing is cast silently, so float32 stays float32 end to
  end, at float32's speed. An integer or boolean input is exact data, not a precision choice:
  it is converted to the parameters' dtype (float64 for a module without parameters).
- Randomness: `rng=` is a Generator, an integer seed or None (`nnlib.random.as_rng`).
- Parameter names are PyTorch's: the attribute a layer stores it in ('weight', 'bias'; a
  BatchNorm's gamma and beta are 'weight' and 'bias', a PReLU's alpha is 'weight'), after the
  path of the sub-module ('0.weight' inside a Sequential); `named_parameters()` is the one
  place a name comes from.
- `repr` is PyTorch's: the class name, the layer's own settings (`extra_repr()`), then one line
  per sub-module, indented.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import numpy as np

from nnlib.checks import as_float_array


class Parameter:
    """A trainable array `data` with its gradient `grad` (same shape and dtype, zeros at first).

    A Parameter has no name of its own: as in PyTorch, its name is where a module stores it,
    reported by `Module.named_parameters()` ('weight', '0.bias', 'encoder.0.weight').
    """

    def __init__(self, data: np.ndarray) -> None:
        data = as_float_array(data)
        self.data = data
        self.grad = np.zeros_like(data)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    def zero_grad(self) -> None:
        self.grad[...] = 0.0

    def __repr__(self) -> str:
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"


def as_numeric_array(x: object, who: str) -> np.ndarray:
    """`x` as a NumPy array of floats, integers or booleans, or a TypeError naming what came."""
    given = type(x).__name__
    if not isinstance(x, np.ndarray):
        try:
            x = np.asarray(x)
        except (TypeError, ValueError) as error:  # ragged lists, ...
            raise TypeError(f"{who} expected a numeric array, got {given} ({error})") from None
    if x.dtype.kind not in "biuf":
        raise TypeError(
            f"{who} expected a numeric array (float, int or bool), got {given} of dtype {x.dtype}"
        )
    return x


class Module:
    """Base class: subclasses implement `forward` and `backward` (and `extra_repr` if they have
    settings worth printing).

    Parameters and sub-modules stored as attributes (or in lists of them) are found
    automatically by `parameters()` and `modules()`, in attribute order.
    """

    training: bool = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} does not implement forward()")

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} does not implement backward()")

    def __call__(self, x: object) -> np.ndarray:
        """forward(x), `x` converted or refused by the dtype rule of this module's docstring."""
        if type(x) is not np.ndarray or x.dtype.kind != "f":
            x = as_numeric_array(x, type(self).__name__)
            if x.dtype.kind != "f":  # integers and booleans: exact, so converted
                first = next(iter(self.parameters()), None)
                x = x.astype(np.float64 if first is None else first.data.dtype)
        own = self._own_dtype()
        if own is not None and x.dtype != own:
            raise TypeError(
                f"{type(self).__name__} has {own} parameters but got a {x.dtype} input; convert "
                f"the input (x.astype(np.{own})) or build the layer with dtype=np.{x.dtype}"
            )
        return self.forward(x)

    def _own_dtype(self) -> np.dtype | None:
        """The dtype of this module's own parameters (a container has none: its layers check)."""
        for value in vars(self).values():
            if isinstance(value, Parameter):
                return value.data.dtype
        return None

    def _children(self) -> Iterator[Module | Parameter]:
        for value in vars(self).values():
            items = value if isinstance(value, list | tuple) else (value,)
            for item in items:
                if isinstance(item, Module | Parameter):
                    yield item

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(attribute name, sub-module) pairs; a list attribute gives `name.0`, `name.1`, ..."""
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, list | tuple):
                for i, item in enumerate(value):
                    if isinstance(item, Module):
                        yield f"{name}.{i}", item

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

    def named_parameters(self) -> list[tuple[str, Parameter]]:
        """(name, Parameter) for every parameter, each once, named as PyTorch names them: the
        attribute ('weight'), after the path of `named_children` ('0.bias' is the bias of a
        Sequential's first layer)."""
        found: list[tuple[str, Parameter]] = []
        seen: set[int] = set()

        def walk(module: Module, prefix: str) -> None:
            for name, value in vars(module).items():
                items = enumerate(value) if isinstance(value, list | tuple) else [(None, value)]
                for i, item in items:
                    if isinstance(item, Parameter) and id(item) not in seen:
                        seen.add(id(item))
                        found.append((prefix + (name if i is None else f"{name}.{i}"), item))
            for name, child in module.named_children():
                walk(child, f"{prefix}{name}.")

        walk(self, "")
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

    def extra_repr(self) -> str:
        """The settings shown between the parentheses of `repr` (PyTorch's hook); none here."""
        return ""

    def __repr__(self) -> str:
        children = [
            f"  ({name}): " + repr(module).replace("\n", "\n  ")
            for name, module in self.named_children()
        ]
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        settings = f"\n  {self.extra_repr()}" if self.extra_repr() else ""
        return f"{type(self).__name__}({settings}\n" + "\n".join(children) + "\n)"


def _constructor_arguments(cls: type) -> list[str]:
    """The names of cls's constructor arguments, a `**kwargs` replaced by the parent's."""
    names: list[str] = []
    for klass in cls.__mro__:
        if klass is object or "__init__" not in vars(klass):
            continue
        forwards = False
        for name, parameter in inspect.signature(klass.__init__).parameters.items():
            if parameter.kind is inspect.Parameter.VAR_KEYWORD:
                forwards = True
            elif name not in names and name != "self":
                names.append(name)
        if not forwards:
            break
    return names


class Settings:
    """`repr` from the hook modules use, `extra_repr()`: ``SGD(lr=0.1, momentum=0.9, ...)``.

    The base of every optimizer, learning-rate schedule and loss. The default `extra_repr`
    shows each constructor argument as `name=value`, read from the attribute of the same
    name, so a new class shows its hyper-parameters without code (and a test fails if one
    is not stored under its name). `not_settings` lists the arguments that are data, not
    settings (an optimizer's parameters).
    """

    not_settings: tuple[str, ...] = ()

    def extra_repr(self) -> str:
        names = [n for n in _constructor_arguments(type(self)) if n not in self.not_settings]
        return ", ".join(f"{name}={getattr(self, name)!r}" for name in names)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"
