"""Chapter 3 (Automatic differentiation): the demos and experiments the chapter shows.

- :func:`trace_stepper`: forward (tangent) and reverse (adjoint) mode stepping through the graph
  of deck 004's example f(x1, x2) = ln x1 + x1 x2 - sin x2, one trace row per step.
- :func:`finite_difference_explorer`: the error of forward and central differences against the
  step h, in float64 and float32: truncation on the right, round-off on the left.
- :func:`difference_errors`, :func:`error_model`, :func:`optimal_step`: the error of finite
  differences (nnlib.gradcheck's) against the step h, measured and modelled (3.3).
- :func:`logistic_map`, :func:`expression_swell`: symbolic differentiation's expression swell.
- :func:`plot_difference_errors`, :func:`plot_expression_swell`: the chapter's static figures.
- :func:`time_modes`, :func:`plot_mode_costs`: the cost of a full Jacobian by forward mode
  (one pass per input) against reverse mode (one sweep per output).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import sympy
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, NullLocator

from nnbook.base import Demo
from nnbook.examples import baydin
from nnbook.graph import draw_graph
from nnbook.timing import best_time
from nnbook.trace import BAR, DOT, capture, decorate, fmt
from nnlib import gradcheck, viz
from nnlib.autodiff import jacobian, tanh

# ---------------------------------------------------------------------------------------------
# Numerical differentiation: why the step h cannot simply be made small
# ---------------------------------------------------------------------------------------------
# The forward difference has truncation error ~ h |f''| / 2 and round-off error ~ 2 ε |f| / h
# (ε the machine epsilon), smallest near h ~ √ε; the central difference has truncation error
# ~ h² |f'''| / 6, best near h ~ ε^(1/3). Below those steps the error grows again as 1/h (3.3).

SCHEMES = {"forward": gradcheck.forward_difference, "central": gradcheck.central_difference}


def difference_errors(
    f: Callable[[float], float], dfdx: float, x: float, steps: np.ndarray, scheme: str = "forward"
) -> np.ndarray:
    """|finite difference - exact derivative| of scalar f at x, for every step h in ``steps``."""
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {sorted(SCHEMES)}, got {scheme!r}")
    rule = SCHEMES[scheme]
    return np.array([abs(float(rule(f, x, float(h))) - dfdx) for h in steps])


def optimal_step(scheme: str = "forward", eps: float = float(np.finfo(float).eps)) -> float:
    """The step that balances truncation and round-off, eq. (3.3): √ε or ε^(1/3)."""
    return {"forward": eps**0.5, "central": eps ** (1 / 3)}[scheme]


def error_model(
    steps: np.ndarray,
    scheme: str,
    f_value: float,
    higher_derivative: float,
    eps: float = float(np.finfo(float).eps),
) -> np.ndarray:
    """The bound of eq. (3.3): truncation + round-off, with |f''| (forward) or |f'''| (central)."""
    steps = np.asarray(steps, dtype=float)
    if scheme == "forward":
        return steps * abs(higher_derivative) / 2 + 2 * eps * abs(f_value) / steps
    return steps**2 * abs(higher_derivative) / 6 + eps * abs(f_value) / steps


# ---------------------------------------------------------------------------------------------
# Symbolic differentiation and expression swell: the logistic map l_{n+1} = 4 l_n (1 - l_n)
# ---------------------------------------------------------------------------------------------
# Differentiating the composed expression repeats the product rule at every composition, so the
# derivative's expression grows much faster than the function's, although both are cheap to
# *evaluate* step by step (which is what AD does).

x = sympy.Symbol("x")


def logistic_map(n: int) -> sympy.Expr:
    """l_n with l_1 = x and l_{n+1} = 4 l_n (1 - l_n), unsimplified."""
    if n < 1:
        raise ValueError(f"n starts at 1, got {n}")
    expr: sympy.Expr = x
    for _ in range(n - 1):
        expr = 4 * expr * (1 - expr)
    return expr


@dataclass
class SwellRow:
    n: int
    l_n: sympy.Expr  # factored, as the slides print it
    derivative: sympy.Expr  # sympy.diff of the factored form, as the slides print it
    l_n_ops: int
    derivative_ops: int
    expanded_derivative_ops: int
    nested_ops: int  # l_n as the composed expression tree, unsimplified
    nested_derivative_ops: int  # sympy.diff of that tree, unsimplified


def expression_swell(n_max: int = 4) -> list[SwellRow]:
    """For n = 1..n_max: l_n, its symbolic derivative, and their sizes (sympy.count_ops)."""
    rows = []
    for n in range(1, n_max + 1):
        nested = logistic_map(n)
        l_n = sympy.factor(nested)
        d = sympy.diff(l_n, x)
        counts = [sympy.count_ops(e) for e in (l_n, d, sympy.expand(d), nested)]
        counts.append(sympy.count_ops(sympy.diff(nested, x)))
        rows.append(SwellRow(n, l_n, d, *counts))
    return rows


# ---------------------------------------------------------------------------------------------
# Forward and reverse traces, step by step
# ---------------------------------------------------------------------------------------------

POINT = (2.0, 5.0)
STEPS = 10  # the reverse sweep of deck 004's example has 1 seed + 9 edge updates


def _forward_frame(graph, step: int, ax) -> str:
    seed = [1.0, 0.0]
    dots = graph.tangents(seed)
    rows = graph.tangent_rows(seed)
    nodes = graph.nodes
    step = min(step, len(nodes) - 1)
    text = {
        id(n): f"{fmt(n.value)}\n{decorate(n.label, DOT)}={fmt(dots[id(n)])}"
        for n in nodes[: step + 1]
    }
    current = nodes[step]
    edges = {(id(o), id(current)) for o in current.operands if hasattr(o, "label")}
    draw_graph(graph, node_text=text, highlight={id(current)},
               done={id(n) for n in nodes[:step]}, edge_highlight=edges, ax=ax)  # fmt: skip
    step_text, numbers, value = rows[step]
    return f"forward step {step + 1}/{len(nodes)}:  {step_text}" + (
        f" = {numbers}" if numbers else "") + f" = {value}"  # fmt: skip


def _reverse_frame(graph, step: int, ax) -> str:
    _, updates = graph.adjoints()
    rows = graph.adjoint_rows()
    step = min(step, len(updates))
    bars = {id(graph.output): 1.0}
    for _result, operand, _, value, _ in updates[:step]:
        bars[id(operand)] = value
    text = {
        id(n): f"{fmt(n.value)}\n{decorate(n.label, BAR)}={fmt(bars[id(n)])}"
        for n in graph.nodes if id(n) in bars
    }  # fmt: skip
    if step == 0:
        highlight, edges = {id(graph.output)}, set()
    else:
        result, operand = updates[step - 1][:2]
        highlight, edges = {id(operand)}, {(id(operand), id(result))}
    draw_graph(graph, node_text=text, highlight=highlight, done=set(), edge_highlight=edges, ax=ax)
    step_text, formula, value = rows[step]
    return f"reverse step {step + 1}/{len(updates) + 1}:  {step_text}" + (
        f" = {formula}" if formula else "") + f" = {value}"  # fmt: skip


def plot_trace_step(mode: str = "forward", step: int = 0) -> Figure:
    """The graph of deck 004's example after ``step`` steps of forward or reverse mode."""
    graph = capture(baydin, POINT)
    fig, ax = viz.new_figure(figsize=(7.5, 4.2))
    caption = (_forward_frame if mode == "forward" else _reverse_frame)(graph, step, ax)
    ax.set_title(caption, fontsize=10, loc="left")
    note = {
        "forward": "forward mode: values and tangents flow along the arrows (seed ẋ₁ = 1, ẋ₂ = 0)",
        "reverse": "reverse mode: after the forward pass, adjoints flow back (seed ȳ = 1)",
    }[mode]
    fig.supxlabel(note, fontsize=9)
    return fig


def trace_stepper() -> Demo:
    """Step through forward (tangent) and reverse (adjoint) mode on the slides' example."""
    return Demo(
        plot_trace_step,
        grid={"mode": ["forward", "reverse"], "step": list(range(STEPS))},
        title="Forward mode computes one tangent per node in program order; reverse mode one "
        "adjoint update per edge, backwards",
    )


# ---------------------------------------------------------------------------------------------
# Numerical differentiation: error against h
# ---------------------------------------------------------------------------------------------

H_GRID = np.logspace(-16, 0, 161)
H_MARKERS = [-13, -11, -9, -7, -5, -3, -1]


def _errors(scheme: str, dtype: type, steps: np.ndarray, x: float = 1.0) -> np.ndarray:
    """|difference - cos x| for f = sin evaluated in ``dtype`` (the step is rounded to it too)."""

    def f(v: float) -> float:
        return float(np.sin(dtype(v)))

    errors = difference_errors(f, np.cos(x), x, steps, scheme)
    return np.maximum(errors, 1e-17)  # exact zeros would vanish on a log axis


def plot_difference_errors(
    dtypes: Sequence[type] = (np.float64,), schemes: Sequence[str] = ("forward", "central"),
    marker_exponent: int | None = None, ax=None,
) -> Figure:  # fmt: skip
    """Error of finite differences of sin at x = 1 against h (log-log), with the model (3.4)."""
    fig, ax = (ax.figure, ax) if ax is not None else viz.new_figure(figsize=(6.5, 4.2))
    colors = {"forward": viz.OKABE_ITO["blue"], "central": viz.OKABE_ITO["vermillion"]}
    for dtype in dtypes:
        eps = float(np.finfo(dtype).eps)
        style = "-" if dtype is np.float64 else ":"
        for scheme in schemes:
            errors = _errors(scheme, dtype, H_GRID)
            name = np.dtype(dtype).name
            ax.loglog(H_GRID, errors, style, color=colors[scheme], lw=1.2,
                      label=f"{scheme} difference, {name}")  # fmt: skip
            higher = np.sin(1.0) if scheme == "forward" else np.cos(1.0)
            model = error_model(H_GRID, scheme, np.sin(1.0), higher, eps=eps)
            ax.loglog(H_GRID, model, "--", color=colors[scheme], lw=0.8, alpha=0.7)
            best = optimal_step(scheme, eps)
            ax.axvline(best, color=colors[scheme], lw=0.6, alpha=0.4)
    if marker_exponent is not None:
        h = 10.0**marker_exponent
        for dtype in dtypes:
            for scheme in schemes:
                e = _errors(scheme, dtype, np.array([h]))[0]
                ax.plot([h], [e], "o", color=colors[scheme], ms=7, mec="black")
        ax.set_title(f"h = 1e{marker_exponent}: dashed = truncation + round-off model, "
                     "thin lines at the best h", fontsize=10)  # fmt: skip
    else:
        ax.set_title("Too large h: truncation error; too small h: round-off error", fontsize=10)
    ax.set_xlabel("step h")
    ax.set_ylabel("|finite difference − cos(1)|")
    ax.set_ylim(1e-17, 10)
    # every fourth decade labelled: fewer mathtext labels render much faster (the static frames)
    ax.xaxis.set_major_locator(LogLocator(base=10.0**4))
    ax.yaxis.set_major_locator(LogLocator(base=10.0**4))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_minor_locator(NullLocator())
    ax.legend(loc="lower left", fontsize=8)
    return fig


def _difference_frame(precision: str = "float64", h_exponent: int = -7) -> Figure:
    dtype = {"float64": np.float64, "float32": np.float32}[precision]
    return plot_difference_errors(dtypes=(dtype,), marker_exponent=h_exponent)


def finite_difference_explorer() -> Demo:
    """Move h and switch precision: where is the error of each difference smallest, and why?"""
    return Demo(
        _difference_frame,
        grid={"precision": ["float64", "float32"], "h_exponent": H_MARKERS},
        title="Finite differences: truncation error falls with h, round-off error grows as 1/h",
        defaults={"precision": "float64", "h_exponent": -7},
    )


# ---------------------------------------------------------------------------------------------
# Symbolic differentiation: expression swell
# ---------------------------------------------------------------------------------------------


def plot_expression_swell(n_max: int = 5) -> Figure:
    """Operation counts of l_n and of its symbolic derivative, n = 1..n_max (log scale)."""
    rows = expression_swell(n_max)
    n = np.array([r.n for r in rows])
    fig, ax = viz.new_figure(figsize=(6.5, 4.0))
    series = [
        ("d l_n / dx of the nested expression", [r.nested_derivative_ops for r in rows], "s-"),
        ("l_n as a nested expression", [r.nested_ops for r in rows], "o-"),
        ("d l_n / dx of the factored form", [r.derivative_ops for r in rows], "^--"),
        ("l_n factored", [r.l_n_ops for r in rows], "v--"),
    ]
    for label, counts, style in series:
        ax.semilogy(n, np.maximum(counts, 1), style, label=label)
    ax.semilogy(n, 3 * (n - 1) + 1, "k:", label="program for l_n: 3 operations per step")
    # per step: 3 operations for the value, 5 for its tangent (1 - l, 4 l, product rule)
    ax.semilogy(n, 8 * (n - 1) + 1, "k-.", label="program for l_n and d l_n/dx (forward mode)")
    ax.set_xlabel("n (number of compositions of the logistic map)")
    ax.set_ylabel("operations")
    ax.set_title("Symbolic derivatives swell; programs grow linearly")
    ax.legend(fontsize=8)
    return fig


# ---------------------------------------------------------------------------------------------
# When each mode wins: cost of a Jacobian
# ---------------------------------------------------------------------------------------------


def _layer(n: int, m: int, rng: np.random.Generator) -> Callable:
    a = rng.normal(size=(m, n)) / np.sqrt(n)

    def f(x):
        return tanh(a @ tanh(x))

    return f


def time_modes(sizes: Sequence[int] = (1, 4, 16, 64), other: int = 1, vary: str = "inputs",
               seed: int = 0) -> dict[str, np.ndarray]:  # fmt: skip
    """Seconds for the full Jacobian of x -> tanh(A tanh(x)) by each mode.

    ``vary="inputs"``: n = each size, m = ``other``; ``vary="outputs"``: m = each size, n = other.
    """
    rng = np.random.default_rng(seed)
    out = {"sizes": np.array(sizes), "forward": [], "reverse": []}
    for size in sizes:
        n, m = (size, other) if vary == "inputs" else (other, size)
        f, x = _layer(n, m, rng), rng.normal(size=n)
        for mode in ("forward", "reverse"):
            out[mode].append(best_time(lambda f=f, x=x, mode=mode: jacobian(f, x, mode)))
    return {k: np.asarray(v) for k, v in out.items()}


def plot_mode_costs(inputs: dict[str, np.ndarray], outputs: dict[str, np.ndarray]) -> Figure:
    """Two panels: time against n (one output) and against m (one input), for both modes."""
    fig, axes = viz.new_figure(1, 2, figsize=(9.0, 3.6), sharey=True)
    for ax, timing, label in ((axes[0], inputs, "inputs n (m = 1)"),
                              (axes[1], outputs, "outputs m (n = 1)")):  # fmt: skip
        ax.loglog(timing["sizes"], timing["forward"] * 1e3, "o-", label="forward mode (n passes)")
        ax.loglog(timing["sizes"], timing["reverse"] * 1e3, "s-", label="reverse mode (m sweeps)")
        ax.set_xlabel(f"number of {label}")
    axes[0].set_ylabel("time for the full Jacobian (ms)")
    axes[0].set_title("f: Rⁿ → R (a loss): reverse wins")
    axes[1].set_title("f: R → Rᵐ: forward wins")
    axes[0].legend()
    return fig


# ---------------------------------------------------------------------------------------------
# Batch normalization's backward pass, as deck 000 prints it
# ---------------------------------------------------------------------------------------------


def batchnorm_backward_slides(
    x: np.ndarray, gamma: np.ndarray, grad_y: np.ndarray, eps: float = 1e-5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """∂ℓ/∂x, ∂ℓ/∂γ, ∂ℓ/∂β by the six formulas of Ioffe and Szegedy (2015), as deck 000 lists them.

    ``x`` and ``grad_y`` = ∂ℓ/∂y have shape (m, features); statistics are over the m rows.
    """
    m = x.shape[0]
    mu = x.mean(axis=0)
    var = ((x - mu) ** 2).mean(axis=0)
    x_hat = (x - mu) / np.sqrt(var + eps)
    grad_x_hat = grad_y * gamma
    grad_var = (grad_x_hat * (x - mu) * -0.5 * (var + eps) ** -1.5).sum(axis=0)
    grad_mu = (grad_x_hat * -1 / np.sqrt(var + eps)).sum(axis=0) + grad_var * (-2 * (x - mu)).sum(
        axis=0
    ) / m
    grad_x = grad_x_hat / np.sqrt(var + eps) + grad_var * 2 * (x - mu) / m + grad_mu / m
    return grad_x, (grad_y * x_hat).sum(axis=0), grad_y.sum(axis=0)
