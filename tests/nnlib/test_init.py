"""nnlib.init: sample variances against the formulas, bounds, dtypes, names."""

import numpy as np
import pytest

from nnlib import init
from nnlib.layers import Dense

SHAPE = (600, 400)  # 240 000 samples: the sample variance is within ~0.5% of the truth
FAN_IN, FAN_OUT = SHAPE

EXPECTED_VARIANCE = {
    "lecun_normal": 1 / FAN_IN,
    "lecun_uniform": 1 / FAN_IN,
    "xavier_normal": 2 / (FAN_IN + FAN_OUT),
    "xavier_uniform": 2 / (FAN_IN + FAN_OUT),
    "he_normal": 2 / FAN_IN,
    "he_uniform": 2 / FAN_IN,
}


@pytest.mark.parametrize("name", list(EXPECTED_VARIANCE))
@pytest.mark.parametrize("seed", [0, 1])
def test_sample_variance_matches_the_formula(name, seed):
    w = init.get(name)(SHAPE, np.random.default_rng(seed))
    assert w.shape == SHAPE
    assert abs(w.mean()) < 0.01 * w.std()
    assert w.var() == pytest.approx(EXPECTED_VARIANCE[name], rel=0.03)


@pytest.mark.parametrize(
    ("name", "bound"),
    [("xavier_uniform", np.sqrt(6 / (FAN_IN + FAN_OUT))), ("he_uniform", np.sqrt(6 / FAN_IN))],
)
def test_uniform_bounds(name, bound):
    w = init.get(name)(SHAPE, np.random.default_rng(0))
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.99 * bound  # the whole interval is used


def test_normal_initializers_are_gaussian():
    w = init.he_normal(SHAPE, np.random.default_rng(0))
    z = w / np.sqrt(2 / FAN_IN)
    # kurtosis 3 for a Gaussian (1.8 for a uniform)
    assert np.mean(z**4) == pytest.approx(3.0, rel=0.05)


def test_gain_scales_the_standard_deviation():
    w = init.xavier_normal(SHAPE, np.random.default_rng(0), gain=5 / 3)
    assert w.std() == pytest.approx(5 / 3 * np.sqrt(2 / (FAN_IN + FAN_OUT)), rel=0.02)


@pytest.mark.parametrize("init_fn", [init.he_normal, init.he_uniform])
def test_he_fan_out_mode_uses_the_outputs(init_fn):
    # PyTorch's kaiming_*_(mode="fan_out"): variance 2 / fan_out, to keep the backward variance
    w = init_fn(SHAPE, np.random.default_rng(0), mode="fan_out")
    assert w.var() == pytest.approx(2 / FAN_OUT, rel=0.03)
    # a conv kernel (in, out, k, k): fan_out is out * k^2, as PyTorch counts it
    kernel = init_fn((8, 50, 5, 5), np.random.default_rng(1), mode="fan_out")
    assert kernel.var() == pytest.approx(2 / (50 * 25), rel=0.05)
    with pytest.raises(ValueError, match="mode"):
        init_fn(SHAPE, np.random.default_rng(0), mode="fan_avg")


def test_he_negative_slope_divides_by_one_plus_a_squared():
    w = init.he_normal(SHAPE, np.random.default_rng(0), a=0.5)
    assert w.var() == pytest.approx(2 / (1.25 * FAN_IN), rel=0.03)


def test_pytorch_default_is_uniform_over_one_over_sqrt_fan_in():
    # torch.nn.Linear.reset_parameters: kaiming_uniform_(weight, a=sqrt(5)), i.e. the bound
    # gain * sqrt(3 / fan_in) with gain = sqrt(2 / (1 + 5)) is 1 / sqrt(fan_in)
    w = init.pytorch_default(SHAPE, np.random.default_rng(0))
    bound = 1 / np.sqrt(FAN_IN)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert w.var() == pytest.approx(1 / (3 * FAN_IN), rel=0.03)
    assert init.get("pytorch_default") is init.pytorch_default


def test_basic_initializers():
    rng = np.random.default_rng(0)
    assert np.all(init.constant((2, 3), rng, value=0.5) == 0.5)
    assert np.all(init.zeros(4) == 0)
    n = init.normal((500, 500), rng, mean=1.0, std=0.1)
    assert (n.mean(), n.std()) == pytest.approx((1.0, 0.1), rel=0.02)
    u = init.uniform((500, 500), rng, low=-2.0, high=2.0)
    assert u.min() >= -2 and u.max() < 2 and u.var() == pytest.approx(16 / 12, rel=0.02)


@pytest.mark.parametrize("name", list(init.INITIALIZERS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_respected(name, dtype):
    assert init.get(name)((3, 4), np.random.default_rng(0), dtype=dtype).dtype == dtype


def test_same_seed_same_weights():
    a = init.he_normal((5, 5), np.random.default_rng(7))
    b = init.he_normal((5, 5), np.random.default_rng(7))
    assert np.array_equal(a, b)


def test_fans():
    assert init.fans((3, 5)) == (3, 5)
    assert init.fans(7) == (7, 7)
    assert init.fans((2, 4, 3, 3)) == (18, 36)
    with pytest.raises(ValueError, match="shape"):
        init.fans(())


def test_names_aliases_and_errors():
    assert init.get("glorot_uniform") is init.xavier_uniform
    assert init.get("kaiming_normal") is init.he_normal
    with pytest.raises(ValueError, match="orthogonal"):
        init.get("orthogonal")
    with pytest.raises(TypeError):
        init.get(3)


def test_dense_accepts_a_name_or_a_callable():
    layer = Dense(300, 200, init="he_normal", rng=0)
    assert layer.weight.data.var() == pytest.approx(2 / 300, rel=0.03)
    layer = Dense(3, 2, init=lambda shape, rng: np.full(shape, 0.5))
    assert np.all(layer.weight.data == 0.5) and np.all(layer.bias.data == 0)
    with pytest.raises(ValueError, match=r"\(3, 2\)"):
        Dense(3, 2, init=lambda shape, rng: np.zeros((2, 3)))


# --- chapter 6's experiments (nnbook.initialization) ------------------------------------


def test_constant_weights_keep_hidden_units_identical():
    from nnbook import initialization as demo

    assert demo.symmetry_experiment(constant=0.5, steps=50).unit_spread == 0.0
    assert demo.symmetry_experiment(constant=None, steps=50).unit_spread > 0.1
    zeros = demo.symmetry_experiment(constant=0.0, steps=50)
    assert not zeros.hidden_weights.any()  # no weight ever gets a gradient


def test_variance_per_layer_follows_the_fan_in_rule():
    from nnbook import initialization as demo

    # ReLU: the second moment is multiplied by D_in sigma^2 / 2 per layer
    he = demo.layer_statistics("relu", "He").stds()
    lecun = demo.layer_statistics("relu", "LeCun 1/√D_in").stds()
    assert he[-1] / he[0] == pytest.approx(1.0, abs=0.2)
    assert lecun[-1] / lecun[0] == pytest.approx(0.5**2.5, rel=0.3)
    # too small weights: tanh activations die out layer after layer
    small = demo.layer_statistics("tanh", "small σ=0.01").stds()
    assert np.all(np.diff(small) < 0) and small[-1] < 0.15 * small[0]


def test_exploding_relu_activations_grow_like_the_gain_to_the_depth():
    from nnbook import initialization as demo

    stds = demo.gradient_flow("relu", 1.25).stds()
    assert stds[-1] / stds[0] == pytest.approx(1.25 ** (demo.FLOW_DEPTH - 1), rel=0.6)


def test_only_std_times_sqrt_width_matters():
    from nnbook import initialization as demo

    narrow = demo.tanh_stack_stds(256, demo.slides_std(0.01, 256))
    wide = demo.tanh_stack_stds(512, demo.slides_std(0.01, 512))
    assert np.allclose(narrow, wide, atol=0.01)
