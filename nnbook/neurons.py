"""Chapter 1 (Neurons): the experiments and demos the chapter shows.

Each ``*_demo()`` returns a :class:`~nnbook.base.Demo` (a pure plotting function plus a
small grid). The experiments behind them (training a small MLP, fitting a 1-D target with a few
tanh units, the XOR net with hand-set threshold weights) are plain functions, cached where a demo
frame and a chapter cell need the same trained model, so each model is trained once per kernel.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from matplotlib.figure import Figure

from nnbook.base import Demo
from nnbook.timing import best_time
from nnlib import activations, data, layers, losses, optim, train, viz


def _lbfgs(model: layers.Module) -> optim.LBFGS:
    """Full-batch L-BFGS suits these tiny problems (tens to hundreds of points, few weights): it
    reaches a minimum in a few hundred iterations without a learning rate to tune."""
    return optim.LBFGS(model.parameters(), max_iter=20)


# ---------------------------------------------------------------------------------------------
# Activation functions: the whole table
# ---------------------------------------------------------------------------------------------

ACTIVATIONS: tuple[str, ...] = tuple(activations.TABLE)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def activation_rows() -> list[dict[str, str]]:
    """One row per activation of ``nnlib.activations.TABLE``: formulas and properties."""
    rows = []
    for name, f in activations.TABLE.items():
        p = f.properties
        rows.append(
            {
                "name": _name_with_params(name, f.params),
                "φ(x)": _as_phi(f.equation),
                "φ'(x)": _as_phi(f.derivative_equation),
                "range": str(p.range),
                "continuity": p.continuity_label,
                "monotonic": _yes(p.monotonic),
                "φ' monotonic": _yes(p.derivative_monotonic),
                "identity near 0": _yes(p.identity_near_origin),
            }
        )
    return rows


def _as_phi(equation: str) -> str:
    """nnlib writes an activation as f; chapter 1 calls it φ (f is its target function there)."""
    return re.sub(r"\bf(?=(')?\()", r"\\phi", equation)


def _name_with_params(name: str, params: dict[str, float]) -> str:
    """The row's name and the hyper-parameter its properties were computed at."""
    if not params:
        return name
    if name == "prelu":  # PReLU learns its slope; the table shows PyTorch's starting value
        return f"{name} (α learned, {params['alpha']:g} at the start)"
    return (
        f"{name} ("
        + ", ".join(f"{'α' if k == 'alpha' else k} = {v:g}" for k, v in params.items())
        + ")"
    )


FORMULA_COLUMNS = ("name", "φ(x)", "φ'(x)")  # φ: the activation, as in chapter 1
PROPERTY_COLUMNS = ("name", "range", "continuity", "monotonic", "φ' monotonic", "identity near 0")


def activation_table_markdown(columns: Sequence[str] | None = None) -> str:
    """The table (or some of its ``columns``) as Markdown, maths as $...$, for ``Markdown(...)``."""
    rows = activation_rows()
    header = list(columns) if columns is not None else list(rows[0])

    def cell(column: str, text: str) -> str:
        text = text.replace("|", r"\vert ")  # a bare | would end the table cell
        if column == "range":
            text = text.replace("{", r"\{").replace("}", r"\}").replace("∞", r"\infty")
            text = text.replace("π", r"\pi")
        elif column == "continuity":
            text = "C^{" + text.removeprefix("C^").replace("∞", r"\infty") + "}"
        return f"${text}$" if column in ("φ(x)", "φ'(x)", "range", "continuity") else text

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c, row[c]) for c in header) + " |" for row in rows]
    return "\n".join(lines)


def plot_activation(activation: str) -> Figure:
    """f and f' of one activation on [-4, 4], with its table properties beside them."""
    f = activations.get(activation)
    x = np.linspace(-4, 4, 801)
    fig, (ax, ax_text) = viz.new_figure(
        1, 2, figsize=(8, 3.2), gridspec_kw={"width_ratios": [2.2, 1]}, margins={"wspace": 0.1}
    )
    ax.plot(x, f(x), label="φ(x)", color=viz.COLORS[0])
    ax.plot(x, f.derivative(x), label="φ'(x)", color=viz.COLORS[1], linestyle="--")
    ax.axhline(0, color="0.7", linewidth=0.8)
    ax.axvline(0, color="0.7", linewidth=0.8)
    ax.set(xlabel="x", ylabel="value", title=f"{activation}: the function and its derivative")
    ax.set_ylim(-2.2, 4.2)
    ax.legend(loc="upper left")
    p = f.properties
    text = "\n".join(
        [
            f"range: {p.range}",
            f"continuity: {p.continuity_label}",
            f"monotonic: {_yes(p.monotonic)}",
            f"φ' monotonic: {_yes(p.derivative_monotonic)}",
            f"≈ identity near 0: {_yes(p.identity_near_origin)}",
        ]
    )
    ax_text.axis("off")
    ax_text.text(0.0, 0.95, text, va="top", family="monospace", fontsize=9)
    return fig


def activation_explorer() -> Demo:
    """Pick an activation of the table: its graph, its derivative and its properties."""
    return Demo(
        plot_activation,
        grid={"activation": list(ACTIVATIONS)},
        title="Activation explorer: where does the derivative vanish or jump?",
        defaults={"activation": "tanh"},
    )


def plot_activation_grid(names: Sequence[str] = ACTIVATIONS) -> Figure:
    """Small multiples: every activation (solid) and its derivative (dashed)."""
    cols = 4
    rows = -(-len(names) // cols)
    fig, axes = viz.new_figure(rows, cols, figsize=(10, 2.2 * rows), sharex=True)
    x = np.linspace(-4, 4, 801)
    for ax, name in zip(axes.flat, names, strict=False):
        f = activations.get(name)
        ax.plot(x, f(x), color=viz.COLORS[0])
        ax.plot(x, f.derivative(x), color=viz.COLORS[1], linestyle="--")
        ax.set_title(name)
        ax.set_ylim(-2.2, 4.2)
    for ax in axes.flat[len(names) :]:
        ax.axis("off")
    fig.suptitle("The activation table: f (solid) and f' (dashed) on [-4, 4]")
    fig.supxlabel("x")
    return fig


# ---------------------------------------------------------------------------------------------
# Why non-linearity: a stack of linear layers is one linear layer
# ---------------------------------------------------------------------------------------------


def collapse_linear_stack(model: layers.Sequential) -> tuple[np.ndarray, np.ndarray]:
    """The single (W, b) equal to a stack of Dense layers without activations.

    x W1 + b1 -> (x W1 + b1) W2 + b2 = x (W1 W2) + (b1 W2 + b2), and so on layer by layer.
    """
    first = model[0]
    weight, bias = first.weight.data.copy(), first.bias.data.copy()
    for dense in list(model)[1:]:
        if not isinstance(dense, layers.Dense):
            raise ValueError(f"expected only Dense layers, found {dense!r}")
        weight, bias = weight @ dense.weight.data, bias @ dense.weight.data + dense.bias.data
    return weight, bias


# ---------------------------------------------------------------------------------------------
# XOR: threshold weights by hand
# ---------------------------------------------------------------------------------------------


def xor_by_hand() -> layers.Sequential:
    """Deck 002's XOR net with hard thresholds: h1 = x1 OR x2, h2 = x1 AND x2, y = h1 AND NOT h2.

    A threshold unit step(w^T x + b) fires when w^T x >= -b: OR needs one input on (b = -0.5),
    AND needs both (b = -1.5), and h1 AND NOT h2 weights h2 negatively.
    """
    hidden = layers.Dense(2, 2, init="zeros")
    hidden.weight.data[:] = [[1.0, 1.0], [1.0, 1.0]]  # columns: the OR unit, the AND unit
    hidden.bias.data[:] = [-0.5, -1.5]
    output = layers.Dense(2, 1, init="zeros")
    output.weight.data[:] = [[1.0], [-1.0]]
    output.bias.data[:] = [-0.5]
    return layers.Sequential(hidden, layers.BinaryStep(), output, layers.BinaryStep())


# ---------------------------------------------------------------------------------------------
# Universal approximation: a few tanh units fit 1-D targets (deck 004)
# ---------------------------------------------------------------------------------------------

TARGETS: dict[str, Callable[[np.ndarray], np.ndarray]] = data.TARGETS_1D
TARGET_LABELS = {"abs": "|x|", "square": "x²", "sin": "sin x", "step": "step"}
HIDDEN_UNITS: tuple[int, ...] = (1, 2, 3, 5, 10)


@dataclass(frozen=True)
class Fit1D:
    """A 1-hidden-layer net fitted to 50 points of a target on [-1, 1]."""

    target: str
    hidden_units: int
    model: layers.Sequential
    x: np.ndarray
    y: np.ndarray
    max_error: float  # max |F(x) - f(x)| on a fine grid of [-1, 1]
    rms_error: float  # root mean square of F(x) - f(x) on the same grid


@lru_cache(maxsize=64)
def fit_target(target: str, hidden_units: int, activation: str = "tanh", seed: int = 0) -> Fit1D:
    """Fit F(x) = sum_i v_i psi(w_i x + b_i) + c (deck 004) to 50 points of ``target``.

    Trained by minimising the squared error with L-BFGS from a few random starts (seeded); the
    best start is kept, since a tiny net sometimes settles in a poor local minimum.
    """
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; expected one of {list(TARGETS)}")
    f = TARGETS[target]
    x, y = data.target_1d(target, n=50)
    best = None
    for start in range(3):
        model = layers.mlp([1, hidden_units, 1], activation, rng=seed * 100 + start)
        final = train.fit_full_batch(model, losses.MSELoss(), _lbfgs(model), x, y, steps=15)[-1]
        if best is None or final < best[0]:
            best = (final, model)
    model = best[1]
    grid = np.linspace(-1, 1, 2001)[:, None]
    error = model(grid) - f(grid)
    max_error, rms_error = float(np.max(np.abs(error))), float(np.sqrt(np.mean(error**2)))
    return Fit1D(target, hidden_units, model, x, y, max_error, rms_error)


def random_features_fit(
    target: str, hidden_units: int, seeds: Sequence[int] = range(5)
) -> tuple[float, float]:
    """Medians over seeds of max |F - f| on [-1, 1] and of the largest |v_i|, output layer only.

    The hidden weights and biases are drawn at random (w ~ N(0, 2²), b ~ U(-1, 1)); the output
    weights v and the constant c of F(x) = sum_i v_i tanh(w_i x + b_i) + c then solve a linear
    least-squares problem on the same 50 points as `fit_target`: no training, no local minima.
    """
    f = TARGETS[target]
    x, y = data.target_1d(target, n=50)
    grid = np.linspace(-1, 1, 2001)[:, None]
    errors, largest = [], []
    for seed in seeds:
        r = np.random.default_rng(seed)
        w, b = r.normal(0, 2, hidden_units), r.uniform(-1, 1, hidden_units)

        def features(t: np.ndarray, w: np.ndarray = w, b: np.ndarray = b) -> np.ndarray:
            return np.hstack([np.tanh(t * w + b), np.ones_like(t)])

        v, *_ = np.linalg.lstsq(features(x), y, rcond=None)
        errors.append(float(np.max(np.abs(features(grid) @ v - f(grid)))))
        largest.append(float(np.max(np.abs(v[:-1]))))
    return float(np.median(errors)), float(np.median(largest))


def plot_approximation(target: str, hidden_units: int) -> Figure:
    """The target, the 50 training points, the fitted net and each unit's contribution."""
    fit = fit_target(target, hidden_units)
    grid = np.linspace(-1, 1, 401)[:, None]
    dense_in, act, dense_out = fit.model
    contributions = act(dense_in(grid)) * dense_out.weight.data[:, 0]
    fig, (ax, ax_units) = viz.new_figure(1, 2, figsize=(9, 3.4), margins={"wspace": 0.35})
    ax.plot(
        grid,
        TARGETS[target](grid),
        color="0.6",
        linewidth=3,
        label=f"f(x) = {TARGET_LABELS[target]}",
    )
    ax.scatter(fit.x, fit.y, s=10, color=viz.COLORS[0], label="50 training points", zorder=3)
    ax.plot(grid, fit.model(grid), color=viz.COLORS[1], label="network F(x)")
    ax.set(
        xlabel="x",
        ylabel="y",
        title=f"{hidden_units} tanh unit(s): max |F − f| = {fit.max_error:.3f}, "
        f"rms {fit.rms_error:.3f}",
    )
    ax.legend(loc="upper left", fontsize=8)
    for i in range(hidden_units):
        ax_units.plot(grid, contributions[:, i], color=viz.COLORS[i % len(viz.COLORS)])
    ax_units.set(xlabel="x", ylabel="v_i tanh(w_i x + b_i)", title="each hidden unit's share")
    return fig


def plot_approximations(hidden_units: int = 3) -> Figure:
    """The four targets of deck 004 side by side, each fitted with ``hidden_units`` tanh units."""
    fig, axes = viz.new_figure(1, len(TARGETS), figsize=(12, 3.2), sharey=True)
    grid = np.linspace(-1, 1, 401)[:, None]
    for ax, target in zip(axes, TARGETS, strict=True):
        fit = fit_target(target, hidden_units)
        ax.plot(grid, TARGETS[target](grid), color="0.6", linewidth=3, label="target f")
        ax.scatter(fit.x, fit.y, s=8, color=viz.COLORS[0], label="data", zorder=3)
        ax.plot(grid, fit.model(grid), color=viz.COLORS[1], label="network F")
        ax.set(xlabel="x", title=f"{TARGET_LABELS[target]}: max |F − f| = {fit.max_error:.3f}")
    axes[0].set_ylabel("y")
    axes[0].legend(loc="upper center", fontsize=8)
    fig.suptitle(f"{hidden_units} tanh hidden units, trained on 50 points each")
    return fig


def universal_approximation() -> Demo:
    """Hidden-units slider over the four targets of deck 004."""
    return Demo(
        plot_approximation,
        grid={"target": list(TARGETS), "hidden_units": list(HIDDEN_UNITS)},
        title="Universal approximation: more tanh units, closer fit",
        defaults={"target": "abs", "hidden_units": 3},
    )


# ---------------------------------------------------------------------------------------------
# Decision boundaries against width and depth (XOR, rings, spirals)
# ---------------------------------------------------------------------------------------------

DATASETS: tuple[str, ...] = ("xor", "rings", "spirals")
WIDTHS: tuple[int, ...] = (2, 3, 8)
DEPTHS: tuple[int, ...] = (1, 2)


def load_dataset(name: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The 2-D classification sets of the chapter, from ``nnlib.data`` (spirals: 3 classes)."""
    rng = np.random.default_rng(seed)
    if name == "xor":
        x, y = data.xor(n_per_corner=50, noise=0.15, rng=rng)
    elif name == "rings":
        x, y = data.rings(n=300, rng=rng)
    elif name == "spirals":
        x, y = data.spirals(n=300, classes=3, rng=rng)
    else:
        raise ValueError(f"unknown data set {name!r}; expected one of {list(DATASETS)}")
    return np.asarray(x, dtype=np.float64), np.asarray(y).reshape(-1).astype(int)


@dataclass(frozen=True)
class Classifier:
    """A trained classifier on a 2-D data set, its training accuracy and final loss."""

    dataset: str
    width: int
    depth: int
    model: layers.Sequential
    accuracy: float
    loss: float


def _train_once(x: np.ndarray, y: np.ndarray, sizes: list[int], seed: int, steps: int):
    model = layers.mlp(sizes, "tanh", rng=seed)
    if sizes[-1] == 1:  # two classes: one logit, sigmoid inside the loss
        loss, target = losses.BCEWithLogitsLoss(), y[:, None] * 1.0
    else:  # K classes: K logits, softmax inside the loss
        loss, target = losses.CrossEntropyLoss(), y
    history = train.fit_full_batch(model, loss, _lbfgs(model), x, target, steps)
    return model, history[-1]


@lru_cache(maxsize=256)
def train_classifier(
    name: str, width: int, depth: int, seed: int = 0, restarts: int = 1, steps: int = 25
) -> Classifier:
    """A tanh MLP with ``depth`` hidden layers of ``width`` units, trained by L-BFGS.

    With ``restarts`` > 1 it trains from that many seeded initialisations and keeps the one with
    the lowest training loss (a small net often stops in a poor local minimum).
    """
    x, y = load_dataset(name)
    classes = int(y.max()) + 1
    sizes = [2, *([width] * depth), 1 if classes == 2 else classes]
    runs = [_train_once(x, y, sizes, seed + 1000 * r, steps) for r in range(restarts)]
    model, loss = min(runs, key=lambda run: run[1])
    accuracy = train.accuracy(model(x), y, threshold=0)  # logits: class 1 where z > 0
    return Classifier(name, width, depth, model, accuracy, float(loss))


def plot_boundaries(
    dataset: str, architectures: Sequence[tuple[int, int]], restarts: int = 3, seed: int = 0
) -> Figure:
    """Decision regions of trained classifiers, one panel per (width, depth), side by side."""
    x, y = load_dataset(dataset)
    fig, axes = viz.new_figure(
        1,
        len(architectures),
        figsize=(3.6 * len(architectures), 3.9),
        squeeze=False,
        margins={"left": 0.12 / len(architectures), "bottom": 0.12, "top": 0.8, "wspace": 0.3},
    )
    for ax, (width, depth) in zip(axes[0], architectures, strict=True):
        clf = train_classifier(dataset, width, depth, seed=seed, restarts=restarts)
        viz.plot_decision_boundary(clf.model, x, y, ax=ax, resolution=120)
        ax.set_title(f"{depth} hidden layer(s) of {width}\ntraining accuracy {clf.accuracy:.1%}")
    return fig


def plot_boundary(dataset: str, width: int, depth: int) -> Figure:
    """Decision regions of one classifier (best of 3 seeded starts) over its training data."""
    fig = plot_boundaries(dataset, [(width, depth)])
    fig.suptitle(f"{dataset}: where the classifier puts each class")
    return fig


def plot_linear_models(datasets: Sequence[str] = ("xor", "rings")) -> Figure:
    """Logistic regression (one sigmoid neuron) on each data set: a straight boundary each time."""
    fig, axes = viz.new_figure(1, len(datasets), figsize=(3.8 * len(datasets), 3.8), squeeze=False)
    for ax, name in zip(axes[0], datasets, strict=True):
        x, y = load_dataset(name)
        model, _ = _train_once(x, y, [2, 1], seed=0, steps=10)
        viz.plot_decision_boundary(model, x, y, ax=ax, resolution=120)
        ax.set_title(f"{name}: one neuron, accuracy {train.accuracy(model(x), y, threshold=0):.0%}")
    fig.suptitle("A linear model draws one straight line: not enough for these data")
    return fig


def decision_boundaries() -> Demo:
    """Width and depth against XOR, rings and spirals (models trained once, then cached)."""
    return Demo(
        plot_boundary,
        grid={"dataset": list(DATASETS), "width": list(WIDTHS), "depth": list(DEPTHS)},
        title="Decision boundaries: how wide, how deep?",
        defaults={"dataset": "rings", "width": 3, "depth": 1},
    )


def rings_experiment(
    architectures: Sequence[tuple[int, int]] = ((2, 1), (2, 2), (2, 3), (3, 1)),
    seeds: Sequence[int] = tuple(range(6)),
) -> dict[tuple[int, int], list[float]]:
    """Training accuracy on the rings per (width, depth) and seed (the topology claim, deck 000)."""
    return {
        (w, d): [train_classifier("rings", w, d, seed=s).accuracy for s in seeds]
        for w, d in architectures
    }


# ---------------------------------------------------------------------------------------------
# Feature learning: first-layer weights of a digits classifier
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=2)
def train_digits(
    hidden: int = 16, seed: int = 0, epochs: int = 30
) -> tuple[layers.Sequential, float]:
    """A 64-``hidden``-10 tanh net on the 8x8 digits; returns it and its test accuracy.

    Trained with ``nnlib.train.fit``: Adam on mini-batches of 64, a little weight decay (it keeps
    the first-layer weights, which the chapter shows as images, from fitting pixel noise).
    """
    x_train, x_test, y_train, y_test = _digits_split(seed)
    model = layers.mlp([64, hidden, 10], "tanh", rng=seed)
    opt = optim.Adam(model.parameters(), lr=0.01, weight_decay=1e-3)
    train.fit(model, losses.CrossEntropyLoss(), opt, x_train, y_train, epochs=epochs,
              batch_size=64, progress=False, rng=seed)  # fmt: skip
    return model, train.accuracy(model(x_test), y_test, threshold=0)


def _digits_split(seed: int):
    x, y = data.digits()  # pixels already in [0, 1]
    (x_train, y_train), _, (x_test, y_test) = data.train_val_test_split(
        x, y, val_fraction=0.0, test_fraction=0.25, rng=seed
    )
    return x_train, x_test, y_train, y_test


# ---------------------------------------------------------------------------------------------
# The cost of an activation: exp against a comparison (deck 002)
# ---------------------------------------------------------------------------------------------

ACTIVATION_FORMULAS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
    "tanh": np.tanh,
    "relu": lambda x: np.maximum(x, 0.0),
}


def time_activations(
    size: int = 1_000_000, repeats: int = 5, seed: int = 0
) -> list[dict[str, float | str]]:
    """Best-of-``repeats`` time (ms) of each activation on ``size`` standard-normal float64 values.

    Two timings per activation: the bare NumPy formula of :data:`ACTIVATION_FORMULAS` and nnlib's
    function (which also guards against overflow, e.g. the logistic through exp(-|x|)).
    """
    x = np.random.default_rng(seed).standard_normal(size)
    rows = []
    for name, formula in ACTIVATION_FORMULAS.items():
        nnlib_function = activations.get(name)
        rows.append(
            {
                "name": name,
                "numpy_ms": 1e3 * best_time(lambda f=formula: f(x), repeats),
                "nnlib_ms": 1e3 * best_time(lambda f=nnlib_function: f(x), repeats),
            }
        )
    return rows


# ---------------------------------------------------------------------------------------------
# Visualizing the hidden layer: the data as the hidden units see them (deck 000)
# ---------------------------------------------------------------------------------------------


def hidden_representation(model: layers.Sequential, x: np.ndarray) -> np.ndarray:
    """The first hidden layer's activations a^[1] = g(x W^[1] + b^[1]) for each row of ``x``."""
    return model[1](model[0](x))


def linear_accuracy(features: np.ndarray, y: np.ndarray, steps: int = 20) -> float:
    """Training accuracy of the best single neuron (logistic regression) on ``features``.

    Accuracy 1 means a hyperplane separates the two classes in that representation.
    """
    model, _ = _train_once(features, np.asarray(y).reshape(-1), [features.shape[1], 1], 0, steps)
    return train.accuracy(model(features), y, threshold=0)


def _hidden_view(dataset: str, width: int) -> tuple[Classifier, np.ndarray, np.ndarray]:
    # Same arguments as plot_boundaries' call, so the cached classifier is reused.
    clf = train_classifier(dataset, width, 1, seed=0, restarts=3)
    x, y = load_dataset(dataset)
    return clf, hidden_representation(clf.model, x), y


def plot_hidden_layer(dataset: str, width: int) -> Figure:
    """Left: the data with each hidden unit's line w_i^T x + b_i = 0. Right: the data placed at
    their hidden activations, with the output unit's boundary (score 0) in that space.

    The classifier is the one ``plot_boundaries(dataset, [(width, 1)])`` trained (cached).
    """
    clf, h, y = _hidden_view(dataset, width)
    x, _ = load_dataset(dataset)
    fig = Figure(figsize=(9.5, 4.2))
    ax_in = fig.add_subplot(1, 2, 1)
    ax_h = fig.add_subplot(1, 2, 2, **({"projection": "3d"} if width == 3 else {}))
    _scatter_classes(ax_in, x, y)
    _draw_unit_lines(ax_in, clf.model[0], x)
    ax_in.set(xlabel="x1", ylabel="x2", title=f"input space: the lines of the {width} units")
    ax_in.legend(loc="upper right", fontsize=7)
    _scatter_classes(ax_h, h, y)
    _draw_output_boundary(ax_h, clf.model[2])
    labels = [f"unit {i + 1}" for i in range(width)]
    ax_h.set(**{f"{axis}label": text for axis, text in zip("xyz", labels, strict=False)})
    ax_h.set_title("hidden space: the output unit's boundary")
    fig.suptitle(f"{dataset}: the data as the {width} tanh units see them")
    fig.subplots_adjust(left=0.08, right=0.95, bottom=0.13, top=0.84, wspace=0.25)
    return fig


def _draw_unit_lines(ax, dense: layers.Dense, x: np.ndarray) -> None:
    """Each hidden unit's line w_i^T x + b_i = 0 across the data's box."""
    (x0, y0), (x1, y1) = x.min(axis=0), x.max(axis=0)
    t = np.linspace(min(x0, y0), max(x1, y1), 100)
    for i, (w, b) in enumerate(zip(dense.weight.data.T, dense.bias.data, strict=True)):
        color = viz.COLORS[(i + 2) % len(viz.COLORS)]
        if abs(w[1]) > abs(w[0]):
            ax.plot(t, -(b + w[0] * t) / w[1], color=color, label=f"unit {i + 1}")
        else:
            ax.plot(-(b + w[1] * t) / w[0], t, color=color, label=f"unit {i + 1}")
    ax.set(xlim=(x0 - 0.1, x1 + 0.1), ylim=(y0 - 0.1, y1 + 0.1))


def _draw_output_boundary(ax, dense: layers.Dense) -> None:
    """The set where the output score h^T w + b is 0: a line (2 units) or a plane (3 units)."""
    w, b = dense.weight.data[:, 0], dense.bias.data[0]
    g = np.linspace(-1, 1, 30)
    if w.size == 2:
        ax.plot(g, -(b + w[0] * g) / w[1], color="0.2", linestyle="--")
        ax.set(xlim=(-1.1, 1.1), ylim=(-1.1, 1.1))
        return
    g1, g2 = np.meshgrid(g, g)
    g3 = -(b + w[0] * g1 + w[1] * g2) / w[2]
    ax.plot_surface(g1, g2, np.where(np.abs(g3) <= 1.1, g3, np.nan), color="0.5", alpha=0.3)
    ax.set(xlim=(-1.1, 1.1), ylim=(-1.1, 1.1), zlim=(-1.1, 1.1))


def linear_separability(dataset: str, width: int) -> tuple[float, float]:
    """Accuracy of a fresh logistic regression on the raw inputs and on the hidden activations."""
    _, h, y = _hidden_view(dataset, width)
    x, _ = load_dataset(dataset)
    return linear_accuracy(x, y), linear_accuracy(h, y)


def hidden_codes(dataset: str, width: int) -> dict[tuple[int, ...], tuple[int, int]]:
    """Points per sign pattern of the hidden units (+1 or -1 each), as (class 0, class 1) counts.

    Saturated tanh units act almost like threshold units: the pattern says on which side of each
    unit's line a point lies.
    """
    _, h, y = _hidden_view(dataset, width)
    codes: dict[tuple[int, ...], list[int]] = {}
    for code, label in zip(map(tuple, np.where(h > 0, 1, -1).tolist()), y, strict=True):
        codes.setdefault(code, [0, 0])[label] += 1
    return {code: (c0, c1) for code, (c0, c1) in sorted(codes.items())}


def _scatter_classes(ax, points: np.ndarray, y: np.ndarray) -> None:
    for label in (0, 1):
        coords = points[y == label].T
        ax.scatter(*coords, s=8, color=viz.COLORS[label], label=f"class {label}", alpha=0.8)


# ---------------------------------------------------------------------------------------------
# Lin and Tegmark's multiplication gate (deck 004)
# ---------------------------------------------------------------------------------------------

GATE_INPUT_WEIGHTS = np.array([[1.0, -1.0, 1.0, -1.0], [1.0, -1.0, -1.0, 1.0]])
GATE_OUTPUT_SIGNS = np.array([[1.0], [1.0], [-1.0], [-1.0]])


def softplus_curvature() -> float:
    """softplus''(0): softplus' is the logistic sigma, so it is sigma'(0) = 1/4."""
    return float(activations.sigmoid.derivative(np.array([0.0]))[0])


def multiplication_gate(scale: float) -> layers.Sequential:
    """Lin and Tegmark's four-unit net whose output tends to x1 x2 as ``scale`` (lambda) -> 0.

    Hidden units f(lambda u) and f(-lambda u) for u = x1 + x2 and u = x1 - x2, with f = softplus.
    Since f(v) + f(-v) = 2 f(0) + f''(0) v^2 + O(v^4), the output
    mu [f(lambda(x1+x2)) + f(-lambda(x1+x2)) - f(lambda(x1-x2)) - f(-lambda(x1-x2))]
    equals mu f''(0) lambda^2 4 x1 x2 + O(lambda^4), which is x1 x2 + O(lambda^2) with
    mu = 1 / (4 lambda^2 f''(0)) (the slide's choice).
    """
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale!r}")
    hidden = layers.Dense(2, 4, init="zeros")
    hidden.weight.data[:] = scale * GATE_INPUT_WEIGHTS
    output = layers.Dense(4, 1, init="zeros")
    output.weight.data[:] = GATE_OUTPUT_SIGNS / (4 * scale**2 * softplus_curvature())
    return layers.Sequential(hidden, layers.Activation("softplus"), output)


def gate_error(scale: float, points: int = 41) -> float:
    """Largest |gate(x) - x1 x2| over a ``points`` x ``points`` grid of [-1, 1]^2."""
    grid = np.linspace(-1, 1, points)
    x = np.stack(np.meshgrid(grid, grid), axis=-1).reshape(-1, 2)
    return float(np.max(np.abs(multiplication_gate(scale)(x)[:, 0] - x[:, 0] * x[:, 1])))


GATE_SCALES: tuple[float, ...] = tuple(10.0 ** np.arange(0.0, -6.01, -0.5))


def plot_gate_errors(scales: Sequence[float] = GATE_SCALES) -> Figure:
    """Largest error of the gate against lambda, log-log, with a slope-2 guide."""
    errors = np.array([gate_error(s) for s in scales])
    scales = np.asarray(scales)
    fig, ax = viz.new_figure(figsize=(6, 3.8), margins={"left": 0.13, "bottom": 0.14, "top": 0.9})
    ax.loglog(scales, errors, "o-", color=viz.COLORS[0], label="max |gate - x1 x2| on [-1, 1]²")
    ax.loglog(scales, errors[0] * (scales / scales[0]) ** 2, "--", color="0.5", label="∝ λ²")
    ax.set(xlabel="scale λ", ylabel="largest error", ylim=(errors.min() / 10, errors.max() * 10))
    ax.set_title("Smaller λ, better product: until rounding takes over")
    ax.legend(fontsize=8)
    return fig
