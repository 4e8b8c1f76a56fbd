# %% [markdown] locked id=intro
# # Assignment 7: Beyond the MLP
#
# You will implement the pieces of a convolutional network and of a sparse autoencoder with
# NumPy: a 2-D convolution as deep learning computes it (cross-correlation, with stride and
# padding), max pooling forward and backward, and the sparse autoencoder's KL penalty with its
# gradient. Then you put your convolution and pooling together with a dense layer from `nnlib`
# and train the result on the handwritten digits.
#
# **Rules.** Write each function yourself with NumPy. A part answered by importing or wrapping
# `nnlib`'s implementation (`nnlib.conv`, `nnlib.autoencoder`) earns no points, and neither does
# Part 4 if the pieces it uses do. Run the visible tests below each part while you work; the
# grader also runs hidden tests on other inputs. Do not edit the test cells: the grader restores
# them anyway. Images are arrays of shape `(H, W)` or batches `(..., H, W)`: every function works
# on the last two axes and keeps any leading axes. A float32 input gives a float32 result.
#
# **How it is graded.** The grader runs this notebook from top to bottom in a fresh kernel, as
# **Validate** does, with these rules:
#
# - **Hidden tests.** Each test cell holds the visible tests you see and hidden tests you do not.
#   They call your functions again on other inputs (other values, sizes and dtypes), compare what
#   they return (type, shape, dtype, values) with a reference, and check that the part is your own
#   code: passing the visible tests is needed, but not enough.
# - **Warnings score 0.** A test cell that writes anything to stderr scores 0, even when all its
#   checks pass: a warning such as NumPy's `RuntimeWarning: overflow encountered in exp` counts.
# - **Time limits.** Each cell must finish within 30 seconds, and the whole notebook within
#   3 minutes (with 2 GB of memory at most). Where a cell runs longer, grading stops there: the
#   tests from that cell on score 0.
# - **Your own numbers.** Some parts draw their numbers from your student id (set it once
#   with `python -m nnbook.student_id <your id>`; the next cell says which it uses). The
#   grader uses the id you are enrolled with, so numbers copied from another student fail.
# - **File name.** Work in this file, `07_beyond_mlp.ipynb` (in `exercises/07_beyond_mlp/`): do
#   not rename it or save a copy under another name, because the grader looks for exactly that name.
#
# **Checks.** The tests call the `check_*` functions of the cell after the imports (folded): a
# failed check says what was expected and what your code returned (type, shape, dtype or values,
# with the inputs).

# %% locked id=setup
import time

import numpy as np

from nnlib import data, layers, losses, optim
from nnlib.module import Parameter

rng = np.random.default_rng(0)

# %% locked id=checks
#: include checks.py

# %% locked id=variant
#: include variants.py
_start_variant("07_beyond_mlp")

# %% [markdown] locked id=conv_intro
# ## Part 1: convolution as cross-correlation, with stride and padding (3 points)
#
# Chapter 7 defines the feature map of an image $I$ under a kernel $K$ of size $k_H \times k_W$
# as the **cross-correlation**
#
# $$C(x, y) = \sum_{m=0}^{k_H - 1} \sum_{n=0}^{k_W - 1} I(Sx + m,\; Sy + n)\, K(m, n),$$
#
# where $S$ is the stride and $I$ is first padded with $P$ rows and columns of zeros on every
# side. The kernel is **not flipped** (flipping it gives the true convolution of signal
# processing, which is not what deep-learning libraries compute). An axis of length $L$ gives an
# output axis of length $\lfloor (L + 2P - k) / S \rfloor + 1$.
#
# Write `conv2d(image, kernel, stride=1, padding=0)` for an image `(H, W)` or a batch of images
# `(..., H, W)` and a kernel `(kH, kW)` (not necessarily square). Hint: loop over the kernel's
# offsets $(m, n)$, not over the output positions: each offset adds `kernel[m, n]` times a strided
# slice of the padded image, for the whole batch at once. Part 4 calls your function on 500 images
# at a time.


# %% solution id=conv
def conv2d(image, kernel, stride=1, padding=0):
    """C(x, y) = sum_m sum_n I(Sx + m, Sy + n) K(m, n) on the zero-padded image(s) (7.7, 7.9)."""
    ### BEGIN SOLUTION
    kernel_h, kernel_w = kernel.shape
    widths = [(0, 0)] * (image.ndim - 2) + [(padding, padding), (padding, padding)]
    padded = np.pad(image, widths)
    out_h = (image.shape[-2] + 2 * padding - kernel_h) // stride + 1
    out_w = (image.shape[-1] + 2 * padding - kernel_w) // stride + 1
    out = np.zeros(image.shape[:-2] + (out_h, out_w), dtype=np.result_type(image, kernel))
    for m in range(kernel_h):
        for n in range(kernel_w):
            rows = slice(m, m + stride * (out_h - 1) + 1, stride)
            cols = slice(n, n + stride * (out_w - 1) + 1, stride)
            out += kernel[m, n] * padded[..., rows, cols]
    return out
    ### END SOLUTION


# %% tests id=test_conv2d points=2
### BEGIN HIDDEN TESTS
def _double_sum(image, kernel, stride=1, padding=0):
    """The definition, one output at a time (one image (H, W))."""
    padded = np.zeros((image.shape[0] + 2 * padding, image.shape[1] + 2 * padding))
    padded[padding : padding + image.shape[0], padding : padding + image.shape[1]] = image
    size = np.subtract(padded.shape, kernel.shape) // stride + 1
    out = np.zeros(size)
    for x, y in np.ndindex(out.shape):
        for m, n in np.ndindex(kernel.shape):
            out[x, y] += padded[stride * x + m, stride * y + n] * kernel[m, n]
    return out


def _reference_conv(images, kernel, stride=1, padding=0):
    """The definition on a batch (..., H, W), in float64, cast back to the images' dtype."""
    flat = images.reshape(-1, *images.shape[-2:]).astype(np.float64)
    maps = [_double_sum(i, kernel.astype(np.float64), stride, padding) for i in flat]
    return np.array(maps).reshape(images.shape[:-2] + maps[0].shape).astype(images.dtype)


def _fast_conv(images, kernel, padding):
    """The same cross-correlation (stride 1) for the network of Part 4, vectorized."""
    widths = [(0, 0)] * (images.ndim - 2) + [(padding, padding)] * 2
    windows = np.lib.stride_tricks.sliding_window_view(
        np.pad(images, widths), kernel.shape, axis=(-2, -1)
    )
    return np.einsum("...xymn,mn->...xy", windows, kernel)


# (shape, window, stride): stride None is the default (= window); overlaps; uncovered edges
_POOL_CASES = [
    ((6, 6), 2, None),
    ((7, 7), 3, 2),
    ((5, 5), 2, None),
    ((2, 3, 6, 4), 2, 1),
    ((4, 4), 4, None),
    ((5, 6), 3, 1),
]


def _reference_pool(x, k, stride):
    size = np.subtract(x.shape[-2:], k) // stride + 1
    out = np.empty(x.shape[:-2] + tuple(size), dtype=x.dtype)
    for r, c in np.ndindex(out.shape[-2:]):
        window = x[..., stride * r : stride * r + k, stride * c : stride * c + k]
        out[..., r, c] = window.max(axis=(-2, -1))
    return out


def _reference_pool_backward(grad_out, x, k, stride):
    grad = np.zeros_like(x)
    for index in np.ndindex(grad_out.shape):
        *lead, i, j = index
        window = x[(*lead, slice(stride * i, stride * i + k), slice(stride * j, stride * j + k))]
        m, n = np.unravel_index(np.argmax(window), window.shape)
        grad[(*lead, stride * i + m, stride * j + n)] += grad_out[index]
    return grad


def _central_differences(f, x, h=1e-6):
    """The gradient of the scalar function f at x (float64), by central differences."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[index] += h
        down[index] -= h
        grad[index] = (f(up) - f(down)) / (2 * h)
    return grad


def _reference_penalty(hidden, rho, beta):
    q = hidden.astype(np.float64).mean(axis=0)
    return beta * np.sum(rho * np.log(rho / q) + (1 - rho) * np.log((1 - rho) / (1 - q)))


def _reference_cnn(images, labels, kernels, weight, bias):
    """The network in the grader's code: (loss, dL/dW and dL/db of the head, accuracy)."""
    maps = np.stack([_fast_conv(images, k, 1) for k in kernels], axis=1)
    features = _reference_pool(np.maximum(maps, 0), 2, 2).reshape(len(images), -1)
    logits = features @ weight + bias
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(len(labels))
    delta = np.exp(log_p)
    delta[rows, labels] -= 1
    delta /= len(labels)
    accuracy = float(np.mean(logits.argmax(axis=1) == labels))
    return -np.mean(log_p[rows, labels]), features.T @ delta, delta.sum(axis=0), accuracy


### END HIDDEN TESTS
image = np.arange(20.0).reshape(4, 5)
kernel = np.array([[1.0, 2.0], [0.0, -1.0]])  # not symmetric: flipping it changes the result
by_hand = np.array(
    [
        [
            sum(image[x + m, y + n] * kernel[m, n] for m in range(2) for n in range(2))
            for y in range(4)
        ]
        for x in range(3)
    ]
)
check_array(
    "conv2d(image, kernel)",
    conv2d(image, kernel),
    by_hand,
    inputs={"image": image, "kernel": kernel},
)
image32, kernel32 = image.astype(np.float32), kernel.astype(np.float32)
check_array("conv2d(image32, kernel32)", conv2d(image32, kernel32), by_hand.astype(np.float32))
batch = np.stack([image, -2 * image])
check_array(
    "conv2d(batch, kernel) (a batch of 2 images)",
    conv2d(batch, kernel),
    np.stack([by_hand, -2 * by_hand]),
)
### BEGIN HIDDEN TESTS
_own(conv2d)
_rng = np.random.default_rng(701)
with _without_nnlib():
    for _shape, _kshape in [
        ((6, 6), (3, 3)),
        ((5, 7), (2, 3)),
        ((4, 4), (1, 1)),
        ((3, 5, 4), (3, 1)),
        ((4, 3), (4, 3)),
    ]:
        for _dtype in (np.float64, np.float32):
            _image = _rng.standard_normal(_shape).astype(_dtype)
            _kernel = _rng.standard_normal(_kshape).astype(_dtype)
            _copy = _image.copy()
            _tol = 1e-10 if _dtype == np.float64 else 1e-4
            _got = conv2d(_image, _kernel)
            check_array(
                f"conv2d(image {_shape} {_dtype.__name__}, kernel {_kshape})",
                _got,
                _reference_conv(_image, _kernel),
                rtol=_tol,
                atol=_tol,
            )
            check_array("the image after conv2d (it must not change)", _image, _copy, rtol=0)
### END HIDDEN TESTS

# %% tests id=test_conv2d_stride_padding points=1
for size, k, stride, padding in [(7, 3, 2, 1), (8, 3, 3, 0), (5, 2, 1, 2)]:
    square = np.arange(size * size, dtype=float).reshape(size, size) % 7
    kernel = np.arange(k * k, dtype=float).reshape(k, k) - 2
    padded = np.pad(square, padding)
    out = (size + 2 * padding - k) // stride + 1
    by_hand = np.array(
        [
            [
                np.sum(padded[stride * x : stride * x + k, stride * y : stride * y + k] * kernel)
                for y in range(out)
            ]
            for x in range(out)
        ]
    )
    check_array(
        f"conv2d(image, kernel, stride={stride}, padding={padding})",
        conv2d(square, kernel, stride=stride, padding=padding),
        by_hand,
        inputs={"image": square, "kernel": kernel},
    )
### BEGIN HIDDEN TESTS
_own(conv2d)
_rng = np.random.default_rng(702)
with _without_nnlib():
    for _shape, _kshape, _stride, _padding in [
        ((7, 6), (3, 3), 2, 1),
        ((9, 5), (2, 3), 3, 2),
        ((2, 6, 6), (3, 3), 2, 0),
        ((5, 5), (5, 5), 1, 0),
        ((4, 4), (3, 3), 4, 1),
        ((2, 3, 8, 7), (3, 2), 2, 2),
    ]:
        for _dtype in (np.float64, np.float32):
            _image = _rng.standard_normal(_shape).astype(_dtype)
            _kernel = _rng.standard_normal(_kshape).astype(_dtype)
            _tol = 1e-10 if _dtype == np.float64 else 1e-4
            check_array(
                f"conv2d(image {_shape} {_dtype.__name__}, kernel {_kshape}, "
                f"stride={_stride}, padding={_padding})",
                conv2d(_image, _kernel, stride=_stride, padding=_padding),
                _reference_conv(_image, _kernel, _stride, _padding),
                rtol=_tol,
                atol=_tol,
            )
### END HIDDEN TESTS

# %% [markdown] locked id=pool_intro
# ## Part 2: max pooling, forward and backward (3 points)
#
# Max pooling with a $k \times k$ window and stride $S$ (by default $S = k$) keeps the largest
# value of each window,
#
# $$P(x, y) = \max_{0 \le m, n < k} A(Sx + m,\; Sy + n),$$
#
# so an axis of length $L$ gives $\lfloor (L - k) / S \rfloor + 1$ outputs (rows or columns that
# no window reaches are dropped). Maps may hold negative values.
#
# In the backward pass, each output passes its gradient $\partial L / \partial P(x, y)$ to the
# **one** input it copied, the window's maximum, and nothing to the others (the max gate of
# chapter 2). When several inputs of a window share the maximum, the first one in row-major order
# gets the gradient (as `np.argmax` picks it). When windows overlap ($S < k$), an input can be the
# maximum of several windows and receives the sum of their gradients.
#
# Write `max_pool2d(x, kernel_size, stride=None)` and
# `max_pool2d_backward(grad_out, x, kernel_size, stride=None)`, which returns
# $\partial L / \partial A$ with the shape and dtype of `x`.


# %% solution id=pool
def max_pool2d(x, kernel_size, stride=None):
    """P(x, y) = max over the k x k window at (Sx, Sy) of A, on the last two axes (7.10)."""
    ### BEGIN SOLUTION
    stride = kernel_size if stride is None else stride
    out_h = (x.shape[-2] - kernel_size) // stride + 1
    out_w = (x.shape[-1] - kernel_size) // stride + 1
    out = np.full(x.shape[:-2] + (out_h, out_w), -np.inf, dtype=x.dtype)
    for m in range(kernel_size):
        for n in range(kernel_size):
            rows = slice(m, m + stride * (out_h - 1) + 1, stride)
            cols = slice(n, n + stride * (out_w - 1) + 1, stride)
            out = np.maximum(out, x[..., rows, cols])
    return out
    ### END SOLUTION


def max_pool2d_backward(grad_out, x, kernel_size, stride=None):
    """dL/dA: each window's gradient goes to its first maximal input; overlaps add up."""
    ### BEGIN SOLUTION
    stride = kernel_size if stride is None else stride
    out_h, out_w = grad_out.shape[-2:]
    best = np.full(grad_out.shape, -np.inf, dtype=x.dtype)
    winner = np.zeros(grad_out.shape, dtype=int)  # offset m * k + n of each window's maximum
    windows = []
    for m in range(kernel_size):
        for n in range(kernel_size):
            rows = slice(m, m + stride * (out_h - 1) + 1, stride)
            cols = slice(n, n + stride * (out_w - 1) + 1, stride)
            windows.append((rows, cols))
            values = x[..., rows, cols]
            better = values > best  # strictly: a tie keeps the first maximum
            best = np.where(better, values, best)
            winner = np.where(better, m * kernel_size + n, winner)
    grad = np.zeros_like(x)
    for offset, (rows, cols) in enumerate(windows):
        grad[..., rows, cols] += np.where(winner == offset, grad_out, 0)
    return grad
    ### END SOLUTION


# %% tests id=test_max_pool points=1
A = np.array(
    [[1.0, -2.0, 0.5, 3.0], [4.0, 0.0, -1.0, 2.0], [-3.0, -4.0, 6.0, 1.0], [-5.0, -1.5, 2.0, 2.5]]
)
check_array(
    "max_pool2d(A, 2)", max_pool2d(A, 2), np.array([[4.0, 3.0], [-1.5, 6.0]]), inputs={"A": A}
)
check_array(
    "max_pool2d(A, 3, stride=1)",
    max_pool2d(A, 3, stride=1),
    np.array([[6.0, 6.0], [6.0, 6.0]]),
    inputs={"A": A},
)
check_array(
    "max_pool2d(A32, 2)",
    max_pool2d(A.astype(np.float32), 2),
    np.array([[4.0, 3.0], [-1.5, 6.0]], dtype=np.float32),
)
### BEGIN HIDDEN TESTS
_own(max_pool2d)
_rng = np.random.default_rng(703)
with _without_nnlib():
    for _shape, _k, _stride in _POOL_CASES:
        for _dtype in (np.float64, np.float32):
            _x = (_rng.standard_normal(_shape) - 3).astype(_dtype)  # mostly negative
            _got = max_pool2d(_x, _k) if _stride is None else max_pool2d(_x, _k, stride=_stride)
            check_array(
                f"max_pool2d(x {_shape} {_dtype.__name__}, {_k}, stride={_stride})",
                _got,
                _reference_pool(_x, _k, _stride or _k),
                rtol=0,
            )
### END HIDDEN TESTS

# %% tests id=test_max_pool_backward points=2
grad_out = np.array([[1.0, 2.0], [3.0, 4.0]])
routed = np.zeros((4, 4))
routed[1, 0], routed[0, 3], routed[3, 1], routed[2, 2] = 1.0, 2.0, 3.0, 4.0  # the four maxima only
check_array(
    "max_pool2d_backward(grad_out, A, 2)",
    max_pool2d_backward(grad_out, A, 2),
    routed,
    inputs={"grad_out": grad_out, "A": A},
)
overlapping = np.zeros((4, 4))
overlapping[2, 2] = 10.0  # 6 is the maximum of all four 3x3 windows: their gradients add up
check_array(
    "max_pool2d_backward(grad_out, A, 3, stride=1)",
    max_pool2d_backward(grad_out, A, 3, stride=1),
    overlapping,
    inputs={"grad_out": grad_out, "A": A},
)
### BEGIN HIDDEN TESTS
_own(max_pool2d_backward)
_rng = np.random.default_rng(704)
with _without_nnlib():
    for _shape, _k, _stride in _POOL_CASES:
        for _dtype in (np.float64, np.float32):
            _x = _rng.standard_normal(_shape).astype(_dtype)
            _s = _stride or _k
            _g = _rng.standard_normal(
                _shape[:-2] + ((_shape[-2] - _k) // _s + 1, (_shape[-1] - _k) // _s + 1)
            ).astype(_dtype)
            _got = (
                max_pool2d_backward(_g, _x, _k)
                if _stride is None
                else max_pool2d_backward(_g, _x, _k, stride=_stride)
            )
            check_array(
                f"max_pool2d_backward(grad_out, x {_shape} {_dtype.__name__}, {_k}, "
                f"stride={_stride})",
                _got,
                _reference_pool_backward(_g, _x, _k, _s),
                rtol=1e-6,
            )
    # ties: the first maximum in row-major order takes the whole gradient
    _tied = np.array(
        [[2.0, 2.0, 0.0, 1.0], [2.0, 1.0, 1.0, 1.0], [-1.0, -1.0, 3.0, 0.0], [-1.0, -1.0, 0.0, 3.0]]
    )
    _g = np.array([[1.0, 2.0], [3.0, 4.0]])
    check_array(
        "max_pool2d_backward(grad_out, tied, 2) (windows with tied maxima)",
        max_pool2d_backward(_g, _tied, 2),
        _reference_pool_backward(_g, _tied, 2, 2),
        rtol=0,
        inputs={"grad_out": _g, "tied": _tied},
    )
    # the gradient of a loss through the pooling, against central differences (no ties)
    _x = _rng.permutation(35).reshape(5, 7) / 7.0
    _w = _rng.standard_normal((2, 3))
    _fd = _central_differences(lambda x: np.sum(_w * _reference_pool(x, 3, 2)), _x)
    check_array(
        "max_pool2d_backward(w, x, 3, stride=2) against finite differences",
        max_pool2d_backward(_w, _x, 3, stride=2),
        _fd,
        rtol=1e-6,
        atol=1e-8,
    )
### END HIDDEN TESTS

# %% [markdown] locked id=sparse_intro
# ## Part 3: the sparse autoencoder's KL penalty and its gradient (2 points)
#
# For a batch of hidden activations `hidden` of shape $(N, H)$ (values in $(0, 1)$, as sigmoid
# units give), the mean activation of unit $i$ is $\hat\rho_i = \frac1N \sum_n a_{ni}$ and the
# sparsity penalty is
#
# $$\Omega = \beta \sum_{i=1}^{H} \mathrm{KL}(\rho \,\Vert\, \hat\rho_i), \qquad
# \mathrm{KL}(\rho \,\Vert\, \hat\rho_i) = \rho \log\frac{\rho}{\hat\rho_i}
# + (1 - \rho) \log\frac{1 - \rho}{1 - \hat\rho_i}.$$
#
# Write `sparsity_penalty(hidden, rho, beta)` returning the pair `(value, grad)`: $\Omega$ as a
# Python `float` (convert with `float(...)`) and $\partial \Omega / \partial a_{ni}$, an array of
# the shape and dtype of `hidden`. Derive the gradient yourself: remember that $\hat\rho_i$ is a
# mean over the batch.


# %% solution id=sparse
def sparsity_penalty(hidden, rho, beta):
    """(beta sum_i KL(rho || rho_hat_i), d/d hidden of it), rho_hat = hidden.mean(axis=0) (7.6)."""
    ### BEGIN SOLUTION
    rho_hat = hidden.mean(axis=0)
    kl = rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))
    per_unit = beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat)) / hidden.shape[0]
    grad = np.broadcast_to(per_unit, hidden.shape).astype(hidden.dtype)
    return float(beta * kl.sum()), grad
    ### END SOLUTION


# %% tests id=test_sparsity_penalty points=2
# three units whose mean activations are 0.2 (= rho: KL is 0 there), 0.4 and 0.05
hidden = np.array([[0.1, 0.5, 0.02], [0.3, 0.3, 0.08], [0.2, 0.4, 0.05]])
answer = sparsity_penalty(hidden, rho=0.2, beta=3.0)
check_tuple("sparsity_penalty(hidden, rho=0.2, beta=3.0)", answer, 2)
value, grad = answer
kl = [0.2 * np.log(0.2 / q) + 0.8 * np.log(0.8 / (1 - q)) for q in (0.2, 0.4, 0.05)]
check_scalar(
    "sparsity_penalty(hidden, 0.2, 3.0)[0] (the value)",
    value,
    float(3.0 * sum(kl)),
    inputs={"hidden": hidden},
)
numerical = np.zeros_like(hidden)
for i in np.ndindex(hidden.shape):
    up, down = hidden.copy(), hidden.copy()
    up[i] += 1e-6
    down[i] -= 1e-6
    numerical[i] = (sparsity_penalty(up, 0.2, 3.0)[0] - sparsity_penalty(down, 0.2, 3.0)[0]) / 2e-6
check_array(
    "sparsity_penalty(hidden, 0.2, 3.0)[1] (the gradient) against finite differences",
    grad,
    numerical,
    rtol=1e-5,
    atol=1e-8,
)
### BEGIN HIDDEN TESTS
_own(sparsity_penalty)


_rng = np.random.default_rng(705)
with _without_nnlib():
    for _shape, _rho, _beta, _dtype in [
        ((7, 5), 0.05, 0.1, np.float64),
        ((20, 3), 0.3, 2.0, np.float64),
        ((1, 4), 0.1, 1.0, np.float64),
        ((6, 8), 0.05, 3.0, np.float32),
    ]:
        _h = (1 / (1 + np.exp(-2 * _rng.standard_normal(_shape)))).astype(_dtype)
        _copy = _h.copy()
        _answer = sparsity_penalty(_h, _rho, _beta)
        _name = (
            f"sparsity_penalty(hidden {_shape} {np.dtype(_dtype).name}, rho={_rho}, beta={_beta})"
        )
        check_tuple(_name, _answer, 2)
        check_scalar(
            _name + "[0]",
            _answer[0],
            float(_reference_penalty(_h, _rho, _beta)),
            rtol=1e-5 if _dtype == np.float32 else 1e-9,
        )
        _h64 = _h.astype(np.float64)
        _fd = _central_differences(
            lambda h, rho=_rho, beta=_beta: _reference_penalty(h, rho, beta), _h64
        )
        check_array(
            _name + "[1] against finite differences",
            _answer[1],
            _fd.astype(_dtype),
            rtol=1e-4 if _dtype == np.float32 else 1e-6,
            atol=1e-7,
        )
        check_array("hidden after sparsity_penalty (it must not change)", _h, _copy, rtol=0)
### END HIDDEN TESTS

# %% [markdown] locked id=cnn_intro
# ## Part 4: a small convolutional network on the digits, from your pieces (2 points + 2 by hand)
#
# Put your `conv2d` and your max pooling together with a dense layer from `nnlib`, as in the
# chapter's convolutional network. For a batch of images `(N, 8, 8)` and `K` kernels of size
# $3 \times 3$ (an array `(K, 3, 3)`):
#
# 1. $A_k$ = `conv2d(images, kernels[k], padding=1)` for each kernel, stacked to `(N, K, 8, 8)`;
# 2. $R = \mathrm{ReLU}(A)$, then $P$ = `max_pool2d(R, 2)`, shape `(N, K, 4, 4)`;
# 3. logits = `head(P.reshape(N, K * 16))`, where `head` is an `nnlib.layers.Dense(K * 16, 10)`;
# 4. loss = `losses.CrossEntropyLoss()(logits, labels)`, with the integer labels.
#
# `cnn_loss_and_grads(images, labels, kernels, head)` returns `(loss, grad_kernels)`: the loss as a
# Python `float` and $\partial L / \partial K$ of shape `(K, 3, 3)`. The value the loss returns is
# a float that also carries its gradient (`loss.backward()` is $\partial L / \partial$ logits), so
# convert it with `float(loss)` before you return it. Backward, in reverse order:
# `loss.backward()`, then `head.backward(...)` (which also accumulates the head's own
# gradients in `head.weight.grad` and `head.bias.grad`), your `max_pool2d_backward`, the ReLU's
# derivative, and finally the kernel gradient: with $G_k = \partial L / \partial A_k$ and $\tilde I$
# the padded images, the weight gradient is again a cross-correlation, of the input with the
# output gradient,
#
# $$\frac{\partial L}{\partial K_k(m, n)}
# = \sum_{i=1}^{N} \sum_{x, y} G_{ik}(x, y)\, \tilde I_i(x + m,\; y + n).$$
#
# `train_cnn` below (do not change it) trains the kernels and the head with Adam on the whole batch
# and calls your function once per step. With a correct gradient, 30 steps on 500 training digits
# take well under a second and reach a training loss below 0.2 and a test accuracy above 90%; the
# grader also trains with another seed, with a budget of 10 seconds.


# %% solution id=cnn
def cnn_loss_and_grads(images, labels, kernels, head):
    """Loss of the tiny CNN on (images, labels) and its gradient w.r.t. the kernels (K, 3, 3)."""
    ### BEGIN SOLUTION
    maps = np.stack([conv2d(images, kernel, padding=1) for kernel in kernels], axis=1)
    relu = np.maximum(maps, 0)
    pooled = max_pool2d(relu, 2)
    loss = losses.CrossEntropyLoss()(head(pooled.reshape(len(images), -1)), labels)
    grad_pooled = head.backward(loss.backward()).reshape(pooled.shape)
    grad_maps = max_pool2d_backward(grad_pooled, relu, 2) * (maps > 0)
    padded = np.pad(images, [(0, 0), (1, 1), (1, 1)])
    height, width = images.shape[-2:]
    grad_kernels = np.zeros_like(kernels)
    for m in range(kernels.shape[1]):
        for n in range(kernels.shape[2]):
            window = padded[:, m : m + height, n : n + width]
            grad_kernels[:, m, n] = np.einsum("ikxy,ixy->k", grad_maps, window)
    return float(loss), grad_kernels
    ### END SOLUTION


# %% locked id=cnn_training
x_digits, y_digits = data.digits(images=True)  # 1797 images (8, 8) in [0, 1], labels 0..9
order = np.random.default_rng(0).permutation(len(x_digits))
x_train, y_train = x_digits[order[:500]], y_digits[order[:500]]
x_test, y_test = x_digits[order[1400:]], y_digits[order[1400:]]


def train_cnn(images, labels, n_kernels=4, steps=30, lr=0.05, seed=0):
    """Adam on the whole batch, `steps` times; returns (kernels, head, [loss at each step])."""
    gen = np.random.default_rng(seed)
    kernels = Parameter(gen.normal(0.0, 0.5, size=(n_kernels, 3, 3)))
    head = layers.Dense(n_kernels * 16, 10, rng=gen)
    optimizer = optim.Adam([kernels, *head.parameters()], lr=lr)
    history = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss, grad_kernels = cnn_loss_and_grads(images, labels, kernels.data, head)
        kernels.grad += grad_kernels
        optimizer.step()
        history.append(loss)
    return kernels.data, head, history


def cnn_accuracy(kernels, head, images, labels):
    """The fraction of `images` that the trained network classifies correctly, a float."""
    maps = np.stack([conv2d(images, kernel, padding=1) for kernel in kernels], axis=1)
    pooled = max_pool2d(np.maximum(maps, 0), 2)
    return float(np.mean(head(pooled.reshape(len(images), -1)).argmax(axis=1) == labels))


# %% tests id=test_cnn_gradients points=1
few_images, few_labels = x_train[:6], y_train[:6]
few_kernels = np.random.default_rng(1).normal(0.0, 0.5, size=(2, 3, 3))
few_head = layers.Dense(32, 10, rng=np.random.default_rng(2))
answer = cnn_loss_and_grads(few_images, few_labels, few_kernels, few_head)
check_tuple("cnn_loss_and_grads(images, labels, kernels, head)", answer, 2)
check_type("cnn_loss_and_grads(...)[0] (the loss)", answer[0], float)
numerical = np.zeros_like(few_kernels)
for i in np.ndindex(few_kernels.shape):
    up, down = few_kernels.copy(), few_kernels.copy()
    up[i] += 1e-6
    down[i] -= 1e-6
    numerical[i] = (
        cnn_loss_and_grads(few_images, few_labels, up, few_head)[0]
        - cnn_loss_and_grads(few_images, few_labels, down, few_head)[0]
    ) / 2e-6
check_array(
    "cnn_loss_and_grads(...)[1] (dL/dkernels) against finite differences",
    answer[1],
    numerical,
    rtol=1e-5,
    atol=1e-8,
)
### BEGIN HIDDEN TESTS
_own(cnn_loss_and_grads)


with _without_nnlib("nnlib.conv", "nnlib.autoencoder"):
    _images, _labels = x_train[6:10], y_train[6:10]
    _kernels = np.random.default_rng(706).normal(0.0, 0.5, size=(3, 3, 3))
    _head = layers.Dense(48, 10, rng=np.random.default_rng(707))
    _answer = cnn_loss_and_grads(_images, _labels, _kernels, _head)
    check_tuple("cnn_loss_and_grads(images, labels, kernels, head)", _answer, 2)
    _w, _b = _head.weight.data, _head.bias.data
    _loss, _dw, _db = _reference_cnn(_images, _labels, _kernels, _w, _b)[:3]
    check_scalar("cnn_loss_and_grads(...)[0] (the loss)", _answer[0], float(_loss), rtol=1e-9)
    check_array(
        "head.weight.grad after cnn_loss_and_grads", _head.weight.grad, _dw, rtol=1e-7, atol=1e-12
    )
    check_array(
        "head.bias.grad after cnn_loss_and_grads", _head.bias.grad, _db, rtol=1e-7, atol=1e-12
    )
    _fd = _central_differences(lambda k: _reference_cnn(_images, _labels, k, _w, _b)[0], _kernels)
    check_array(
        "cnn_loss_and_grads(...)[1] (dL/dkernels) against finite differences",
        _answer[1],
        _fd,
        rtol=1e-5,
        atol=1e-8,
    )
### END HIDDEN TESTS

# %% tests id=test_cnn_training points=1
start = time.perf_counter()
kernels, head, history = train_cnn(x_train, y_train)
seconds = time.perf_counter() - start
accuracy = cnn_accuracy(kernels, head, x_test, y_test)
print(f"training loss {history[0]:.3f} -> {history[-1]:.3f} in {seconds:.2f} s")
print(f"test accuracy {accuracy:.1%}")
check_at_most("the training loss after 30 steps", history[-1], 0.2)
check_at_least("the test accuracy after 30 steps", accuracy, 0.9)
### BEGIN HIDDEN TESTS
_own(conv2d, max_pool2d, max_pool2d_backward, cnn_loss_and_grads)
with _without_nnlib("nnlib.conv", "nnlib.autoencoder"):
    _start = time.perf_counter()
    _runs = {0: (kernels, head), 1: train_cnn(x_train, y_train, seed=1)[:2]}
    check_at_most("seconds to train 30 steps (seed 1)", time.perf_counter() - _start, 10.0)
for _seed, (_kernels, _head) in _runs.items():  # measured by the grader's own network
    _trained = (_kernels, _head.weight.data, _head.bias.data)
    _loss = float(_reference_cnn(x_train, y_train, *_trained)[0])
    check_at_most(f"the training loss after 30 steps (seed {_seed})", _loss, 0.2)
    _accuracy = _reference_cnn(x_test, y_test, *_trained)[3]
    check_at_least(f"the test accuracy after 30 steps (seed {_seed})", _accuracy, 0.9)
### END HIDDEN TESTS

# %% [markdown] locked id=kernels_intro
# ### Part 4, continued: what did the kernels learn? (2 points, graded by hand)
#
# Print (or plot) the four kernels your network learned above, rounded to two decimals, and
# compare them with the chapter's Sobel and edge-detection kernels: which of them respond to
# edges, and of which orientation? Answer in two or three sentences in comments.

# %% manual id=kernels_answer points=2
### BEGIN SOLUTION
print(np.round(kernels, 2))
# Several kernels have a positive and a negative side, like the Sobel kernels: one responds to
# vertical strokes (a change from left to right), another to horizontal ones; a kernel with one
# sign everywhere acts like a blur that keeps the thick parts of a stroke. After 30 steps on 8x8
# digits they are rough, but the orientations are already visible.
### END SOLUTION

# %% [markdown] locked id=hand_intro
# ## Part 5: a convolution's sizes by hand, for your layer (4 points)
#
# A convolution layer of your variant (`HAND`, printed by the variant cell above; every student
# has their own) takes `HAND["c_in"]` channels of `HAND["h"]` x `HAND["w"]` pixels and has
# `HAND["c_out"]` square kernels of side `HAND["k"]`, stride `HAND["stride"]` and zero padding
# `HAND["padding"]`, with one bias per output channel. Compute by hand and write `hand_conv()`:
# the tuple of Python ints (output height, output width, number of parameters).


# %% solution id=hand
def hand_conv():
    """(output height, output width, number of parameters) of your layer HAND, as ints."""
    ### BEGIN SOLUTION
    k, s, p = HAND["k"], HAND["stride"], HAND["padding"]
    return (
        (HAND["h"] + 2 * p - k) // s + 1,
        (HAND["w"] + 2 * p - k) // s + 1,
        HAND["c_out"] * (HAND["c_in"] * k * k + 1),
    )
    ### END SOLUTION


# %% tests id=test_hand points=4
answer = hand_conv()
check_tuple("hand_conv()", answer, 3)
hand_h = (HAND["h"] + 2 * HAND["padding"] - HAND["k"]) // HAND["stride"] + 1
check_scalar(
    "hand_conv()[0] (output height)", answer[0], hand_h, types=(int,), inputs={"HAND": HAND}
)
### BEGIN HIDDEN TESTS
_v = _variant("HAND")
with _without_nnlib():
    _g = hand_conv()
check_tuple("hand_conv()", _g, 3)
_k, _s, _p = _v["k"], _v["stride"], _v["padding"]
_wants = [
    ("output height", (_v["h"] + 2 * _p - _k) // _s + 1),
    ("output width", (_v["w"] + 2 * _p - _k) // _s + 1),
    ("number of parameters", _v["c_out"] * (_v["c_in"] * _k * _k + 1)),
]
for _k, (_label, _want) in enumerate(_wants):
    check_scalar(f"hand_conv()[{_k}] ({_label})", _g[_k], _want, types=(int,), inputs={"HAND": _v})
### END HIDDEN TESTS
