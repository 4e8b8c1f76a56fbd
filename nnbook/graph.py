"""Draw a computation graph with matplotlib (no graphviz needed).

Nodes are placed in columns by depth (the longest path from an input), so every edge points to
the right, in the direction the primal values flow; adjoints flow back against the arrows.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch

from nnbook.trace import ComputationGraph, Node, capture
from nnlib.autodiff.ops import ARITHMETIC, ELEMENTARY
from nnlib.viz import OKABE_ITO

# the house palette (Okabe-Ito, colour-blind safe)
INPUT_COLOR, OP_COLOR = OKABE_ITO["sky"], "#F0F0F0"
HIGHLIGHT_COLOR, DONE_COLOR = OKABE_ITO["orange"], OKABE_ITO["green"]
OP_SYMBOLS = {name: op.symbol for name, op in (ARITHMETIC | ELEMENTARY).items()}


def layout(graph: ComputationGraph) -> dict[int, tuple[float, float]]:
    """(x, y) of every node: x is the depth, nodes of one depth spread evenly around y = 0."""
    depth: dict[int, int] = {id(n): 0 for n in graph.inputs}
    for n in graph.operations:
        parents = [depth[id(o)] for o in n.operands if isinstance(o, Node)]
        depth[id(n)] = 1 + max(parents, default=0)
    columns: dict[int, list[Node]] = {}
    for n in graph.nodes:
        columns.setdefault(depth[id(n)], []).append(n)
    positions = {}
    for x, column in columns.items():
        for k, n in enumerate(column):
            positions[id(n)] = (float(x), (len(column) - 1) / 2 - k)
    return positions


def _op_text(node: Node) -> str:
    if not node.op:
        return node.alias
    constants = [o for o in node.operands if not isinstance(o, Node)]
    symbol = OP_SYMBOLS[node.op]
    if constants:
        return f"{symbol} {constants[0]:.3g}"
    return symbol


def draw_graph(
    graph: ComputationGraph | Callable[..., Any],
    inputs: Sequence[float] | None = None,
    *,
    node_text: Mapping[int, str] | None = None,
    highlight: Collection[int] = (),
    done: Collection[int] = (),
    edge_highlight: Collection[tuple[int, int]] = (),
    ax: Axes | None = None,
    **capture_options: Any,
) -> Figure:
    """Draw the graph of ``f`` at ``inputs`` (or an already captured ``ComputationGraph``).

    ``node_text`` maps ``id(node)`` to a line shown under the node (a value, a tangent, an
    adjoint); ``highlight`` and ``done`` are sets of ``id(node)`` drawn in the step and the
    finished colour; ``edge_highlight`` holds (id(source), id(target)) pairs to emphasise.
    Returns the Figure (a plain one, not registered with pyplot, unless ``ax`` was given).
    """
    if not isinstance(graph, ComputationGraph):
        if inputs is None:
            raise ValueError("draw_graph(f, inputs): give the inputs at which to trace f")
        graph = capture(graph, inputs, **capture_options)
    positions = layout(graph)
    if ax is None:
        columns = 1 + max(x for x, _ in positions.values())
        rows = 1 + max(y for _, y in positions.values()) * 2
        fig = Figure(figsize=(1.3 * columns + 0.6, 1.1 * rows + 1.0), layout="constrained")
        ax = fig.subplots()  # a plain Figure (not registered with pyplot): nothing to close
    node_text = node_text or {}
    radius = 0.28
    for n in graph.operations:
        for o in n.operands:
            if not isinstance(o, Node):
                continue
            (x0, y0), (x1, y1) = positions[id(o)], positions[id(n)]
            strong = (id(o), id(n)) in edge_highlight
            length = max(np.hypot(x1 - x0, y1 - y0), 1e-9)
            ux, uy = (x1 - x0) / length, (y1 - y0) / length  # from circle edge to circle edge
            ax.add_patch(
                FancyArrowPatch(
                    (x0 + radius * ux, y0 + radius * uy),
                    (x1 - radius * ux, y1 - radius * uy),
                    arrowstyle="-|>",
                    mutation_scale=12,
                    color=HIGHLIGHT_COLOR if strong else "0.45",
                    lw=2.5 if strong else 1.0,
                    zorder=2,
                )
            )
    for n in graph.nodes:
        x, y = positions[id(n)]
        color = INPUT_COLOR if not n.op else OP_COLOR
        if id(n) in done:
            color = DONE_COLOR
        if id(n) in highlight:
            color = HIGHLIGHT_COLOR
        ax.add_patch(Circle((x, y), radius, facecolor=color, edgecolor="0.2", zorder=3))
        ax.text(x, y + 0.04, n.label, ha="center", va="center", fontsize=11, zorder=4)
        ax.text(
            x, y - 0.13, _op_text(n), ha="center", va="center", fontsize=7, zorder=4, color="0.25"
        )
        if id(n) in node_text:
            ax.text(x, y - radius - 0.12, node_text[id(n)], ha="center", va="top", fontsize=9)
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.85, max(ys) + 0.5)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax.figure
