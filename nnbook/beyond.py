"""Chapter 7 (Beyond the MLP): the helpers its experiments share, and its widget demos.

Equation numbers refer to chapter 7 of the book (lectures/07_beyond_mlp).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from matplotlib.figure import Figure

from nnbook.base import Demo
from nnlib import conv, data, layers, losses, optim, train, viz
from nnlib.autoencoder import Autoencoder, fit_lbfgs
from nnlib.random import RNGLike, as_rng

GREY_CMAP = "gray_r"  # ink dark on white paper, as the digits are drawn


def synthetic_image(size: int = 32) -> np.ndarray:
    """A test card with flat regions and edges in every direction: a square, a disc and a
    diagonal bar on a blank background, values in [0, 1]."""
    rows, cols = np.mgrid[0:size, 0:size] / (size - 1)
    image = np.zeros((size, size))
    image[(rows > 0.12) & (rows < 0.45) & (cols > 0.1) & (cols < 0.43)] = 1.0
    image[(rows - 0.7) ** 2 + (cols - 0.28) ** 2 < 0.04] = 0.8
    image[np.abs(rows - (1.3 - cols)) < 0.07] = 0.6
    return image


@lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, np.ndarray]:
    return data.digits()


def digit_image(index: int = 0) -> np.ndarray:
    """Digit number `index` of scikit-learn's 8x8 digits, values in [0, 1]."""
    return _digits()[0][index].reshape(8, 8)


def labelled_digit_splits(
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The chapter's fixed 80/20 split of the 1797 digits: (x_train, y_train, x_test, y_test),
    the inputs (N, 64) in [0, 1]."""
    x, y = _digits()
    order = np.random.default_rng(seed).permutation(len(x))
    cut = int(0.8 * len(x))
    return x[order[:cut]], y[order[:cut]], x[order[cut:]], y[order[cut:]]


def digit_splits(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`labelled_digit_splits` without the labels: (x_train, x_test)."""
    x_train, _, x_test, _ = labelled_digit_splits(seed)
    return x_train, x_test


def digit_cnn(channels: int = 8, seed: int = 0) -> layers.Sequential:
    """A tiny convolutional network for flat 8x8 digits (N, 64):
    Unflatten -> Conv2d(1, channels, 3, padding 1) -> ReLU -> MaxPool2d(2) -> Flatten ->
    Dense(channels * 16, 10): a feature map of 8x8 per kernel, pooled to 4x4, then 10 logits."""
    gen = np.random.default_rng(seed)
    return layers.Sequential(
        conv.Unflatten((1, 8, 8)),
        conv.Conv2d(1, channels, kernel_size=3, padding=1, rng=gen),
        layers.ReLU(),
        conv.MaxPool2d(2),
        layers.Flatten(),
        layers.Dense(channels * 16, 10, rng=gen),
    )


def lenet(
    channels: tuple[int, int] = (6, 16), hidden: int = 32, seed: int = 0
) -> layers.Sequential:
    """A LeNet-style network for flat 8x8 digits (N, 64), two stages of convolution and pooling
    then two dense layers, after LeCun et al. (1998) at the digits' scale:
    Conv2d(1, c1, 3, padding 1) -> ReLU -> MaxPool2d(2)      8x8 maps, pooled to 4x4
    Conv2d(c1, c2, 3, padding 1) -> ReLU -> MaxPool2d(2)     4x4 maps, pooled to 2x2
    Flatten -> Dense(4 c2, hidden) -> ReLU -> Dense(hidden, 10)."""
    gen = np.random.default_rng(seed)
    c1, c2 = channels
    return layers.Sequential(
        conv.Unflatten((1, 8, 8)),
        conv.Conv2d(1, c1, kernel_size=3, padding=1, rng=gen),
        layers.ReLU(),
        conv.MaxPool2d(2),
        conv.Conv2d(c1, c2, kernel_size=3, padding=1, rng=gen),
        layers.ReLU(),
        conv.MaxPool2d(2),
        layers.Flatten(),
        layers.Dense(4 * c2, hidden, rng=gen),
        layers.ReLU(),
        layers.Dense(hidden, 10, rng=gen),
    )


def parameter_formula(module: layers.Module) -> int:
    """The parameter count of one layer by the chapter's formulas: a Dense layer has
    D_in D_out + D_out, a Conv2d k_h k_w C_in C_out + C_out; pooling, activations and reshapes 0.
    Written from the layer's sizes, not from its arrays, so it can be checked against them."""
    if isinstance(module, conv.Conv2d):
        k = module.kernel_size
        return k * k * module.in_channels * module.out_channels + module.out_channels
    if isinstance(module, layers.Dense):
        d_in, d_out = module.in_features, module.out_features
        return d_in * d_out + (d_out if module.bias is not None else 0)
    return 0


def train_digit_classifier(
    model: layers.Module, epochs: int = 10, lr: float = 0.01, seed: int = 0
) -> float:
    """Train on the chapter's training digits (Adam, cross-entropy, batches of 32); return the
    test accuracy."""
    x_train, y_train, x_test, y_test = labelled_digit_splits()
    train.fit(
        model,
        losses.CrossEntropyLoss(),
        optim.Adam(model.parameters(), lr=lr),
        x_train,
        y_train,
        epochs=epochs,
        batch_size=32,
        progress=False,
        rng=seed,
    )
    return train.accuracy(train.predict(model, x_test), y_test)


def n_parameters(model: layers.Module) -> int:
    """The number of trainable numbers in `model`."""
    return sum(p.data.size for p in model.parameters())


@lru_cache(maxsize=16)
def train_autoencoder(
    code_size: int,
    sparsity_weight: float = 0.0,
    sparsity_target: float = 0.05,
    epochs: int = 30,
    weight_decay: float = 1e-4,
    seed: int = 0,
) -> tuple[Autoencoder, train.History]:
    """A 64-`code_size`-64 sigmoid autoencoder (7.1, 7.2) trained on the training digits with the
    squared reconstruction error (7.3) (plus the sparsity penalty (7.6) if `sparsity_weight`>0).

    Adam, learning rate 0.01, mini-batches of 32, and a little weight decay (L2, as in the UFLDL
    sparse autoencoder) that clears the weights of pixels that are blank in every digit. The
    History's `val_loss` is the test error.
    Cached: the same arguments return the same trained model.
    """
    x_train, x_test = digit_splits()
    model = Autoencoder(64, code_size, sparsity_target, sparsity_weight, rng=seed)
    history = train.fit(
        model,
        losses.MSELoss(),
        optim.Adam(model.parameters(), lr=0.01, weight_decay=weight_decay),
        x_train,
        x_train,
        epochs=epochs,
        batch_size=32,
        validation=(x_test, x_test),
        progress=False,
        rng=seed,
    )
    model.eval()
    return model, history


def mask_pixels(x: np.ndarray, fraction: float, rng: RNGLike = None) -> np.ndarray:
    """Masking noise (Vincent et al., 2008): a copy of `x` with each entry set to 0 with
    probability `fraction`, independently."""
    keep = as_rng(rng).random(x.shape) >= fraction
    return x * keep


@lru_cache(maxsize=4)
def train_denoising_autoencoder(
    code_size: int = 32,
    fraction: float = 0.3,
    epochs: int = 30,
    weight_decay: float = 1e-4,
    seed: int = 0,
) -> Autoencoder:
    """`train_autoencoder`'s network and training, but each epoch sees the training digits with a
    fresh `fraction` of their pixels masked to 0 and is asked for the clean digits: a denoising
    autoencoder. The Adam optimiser keeps its state across epochs. Cached."""
    x_train, _ = digit_splits()
    gen = np.random.default_rng(seed)
    model = Autoencoder(64, code_size, rng=seed)
    optimizer = optim.Adam(model.parameters(), lr=0.01, weight_decay=weight_decay)
    for _ in range(epochs):
        noisy = mask_pixels(x_train, fraction, gen)
        train.fit(
            model, losses.MSELoss(), optimizer, noisy, x_train, epochs=1, progress=False, rng=gen
        )
    model.eval()
    return model


@lru_cache(maxsize=2)
def natural_patch_training_set(
    n: int = 5000, size: int = 10, epsilon: float = 0.03, seed: int = 0
) -> np.ndarray:
    """The chapter's natural image patches, ready for a sigmoid autoencoder: `n` grey patches of
    `size` x `size` from scikit-learn's two photographs shrunk by 2 (a patch of 10 spans 20 x 20
    original pixels), mean removed and ZCA-whitened with `epsilon` (`data.natural_patches`), then
    squashed into [0.1, 0.9] (`data.squash_to_unit_interval`); float32, shape (n, size * size).
    Cached: the same array is returned each time, so do not modify it in place."""
    patches = data.natural_patches(n, size, epsilon=epsilon, downsample=2, rng=seed)
    return data.squash_to_unit_interval(patches).astype(np.float32)


@lru_cache(maxsize=2)
def train_patch_autoencoder(
    code_size: int = 100, size: int = 10, max_iter: int = 400, seed: int = 0
) -> tuple[Autoencoder, list[float]]:
    """Ng's sparse autoencoder on natural image patches: `code_size` sigmoid units on
    `size` x `size` patches (`natural_patch_training_set`), sparsity target rho = 0.01, beta = 3,
    weight decay 1e-4, trained by full-batch L-BFGS for `max_iter` iterations (`fit_lbfgs`).
    Returns the model and the objective every 20 iterations. Cached."""
    x = natural_patch_training_set(size=size, seed=seed)
    model = Autoencoder(size * size, code_size, 0.01, 3.0, rng=seed, dtype=np.float32)
    history = fit_lbfgs(model, x, weight_decay=1e-4, max_iter=max_iter)
    return model, history


def show_images(
    images: np.ndarray, ncols: int, titles: list[str] | None = None, size: float = 1.0
) -> Figure:
    """A grid of grey images (ink dark), one per row of `images` (each (H, W))."""
    images = np.asarray(images)
    nrows = -(-len(images) // ncols)
    fig = Figure(figsize=(size * ncols, size * nrows + (0.25 if titles else 0)))
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    for k, ax in enumerate(axes):
        ax.set_axis_off()
        if k < len(images):
            ax.imshow(images[k], cmap=GREY_CMAP, vmin=0, vmax=1)
            if titles:
                ax.set_title(titles[k], fontsize=8)
    return fig


# ---------------------------------------------------------------------------------------------
# Demos
# ---------------------------------------------------------------------------------------------

IMAGES = {"digit": lambda: digit_image(0), "test card": synthetic_image}


def _bare(ax) -> None:
    """An image panel: no ticks, grid or frame."""
    ax.set(xticks=[], yticks=[])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)


def _draw_kernel(ax, kernel: np.ndarray) -> None:
    bound = np.abs(kernel).max()
    ax.imshow(kernel, cmap=viz.DIVERGING_CMAP, vmin=-bound, vmax=bound)
    for (m, n), value in np.ndenumerate(kernel):
        text = f"{value:.2g}" if value != round(value) else f"{value:.0f}"
        color = "white" if abs(value) > 0.6 * bound else "black"
        ax.text(n, m, text, ha="center", va="center", fontsize=9, color=color)
    ax.set_title("kernel K(m, n)")
    _bare(ax)


def _kernel_figure(kernel: str = "edge detection", image: str = "test card") -> Figure:
    picture = IMAGES[image]()
    weights = conv.KERNELS[kernel]
    output = conv.conv2d(picture, weights, padding=1)
    # constrained layout (not a fixed adjustment), so that the portrait frame for phones can lay
    # the panels and the colorbar out again at a readable size (nnbook.base.portrait)
    fig = Figure(figsize=(8, 2.9), layout="constrained")
    ax_in, ax_k, ax_out = fig.subplots(1, 3, gridspec_kw={"width_ratios": [3, 2, 3]})
    ax_in.imshow(picture, cmap=GREY_CMAP, vmin=0, vmax=1)
    ax_in.set_title(f"image I ({picture.shape[0]}x{picture.shape[1]})")
    _draw_kernel(ax_k, weights)
    bound = max(np.abs(output).max(), 1e-12)
    shown = ax_out.imshow(output, cmap=viz.DIVERGING_CMAP, vmin=-bound, vmax=bound)
    ax_out.set_title("C = I cross-correlated with K")
    fig.colorbar(shown, ax=ax_out, fraction=0.046, pad=0.03)
    for ax in (ax_in, ax_out):
        _bare(ax)
    return fig


def kernel_demo() -> Demo:
    """Choose a 3x3 kernel and an image; see the feature map (7.7) with zero padding 1."""
    return Demo(
        _kernel_figure,
        grid={"kernel": list(conv.KERNELS), "image": list(IMAGES)},
        title="One kernel, slid over the whole image: edges, sharpening, blurring",
        defaults={"kernel": "edge detection", "image": "test card"},
    )


POOLS = {"max": conv.max_pool2d, "average": conv.avg_pool2d}


def relative_change(before: np.ndarray, after: np.ndarray) -> float:
    """mean |after - before| / mean |before|: how much a map moved, as a fraction."""
    return float(np.abs(after - before).mean() / np.abs(before).mean())


def _pooling_figure(kind: str = "max", size: int = 2, stride: int = 2) -> Figure:
    edges = np.abs(conv.conv2d(synthetic_image(), conv.EDGE_DETECTION, padding=1))
    edges /= edges.max()
    pooled = POOLS[kind](edges, size, stride)
    shifted = POOLS[kind](np.roll(edges, 1, axis=1), size, stride)
    change = relative_change(pooled, shifted)
    unpooled = relative_change(edges, np.roll(edges, 1, axis=1))
    fig = Figure(figsize=(8, 2.9))
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.04, top=0.84, wspace=0.1)
    axes = fig.subplots(1, 3)
    panels = (
        (edges, f"edge map A ({edges.shape[0]}x{edges.shape[1]})"),
        (
            pooled,
            f"{kind} pool {size}x{size}, stride {stride}: {pooled.shape[0]}x{pooled.shape[1]}",
        ),
        (shifted, f"shifted 1 px: {change:.0%} change (unpooled {unpooled:.0%})"),
    )
    for ax, (picture, title) in zip(axes, panels, strict=True):
        ax.imshow(picture, cmap=GREY_CMAP, vmin=0, vmax=1)
        ax.set_title(title, fontsize=9)
        _bare(ax)
    return fig


def pooling_demo() -> Demo:
    """Max or average pooling of an edge map, for window size and stride (7.10)."""
    return Demo(
        _pooling_figure,
        grid={"kind": list(POOLS), "size": [2, 3, 4], "stride": [1, 2]},
        title="Pooling shrinks the map and forgives small shifts",
        defaults={"kind": "max", "size": 2, "stride": 2},
    )


def _autoencoder_figure(code_size: int = 16) -> Figure:
    model, history = train_autoencoder(code_size)
    x_test = digit_splits()[1][:8]
    reconstruction = model(x_test)
    fig = Figure(figsize=(8, 2.4))
    fig.subplots_adjust(left=0.1, right=0.99, bottom=0.02, top=0.8, hspace=0.1, wspace=0.1)
    axes = fig.subplots(2, 8)
    for k in range(8):
        for row, images in enumerate((x_test, reconstruction)):
            ax = axes[row, k]
            ax.imshow(images[k].reshape(8, 8), cmap=GREY_CMAP, vmin=0, vmax=1)
            _bare(ax)
    axes[0, 0].set_ylabel("input", fontsize=9)
    axes[1, 0].set_ylabel("output", fontsize=9)
    fig.suptitle(
        f"code of {code_size} numbers for 64 pixels: "
        f"test reconstruction error {history.val_loss[-1]:.4f}",
        fontsize=10,
    )
    return fig


def autoencoder_demo() -> Demo:
    """Test digits and their reconstructions through a code of 2 to 32 units."""
    return Demo(
        _autoencoder_figure,
        grid={"code_size": [2, 4, 8, 16, 32]},
        title="A narrower code forgets more: autoencoder reconstructions of unseen digits",
        defaults={"code_size": 8},
    )
