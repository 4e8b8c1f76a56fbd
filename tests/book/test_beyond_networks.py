"""Chapter 7's networks beyond the first ones: parameter counts, the LeNet-style network, the
denoising autoencoder (nnbook.beyond)."""

import numpy as np
import pytest

from nnbook import beyond
from nnlib import conv, layers


@pytest.mark.parametrize(
    "layer, expected",
    [
        (layers.Dense(7, 5, rng=0), 7 * 5 + 5),
        (layers.Dense(7, 5, bias=False, rng=0), 7 * 5),
        (conv.Conv2d(3, 4, kernel_size=5, rng=0), 5 * 5 * 3 * 4 + 4),
        (conv.MaxPool2d(2), 0),
        (layers.ReLU(), 0),
    ],
)
def test_parameter_formula_matches_the_stored_arrays(layer, expected):
    assert beyond.parameter_formula(layer) == expected
    assert sum(p.data.size for p in layer.parameters()) == expected


def test_lenet_has_two_conv_pool_stages_and_the_formula_counts_it():
    net = beyond.lenet(seed=0)
    assert net(np.zeros((2, 64))).shape == (2, 10)
    assert sum(isinstance(m, conv.Conv2d) for m in net) == 2
    assert sum(isinstance(m, conv.MaxPool2d) for m in net) == 2
    assert sum(map(beyond.parameter_formula, net)) == beyond.n_parameters(net)
    # 1->6 and 6->16 kernels of 3x3, then 16 maps of 2x2 -> 32 -> 10
    assert beyond.n_parameters(net) == (9 * 6 + 6) + (9 * 6 * 16 + 16) + (64 * 32 + 32) + 330


def test_lenet_learns_the_digits():
    assert beyond.train_digit_classifier(beyond.lenet(seed=0), epochs=3) > 0.85


def test_mask_pixels_zeroes_about_the_fraction_and_keeps_the_rest():
    x = np.random.default_rng(0).uniform(0.5, 1.0, size=(200, 64))
    masked = beyond.mask_pixels(x, 0.3, rng=1)
    zeroed = masked == 0
    assert zeroed.mean() == pytest.approx(0.3, abs=0.02)
    np.testing.assert_array_equal(masked[~zeroed], x[~zeroed])


def test_denoising_autoencoder_repairs_masked_digits_better_than_the_plain_one():
    _, x_test = beyond.digit_splits()
    masked = beyond.mask_pixels(x_test, 0.3, rng=1)

    def error(model, inputs):
        return 0.5 * np.mean(np.sum((model(inputs) - x_test) ** 2, axis=1))

    plain, _ = beyond.train_autoencoder(32)
    denoising = beyond.train_denoising_autoencoder(32, fraction=0.3)
    assert error(denoising, masked) < error(plain, masked)
    assert error(denoising, masked) < error(lambda inputs: inputs, masked)  # better than no repair
