"""Tests of nnlib.conv: cross-correlation against SciPy, the deck's kernels, pooling, gradients."""

import numpy as np
import pytest
from scipy.signal import convolve2d as scipy_convolve2d
from scipy.signal import correlate2d

from nnlib import conv
from nnlib.gradcheck import central_difference


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_conv2d_matches_scipy_correlate_valid(rng):
    image, kernel = rng.normal(size=(7, 9)), rng.normal(size=(3, 2))
    np.testing.assert_allclose(
        conv2d_valid := conv.conv2d(image, kernel), correlate2d(image, kernel, mode="valid")
    )
    assert conv2d_valid.shape == (5, 8)


def test_conv2d_is_the_formula_with_n_in_the_column(rng):
    image, kernel = rng.normal(size=(5, 6)), rng.normal(size=(2, 3))
    out = conv.conv2d(image, kernel)
    x, y = 2, 1
    by_hand = sum(image[x + m, y + n] * kernel[m, n] for m in range(2) for n in range(3))
    slide_typo = sum(image[x + m, y + m] * kernel[m, n] for m in range(2) for n in range(3))
    assert out[x, y] == pytest.approx(by_hand)
    assert out[x, y] != pytest.approx(slide_typo)


def test_convolve2d_flips_the_kernel(rng):
    image, kernel = rng.normal(size=(6, 6)), rng.normal(size=(3, 3))
    np.testing.assert_allclose(
        conv.convolve2d(image, kernel), scipy_convolve2d(image, kernel, mode="valid")
    )
    assert not np.allclose(conv.convolve2d(image, kernel), conv.conv2d(image, kernel))


def test_padding_and_stride_match_scipy_and_output_size(rng):
    image, kernel = rng.normal(size=(8, 7)), rng.normal(size=(3, 3))
    same = conv.conv2d(image, kernel, padding=1)
    np.testing.assert_allclose(same, correlate2d(image, kernel, mode="same"))
    strided = conv.conv2d(image, kernel, stride=2, padding=1)
    np.testing.assert_allclose(strided, same[::2, ::2])
    assert strided.shape == (conv.output_size(8, 3, 2, 1), conv.output_size(7, 3, 2, 1))


def test_batched_images_are_convolved_one_by_one(rng):
    images, kernel = rng.normal(size=(2, 3, 6, 5)), rng.normal(size=(3, 3))
    out = conv.conv2d(images, kernel, stride=2)
    for index in np.ndindex(2, 3):
        np.testing.assert_allclose(out[index], conv.conv2d(images[index], kernel, stride=2))


def test_edge_kernel_is_zero_on_flat_regions_and_sharpen_keeps_them():
    flat = np.full((5, 5), 3.0)
    np.testing.assert_allclose(conv.conv2d(flat, conv.EDGE_DETECTION), 0.0)
    np.testing.assert_allclose(conv.conv2d(flat, conv.SHARPEN), 3.0)
    step = np.zeros((5, 6))
    step[:, 3:] = 1.0
    edges = conv.conv2d(step, conv.EDGE_DETECTION)
    assert np.all(edges[:, [0, 3]] == 0) and np.all(edges[:, 1] < 0) and np.all(edges[:, 2] > 0)


def test_named_kernels_are_3x3_and_sum_to_zero_or_one():
    for name, kernel in conv.KERNELS.items():
        assert kernel.shape == (3, 3), name
        assert kernel.sum() == pytest.approx(0.0) or kernel.sum() == pytest.approx(1.0), name


@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 1), (3, 2)])
def test_conv2d_backward_matches_finite_differences(rng, stride, padding):
    image, kernel = rng.normal(size=(2, 7, 6)), rng.normal(size=(3, 2))
    weights = rng.normal(size=conv.conv2d(image, kernel, stride, padding).shape)

    def loss(image, kernel):
        return float(np.sum(weights * conv.conv2d(image, kernel, stride, padding)))

    grad_image, grad_kernel = conv.conv2d_backward(weights, image, kernel, stride, padding)
    numeric_image = central_difference(lambda v: loss(v, kernel), image, h=1e-6)
    numeric_kernel = central_difference(lambda v: loss(image, v), kernel, h=1e-6)
    np.testing.assert_allclose(grad_image, numeric_image, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(grad_kernel, numeric_kernel, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("kernel_shape", [(3, 3), (2, 4)])
def test_conv2d_backward_is_a_correlation_and_a_full_convolution(rng, kernel_shape):
    # stride 1, no padding: dL/dK = image correlated with G, dL/dI = G fully convolved with K
    image, kernel = rng.normal(size=(7, 6)), rng.normal(size=kernel_shape)
    grad_out = rng.normal(size=conv.conv2d(image, kernel).shape)
    grad_image, grad_kernel = conv.conv2d_backward(grad_out, image, kernel)
    np.testing.assert_allclose(grad_kernel, correlate2d(image, grad_out, mode="valid"))
    np.testing.assert_allclose(grad_image, scipy_convolve2d(grad_out, kernel, mode="full"))


def test_max_pool_backward_routes_each_gradient_to_its_window_maximum():
    x = np.array(
        [[10.0, 7.0, 6.0, 14.0], [2.0, 0.0, 13.0, 15.0], [12.0, 9.0, 11.0, 5.0], [3, 4, 8, 1]]
    )
    grad = conv.max_pool2d_backward(np.array([[1.0, 2.0], [3.0, 4.0]]), x, 2)
    want = np.zeros((4, 4))
    want[0, 0], want[1, 3], want[2, 0], want[2, 2] = 1.0, 2.0, 3.0, 4.0
    np.testing.assert_array_equal(grad, want)
    # overlapping windows (stride 1): the centre is the maximum of all four and collects all four
    peak = np.zeros((3, 3))
    peak[1, 1] = 1.0
    np.testing.assert_array_equal(
        conv.max_pool2d_backward(np.ones((2, 2)), peak, 2, stride=1)[1, 1], 4.0
    )


def test_pooling_by_hand():
    x = np.arange(16.0).reshape(4, 4)
    np.testing.assert_array_equal(conv.max_pool2d(x, 2), [[5.0, 7.0], [13.0, 15.0]])
    np.testing.assert_array_equal(conv.avg_pool2d(x, 2), [[2.5, 4.5], [10.5, 12.5]])
    np.testing.assert_array_equal(conv.max_pool2d(x, 3, stride=1), [[10.0, 11.0], [14.0, 15.0]])


def test_max_pooling_is_invariant_to_a_shift_inside_the_window():
    x = np.zeros((4, 4))
    x[0, 0] = 1.0
    shifted = np.roll(x, shift=(1, 1), axis=(0, 1))
    np.testing.assert_array_equal(conv.max_pool2d(x, 2), conv.max_pool2d(shifted, 2))
    assert not np.array_equal(x, shifted)


@pytest.mark.parametrize(
    "pool,backward",
    [(conv.max_pool2d, conv.max_pool2d_backward), (conv.avg_pool2d, conv.avg_pool2d_backward)],
)
@pytest.mark.parametrize("size,stride", [(2, None), (3, 1), (2, 3)])
def test_pool_backward_matches_finite_differences(rng, pool, backward, size, stride):
    x = rng.normal(size=(2, 7, 8))  # distinct values: the max is unique in every window
    weights = rng.normal(size=pool(x, size, stride).shape)

    def loss(v):
        return float(np.sum(weights * pool(v, size, stride)))

    numeric = central_difference(loss, x, h=1e-6)
    np.testing.assert_allclose(backward(weights, x, size, stride), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    "call",
    [
        lambda: conv.conv2d(np.ones(5), np.ones((3, 3))),
        lambda: conv.conv2d(np.ones((5, 5)), np.ones(3)),
        lambda: conv.conv2d(np.ones((2, 2)), np.ones((3, 3))),
        lambda: conv.conv2d(np.ones((5, 5)), np.ones((3, 3)), stride=0),
        lambda: conv.conv2d(np.ones((5, 5)), np.ones((3, 3)), padding=-1),
        lambda: conv.max_pool2d(np.ones((4, 4)), 0),
        lambda: conv.conv2d_backward(np.ones((2, 2)), np.ones((5, 5)), np.ones((3, 3))),
    ],
)
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()


# ---------------------------------------------------------------------------------------------
# Layers: Conv2d, MaxPool2d, Unflatten
# ---------------------------------------------------------------------------------------------

from nnlib import gradcheck, layers  # noqa: E402


def conv_rng():
    return np.random.default_rng(0)


@pytest.mark.parametrize("stride, padding", [(1, 0), (1, 1), (2, 1), (2, 0)])
def test_conv2d_layer_passes_the_gradient_check_in_float64(stride, padding):
    layer = conv.Conv2d(2, 3, kernel_size=3, stride=stride, padding=padding, rng=conv_rng())
    x = np.random.default_rng(1).normal(size=(2, 2, 7, 6))
    reports = gradcheck.check_module(layer, x)
    assert set(reports) == {"input", "weight", "bias"}
    for name, report in reports.items():
        assert report.passed, (name, report)
        assert report.relative_error < 1e-7, name


def test_conv2d_layer_is_the_sum_over_input_maps_of_conv2d_plus_bias():
    layer = conv.Conv2d(3, 2, kernel_size=2, stride=2, padding=1, rng=conv_rng())
    layer.bias.data[:] = [0.5, -1.0]
    x = np.random.default_rng(2).normal(size=(4, 3, 5, 6))
    y = layer(x)
    assert y.shape == (4, 2, conv.output_size(5, 2, 2, 1), conv.output_size(6, 2, 2, 1))
    for n in range(4):
        for o in range(2):
            expected = sum(
                conv.conv2d(x[n, c], layer.weight.data[o, c], stride=2, padding=1) for c in range(3)
            )
            np.testing.assert_allclose(y[n, o], expected + layer.bias.data[o], atol=1e-12)


def test_conv2d_layer_init_uses_fan_in_of_channels_times_kernel_area():
    layer = conv.Conv2d(4, 64, kernel_size=5, rng=conv_rng())
    bound = np.sqrt(6.0 / (4 * 25))  # he_uniform on fan_in = C_in k^2
    assert layer.weight.shape == (64, 4, 5, 5)
    assert np.abs(layer.weight.data).max() <= bound
    assert np.abs(layer.weight.data).max() > 0.9 * bound
    assert np.all(layer.bias.data == 0)


def test_conv2d_layer_keeps_float32():
    layer = conv.Conv2d(1, 2, rng=conv_rng(), dtype=np.float32)
    y = layer(np.ones((1, 1, 4, 4), dtype=np.float32))
    assert y.dtype == np.float32
    assert layer.backward(np.ones_like(y)).dtype == np.float32


def test_conv2d_layer_rejects_wrong_channels_and_backward_first():
    layer = conv.Conv2d(2, 3, rng=conv_rng())
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones((1, 3, 2, 2)))
    with pytest.raises(ValueError, match=r"\(N, 2, H, W\)"):
        layer(np.ones((1, 3, 5, 5)))
    with pytest.raises(ValueError, match="out_channels"):
        conv.Conv2d(2, 0)


def test_a_small_convolutional_network_passes_the_gradient_check():
    gen = conv_rng()
    net = layers.Sequential(
        conv.Unflatten((1, 6, 6)),
        conv.Conv2d(1, 3, kernel_size=3, padding=1, rng=gen),
        layers.Tanh(),
        conv.MaxPool2d(2),
        layers.Flatten(),
        layers.Dense(27, 4, rng=gen),
    )
    x = np.random.default_rng(3).random(size=(3, 36))
    for name, report in gradcheck.check_module(net, x).items():
        assert report.passed, (name, report)


def test_max_pool_layer_and_unflatten_round_trip():
    x = np.random.default_rng(4).normal(size=(2, 3, 4, 4))
    pool = conv.MaxPool2d(2)
    y = pool(x)
    np.testing.assert_array_equal(y, conv.max_pool2d(x, 2))
    grad = pool.backward(np.ones_like(y))
    assert grad.sum() == y.size and set(np.unique(grad)) <= {0.0, 1.0}
    unflatten = conv.Unflatten((3, 4, 4))
    flat = x.reshape(2, -1)
    np.testing.assert_array_equal(unflatten(flat), x)
    np.testing.assert_array_equal(unflatten.backward(x), flat)
    with pytest.raises(ValueError, match="unflatten"):
        unflatten(np.ones((2, 47)))
