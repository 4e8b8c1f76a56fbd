"""nnbook.beyond: chapter 7's networks and helpers (parameter counts, the LeNet-style network, the
autoencoders, images, digit splits)."""

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


def test_synthetic_image_and_relative_change():
    card = beyond.synthetic_image(32)
    assert card.shape == (32, 32) and card.min() == 0.0 and card.max() == 1.0
    assert beyond.relative_change(card, card) == 0.0
    assert beyond.relative_change(card, 2 * card) == pytest.approx(1.0)


def test_autoencoder_training_reduces_the_reconstruction_error():
    model, history = beyond.train_autoencoder(4, epochs=3)
    assert history.val_loss[-1] < history.val_loss[0]
    assert model.encoder_weight.shape == (64, 4)


def test_labelled_splits_match_the_unlabelled_ones():
    x_train, y_train, x_test, y_test = beyond.labelled_digit_splits()
    u_train, u_test = beyond.digit_splits()
    np.testing.assert_array_equal(x_train, u_train)
    np.testing.assert_array_equal(x_test, u_test)
    assert len(y_train) == len(x_train) and set(np.unique(y_test)) == set(range(10))


def test_digit_cnn_has_the_stated_shape_and_learns_the_digits():
    cnn = beyond.digit_cnn(channels=4, seed=0)
    assert beyond.n_parameters(cnn) == 4 * 10 + 4 * 16 * 10 + 10
    assert cnn(np.zeros((2, 64))).shape == (2, 10)
    assert beyond.train_digit_classifier(cnn, epochs=3) > 0.9


def test_chapter_training_set_is_squashed_float32_patches():
    x = beyond.natural_patch_training_set()
    assert x.shape == (5000, 100) and x.dtype == np.float32
    assert 0.1 - 1e-6 <= x.min() and x.max() <= 0.9 + 1e-6
