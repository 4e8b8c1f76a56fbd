"""Chapter 6 (Initialization): the experiments and demos the chapter shows.

- :func:`symmetry_experiment`: a tiny network trained from constant weights, whose hidden units
  stay identical, against the same network from random weights.
- :func:`layer_statistics`: activations and back-propagated gradients, layer by layer, of a deep
  MLP at initialization (deck 002's 6-layer tanh experiment; Glorot and Bengio's figures 6, 7).
- :func:`histogram_explorer`: a demo over those statistics for each initialization scheme.
- :func:`gradient_flow`, :func:`gradient_flow_explorer`: activation and gradient size through a
  30-layer network as the weight scale moves around the right one (vanishing and exploding).
- :func:`saturation_training`, :func:`plot_saturation`: the activations of each hidden layer of a
  sigmoid network during training, where the top layer saturates (Glorot and Bengio's figure 2).
- :func:`overflow_trace`, :func:`exploding_training`, ``optim.clip_grad_norm_``: exploding signals
  turning into inf and NaN in float32, at initialization and in training, and the remedies.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache, partial

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

from nnbook.base import Demo
from nnbook.timing import one_blas_thread
from nnlib import data, init, layers, losses, optim, train, viz

SLIDES_WIDTH = 4096  # units per layer in deck 002's experiment
WIDTH = 256  # what the book uses (16x narrower: fast), with the deck's scales carried over
DEPTH = 6
BATCH = 200
CLASSES = 10


# ---------------------------------------------------------------------------------------------
# Initialization schemes, by the names the chapter uses
# ---------------------------------------------------------------------------------------------


def slides_std(std_at_4096: float, fan_in: int) -> float:
    """The std that gives a layer of `fan_in` inputs the same sigma * sqrt(fan_in) as the slides'
    `std_at_4096` at 4096 units: sigma * sqrt(D_in) is what sets the scale of a pre-activation."""
    return std_at_4096 * math.sqrt(SLIDES_WIDTH / fan_in)


def _slides_normal(std_at_4096: float) -> init.Initializer:
    def initializer(shape, rng=None, dtype=np.float64):
        fan_in, _ = init.fans(shape)
        return init.normal(shape, rng, dtype, std=slides_std(std_at_4096, fan_in))

    return initializer


#: Scheme name -> initializer(shape, rng). The first two carry deck 002's stds (at 4096 units).
SCHEMES: dict[str, init.Initializer] = {
    "small σ=0.01": _slides_normal(0.01),
    "large σ=0.05": _slides_normal(0.05),
    # Glorot and Bengio's "standard" U(-1/sqrt(n), 1/sqrt(n)), n = fan_in: PyTorch's default
    "standard U(±1/√n)": init.pytorch_default,
    "LeCun 1/√D_in": init.lecun_normal,
    "Glorot": init.xavier_uniform,
    "He": init.he_normal,
}


#: The schemes the histogram demo offers (the chapter shows the others as static figures).
DEMO_SCHEMES = ("small σ=0.01", "large σ=0.05", "LeCun 1/√D_in", "He")


def scaled(scheme: str, gain: float) -> init.Initializer:
    """The scheme's initializer with every weight multiplied by `gain`."""
    base = SCHEMES[scheme]
    return lambda shape, rng=None, dtype=np.float64: gain * base(shape, rng, dtype)


# ---------------------------------------------------------------------------------------------
# Symmetry: constant weights keep every hidden unit identical
# ---------------------------------------------------------------------------------------------


@dataclass
class SymmetryRun:
    """Incoming weights of the hidden units at every step, the loss, and the final accuracy."""

    hidden_weights: np.ndarray  # (steps + 1, inputs, hidden)
    loss: np.ndarray  # (steps,)
    accuracy: float

    @property
    def unit_spread(self) -> float:
        """Largest difference between any hidden unit's weights and unit 0's, over all steps."""
        w = self.hidden_weights
        return float(np.abs(w - w[:, :, :1]).max())


def symmetry_experiment(
    constant: float | None = 0.5, hidden: int = 4, steps: int = 300, lr: float = 1.0, seed: int = 0
) -> SymmetryRun:
    """Train a 2-`hidden`-1 tanh network on noisy XOR with full-batch gradient descent.

    `constant` sets every weight to that value (biases 0); None draws them (Glorot uniform).
    """
    rng = np.random.default_rng(seed)
    x, y = data.xor(n_per_corner=25, noise=0.15, rng=rng)
    weights = init.xavier_uniform if constant is None else partial(init.constant, value=constant)
    model = layers.Sequential(
        layers.Dense(2, hidden, init=weights, rng=rng),
        layers.Tanh(),
        layers.Dense(hidden, 1, init=weights, rng=rng),
    )
    loss_fn = losses.BCEWithLogitsLoss()
    history, losses_seen = [model[0].weight.data.copy()], []
    for _ in range(steps):
        model.zero_grad()
        loss = loss_fn(model(x), y)
        losses_seen.append(float(loss))
        model.backward(loss.backward())
        for p in model.parameters():
            p.data -= lr * p.grad
        history.append(model[0].weight.data.copy())
    accuracy = float(np.mean((model(x)[:, 0] > 0) == (y == 1)))
    return SymmetryRun(np.array(history), np.array(losses_seen), accuracy)


def plot_symmetry(constant_run: SymmetryRun, random_run: SymmetryRun) -> Figure:
    """Each hidden unit's first incoming weight over training, for both starts."""
    fig, axes = viz.new_figure(1, 2, figsize=(9.0, 3.4), sharey=True)
    for ax, run, name in zip(axes, (constant_run, random_run), ("constant", "random"), strict=True):
        steps = np.arange(run.hidden_weights.shape[0])
        for j in range(run.hidden_weights.shape[2]):
            style = "-" if name == "random" else (0, (4, 2 + 2 * j))
            ax.plot(steps, run.hidden_weights[:, 0, j], linestyle=style, label=f"unit {j + 1}")
        ax.set(
            xlabel="gradient step",
            title=f"{name} start: accuracy {run.accuracy:.0%}\n"
            f"largest difference between units {run.unit_spread:.2g}",
        )
    axes[0].set_ylabel("weight from input 1 to unit j")
    axes[1].legend(loc="best")
    return fig


# ---------------------------------------------------------------------------------------------
# Statistics through a deep network at initialization
# ---------------------------------------------------------------------------------------------


@dataclass
class LayerStatistics:
    """Per hidden layer k = 1..depth: its outputs, dL/d(outputs), and dL/dW^[k]."""

    activations: list[np.ndarray]
    gradients: list[np.ndarray]
    weight_gradients: list[np.ndarray]

    def stds(self, which: str = "activations") -> np.ndarray:
        return np.array([v.std() for v in getattr(self, which)])

    def norms(self) -> np.ndarray:
        """Frobenius norm of dL/dW^[k] per hidden layer."""
        return np.array([np.linalg.norm(g) for g in self.weight_gradients])

    def saturated(self, threshold: float = 0.99) -> np.ndarray:
        """Fraction of outputs with |a| > threshold per layer (tanh units stuck at -1 or +1)."""
        return np.array([np.mean(np.abs(a) > threshold) for a in self.activations])


def deep_mlp(
    activation: str,
    weights: init.Initializer,
    depth: int = DEPTH,
    width: int = WIDTH,
    rng: np.random.Generator | None = None,
    fan_in: int | None = None,
) -> layers.Sequential:
    """`depth` hidden layers of `width` units, then a linear layer of CLASSES outputs; the
    inputs have `fan_in` features (default: `width`)."""
    modules: list[layers.Module] = []
    for d_in in [fan_in or width] + [width] * (depth - 1):
        modules += [
            layers.Dense(d_in, width, init=weights, rng=rng),
            layers.Activation(activation),
        ]
    modules.append(layers.Dense(width, CLASSES, init=weights, rng=rng))
    return layers.Sequential(modules)


def propagate(model: layers.Sequential, x: np.ndarray, labels: np.ndarray) -> LayerStatistics:
    """One forward and backward pass (softmax cross-entropy), recording each hidden layer."""
    grads, dense = [], [m for m in model if isinstance(m, layers.Dense)]
    acts = hidden_outputs(model, x)
    h = model[-1](acts[-1])  # deep_mlp ends with the output layer
    model.zero_grad()
    g = losses.CrossEntropyLoss()(h, labels).backward()
    for module in reversed(model.layers):
        if isinstance(module, layers.Activation):
            grads.append(g)
        g = module.backward(g)
    return LayerStatistics(acts, grads[::-1], [d.weight.grad.copy() for d in dense[:-1]])


def layer_statistics(
    activation: str = "tanh",
    scheme: str = "LeCun 1/√D_in",
    depth: int = DEPTH,
    width: int = WIDTH,
    gain: float = 1.0,
    batch: int = BATCH,
    seed: int = 0,
) -> LayerStatistics:
    """Statistics at initialization for unit-Gaussian inputs and random labels."""
    rng = np.random.default_rng(seed)
    with one_blas_thread():
        model = deep_mlp(activation, scaled(scheme, gain), depth, width, rng)
        x = rng.standard_normal((batch, width))
        return propagate(model, x, rng.integers(0, CLASSES, batch))


def tanh_stack_stds(
    width: int, std: float, depth: int = DEPTH, batch: int = 32, seed: int = 0
) -> np.ndarray:
    """Std of each layer's outputs in a tanh stack with N(0, std^2) weights (forward only, float32).

    Used to check that only std * sqrt(width) matters: compare (4096, 0.01) with (256, 0.04).
    """
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((batch, width)).astype(np.float32)
    stds = []
    with one_blas_thread():
        for _ in range(depth):
            dense = layers.Dense(
                width, width, init=partial(init.normal, std=std), rng=rng, dtype=np.float32
            )
            h = np.tanh(dense(h))
            stds.append(float(h.std()))
    return np.array(stds)


def _symmetric_range(values: list[np.ndarray], quantile: float = 0.995) -> tuple[float, float]:
    top = max(float(np.quantile(np.abs(v), quantile)) for v in values)
    top = top if top > 0 else 1.0
    return -top, top


def _layer_colors(depth: int) -> list:
    cmap = mpl.colormaps[viz.SEQUENTIAL_CMAP]
    return [cmap(0.8 * k / max(depth - 1, 1)) for k in range(depth)]  # no pale yellow


def plot_statistics(stats: LayerStatistics, title: str = "") -> Figure:
    """Normalized histograms per layer, one curve per layer (as Glorot and Bengio's figures 6
    and 7): the layers' outputs a^[k] (left) and the gradients dL/da^[k] (right).

    The exact zeros of ReLU outputs are left out of the left panel (their share is in the legend);
    they would be one bar towering over the rest.
    """
    depth = len(stats.activations)
    fig, (left, right) = viz.new_figure(1, 2, figsize=(10.0, 3.6))
    colors = _layer_colors(depth)
    nonnegative = min(float(a.min()) for a in stats.activations) >= 0
    a_range = (0.0, _symmetric_range(stats.activations)[1]) if nonnegative else (-1.0, 1.0)
    g_range = _symmetric_range(stats.gradients)
    for k in range(depth):
        a = stats.activations[k].ravel()
        label = f"layer {k + 1}: std {a.std():.2g}"
        if nonnegative:
            label += f", {np.mean(a == 0):.0%} zeros"
            a = a[a > 0]
        density, edges = np.histogram(a, bins=50, range=a_range, density=True)
        left.stairs(density, edges, color=colors[k], label=label)
        g = stats.gradients[k].ravel()
        density, edges = np.histogram(g, bins=50, range=g_range, density=True)
        right.stairs(density, edges, color=colors[k], label=f"layer {k + 1}: std {g.std():.2g}")
    zeros_note = " (zeros left out)" if nonnegative else ""
    left.set(xlabel=f"output value $a^{{[k]}}${zeros_note}", ylabel="density", title="activations")
    right.set(xlabel=r"$\partial L / \partial a^{[k]}$", ylabel="density", title="gradients")
    right.ticklabel_format(axis="x", style="sci", scilimits=(-2, 3))
    for ax in (left, right):
        ax.legend(fontsize=7, loc="best")
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def _plot_scheme(scheme: str = "LeCun 1/√D_in", activation: str = "tanh") -> Figure:
    stats = layer_statistics(activation, scheme)
    return plot_statistics(stats, f"{activation}, {scheme}: {DEPTH} layers of {WIDTH} units")


def histogram_explorer() -> Demo:
    """Initialization scheme and activation against the per-layer histograms."""
    return Demo(
        _plot_scheme,
        grid={"scheme": list(DEMO_SCHEMES), "activation": ["tanh", "relu"]},
        title="Activations and gradients per layer at initialization: which scale keeps them?",
        defaults={"scheme": "small σ=0.01", "activation": "tanh"},
    )


# ---------------------------------------------------------------------------------------------
# Vanishing and exploding: a deep network, the weight scale around the right one
# ---------------------------------------------------------------------------------------------

FLOW_DEPTH = 30
FLOW_WIDTH = 128
GAINS = (0.5, 0.8, 1.0, 1.25, 2.0)
DEMO_GAINS = (0.8, 1.0, 1.25, 2.0)  # fewer frames to render for the static site
RIGHT_SCHEME = {"tanh": "LeCun 1/√D_in", "relu": "He"}


@lru_cache(maxsize=32)
def gradient_flow(
    activation: str, gain: float, depth: int = FLOW_DEPTH, seed: int = 0
) -> LayerStatistics:
    """Statistics of a `depth`-layer network whose weights are gain x the right scheme (cached:
    the demo's frames and the chapter's table share them; do not modify the result)."""
    return layer_statistics(
        activation, RIGHT_SCHEME[activation], depth, FLOW_WIDTH, gain, FLOW_WIDTH, seed
    )


def plot_gradient_flow(activation: str = "tanh", gain: float = 1.0) -> Figure:
    """Std of the activations and of the back-propagated gradients per layer, on log scales."""
    fig, axes = viz.new_figure(1, 2, figsize=(9.0, 3.4))
    k = np.arange(1, FLOW_DEPTH + 1)
    ref_stats, stats = gradient_flow(activation, 1.0), gradient_flow(activation, gain)
    reference = (ref_stats.stds("activations"), ref_stats.stds("gradients"))
    current = (stats.stds("activations"), stats.stds("gradients"))
    labels = (r"std of layer $k$'s outputs $a^{[k]}$", r"std of $\partial L / \partial a^{[k]}$")
    for ax, ref, cur, label in zip(axes, reference, current, labels, strict=True):
        ax.plot(k, ref, color="0.6", linestyle="--", label="gain 1 (the scheme itself)")
        ax.plot(k, cur, color=viz.COLORS[0], marker="o", markersize=3, label=f"gain {gain:g}")
        ax.set_yscale("log")
        ax.set(xlabel="layer k (1 = next to the input)", ylabel=label)
    axes[0].legend(loc="best")
    ratio = current[1][0] / current[1][-1]
    fig.suptitle(
        f"{activation}, weights = {gain:g} × {RIGHT_SCHEME[activation]}: "
        f"gradient std at layer 1 / at layer {FLOW_DEPTH} = {ratio:.2g}",
        fontsize=10,
    )
    return fig


def gradient_flow_explorer() -> Demo:
    """Weight scale against activation and gradient size through 30 layers."""
    return Demo(
        plot_gradient_flow,
        grid={"activation": ["tanh", "relu"], "gain": list(DEMO_GAINS)},
        title="30 layers: a little too small or too large, and the signal vanishes or explodes",
        defaults={"activation": "tanh", "gain": 1.0},
    )


def flow_table(activations=("tanh", "relu"), gains=GAINS) -> list[dict[str, float | str]]:
    """For each activation and gain: the std of the outputs a and of the gradients dL/da at the
    first and the last hidden layer, and the norm of dL/dW there."""
    rows: list[dict[str, float | str]] = []
    last = FLOW_DEPTH
    for activation in activations:
        for gain in gains:
            stats = gradient_flow(activation, gain)
            a, g, w = stats.stds("activations"), stats.stds("gradients"), stats.norms()
            rows.append(
                {
                    "activation": activation,
                    "gain": gain,
                    "std a^[1]": a[0],
                    f"std a^[{last}]": a[-1],
                    "std dL/da^[1]": g[0],
                    f"std dL/da^[{last}]": g[-1],
                    "‖dL/dW^[1]‖": w[0],
                    f"‖dL/dW^[{last}]‖": w[-1],
                }
            )
    return rows


def format_table(rows: list[dict[str, float | str]]) -> str:
    """A Markdown table of `rows` (floats to 3 significant digits)."""
    names = list(rows[0])

    def cell(v: float | str) -> str:
        return f"{v:.3g}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    lines += ["| " + " | ".join(cell(r[n]) for n in names) + " |" for r in rows]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Does the initial scale matter for training? (deck 004; Glorot and Bengio's abstract)
# ---------------------------------------------------------------------------------------------

TRAIN_DEPTH = 5
TRAIN_WIDTH = 64


def digits_training(
    weights: init.Initializer,
    epochs: int = 10,
    lr: float = 0.05,
    seed: int = 0,
    activation: str = "tanh",
) -> train.History:
    """Train TRAIN_DEPTH layers of TRAIN_WIDTH `activation` units on the standardized digits.

    SGD with momentum 0.9, batches of 32; every Dense layer (the output layer too) starts from
    `weights`, biases at 0. Returns the history with training loss and validation accuracy.
    """
    X, y = data.digits()
    (X_train, y_train), (X_val, y_val), _ = data.train_val_test_split(
        X, y, val_fraction=0.2, test_fraction=0.2, rng=0
    )
    X_train, X_val = data.standardize(X_train, X_val)
    rng = np.random.default_rng(seed)
    modules: list[layers.Module] = []
    for fan_in in [X.shape[1]] + [TRAIN_WIDTH] * (TRAIN_DEPTH - 1):
        modules += [
            layers.Dense(fan_in, TRAIN_WIDTH, init=weights, rng=rng),
            layers.Activation(activation),
        ]
    modules.append(layers.Dense(TRAIN_WIDTH, CLASSES, init=weights, rng=rng))
    model = layers.Sequential(modules)
    with one_blas_thread():
        return train.fit(
            model,
            losses.CrossEntropyLoss(),
            optim.SGD(model.parameters(), lr=lr, momentum=0.9),
            X_train,
            y_train,
            epochs=epochs,
            batch_size=32,
            validation=(X_val, y_val),
            metrics={"accuracy": train.accuracy},
            progress=False,
            rng=seed,
        )


# ---------------------------------------------------------------------------------------------
# Sigmoid units: the top hidden layer saturates during training (Glorot and Bengio's figure 2)
# ---------------------------------------------------------------------------------------------

SATURATION_DEPTH = 4  # the paper's figure 2 has four hidden layers (of 1000 units)
SATURATION_WIDTH = 100
PROBE_SIZE = 300  # the paper records its statistics on 300 fixed test examples


def hidden_outputs(model: layers.Sequential, x: np.ndarray) -> list[np.ndarray]:
    """The output a^[k] of every activation layer of `model` on `x`, first hidden layer first."""
    outputs = []
    h = x
    for module in model:
        h = module(h)
        if isinstance(module, layers.Activation):
            outputs.append(h)
    return outputs


@dataclass
class SaturationRun:
    """Per record (every few training steps) and hidden layer: the mean and the 2nd and 98th
    percentiles of the layer's outputs on a fixed probe batch, and the loss on that batch."""

    steps: np.ndarray  # (records,) training step of each record; 0 = before training
    mean: np.ndarray  # (records, depth)
    low: np.ndarray  # (records, depth) 2nd percentile
    high: np.ndarray  # (records, depth) 98th percentile
    loss: np.ndarray  # (records,) cross-entropy on the probe batch
    activation: str = "sigmoid"

    def saturation_step(self, layer: int = -1, level: float = 0.1) -> int | None:
        """First recorded step at which `layer` is saturated at 0: 98 % of its outputs below
        `level` (for a sigmoid unit, sigma(z) < 0.1 means z < -2.2 and sigma'(z) < 0.09).
        None if that never happens, and for any other activation than the logistic sigmoid: an
        output near 0 is where tanh or softsign is steepest, not saturated."""
        if self.activation != "sigmoid":
            return None
        hits = np.flatnonzero(self.high[:, layer] < level)
        return int(self.steps[hits[0]]) if hits.size else None

    def escape_step(self, layer: int = -1, level: float = 0.1) -> int | None:
        """First recorded step after :meth:`saturation_step` at which more than 2 % of `layer`'s
        outputs are back above `level` (None: it never saturated, or never left saturation)."""
        start = self.saturation_step(layer, level)
        if start is None:
            return None
        hits = np.flatnonzero((self.steps > start) & (self.high[:, layer] >= level))
        return int(self.steps[hits[0]]) if hits.size else None


def saturation_training(
    depth: int = SATURATION_DEPTH,
    width: int = SATURATION_WIDTH,
    steps: int = 10_000,
    lr: float = 1.0,
    batch_size: int = 10,
    record_every: int = 100,
    activation: str = "sigmoid",
    scheme: str = "standard U(±1/√n)",
    seed: int = 1,
) -> SaturationRun:
    """Train `depth` hidden layers of `width` `activation` units on the digits and record the
    statistics of each hidden layer's outputs every `record_every` steps (step 0 included).

    Glorot and Bengio's figure 2 setting, scaled down: sigmoid units, the "standard" initialization
    U(-1/sqrt(n), 1/sqrt(n)) for every layer, biases at 0, plain SGD on mini-batches of 10, softmax
    output with cross-entropy; inputs are the raw pixel values in [0, 1]. The probe batch is
    PROBE_SIZE examples held out from training.
    """
    X, y = data.digits()
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(X))
    probe, train_idx = order[:PROBE_SIZE], order[PROBE_SIZE:]
    X_probe, y_probe, X_train, y_train = X[probe], y[probe], X[train_idx], y[train_idx]
    model = deep_mlp(activation, SCHEMES[scheme], depth, width, rng, fan_in=X.shape[1])
    loss_fn, opt = losses.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=lr)
    records: list[tuple[int, list[np.ndarray], float]] = []
    batches = _endless_batches(X_train, y_train, batch_size, rng)
    with one_blas_thread():
        for step in range(steps + 1):
            if step % record_every == 0:
                outputs = hidden_outputs(model, X_probe)
                records.append((step, outputs, float(loss_fn(model[-1](outputs[-1]), y_probe))))
            if step == steps:
                break
            xb, yb = next(batches)
            opt.zero_grad()
            model.backward(loss_fn(model(xb), yb).backward())
            opt.step()
    return _saturation_run(records, activation)


def _endless_batches(
    X: np.ndarray, y: np.ndarray, batch_size: int, rng: np.random.Generator
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Shuffled mini-batches, epoch after epoch."""
    while True:
        yield from data.batches(X, y, batch_size, rng=rng)


def _saturation_run(
    records: list[tuple[int, list[np.ndarray], float]], activation: str
) -> SaturationRun:
    def per_layer(statistic) -> np.ndarray:
        return np.array([[statistic(a) for a in outputs] for _, outputs, _ in records])

    return SaturationRun(
        steps=np.array([step for step, _, _ in records]),
        mean=per_layer(np.mean),
        low=per_layer(lambda a: np.percentile(a, 2)),
        high=per_layer(lambda a: np.percentile(a, 98)),
        loss=np.array([loss for _, _, loss in records]),
        activation=activation,
    )


def plot_saturation(run: SaturationRun, title: str = "") -> Figure:
    """Left: each hidden layer's mean output (line) and 2nd to 98th percentiles (band) against the
    training step, as Glorot and Bengio's figure 2. Right: the loss on the probe batch."""
    depth = run.mean.shape[1]
    fig, (left, right) = viz.new_figure(1, 2, figsize=(10.0, 3.6), sharex=True)
    colors = _layer_colors(depth)
    for k in range(depth):
        left.plot(run.steps, run.mean[:, k], color=colors[k], label=f"layer {k + 1}")
        left.fill_between(run.steps, run.low[:, k], run.high[:, k], color=colors[k], alpha=0.15)
    bottom = -1.0 if run.low.min() < 0 else 0.0  # tanh's range, or the sigmoid's
    left.set(xlabel="training step (mini-batches of 10)", ylabel="output $a^{[k]}$")
    left.set(ylim=(bottom, 1.0), title="hidden outputs: mean (line), 2nd-98th percentile (band)")
    left.legend(loc="best", fontsize=8)
    right.plot(run.steps, run.loss, color=viz.COLORS[0], label="probe batch")
    right.axhline(math.log(CLASSES), color="0.6", linestyle="--", label="log 10 (guessing)")
    right.set(xlabel="training step (mini-batches of 10)", ylabel="cross-entropy", title="loss")
    right.legend(loc="best", fontsize=8)
    escape = run.escape_step()
    if escape is not None:
        for ax in (left, right):
            ax.axvline(escape, color="0.3", linestyle=":", linewidth=1)
        right.annotate(
            f"top layer leaves\nsaturation (step {escape})",
            (escape, (run.loss.min() + run.loss.max()) / 2),
            xytext=(-6, 0),
            textcoords="offset points",
            ha="right",
            va="center",
            fontsize=8,
        )
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


# ---------------------------------------------------------------------------------------------
# Exploding to inf and NaN: overflow in float32
# ---------------------------------------------------------------------------------------------

OVERFLOW_DEPTH = 80


@dataclass
class OverflowTrace:
    """Per layer k = 1..depth of a ReLU stack: the largest finite |a^[k]| (NaN if none is finite)
    and the fractions of a^[k] that are inf and NaN."""

    largest: np.ndarray
    inf_fraction: np.ndarray
    nan_fraction: np.ndarray

    def first_layer(self, which: str = "inf") -> int | None:
        """The first layer (1-based) with an inf (`which="inf"`) or a NaN (`"nan"`), or None."""
        fractions = {"inf": self.inf_fraction, "nan": self.nan_fraction}[which]
        hits = np.flatnonzero(fractions > 0)
        return int(hits[0]) + 1 if hits.size else None


def overflow_trace(
    gain: float,
    depth: int = OVERFLOW_DEPTH,
    width: int = FLOW_WIDTH,
    batch: int = 32,
    dtype: type = np.float32,
    seed: int = 0,
) -> OverflowTrace:
    """Forward unit-Gaussian inputs through `depth` ReLU layers with weights `gain` x He's, in
    `dtype`, recording where the values overflow (inf) and turn into NaN (inf - inf in a sum).

    Each layer multiplies the activations' size by about `gain` (He's Var(W) = 2/fan_in keeps
    the second moment), so they pass the largest `dtype` number after about log(max) / log(gain)
    layers. Overflow is the point of the
    experiment, so NumPy's overflow and invalid-value warnings are silenced here.
    """
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((batch, width)).astype(dtype)
    largest, infs, nans = [], [], []
    relu = layers.ReLU()
    with np.errstate(over="ignore", invalid="ignore"), one_blas_thread():
        for _ in range(depth):
            dense = layers.Dense(width, width, init=scaled("He", gain), rng=rng, dtype=dtype)
            h = relu(dense(h))
            finite = np.isfinite(h)
            largest.append(float(np.abs(h[finite]).max()) if finite.any() else math.nan)
            infs.append(float(np.isinf(h).mean()))
            nans.append(float(np.isnan(h).mean()))
    return OverflowTrace(np.array(largest), np.array(infs), np.array(nans))


@dataclass
class DivergenceRun:
    """Per SGD step, until the forward pass stops being finite: the loss, the gradient norm (before
    any clipping) and the largest |weight| before the step. `non_finite_step` is the step whose
    forward pass gave inf or NaN outputs (None: all finite), `nan_fraction` the share of NaN
    among those outputs."""

    loss: list[float]
    grad_norm: list[float]
    largest_weight: list[float]
    non_finite_step: int | None = None
    nan_fraction: float = 0.0


def exploding_training(
    gain: float = 1.3,
    depth: int = 20,
    width: int = 64,
    lr: float = 0.01,
    steps: int = 20,
    clip_norm: float | None = None,
    batch_norm: bool = False,
    dtype: type = np.float32,
    seed: int = 0,
) -> DivergenceRun:
    """SGD on the standardized digits with `depth` ReLU layers whose weights are `gain` x He's, in
    `dtype`, batches of 32; optionally gradient clipping by norm (`clip_norm`) or a BatchNorm1d
    before every ReLU. Stops at the first forward pass with a non-finite output: nnlib's losses
    refuse those, and once NaN is in the weights every later output is NaN too."""
    X, y = data.digits(dtype=dtype)
    (X,) = data.standardize(X)
    rng = np.random.default_rng(seed)
    model = _relu_mlp(X.shape[1], depth, width, scaled("He", gain), batch_norm, dtype, rng)
    params = model.parameters()
    loss_fn, opt = losses.CrossEntropyLoss(), optim.SGD(params, lr=lr)
    run = DivergenceRun([], [], [])
    with np.errstate(over="ignore", invalid="ignore"), one_blas_thread():
        for step in range(steps):
            idx = rng.choice(len(X), 32, replace=False)
            out = model(X[idx])
            if not np.all(np.isfinite(out)):
                run.non_finite_step, run.nan_fraction = step, float(np.isnan(out).mean())
                break
            run.largest_weight.append(max(float(np.abs(p.data).max()) for p in params))
            opt.zero_grad()
            loss = loss_fn(out, y[idx])
            run.loss.append(float(loss))
            model.backward(loss.backward())
            run.grad_norm.append(optim.clip_grad_norm_(params, clip_norm or math.inf))
            opt.step()
    return run


def _relu_mlp(
    fan_in: int,
    depth: int,
    width: int,
    weights: init.Initializer,
    batch_norm: bool,
    dtype: type,
    rng: np.random.Generator,
) -> layers.Sequential:
    modules: list[layers.Module] = []
    for d_in in [fan_in] + [width] * (depth - 1):
        modules.append(layers.Dense(d_in, width, init=weights, rng=rng, dtype=dtype))
        if batch_norm:
            modules.append(layers.BatchNorm1d(width, dtype=dtype))
        modules.append(layers.ReLU())
    modules.append(layers.Dense(width, CLASSES, init=weights, rng=rng, dtype=dtype))
    return layers.Sequential(modules)
