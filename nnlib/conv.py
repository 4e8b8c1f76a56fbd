"""Convolution (as deep learning computes it: cross-correlation) and pooling on 2-D images.

Deck 003 writes the feature map of an image I under a kernel K as

    C(x, y) = sum_m sum_n I(x + m, y + n) K(m, n)                      (7.7)

(the slide prints ``y + m``, a typo: the column offset is ``n``). Equation (7.7) slides the
kernel over the image *without flipping it*: that is cross-correlation, which is what every
deep-learning library calls "convolution". The mathematician's convolution flips the kernel,
``(I * K)(x, y) = sum_m sum_n I(x - m, y - n) K(m, n)``; `convolve2d` computes it as
`conv2d` with the kernel rotated by 180 degrees.

Images are arrays of shape ``(H, W)`` or batches ``(..., H, W)``; the kernel is ``(kH, kW)``.
Output sizes follow PyTorch: ``floor((H + 2 * padding - kH) / stride) + 1``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from nnlib import init as init_module
from nnlib.checks import integer
from nnlib.module import Module, Parameter
from nnlib.random import RNGLike, as_rng

EDGE_DETECTION = np.array([[-1.0, -1.0, -1.0], [-1.0, 8.0, -1.0], [-1.0, -1.0, -1.0]])
"""Deck 003's edge-detection (discrete Laplacian) kernel: zero response on flat regions."""

SHARPEN = np.array([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]])
"""Deck 003's sharpen kernel: identity plus a Laplacian, so it keeps flat regions unchanged."""

KERNELS: dict[str, np.ndarray] = {
    "identity": np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]),
    "edge detection": EDGE_DETECTION,
    "sharpen": SHARPEN,
    "box blur": np.full((3, 3), 1.0 / 9.0),
    "vertical edges (Sobel x)": np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]),
    "horizontal edges (Sobel y)": np.array([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]]),
}
"""Named 3x3 kernels for the chapter and its demo (each sums to 0 or 1)."""


def _check_image_and_kernel(image: np.ndarray, kernel: np.ndarray) -> None:
    if image.ndim < 2:
        raise ValueError(f"image must have shape (H, W) or (..., H, W), got shape {image.shape}")
    if kernel.ndim != 2:
        raise ValueError(f"kernel must have shape (kH, kW), got shape {kernel.shape}")


def _pad(image: np.ndarray, padding: int) -> np.ndarray:
    if not isinstance(padding, int | np.integer) or padding < 0:
        raise ValueError(f"padding must be a non-negative integer, got {padding!r}")
    if padding == 0:
        return image
    widths = [(0, 0)] * (image.ndim - 2) + [(padding, padding), (padding, padding)]
    return np.pad(image, widths)


def _windows(image: np.ndarray, size: tuple[int, int], stride: int) -> np.ndarray:
    """Every (kH, kW) patch of `image`, shape (..., H_out, W_out, kH, kW) (a view, no copy)."""
    height, width = image.shape[-2:]
    if size[0] > height or size[1] > width:
        raise ValueError(f"window {size} is larger than the (padded) image {(height, width)}")
    patches = sliding_window_view(image, size, axis=(-2, -1))
    return patches[..., ::stride, ::stride, :, :]


def conv2d(image: np.ndarray, kernel: np.ndarray, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Cross-correlate `image` with `kernel`: C(x, y) = sum_m sum_n I(x+m, y+n) K(m, n) (7.7).

    With `stride` s the output keeps every s-th position, C(x, y) = sum I(sx+m, sy+n) K(m, n);
    `padding` adds that many rows and columns of zeros on every side first.
    """
    image, kernel = np.asarray(image), np.asarray(kernel)
    _check_image_and_kernel(image, kernel)
    integer("stride", stride)
    patches = _windows(_pad(image, padding), kernel.shape, stride)
    return np.einsum("...xymn,mn->...xy", patches, kernel)


def convolve2d(
    image: np.ndarray, kernel: np.ndarray, stride: int = 1, padding: int = 0
) -> np.ndarray:
    """True convolution (I * K)(x, y) = sum_m sum_n I(x-m, y-n) K(m, n) (7.8): K flipped."""
    return conv2d(image, np.asarray(kernel)[::-1, ::-1], stride=stride, padding=padding)


def conv2d_backward(
    grad_out: np.ndarray,
    image: np.ndarray,
    kernel: np.ndarray,
    stride: int = 1,
    padding: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Gradients of a scalar loss through (7.7): returns (dL/dI, dL/dK).

    dL/dK(m, n) = sum_{x,y} dL/dC(x, y) I(sx+m, sy+n) (summed over any batch axes), and each
    output C(x, y) sends dL/dC(x, y) K(m, n) back to the pixel I(sx+m, sy+n) it read.
    """
    image, kernel, grad_out = np.asarray(image), np.asarray(kernel), np.asarray(grad_out)
    _check_image_and_kernel(image, kernel)
    padded = _pad(image, padding)
    patches = _windows(padded, kernel.shape, stride)
    if grad_out.shape != patches.shape[:-2]:
        raise ValueError(
            f"grad_out must have the output's shape {patches.shape[:-2]}, got {grad_out.shape}"
        )
    leading = list(range(grad_out.ndim))
    grad_kernel = np.tensordot(grad_out, patches, axes=(leading, leading))
    grad_padded = np.zeros_like(padded, dtype=np.result_type(grad_out, kernel))
    out_h, out_w = grad_out.shape[-2:]
    for m in range(kernel.shape[0]):
        for n in range(kernel.shape[1]):
            rows = slice(m, m + stride * (out_h - 1) + 1, stride)
            cols = slice(n, n + stride * (out_w - 1) + 1, stride)
            grad_padded[..., rows, cols] += grad_out * kernel[m, n]
    height, width = image.shape[-2:]
    grad_image = grad_padded[..., padding : padding + height, padding : padding + width]
    return grad_image, grad_kernel


def max_pool2d(x: np.ndarray, kernel_size: int, stride: int | None = None) -> np.ndarray:
    """Max pooling (7.10): P(x, y) = max_{0<=m,n<k} A(sx+m, sy+n); stride defaults to k."""
    return _pool_windows(x, kernel_size, stride).max(axis=(-2, -1))


def avg_pool2d(x: np.ndarray, kernel_size: int, stride: int | None = None) -> np.ndarray:
    """Average pooling (7.10): P(x, y) = (1/k^2) sum_{0<=m,n<k} A(sx+m, sy+n)."""
    return _pool_windows(x, kernel_size, stride).mean(axis=(-2, -1))


def _pool_windows(x: np.ndarray, kernel_size: int, stride: int | None) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim < 2:
        raise ValueError(f"input must have shape (H, W) or (..., H, W), got shape {x.shape}")
    integer("kernel_size", kernel_size)
    stride = kernel_size if stride is None else stride
    integer("stride", stride)
    return _windows(x, (kernel_size, kernel_size), stride)


def max_pool2d_backward(
    grad_out: np.ndarray, x: np.ndarray, kernel_size: int, stride: int | None = None
) -> np.ndarray:
    """dL/dA for max pooling: each window's gradient goes to its (first) maximal input."""
    stride = kernel_size if stride is None else stride
    patches = _pool_windows(x, kernel_size, stride)
    flat = patches.reshape(*patches.shape[:-2], -1)
    winner = flat.argmax(axis=-1)
    rows, cols = np.divmod(winner, kernel_size)
    grad = np.zeros_like(np.asarray(x), dtype=np.result_type(grad_out, x))
    out_h, out_w = patches.shape[-4:-2]
    origin_r = stride * np.arange(out_h)[:, None]
    origin_c = stride * np.arange(out_w)[None, :]
    batch = np.indices(patches.shape[:-4]) if patches.ndim > 4 else ()
    batch = tuple(b[..., None, None] for b in batch)
    np.add.at(grad, (*batch, origin_r + rows, origin_c + cols), grad_out)
    return grad


def avg_pool2d_backward(
    grad_out: np.ndarray, x: np.ndarray, kernel_size: int, stride: int | None = None
) -> np.ndarray:
    """dL/dA for average pooling: each window shares its gradient equally, 1/k^2 per input."""
    stride = kernel_size if stride is None else stride
    _pool_windows(x, kernel_size, stride)  # validates the shapes
    kernel = np.full((kernel_size, kernel_size), 1.0 / kernel_size**2)
    grad_image, _ = conv2d_backward(grad_out, x, kernel, stride=stride)
    return grad_image


def output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0) -> int:
    """Length of one output axis (7.9): floor((size + 2 padding - kernel_size) / stride) + 1."""
    return (size + 2 * padding - kernel_size) // stride + 1


# ---------------------------------------------------------------------------------------------
# Layers: the Module contract of nnlib.module, on batches of multi-channel images (N, C, H, W)
# ---------------------------------------------------------------------------------------------


def _im2col(x: np.ndarray, kernel_size: int, stride: int) -> np.ndarray:
    """Every patch of the (already padded) batch `x` (N, C, H, W) as one row:
    shape (N * H_out * W_out, C * k * k), rows ordered by (n, x, y)."""
    patches = _windows(x, (kernel_size, kernel_size), stride)  # (N, C, H_out, W_out, k, k)
    n, c, out_h, out_w = patches.shape[:4]
    return patches.transpose(0, 2, 3, 1, 4, 5).reshape(n * out_h * out_w, -1)


class Conv2d(Module):
    """A convolutional layer (7.7) with several input and output channels, PyTorch's Conv2d:

        y[n, o, x, y] = b[o] + sum_c sum_m sum_k W[o, c, m, k] X[n, c, sx + m, sy + k]

    computed as one matrix product over all patches (im2col). `weight` has shape
    (out_channels, in_channels, k, k) and is initialised with `init` on the fans
    (in_channels k^2, out_channels k^2), as PyTorch counts them.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        stride: int = 1,
        padding: int = 0,
        init: str | Callable = "he_uniform",
        rng: RNGLike = None,
        dtype: type = np.float64,
    ) -> None:
        for name, value in [
            ("in_channels", in_channels),
            ("out_channels", out_channels),
            ("kernel_size", kernel_size),
            ("stride", stride),
        ]:
            integer(name, value)
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size, self.stride, self.padding = int(kernel_size), int(stride), int(padding)
        k = self.kernel_size
        # nnlib.init reads (in, out, *receptive field): fans (in k^2, out k^2)
        drawn = init_module.get(init)((self.in_channels, self.out_channels, k, k), rng=as_rng(rng))
        self.weight = Parameter(np.asarray(drawn, dtype=dtype).transpose(1, 0, 2, 3))
        self.bias = Parameter(np.zeros(self.out_channels, dtype=dtype))
        self._cache: tuple[np.ndarray, tuple[int, ...]] | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"Conv2d expected input of shape (N, {self.in_channels}, H, W), got {x.shape}"
            )
        padded = _pad(x, self.padding)
        cols = _im2col(padded, self.kernel_size, self.stride)
        n = x.shape[0]
        out_h = output_size(x.shape[2], self.kernel_size, self.stride, self.padding)
        out_w = output_size(x.shape[3], self.kernel_size, self.stride, self.padding)
        weight = self.weight.data.reshape(self.out_channels, -1)
        out = cols @ weight.T + self.bias.data
        self._cache = (cols, padded.shape)
        return out.reshape(n, out_h, out_w, self.out_channels).transpose(0, 3, 1, 2)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self._cache is None:
            raise RuntimeError("Conv2d.backward() called before forward()")
        cols, padded_shape = self._cache
        grad_rows = grad_out.transpose(0, 2, 3, 1).reshape(-1, self.out_channels)
        if grad_rows.shape[0] != cols.shape[0]:
            raise ValueError(f"grad_out does not match the last output, got {grad_out.shape}")
        self.weight.grad += (grad_rows.T @ cols).reshape(self.weight.shape)
        self.bias.grad += grad_rows.sum(axis=0)
        grad_cols = grad_rows @ self.weight.data.reshape(self.out_channels, -1)
        return self._col2im(grad_cols, padded_shape, grad_out.shape[2:])

    def _col2im(self, grad_cols: np.ndarray, padded_shape, out_hw) -> np.ndarray:
        """Send each patch row's gradient back to the pixels it read (the adjoint of im2col)."""
        n, c = padded_shape[:2]
        out_h, out_w = out_hw
        k, s = self.kernel_size, self.stride
        grad_patches = grad_cols.reshape(n, out_h, out_w, c, k, k)
        grad = np.zeros(padded_shape, dtype=grad_cols.dtype)
        for m in range(k):
            for j in range(k):
                rows = slice(m, m + s * (out_h - 1) + 1, s)
                cols = slice(j, j + s * (out_w - 1) + 1, s)
                grad[:, :, rows, cols] += grad_patches[:, :, :, :, m, j].transpose(0, 3, 1, 2)
        p = self.padding
        return grad[:, :, p : padded_shape[2] - p, p : padded_shape[3] - p]

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding}"
        )


class MaxPool2d(Module):
    """Max pooling (7.10) of a batch (N, C, H, W), window and stride `kernel_size` by default."""

    def __init__(self, kernel_size: int = 2, stride: int | None = None) -> None:
        self.kernel_size, self.stride = kernel_size, stride
        self._x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._x = x
        return max_pool2d(self._x, self.kernel_size, self.stride)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self._x is None:
            raise RuntimeError("MaxPool2d.backward() called before forward()")
        return max_pool2d_backward(grad_out, self._x, self.kernel_size, self.stride)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}"


class Unflatten(Module):
    """(N, d) -> (N, *shape), e.g. flat 8x8 digits to images (N, 1, 8, 8); PyTorch's Unflatten."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = tuple(int(s) for s in shape)
        self._in_shape: tuple[int, ...] | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        if int(np.prod(x.shape[1:])) != int(np.prod(self.shape)):
            raise ValueError(f"cannot unflatten input of shape {x.shape} to (N, *{self.shape})")
        self._in_shape = x.shape
        return x.reshape(x.shape[0], *self.shape)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self._in_shape is None:
            raise RuntimeError("Unflatten.backward() called before forward()")
        return grad_out.reshape(self._in_shape)

    def extra_repr(self) -> str:
        return f"{self.shape}"
