"""Chapter 6 experiments: the sigmoid saturation experiment (Glorot and Bengio's figure 2) and the
overflow of exploding signals to inf and NaN, with gradient clipping as a remedy.

pytest turns RuntimeWarnings into errors, so every test here also checks that the deliberate
overflows stay silent.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnbook import initialization as demo
from nnlib import activations

# --- the saturation recorder ---------------------------------------------------------------


def test_hidden_outputs_returns_every_hidden_layer_and_computes_the_first_one():
    rng = np.random.default_rng(0)
    model = demo.deep_mlp("sigmoid", demo.SCHEMES["standard U(±1/√n)"], 3, 7, rng, fan_in=5)
    x = rng.standard_normal((4, 5))
    outputs = demo.hidden_outputs(model, x)
    assert [a.shape for a in outputs] == [(4, 7)] * 3
    first = model[0]
    expected = activations.sigmoid(x @ first.weight.data + first.bias.data)
    np.testing.assert_allclose(outputs[0], expected)
    np.testing.assert_allclose(model(x), model[-1](outputs[-1]))


def test_saturation_training_records_one_series_per_hidden_layer():
    run = demo.saturation_training(depth=3, width=16, steps=40, record_every=10, seed=0)
    np.testing.assert_array_equal(run.steps, [0, 10, 20, 30, 40])
    for series in (run.mean, run.low, run.high):
        assert series.shape == (5, 3)
    assert run.loss.shape == (5,)
    assert np.all(run.low <= run.mean) and np.all(run.mean <= run.high)
    assert np.all((run.low >= 0) & (run.high <= 1))  # sigmoid outputs
    # before training: cross-entropy of a near-uniform guess over 10 classes
    assert run.loss[0] == pytest.approx(math.log(10), abs=0.2)


def test_tanh_outputs_are_recorded_signed_and_never_called_saturated():
    run = demo.saturation_training(
        depth=2, width=16, steps=20, record_every=10, lr=0.1, activation="tanh"
    )
    assert run.low.min() < 0 < run.high.max()
    assert run.saturation_step() is None and run.escape_step() is None


def _run_with_top_layer_high(high: list[float], activation: str = "sigmoid"):
    n = len(high)
    column = np.array(high)[:, None]
    return demo.SaturationRun(
        steps=np.arange(n) * 100,
        mean=column / 2,
        low=np.zeros((n, 1)),
        high=column,
        loss=np.full(n, math.log(10)),
        activation=activation,
    )


def test_saturation_and_escape_steps_follow_the_98th_percentile():
    run = _run_with_top_layer_high([0.6, 0.3, 0.05, 0.02, 0.04, 0.2, 0.5])
    assert run.saturation_step() == 200
    assert run.escape_step() == 500
    stuck = _run_with_top_layer_high([0.6, 0.05, 0.02, 0.01])
    assert stuck.saturation_step() == 100 and stuck.escape_step() is None
    never = _run_with_top_layer_high([0.6, 0.5, 0.4])
    assert never.saturation_step() is None and never.escape_step() is None


def test_the_top_sigmoid_layer_saturates_while_the_first_stays_near_one_half():
    """The effect the chapter shows (Glorot and Bengio's figure 2), on a short run."""
    run = demo.saturation_training(steps=500, record_every=100)
    assert run.saturation_step() is not None
    assert run.high[-1, -1] < 0.1  # top layer: 98 % of its outputs below 0.1
    assert 0.4 < run.mean[-1, 0] < 0.6  # first layer: still around sigma(0) = 1/2
    assert run.loss[-1] > 2.0  # and the network has learned nothing yet (log 10 = 2.30)


# --- overflow to inf and NaN ---------------------------------------------------------------


def test_overflow_trace_overflows_in_float32_at_large_gain_where_predicted():
    trace = demo.overflow_trace(gain=4.0)
    first_inf, first_nan = trace.first_layer("inf"), trace.first_layer("nan")
    assert first_inf is not None and first_nan is not None
    assert first_nan >= first_inf
    predicted = math.log(np.finfo(np.float32).max) / math.log(4.0)  # 64 layers
    assert abs(first_inf - predicted) <= 5
    assert trace.nan_fraction[-1] == 1.0  # NaN spreads to everything after it


def test_overflow_trace_stays_finite_at_the_right_scale_and_in_float64():
    for trace in (demo.overflow_trace(gain=1.0), demo.overflow_trace(4.0, dtype=np.float64)):
        assert trace.first_layer("inf") is None and trace.first_layer("nan") is None
        assert np.all(np.isfinite(trace.largest))
    assert demo.overflow_trace(gain=1.0).largest[-1] < 100


def test_first_layer_rejects_an_unknown_kind():
    with pytest.raises(KeyError):
        demo.overflow_trace(gain=1.0, depth=2).first_layer("overflow")


# --- gradient clipping -----------------------------------------------------------------------


# --- training that explodes, and the remedies ------------------------------------------------


def test_too_large_weights_drive_training_to_nan():
    run = demo.exploding_training()  # gain 1.3 on He, 20 ReLU layers, float32
    assert run.non_finite_step is not None and run.non_finite_step < 20
    assert run.nan_fraction > 0
    assert len(run.loss) == run.non_finite_step
    assert run.loss[-1] > 1e3 * run.loss[0]  # it grew before it broke
    assert run.largest_weight[-1] > 10 * run.largest_weight[0]


@pytest.mark.parametrize(
    "remedy", [{"gain": 1.0}, {"clip_norm": 1.0}, {"batch_norm": True}], ids=str
)
def test_each_remedy_keeps_training_finite(remedy):
    run = demo.exploding_training(steps=10, **remedy)
    assert run.non_finite_step is None
    assert len(run.loss) == 10 and np.all(np.isfinite(run.loss))
    assert max(run.largest_weight) < 10


def test_clipping_acts_on_gradients_larger_than_max_norm():
    run = demo.exploding_training(steps=5, clip_norm=1.0)
    assert min(run.grad_norm) > 1.0  # the norms are recorded before clipping
    unclipped = demo.exploding_training(steps=5)
    assert run.grad_norm[0] == pytest.approx(unclipped.grad_norm[0])


def test_digits_training_small_start_stalls_and_glorot_learns():
    from functools import partial

    from nnbook import initialization as init_demos
    from nnlib import init

    small = init_demos.digits_training(partial(init.normal, std=0.01), epochs=2)
    glorot = init_demos.digits_training(init.xavier_uniform, epochs=2)
    assert abs(small["loss"][-1] - np.log(10)) < 0.05  # the loss of guessing among 10 classes
    assert glorot["loss"][-1] < 0.5 * np.log(10)
    assert glorot["val_accuracy"][-1] > 0.8


@pytest.mark.parametrize("seed", [0, 1])
def test_glorot_trains_faster_than_the_standard_uniform_start(seed):
    # Glorot and Bengio's comparison: U(+-1/sqrt(n)) (PyTorch's default) against theirs
    from nnlib import init

    standard = demo.digits_training(demo.SCHEMES["standard U(±1/√n)"], epochs=3, seed=seed)
    glorot = demo.digits_training(init.xavier_uniform, epochs=3, seed=seed)
    assert demo.SCHEMES["standard U(±1/√n)"] is init.pytorch_default
    assert glorot["loss"][0] < standard["loss"][0]
    assert glorot["loss"][-1] < standard["loss"][-1]
