"""Chapter 2 (Backpropagation): the experiments and demos the chapter shows.

- :class:`ScalarGraph`: a computation graph of scalar nodes in topological order, with the
  forward pass and the backward pass of deck 002 (v̄_N = 1, v̄_i = sum over children j of
  v̄_j dv_j/dv_i), recording every step so a demo can replay it.
- :func:`backprop_stepper`: that graph for regularised logistic least squares, step by step.
- :func:`deltas_by_recursion`: the delta recursion of deck 004 in matrix form, written out.
- :func:`error_signal_explorer`: the size of the error signals layer by layer.
- :func:`time_forward_backward`: the cost of backward against forward for Dense layers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from nnbook.base import Demo
from nnbook.timing import best_times, one_blas_thread
from nnlib import activations, autodiff, layers, losses, optim, viz

# ---------------------------------------------------------------------------------------------
# A scalar computation graph and its two passes
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """One node v = op(parents) with its local partial derivatives dv/dparent.

    ``op`` and ``partials`` take the parents' values in order; ``partials`` returns one number
    per parent. ``formula`` is how the book writes the node (for the demo's captions).
    """

    name: str
    parents: tuple[str, ...] = ()
    op: Callable[..., float] | None = None
    partials: Callable[..., tuple[float, ...]] | None = None
    formula: str = ""


@dataclass(frozen=True)
class BackwardStep:
    """The adjoint of ``node`` as the sum of one term v̄_child * dv_child/dv_node per child."""

    node: str
    terms: tuple[tuple[str, float, float], ...]  # (child, child's adjoint, local partial)
    adjoint: float


class ScalarGraph:
    """Nodes listed in a topological order (every parent before its children)."""

    def __init__(self, nodes: Sequence[Node]) -> None:
        self.nodes = list(nodes)
        self.by_name = {n.name: n for n in self.nodes}
        seen: set[str] = set()
        for node in self.nodes:
            missing = [p for p in node.parents if p not in seen]
            if missing:
                raise ValueError(f"node {node.name!r} comes before its parents {missing}")
            seen.add(node.name)
        self.children = {
            n.name: [c.name for c in self.nodes if n.name in c.parents] for n in self.nodes
        }

    @property
    def inputs(self) -> list[str]:
        return [n.name for n in self.nodes if not n.parents]

    def forward(self, inputs: dict[str, float]) -> dict[str, float]:
        """Values of every node, computed in topological order from the inputs' values."""
        values = {name: float(inputs[name]) for name in self.inputs}
        for node in self.nodes:
            if node.parents:
                values[node.name] = float(node.op(*(values[p] for p in node.parents)))
        return values

    def _partial(self, child: str, parent: str, values: dict[str, float]) -> float:
        node = self.by_name[child]
        partials = node.partials(*(values[p] for p in node.parents))
        # a parent used twice by the same child contributes both partials
        return float(sum(d for p, d in zip(node.parents, partials, strict=True) if p == parent))

    def backward(
        self, values: dict[str, float], wrt: Sequence[str] | None = None
    ) -> list[BackwardStep]:
        """The backward pass from the last node: v̄_N = 1, then children before parents.

        Returns the steps in the order they run; ``wrt`` limits which inputs get an adjoint
        (by default all of them). Every computed node always gets one.
        """
        wanted = set(self.inputs if wrt is None else wrt)
        output = self.nodes[-1].name
        adjoints = {output: 1.0}
        steps = [BackwardStep(output, (), 1.0)]
        for node in reversed(self.nodes[:-1]):
            if not node.parents and node.name not in wanted:
                continue
            terms = tuple(
                (c, adjoints[c], self._partial(c, node.name, values))
                for c in self.children[node.name]
            )
            adjoints[node.name] = sum(a * d for _, a, d in terms)
            steps.append(BackwardStep(node.name, terms, adjoints[node.name]))
        return steps


def regularized_logistic_graph(lam: float = 0.1) -> ScalarGraph:
    """Deck 002's example: z = wx + b, ŷ = σ(z), L = ½(ŷ - y)², R = ½w², L_reg = L + λR.

    The deck names the prediction y and the target t; the book's ŷ and y are used here.
    """
    sigma = activations.sigmoid

    def sig(z: float) -> float:
        return float(sigma(np.float64(z)))

    return ScalarGraph(
        [
            Node("x"),
            Node("y"),
            Node("w"),
            Node("b"),
            Node(
                "z",
                ("w", "x", "b"),
                lambda w, x, b: w * x + b,
                lambda w, x, b: (x, w, 1.0),
                "z = w x + b",
            ),
            Node("ŷ", ("z",), sig, lambda z: (sig(z) * (1 - sig(z)),), "ŷ = σ(z)"),
            Node(
                "L",
                ("ŷ", "y"),
                lambda y_hat, y: 0.5 * (y_hat - y) ** 2,
                lambda y_hat, y: (y_hat - y, y - y_hat),
                "L = ½ (ŷ − y)²",
            ),
            Node("R", ("w",), lambda w: 0.5 * w**2, lambda w: (w,), "R = ½ w²"),
            Node(
                "L_reg",
                ("L", "R"),
                lambda L, R: L + lam * R,
                lambda L, R: (1.0, lam),
                f"L_reg = L + λR  (λ = {lam:g})",
            ),
        ]
    )


def _bar(name: str) -> str:
    """The adjoint's symbol: a bar over the first letter (ȳ, L̄_reg)."""
    return name[0] + "\u0304" + name[1:]


STEPPER_INPUTS = {"x": 1.5, "y": 1.0, "w": 0.8, "b": -0.5}
_POSITIONS = {
    "x": (0.0, 2.0),
    "w": (0.0, 1.0),
    "b": (0.0, 0.0),
    "y": (2.0, 2.2),
    "z": (1.0, 1.0),
    "ŷ": (2.0, 1.0),
    "L": (3.0, 1.5),
    "R": (2.0, -0.2),
    "L_reg": (4.0, 0.7),
}


def stepper_frames(
    graph: ScalarGraph | None = None, inputs: dict[str, float] | None = None
) -> list[dict]:
    """What the stepper shows at each step: known values, known adjoints and a caption."""
    graph = graph or regularized_logistic_graph()
    inputs = inputs or STEPPER_INPUTS
    values = graph.forward(inputs)
    steps = graph.backward(values, wrt=("w", "b"))
    frames = [{"values": dict(inputs), "adjoints": {}, "caption": "inputs and parameters set"}]
    known = dict(inputs)
    for node in graph.nodes:
        if node.parents:
            known[node.name] = values[node.name]
            caption = f"forward: {node.formula} = {values[node.name]:.4f}"
            frames.append({"values": dict(known), "adjoints": {}, "caption": caption})
    adjoints: dict[str, float] = {}
    for step in steps:
        adjoints[step.node] = step.adjoint
        if step.terms:
            sum_text = " + ".join(f"{a:.4f}·{d:.4f}" for _, a, d in step.terms)
            names = " + ".join(f"{_bar(c)}·∂{c}/∂{step.node}" for c, _, _ in step.terms)
            caption = f"backward: {_bar(step.node)} = {names} = {sum_text} = {step.adjoint:.4f}"
            if len(step.terms) > 1:
                caption += "\n(fan-out: the terms of both children add)"
        else:
            caption = f"backward: {_bar(step.node)} = 1 (the output's own adjoint)"
        frames.append({"values": dict(known), "adjoints": dict(adjoints), "caption": caption})
    return frames


def _node_color(name: str, frame: dict) -> str:
    if name in frame["adjoints"]:
        return viz.COLORS[1]
    return viz.COLORS[0] if name in frame["values"] else "white"


def plot_stepper_frame(step: int) -> Figure:
    """The graph at one step: values above each node, error signals (adjoints) below."""
    graph = regularized_logistic_graph()
    frames = stepper_frames(graph)
    frame = frames[step]
    fig, ax = viz.new_figure(
        figsize=(8, 4.6), margins={"left": 0.01, "right": 0.99, "bottom": 0.01, "top": 0.82}
    )
    for node in graph.nodes:
        for parent in node.parents:
            ax.annotate(
                "",
                xy=_POSITIONS[node.name],
                xytext=_POSITIONS[parent],
                arrowprops={"arrowstyle": "->", "color": "0.5", "shrinkA": 19, "shrinkB": 19},
            )
    for name, (px, py) in _POSITIONS.items():
        color = _node_color(name, frame)
        ax.scatter(px, py, s=1300, zorder=2, edgecolors="black", color=color)
        text_color = "black" if color == "white" else "white"
        ax.text(px, py, name, ha="center", va="center", zorder=3, fontsize=10, color=text_color)
        if name in frame["values"]:
            ax.text(px, py + 0.32, f"{frame['values'][name]:.4f}", ha="center", fontsize=11)
        if name in frame["adjoints"]:
            label = f"{_bar(name)} = {frame['adjoints'][name]:.4f}"
            ax.text(px, py - 0.42, label, ha="center", fontsize=11, color=viz.COLORS[1])
    ax.set_xlim(-0.45, 4.5)
    ax.set_ylim(-0.85, 2.7)
    ax.axis("off")
    caption = frame["caption"].replace(": ", ":\n", 1)
    ax.set_title(f"step {step} of {len(frames) - 1}, {caption}", fontsize=11, loc="left")
    ax.text(-0.4, -0.8, "blue: value known    orange: error signal known", fontsize=9,
            color="0.3")  # fmt: skip
    return fig


def backprop_stepper() -> Demo:
    """Scrub through the forward values, then the adjoints, of deck 002's example graph."""
    n_frames = len(stepper_frames())
    return Demo(
        plot_stepper_frame,
        grid={"step": list(range(n_frames))},
        title="Backpropagation, one node at a time: values forward, adjoints backward",
    )


# ---------------------------------------------------------------------------------------------
# The delta recursion, written out (deck 004, matrix form for a batch)
# ---------------------------------------------------------------------------------------------


def two_layer_grads_scalar(x, t, w1, b1, w2, b2, act=activations.sigmoid) -> dict:
    """Deck 002's MLP backward pass for one example, one scalar at a time.

    Forward: z_i = sum_j w1_ji x_j + b1_i, h_i = σ(z_i), y_k = sum_i w2_ik h_i + b2_k,
    L = ½ sum_k (y_k - t_k)². Backward: ȳ_k = y_k - t_k, w̄2_ik = ȳ_k h_i, h̄_i = sum_k ȳ_k w2_ik,
    z̄_i = h̄_i σ'(z_i), w̄1_ji = z̄_i x_j, b̄1_i = z̄_i. (Weights in nnlib's (in, out) layout.)
    """
    n_in, n_hidden = w1.shape
    n_out = w2.shape[1]
    z = [sum(w1[j, i] * x[j] for j in range(n_in)) + b1[i] for i in range(n_hidden)]
    h = [float(act(np.float64(z_i))) for z_i in z]
    y = [sum(w2[i, k] * h[i] for i in range(n_hidden)) + b2[k] for k in range(n_out)]
    y_bar = [y[k] - t[k] for k in range(n_out)]
    w2_bar = np.array([[y_bar[k] * h[i] for k in range(n_out)] for i in range(n_hidden)])
    h_bar = [sum(y_bar[k] * w2[i, k] for k in range(n_out)) for i in range(n_hidden)]
    z_bar = [h_bar[i] * float(act.derivative(np.float64(z[i]))) for i in range(n_hidden)]
    w1_bar = np.array([[z_bar[i] * x[j] for i in range(n_hidden)] for j in range(n_in)])
    return {"W1": w1_bar, "b1": np.array(z_bar), "W2": w2_bar, "b2": np.array(y_bar)}


def two_layer_grads_vector(x, t, w1, b1, w2, b2, act=activations.sigmoid) -> dict:
    """The same backward pass for one example in vector form (outer products, one ⊙).

    z = W1ᵀx + b1, h = σ(z), y = W2ᵀh + b2; ȳ = y - t, W̄2 = h ȳᵀ, h̄ = W2 ȳ, z̄ = h̄ ⊙ σ'(z),
    W̄1 = x z̄ᵀ, b̄1 = z̄, b̄2 = ȳ.
    """
    z = w1.T @ x + b1
    h = act(z)
    y = w2.T @ h + b2
    y_bar = y - t
    h_bar = w2 @ y_bar
    z_bar = h_bar * act.derivative(z)
    return {"W1": np.outer(x, z_bar), "b1": z_bar, "W2": np.outer(h, y_bar), "b2": y_bar}


def dense_and_activations(model: layers.Sequential) -> tuple[list[layers.Dense], list]:
    """Split Dense, act, Dense, act, ..., Dense into its Dense layers and activation functions."""
    modules = list(model)
    dense = modules[0::2]
    acts = [m.fn for m in modules[1::2]]  # layers.Activation keeps its function as .fn
    return dense, acts


def deltas_by_recursion(
    dense: Sequence[layers.Dense],
    acts: Sequence[activations.ActivationFunction],
    x: np.ndarray,
    y: np.ndarray,
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Error signals and gradients of J = 1/(2N) sum_n ||ŷ_n - y_n||² by the delta recursion.

    Forward: A^[0] = X, Z^[k] = A^[k-1] W^[k] + b^[k], A^[k] = g(Z^[k]), ŷ = Z^[r] (linear).
    Backward: δ^[r] = (Z^[r] - Y) / N; δ^[k] = (δ^[k+1] W^[k+1]ᵀ) ⊙ g'(Z^[k]);
    dJ/dW^[k] = A^[k-1]ᵀ δ^[k]; dJ/db^[k] = 1ᵀ δ^[k]. Returns (deltas, dW, db), layer 1 first.
    """
    a, zs, activations_in = x, [], []
    for k, layer in enumerate(dense):
        activations_in.append(a)
        z = a @ layer.weight.data + layer.bias.data
        zs.append(z)
        a = acts[k](z) if k < len(acts) else z
    deltas = [(zs[-1] - y) / len(x)]
    for k in range(len(dense) - 2, -1, -1):
        deltas.insert(0, (deltas[0] @ dense[k + 1].weight.data.T) * acts[k].derivative(zs[k]))
    grads_w = [a_prev.T @ d for a_prev, d in zip(activations_in, deltas, strict=True)]
    grads_b = [d.sum(axis=0) for d in deltas]
    return deltas, grads_w, grads_b


# ---------------------------------------------------------------------------------------------
# Error signals layer by layer
# ---------------------------------------------------------------------------------------------

ERROR_ACTIVATIONS: tuple[str, ...] = ("sigmoid", "tanh", "relu")
ERROR_DEPTHS: tuple[int, ...] = (2, 4, 8)


def error_signal_norms(
    activation: str, depth: int, width: int = 32, n: int = 256, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Mean |δ^[k]| and mean |dJ/dW^[k]| for k = 1..depth+1 of a fresh MLP on random data.

    The network has ``depth`` hidden layers of ``width`` units (Xavier-uniform weights), a linear
    output and the squared error against random targets.
    """
    rng = np.random.default_rng(seed)
    model = layers.mlp([8, *([width] * depth), 1], activation, rng=rng)
    x = rng.standard_normal((n, 8))
    y = rng.standard_normal((n, 1))
    deltas, grads_w, _ = deltas_by_recursion(*dense_and_activations(model), x, y)
    return (
        np.array([np.abs(d).mean() for d in deltas]),
        np.array([np.abs(g).mean() for g in grads_w]),
    )


def plot_error_signals(activation: str, depth: int) -> Figure:
    """Bar chart (log scale) of mean |δ^[k]| and mean |dJ/dW^[k]| per layer k."""
    deltas, grads = error_signal_norms(activation, depth)
    k = np.arange(1, len(deltas) + 1)
    fig, ax = viz.new_figure(figsize=(6.4, 3.8), margins={"left": 0.13, "bottom": 0.14})
    ax.bar(k - 0.2, deltas, width=0.4, label="mean |δ^[k]|", color=viz.COLORS[0])
    ax.bar(k + 0.2, grads, width=0.4, label="mean |∂J/∂W^[k]|", color=viz.COLORS[1])
    ax.set_yscale("log")
    ax.set_ylim(1e-9, 1)
    ax.set_xticks(k)
    ax.set(
        xlabel="layer k (1 = first hidden layer, last = output)",
        ylabel="mean absolute value (log scale)",
        title=f"{activation}, {depth} hidden layers: "
        f"mean |δ^[1]| / mean |δ^[{len(deltas)}]| = {deltas[0] / deltas[-1]:.1e}",
    )
    ax.legend(loc="lower right")
    return fig


def error_signal_explorer() -> Demo:
    """Activation and depth against the size of the error signals reaching each layer."""
    return Demo(
        plot_error_signals,
        grid={"activation": list(ERROR_ACTIVATIONS), "depth": list(ERROR_DEPTHS)},
        title="Error signals layer by layer: how much reaches the first layer?",
        defaults={"activation": "sigmoid", "depth": 4},
    )


# ---------------------------------------------------------------------------------------------
# The cost of backward against forward
# ---------------------------------------------------------------------------------------------


def time_forward_backward(
    widths: Sequence[int] = (256, 512, 1024), batch: int = 256, repeats: int = 11, seed: int = 0
) -> list[dict[str, float]]:
    """Best-of-``repeats`` wall time of a Dense layer's forward and backward, per width.

    Forward is one matrix product X W (N·D_in·D_out multiply-adds); backward is two, Xᵀ G for
    the weight gradient and G Wᵀ for the input gradient, so the ratio should be close to 2.
    Timed on one BLAS thread, so that the count of operations, not the machine's load, decides.
    """
    rng = np.random.default_rng(seed)
    rows = []
    with one_blas_thread():
        for width in widths:
            layer = layers.Dense(width, width, rng=rng)
            x = rng.standard_normal((batch, width))
            grad_out = rng.standard_normal((batch, width))
            layer(x)  # backward needs a forward first
            forward, backward = best_times(
                [lambda d=layer, x=x: d(x), lambda d=layer, g=grad_out: d.backward(g)], repeats
            )
            rows.append(
                {
                    "width": width,
                    "forward_ms": 1e3 * forward,
                    "backward_ms": 1e3 * backward,
                    "ratio": backward / forward,
                }
            )
    return rows


# ---------------------------------------------------------------------------------------------
# Backpropagation inside a second-order method
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuasiNewtonRun:
    """A full-batch L-BFGS fit: the loss after each step and how many backward passes it took."""

    losses: list[float]
    backward_passes: int


def count_backward_passes(
    model: layers.Module,
    loss: losses.Loss,
    x: np.ndarray,
    y: np.ndarray,
    steps: int = 10,
    max_iter: int = 20,
) -> QuasiNewtonRun:
    """Fit ``model`` with ``nnlib.optim.LBFGS`` and count the backward passes it asks for.

    L-BFGS models the curvature from differences of successive gradients, and every gradient it
    sees comes from one call of the closure: one forward and one backward pass.
    """
    opt = optim.LBFGS(model.parameters(), max_iter=max_iter)
    passes = 0

    def closure() -> float:
        nonlocal passes
        opt.zero_grad()
        value = loss(model(x), y)
        model.backward(value.backward())
        passes += 1
        return value

    history = [float(opt.step(closure)) for _ in range(steps)]
    return QuasiNewtonRun(history, passes)


def flat_loss(
    model: layers.Sequential, x: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, Callable[[Any], Any]]:
    """The mean logistic loss of a Dense/tanh MLP with one logit, as a function of one vector θ.

    Returns θ (the model's parameters, flattened in ``parameters()`` order) and ``loss(θ)``,
    written with ``nnlib.autodiff`` so that ``grad`` and ``hvp`` apply; its value equals
    ``losses.BCEWithLogitsLoss()(model(x), y)``: the mean of softplus(z) - y z, computed stably
    as relu(z) + log(1 + exp(-|z|)) - y z.
    """
    shapes = [p.data.shape for p in model.parameters()]
    theta = np.concatenate([p.data.ravel() for p in model.parameters()])
    for module in model:
        if not isinstance(module, layers.Dense) and "tanh" not in repr(module).lower():
            raise ValueError(f"flat_loss handles Dense and tanh layers only, got {module!r}")
    target = np.asarray(y, dtype=np.float64).reshape(-1)

    def loss(t: Any) -> Any:
        pieces, start = [], 0
        for shape in shapes:
            size = int(np.prod(shape))
            pieces.append(t[start : start + size].reshape(shape))
            start += size
        out, k = x, 0
        for module in model:
            if isinstance(module, layers.Dense):
                out, k = out @ pieces[k] + pieces[k + 1], k + 2
            else:
                out = autodiff.tanh(out)
        z = out.reshape(-1)
        return (autodiff.relu(z) + autodiff.log(1 + autodiff.exp(-abs(z))) - target * z).mean()

    return theta, loss
