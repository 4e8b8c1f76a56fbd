"""The evaluation traces of the lectures: primal, tangent (forward mode) and adjoint (reverse mode).

``capture(f, inputs)`` runs ``f`` once on scalar Tensors and keeps the computation graph with
one node per elementary operation, numbered in the order the program ran them (Baydin et al.'s
convention: inputs ``v_{1-n} .. v_0``, then ``v_1, v_2, ...``). From that graph

- the primal trace lists each ``v_i`` as an elementary function of earlier ones;
- the tangent trace re-runs the same operations on dual numbers (``nnlib.autodiff.Dual``):
  ``v̇_i = Σ_k ∂v_i/∂v_k v̇_k`` with ``ẋ`` the seed direction;
- the adjoint trace walks the operations backwards applying
  ``v̄_k = v̄_k + v̄_i ∂v_i/∂v_k`` once per edge, starting from ``ȳ = 1``; each local partial
  ``∂v_i/∂v_k`` is itself computed with a dual number seeded on operand ``k``.

``trace_forward`` and ``trace_reverse`` return a ``TraceTable`` that prints as text and renders as
HTML in a notebook.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnlib.autodiff import ops
from nnlib.autodiff.dual import Dual
from nnlib.autodiff.ops import ARITHMETIC, ELEMENTARY
from nnlib.autodiff.tensor import Tensor

_SUBSCRIPTS = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")
DOT, BAR = "\u0307", "\u0304"  # combining dot above, combining macron

# op -> (primal template, partial-derivative template per operand); {a}, {b} are the operands;
# read from nnlib's one table of elementary operations
RULES: dict[str, tuple[str, tuple[str, ...]]] = {
    name: (op.formula, op.partials) for name, op in ARITHMETIC.items()
} | {name: (op.formula, (op.partial,)) for name, op in ELEMENTARY.items()}


def subscript(i: int) -> str:
    """'v' with a Unicode subscript: subscript(-1) == '₋₁'."""
    return str(i).translate(_SUBSCRIPTS)


def decorate(label: str, mark: str) -> str:
    """Put a combining mark (dot for tangents, bar for adjoints) over a label's first letter."""
    return unicodedata.normalize("NFC", label[0] + mark + label[1:])


def fmt(x: float, decimals: int = 3) -> str:
    """A number as the slides print it: rounded, without trailing zeros (5.5, 11.652, -0.284)."""
    return np.format_float_positional(float(np.round(x, decimals)) + 0.0, trim="-")


def named(x: Any, name: str) -> Any:
    """Give an intermediate value the name the traces should use (no effect on non-Tensors)."""
    return x.named(name) if isinstance(x, Tensor) else x


@dataclass
class Node:
    """One variable of the trace: an input or the result of one elementary operation."""

    label: str
    value: float
    op: str = ""  # "" for inputs
    operands: tuple[Node | float, ...] = ()
    alias: str = ""  # the input's own name (x₁) or "y" for the output
    tensor: Tensor | None = field(default=None, repr=False)


class ComputationGraph:
    """The elementary operations of ``f`` at one input point, in execution order."""

    def __init__(self, inputs: list[Node], operations: list[Node], output: Node) -> None:
        self.inputs, self.operations, self.output = inputs, operations, output

    @property
    def nodes(self) -> list[Node]:
        return self.inputs + self.operations

    # ---- rendering of one operation -----------------------------------------------------------
    @staticmethod
    def _operand_text(operand: Node | float, as_value: bool, decimals: int) -> str:
        if isinstance(operand, Node):
            return fmt(operand.value, decimals) if as_value else operand.label
        text = fmt(operand, decimals)
        return f"({text})" if text.startswith("-") else text

    def _texts(self, node: Node, as_value: bool, decimals: int) -> dict[str, str]:
        names = "ab"
        texts = {}
        for k, operand in enumerate(node.operands):
            text = self._operand_text(operand, as_value, decimals)
            if as_value and text.startswith("-"):
                text = f"({text})"
            texts[names[k]] = text
        return texts

    def expression(self, node: Node, as_value: bool = False, decimals: int = 3) -> str:
        """The right-hand side of ``node``'s primal step (labels, or operand values)."""
        return RULES[node.op][0].format(**self._texts(node, as_value, decimals))

    def partial_text(self, node: Node, k: int, as_value: bool = False, decimals: int = 3) -> str:
        """∂node/∂(operand k) as a formula in the operands."""
        template = RULES[node.op][1][k]
        exponent = node.operands[1] if node.op == "pow" else None
        if node.op == "pow" and k == 0 and not isinstance(exponent, Node):
            power = fmt(exponent - 1, decimals)
            template = (
                f"{fmt(exponent, decimals)}{{a}}"
                if power == "1"
                else (f"{fmt(exponent, decimals)}{{a}}^{power}")
            )
        text = template.format(**self._texts(node, as_value, decimals))
        bare_operand = template in ("{a}", "{b}") and text.startswith("(")
        return text[1:-1] if bare_operand else text

    def partial_value(self, node: Node, k: int) -> float:
        """∂node/∂(operand k) at the trace point: the operation run on duals seeded on operand k."""
        args = [
            Dual(o.value if isinstance(o, Node) else o, 1.0 if j == k else 0.0)
            for j, o in enumerate(node.operands)
        ]
        return float(ops.apply(node.op, *args).tangent)

    # ---- the three traces -------------------------------------------------------------------
    def primal_rows(self, decimals: int = 3) -> list[tuple[str, str, str]]:
        rows = [(_alias_step(n.label, n.alias), "", fmt(n.value, decimals)) for n in self.inputs]
        for n in self.operations:
            rows.append(
                (
                    f"{n.label} = {self.expression(n)}",
                    self.expression(n, as_value=True, decimals=decimals),
                    fmt(n.value, decimals),
                )
            )
        if self.output.alias:
            rows.append(
                (f"{self.output.alias} = {self.output.label}", "", fmt(self.output.value, decimals))
            )
        return rows

    def tangents(self, seed: Sequence[float]) -> dict[int, float]:
        """v̇ of every node, by re-running the operations on dual numbers (forward mode)."""
        duals: dict[int, Dual] = {
            id(n): Dual(n.value, float(s)) for n, s in zip(self.inputs, seed, strict=True)
        }
        for n in self.operations:
            args = [duals[id(o)] if isinstance(o, Node) else o for o in n.operands]
            duals[id(n)] = ops.apply(n.op, *args)
        return {key: float(d.tangent) for key, d in duals.items()}

    def _tangent_expression(self, node: Node, dots: dict[int, float] | None, decimals: int) -> str:
        terms = []
        for k, operand in enumerate(node.operands):
            if not isinstance(operand, Node):
                continue
            if dots is None:
                dot, partial = decorate(operand.label, DOT), self.partial_text(node, k)
            else:
                dot = fmt(dots[id(operand)], decimals)
                partial = self.partial_text(node, k, as_value=True, decimals=decimals)
            terms.append(_product(dot, partial, tangent=True))
        text = terms[0]
        for term in terms[1:]:
            text += f" - {term[1:]}" if term.startswith("-") else f" + {term}"
        return text

    def tangent_rows(self, seed: Sequence[float], decimals: int = 3) -> list[tuple[str, str, str]]:
        dots = self.tangents(seed)
        rows = [
            (
                _alias_step(decorate(n.label, DOT), decorate(n.alias, DOT) if n.alias else ""),
                "",
                fmt(dots[id(n)], decimals),
            )
            for n in self.inputs
        ]
        for n in self.operations:
            rows.append(
                (
                    f"{decorate(n.label, DOT)} = {self._tangent_expression(n, None, decimals)}",
                    self._tangent_expression(n, dots, decimals),
                    fmt(dots[id(n)], decimals),
                )
            )
        if self.output.alias:
            out = self.output
            rows.append(
                (
                    f"{decorate(out.alias, DOT)} = {decorate(out.label, DOT)}",
                    "",
                    fmt(dots[id(out)], decimals),
                )
            )
        return rows

    def adjoints(self) -> tuple[dict[int, float], list[tuple[Node, Node, int, float, bool]]]:
        """v̄ of every node and the edge updates in the order the reverse sweep makes them.

        Each update is (result node, operand node, operand position, new v̄ of the operand,
        whether it added to an existing adjoint).
        """
        bars: dict[int, float] = {id(self.output): 1.0}
        updates = []
        for n in reversed(self.operations):
            if id(n) not in bars:
                continue  # does not reach the output
            for k, operand in enumerate(n.operands):
                if not isinstance(operand, Node):
                    continue
                term = bars[id(n)] * self.partial_value(n, k)
                accumulated = id(operand) in bars
                bars[id(operand)] = bars.get(id(operand), 0.0) + term
                updates.append((n, operand, k, bars[id(operand)], accumulated))
        return bars, updates

    def adjoint_rows(self, decimals: int = 3) -> list[tuple[str, str, str]]:
        bars, updates = self.adjoints()
        out = self.output
        seed = decorate(out.alias, BAR) if out.alias else "1"
        rows = [(f"{decorate(out.label, BAR)} = {seed}", "", "1")]
        for n, operand, k, value, accumulated in updates:
            bar_i, bar_j = decorate(operand.label, BAR), decorate(n.label, BAR)
            step = f"{bar_j} ∂{n.label}/∂{operand.label}"
            formula = _product(bar_j, self.partial_text(n, k), tangent=False)
            if accumulated:
                step, formula = f"{bar_i} + {step}", f"{bar_i} + {formula}"
            rows.append((f"{bar_i} = {step}", formula, fmt(value, decimals)))
        for n in (n for n in self.inputs if n.alias):
            rows.append(
                (
                    f"{decorate(n.alias, BAR)} = {decorate(n.label, BAR)}",
                    "",
                    fmt(bars.get(id(n), 0.0), decimals),
                )
            )
        return rows


def _alias_step(label: str, alias: str) -> str:
    return f"{label} = {alias}" if alias else label


def _product(factor: str, partial: str, tangent: bool) -> str:
    """factor × partial, written the way the slides write it."""
    if partial == "1":
        return factor if tangent else f"{factor} × 1"
    if partial == "-1":
        return f"-{factor}" if tangent else f"{factor} × (-1)"
    if partial.startswith("1/"):
        return f"{factor}/{partial[2:]}" if tangent else f"{factor} / {partial[2:]}"
    if partial.startswith("-"):
        return f"{factor} × ({partial})"
    return f"{factor} × {partial}"


def capture(
    f: Callable[..., Any],
    inputs: Sequence[float],
    names: Sequence[str] | None = None,
    first_index: int | None = None,
    label_inputs: bool = True,
    output_name: str = "y",
) -> ComputationGraph:
    """Run ``f`` on scalar Tensors at ``inputs`` and return its graph of elementary operations.

    Inputs are labelled ``v_{first_index}, ...`` (default ``1 - n``, Baydin et al.'s numbering)
    with aliases ``names`` (default x₁, x₂, ...); with ``label_inputs=False`` the names are the
    labels. Intermediates are ``v_1, v_2, ...`` unless given a name with ``named``.
    """
    n = len(inputs)
    names = list(names) if names is not None else [f"x{subscript(i + 1)}" for i in range(n)]
    first = 1 - n if first_index is None else first_index
    leaves = [Tensor(float(x), requires_grad=True, dtype=np.float64) for x in inputs]
    out = f(*leaves)
    if not isinstance(out, Tensor) or out.size != 1 or not out.requires_grad:
        raise ValueError("capture: f must compute a scalar from its inputs with autodiff functions")

    nodes: dict[int, Node] = {}
    input_nodes = []
    for i, (leaf, name) in enumerate(zip(leaves, names, strict=True)):
        label = f"v{subscript(first + i)}" if label_inputs else name
        node = Node(label, leaf.item(), alias=name if label_inputs else "", tensor=leaf)
        nodes[id(leaf)], input_nodes = node, [*input_nodes, node]

    counter = max(1, first + n)  # intermediates follow the inputs, from v_1 at the earliest
    operations = []
    for t in sorted(_ancestors(out), key=lambda t: t.serial):
        if id(t) in nodes:
            continue
        if t.op not in RULES:
            raise ValueError(f"trace tables cover scalar elementary operations; got {t.op!r}")
        operands = tuple(nodes.get(id(a), None) or a.item() for a in t.operands)
        label = t.name or f"v{subscript(counter)}"
        counter += 0 if t.name else 1
        node = Node(label, t.item(), t.op, operands, tensor=t)
        nodes[id(t)] = node
        operations.append(node)
    output = nodes[id(out)]
    if not output.alias and output.label != output_name:
        output.alias = output_name
    return ComputationGraph(input_nodes, operations, output)


def _ancestors(root: Tensor) -> list[Tensor]:
    seen, stack, found = {id(root)}, [root], []
    while stack:
        t = stack.pop()
        found.append(t)
        for a in t.operands:
            if isinstance(a, Tensor) and a.requires_grad and id(a) not in seen:
                seen.add(id(a))
                stack.append(a)
    return found


def _width(text: str) -> int:
    """Printed width: combining marks (the dots and bars) take no column."""
    return sum(1 for ch in text if not unicodedata.combining(ch))


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


@dataclass(repr=False)
class TraceTable:
    """Sections of (step, formula with numbers, value) rows; prints as text, renders as HTML."""

    sections: list[tuple[str, list[tuple[str, str, str]]]]

    def rows(self, title: str | None = None) -> list[tuple[str, str, str]]:
        return [r for t, rows in self.sections if title in (None, t) for r in rows]

    def value(self, label: str) -> str:
        """The printed value of the last row whose step starts with ``label =``."""
        label = unicodedata.normalize("NFC", label)
        found = [r[2] for r in self.rows() if r[0].startswith(f"{label} =")]
        if not found:
            raise KeyError(label)
        return found[-1]

    def __str__(self) -> str:
        lines = []
        for title, rows in self.sections:
            w0 = max(_width(r[0]) for r in rows)
            w1 = max(_width(r[1]) for r in rows)
            lines += [title, "-" * len(title)]
            for step, formula, value in rows:
                middle = _pad(f"= {formula}" if formula else "", w1 + 2) if w1 else ""
                lines.append(f"{_pad(step, w0)}  {middle}  = {value}".rstrip())
            lines.append("")
        return "\n".join(lines).rstrip()

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        parts = ['<div class="nnlib-trace" style="display:flex;gap:2em;flex-wrap:wrap">']
        for title, rows in self.sections:
            parts.append(
                '<table style="font-family:monospace"><caption style="font-weight:bold">'
                f"{html.escape(title)}</caption>"
            )
            for step, formula, value in rows:
                middle = f"= {html.escape(formula)}" if formula else ""
                parts.append(
                    f"<tr><td style='text-align:left'>{html.escape(step)}</td>"
                    f"<td style='text-align:left'>{middle}</td>"
                    f"<td style='text-align:right'>= {html.escape(value)}</td></tr>"
                )
            parts.append("</table>")
        parts.append("</div>")
        return "".join(parts)


def _seed(wrt: int | Sequence[float], n: int) -> list[float]:
    if isinstance(wrt, int):
        if not 0 <= wrt < n:
            raise ValueError(f"wrt must be an input index in 0..{n - 1}, got {wrt}")
        return [1.0 if i == wrt else 0.0 for i in range(n)]
    seed = [float(s) for s in wrt]
    if len(seed) != n:
        raise ValueError(f"wrt as a direction needs {n} numbers, got {len(seed)}")
    return seed


def trace_forward(
    f: Callable[..., Any],
    inputs: Sequence[float],
    wrt: int | Sequence[float] = 0,
    decimals: int = 3,
    **capture_options: Any,
) -> TraceTable:
    """Forward primal and tangent traces of ``f`` at ``inputs``, seeded on input ``wrt``.

    ``wrt`` is an input index (ẋ = e_wrt) or a direction (one number per input).
    ``capture_options`` go to ``capture`` (names, first_index, label_inputs, output_name).
    """
    graph = capture(f, inputs, **capture_options)
    seed = _seed(wrt, len(inputs))
    return TraceTable(
        [
            ("Forward primal trace", graph.primal_rows(decimals)),
            ("Forward tangent (derivative) trace", graph.tangent_rows(seed, decimals)),
        ]
    )


def trace_reverse(
    f: Callable[..., Any], inputs: Sequence[float], decimals: int = 3, **capture_options: Any
) -> TraceTable:
    """Forward primal trace and reverse adjoint trace of ``f`` at ``inputs`` (seed ȳ = 1).

    The adjoint rows are in the order the reverse sweep executes them (the slides print the
    same rows bottom-up).
    """
    graph = capture(f, inputs, **capture_options)
    return TraceTable(
        [
            ("Forward primal trace", graph.primal_rows(decimals)),
            ("Reverse adjoint (derivative) trace", graph.adjoint_rows(decimals)),
        ]
    )
