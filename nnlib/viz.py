"""The book's one house style and the figures the chapters share.

Colours are Okabe and Ito's colour-blind-safe palette. Every figure function takes an optional
``ax`` and returns the Figure. Figures made here are plain ``matplotlib.figure.Figure`` objects,
not registered with pyplot, so nothing accumulates when they are made in a loop (nothing to
close); Jupyter shows one when it is a cell's last value. Works under any backend, Agg included.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap, LogNorm, to_rgb
from matplotlib.figure import Figure

# Okabe-Ito, reordered so that the first colours are the most distinct
OKABE_ITO = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "green": "#009E73",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
COLORS: list[str] = list(OKABE_ITO.values())
DIVERGING_CMAP = "RdBu_r"  # colour-blind safe; for signed values such as weights
SEQUENTIAL_CMAP = "viridis"

STYLE: dict[str, Any] = {
    "figure.figsize": (6.0, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "axes.prop_cycle": mpl.cycler(color=COLORS),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "image.cmap": SEQUENTIAL_CMAP,
    "lines.linewidth": 1.8,
}


def use_style() -> None:
    """Apply the house style to matplotlib's rcParams (call once at the top of a chapter)."""
    mpl.rcParams.update(STYLE)
    _load_backend()


_backend_loaded = False


def _load_backend() -> None:
    """Load pyplot's backend now. Jupyter's inline backend, when it loads, teaches IPython to
    display Figure objects; the figures made here never go through pyplot, so nothing else would
    load it and a figure returned by a cell would show as text."""
    global _backend_loaded
    if not _backend_loaded:
        import matplotlib.pyplot as plt

        plt.switch_backend(mpl.get_backend())
        _backend_loaded = True


FIXED_MARGINS = {"left": 0.09, "right": 0.97, "bottom": 0.16, "top": 0.86, "wspace": 0.3}


def new_figure(
    nrows: int = 1,
    ncols: int = 1,
    figsize: tuple[float, float] | None = None,
    margins: dict[str, float] | None = None,
    **kw,
):
    """A Figure (not registered with pyplot) and its axes, laid out with constrained layout.

    With `margins` (a dict of `subplots_adjust` keywords, merged over `FIXED_MARGINS`; `{}` for
    those alone) the margins are fixed instead: constrained layout measures every text before
    drawing, and a fixed layout renders about a third faster, which adds up over the dozens of
    demo frames a chapter renders at build time.
    """
    _load_backend()
    size = figsize or mpl.rcParams["figure.figsize"]
    fig = Figure(figsize=size, layout=None if margins is not None else "constrained")
    axes = fig.subplots(nrows, ncols, **kw)
    if margins is not None:
        fig.subplots_adjust(**{**FIXED_MARGINS, **margins})
    return fig, axes


def _figure_and_axes(ax: Axes | None, figsize: tuple[float, float] | None = None):
    if ax is not None:
        return ax.figure, ax
    return new_figure(figsize=figsize)


def _light(color: str, amount: float = 0.6) -> tuple[float, float, float]:
    """``color`` mixed with white (for filled regions behind data points)."""
    return tuple(c + (1 - c) * amount for c in to_rgb(color))


# decision boundaries
def _scores(model_or_fn: Any, points: np.ndarray) -> np.ndarray:
    """The model's outputs on ``points`` (in evaluation mode for nnlib modules)."""
    if hasattr(model_or_fn, "eval") and hasattr(model_or_fn, "train"):
        from nnlib.train import predict

        return np.asarray(predict(model_or_fn, points))
    return np.asarray(model_or_fn(points))


def plot_decision_boundary(
    model_or_fn: Callable[[np.ndarray], np.ndarray] | Any,
    X: np.ndarray,
    y: np.ndarray,
    ax: Axes | None = None,
    resolution: int = 200,
    padding: float = 0.3,
    threshold: float | None = None,
    title: str | None = None,
) -> Figure:
    """Class regions of a 2-D classifier with the data on top.

    Outputs of shape (M, K), K > 1: the arg-max class. Outputs of shape (M,) or (M, 1): class 1
    where the output exceeds ``threshold``; by default 0.5 if every output lies in [0, 1]
    (probabilities), else 0 (logits). The boundary itself is drawn as a black line.
    """
    X, y = np.asarray(X), np.asarray(y).reshape(-1)
    fig, ax = _figure_and_axes(ax)
    lo, hi = X.min(axis=0) - padding, X.max(axis=0) + padding
    xx, yy = np.meshgrid(
        np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    )
    points = np.column_stack([xx.ravel(), yy.ravel()]).astype(
        X.dtype if X.dtype.kind == "f" else float
    )
    scores = _scores(model_or_fn, points)
    if scores.ndim == 2 and scores.shape[1] > 1:
        regions = scores.argmax(axis=1)
        n_classes = max(scores.shape[1], int(y.max()) + 1)
    else:
        scores = scores.reshape(-1)
        if threshold is None:
            threshold = 0.5 if scores.min() >= 0 and scores.max() <= 1 else 0.0
        regions = (scores > threshold).astype(int)
        n_classes = max(2, int(y.max()) + 1)
    regions = regions.reshape(xx.shape)
    colors = [COLORS[k % len(COLORS)] for k in range(n_classes)]
    cmap = ListedColormap([_light(c) for c in colors])
    ax.pcolormesh(xx, yy, regions, cmap=cmap, vmin=-0.5, vmax=n_classes - 0.5, shading="auto")
    if np.unique(regions).size > 1:
        ax.contour(xx, yy, regions, levels=np.arange(n_classes - 1) + 0.5, colors="k", linewidths=1)
    for k in np.unique(y):
        mask = y == k
        ax.scatter(X[mask, 0], X[mask, 1], s=14, color=colors[int(k)], edgecolor="white",
                   linewidth=0.4, label=f"class {int(k)}")  # fmt: skip
    ax.set(xlabel="$x_1$", ylabel="$x_2$", xlim=(lo[0], hi[0]), ylim=(lo[1], hi[1]))
    ax.grid(False)
    if title:
        ax.set_title(title)
    return fig


# training curves
def plot_loss_curves(
    history: Any,
    ax: Axes | None = None,
    keys: Sequence[str] = ("loss", "val_loss"),
    log: bool = False,
    title: str | None = None,
    label: str = "",
) -> Figure:
    """Per-epoch curves from a ``History`` (or a dict of lists): training and validation loss by
    default. Epochs are numbered from 1 (the loss after the first epoch)."""
    records = history.records if hasattr(history, "records") else history
    fig, ax = _figure_and_axes(ax)
    names = {"loss": "training loss", "val_loss": "validation loss"}
    for key in keys:
        if key not in records:
            continue
        values = records[key]
        name = names.get(key, key.replace("_", " "))
        ax.plot(np.arange(1, len(values) + 1), values, label=f"{label} {name}".strip(),
                linestyle="--" if key.startswith("val_") else "-")  # fmt: skip
    ax.set(xlabel="epoch", ylabel="loss" if all("loss" in k for k in keys) else "value")
    if log:
        ax.set_yscale("log")
    ax.legend()
    if title:
        ax.set_title(title)
    return fig


# statistics per layer
def plot_layer_histograms(
    values_per_layer: Mapping[str, np.ndarray] | Sequence[np.ndarray],
    bins: int = 50,
    value_range: tuple[float, float] | None = None,
    title: str | None = None,
    xlabel: str = "value",
    color: str | None = None,
) -> Figure:
    """One histogram per layer, side by side, sharing the y axis, each with its mean and std.

    ``values_per_layer`` maps a layer name to its values (activations, gradients, weights), or is
    a list (named "layer 1", "layer 2", ...).
    """
    if not isinstance(values_per_layer, Mapping):
        values_per_layer = {f"layer {i + 1}": v for i, v in enumerate(values_per_layer)}
    n = len(values_per_layer)
    if n == 0:
        raise ValueError("plot_layer_histograms needs at least one layer")
    fig, axes = new_figure(1, n, figsize=(min(2.2 * n, 12.0), 2.8), sharey=True)
    axes = np.atleast_1d(axes).ravel()
    for ax, (name, values) in zip(axes, values_per_layer.items(), strict=True):
        values = np.asarray(values).ravel()
        ax.hist(values, bins=bins, range=value_range, color=color or COLORS[0], density=True)
        ax.set_title(f"{name}\nmean {values.mean():.2g}, std {values.std():.2g}", fontsize=9)
        ax.set_xlabel(xlabel)
    axes[0].set_ylabel("density")
    if title:
        fig.suptitle(title)
    return fig


# optimizer paths
def _grid_values(f: Callable, xx: np.ndarray, yy: np.ndarray) -> np.ndarray:
    try:
        zz = np.asarray(f(np.stack([xx, yy])), dtype=float)
        if zz.shape == xx.shape:
            return zz
    except (ValueError, TypeError):
        pass
    return np.array([f(np.array(p)) for p in zip(xx.ravel(), yy.ravel(), strict=True)]).reshape(
        xx.shape
    )


def plot_optimizer_paths(
    f: Callable[[np.ndarray], Any] | Any,
    paths: Mapping[str, np.ndarray],
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    ax: Axes | None = None,
    levels: int = 25,
    minimum: tuple[float, float] | None = None,
    title: str | None = None,
    resolution: int = 200,
    legend: bool = True,
) -> Figure:
    """Contours of a 2-D function with the optimizers' paths on top (one colour each).

    ``f`` is a function of a 2-vector (vectorized over a stacked grid if it can be) or an
    ``nnlib.optim.Surface``, which also supplies the window and the minimum. Contour levels are
    spaced logarithmically above the function's minimum on the window, so valleys show.
    """
    if hasattr(f, "f") and hasattr(f, "xlim"):
        xlim, ylim = xlim or f.xlim, ylim or f.ylim
        minimum = minimum or f.minimum
        title = title or f.name
        f = f.f
    if xlim is None or ylim is None:
        raise ValueError("plot_optimizer_paths needs xlim and ylim (or a Surface)")
    fig, ax = _figure_and_axes(ax)
    xx, yy = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    zz = _grid_values(f, xx, yy)
    shifted = zz - zz.min() + 1e-3 * (np.ptp(zz) + 1e-12)
    ax.contour(xx, yy, shifted, levels=np.geomspace(shifted.min(), shifted.max(), levels),
               cmap=SEQUENTIAL_CMAP, linewidths=0.7, norm=LogNorm(), alpha=0.8)  # fmt: skip
    for i, (name, path) in enumerate(paths.items()):
        path = np.asarray(path)
        color = COLORS[i % len(COLORS)]
        marker = "o" if len(path) <= 100 else None  # dots show the step sizes of short paths
        ax.plot(path[:, 0], path[:, 1], "-", marker=marker, color=color, markersize=2.5,
                linewidth=1.3, label=f"{name} ({len(path) - 1} steps)")  # fmt: skip
        ax.plot(*path[0], "o", color="black", markersize=5)
    if minimum is not None:
        ax.plot(*minimum, "*", color="black", markersize=11, label="minimum")
    ax.set(xlim=xlim, ylim=ylim, xlabel=r"$\theta_1$", ylabel=r"$\theta_2$")
    ax.grid(False)
    if legend:
        ax.legend(loc="best", fontsize=8)
    if title:
        ax.set_title(title)
    return fig


# weights as images
def show_weight_images(
    W: np.ndarray,
    shape: tuple[int, int],
    ncols: int = 8,
    max_images: int = 64,
    title: str | None = None,
    cmap: str = DIVERGING_CMAP,
) -> Figure:
    """Each column of ``W`` (shape (in_features, units), nnlib's Dense layout) as an image of
    ``shape``, with a colour scale symmetric around zero per image (red positive, blue negative)."""
    W = np.asarray(W)
    if W.ndim != 2 or W.shape[0] != shape[0] * shape[1]:
        raise ValueError(
            f"W must have shape ({shape[0] * shape[1]}, units) for images {shape}, got {W.shape}"
        )
    units = min(W.shape[1], max_images)
    ncols = min(ncols, units)
    nrows = -(-units // ncols)
    fig, axes = new_figure(nrows, ncols, figsize=(1.1 * ncols, 1.1 * nrows + (0.4 if title else 0)))
    for k, ax in enumerate(np.atleast_1d(axes).ravel()):
        ax.set_axis_off()
        if k < units:
            image = W[:, k].reshape(shape)
            bound = np.abs(image).max() or 1.0
            ax.imshow(image, cmap=cmap, vmin=-bound, vmax=bound)
    if title:
        fig.suptitle(title)
    return fig
