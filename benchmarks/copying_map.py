"""What a student can hand in by copying the course's own code: one entry per answer cell.

Read by `benchmarks/copying.py` and `tests/grading/test_copying.py`. Each entry fills one answer
cell (assignment, nbgrader cell id) with code the student edition hands out and nothing else:

- `paste`: functions copied verbatim from nnlib or nnbook ("module:name"; their source is read
  with `inspect.getsource` when the submission is built, so the copy is always today's code);
- `code`: plain code around them: the answer's own `def` that calls the pasted (or imported)
  function with the answer's arguments, imports, type conversions. No formula of its own.

`source` says where the answer comes from: "nnlib" (the packages nnlib and nnbook) or
"chapters" (a code cell of `lectures/*.ipynb`). `note` is where a reviewer finds the original.
Cells without an entry stay as released. When nnlib renames a function, building the
submission stops with the entry's name: update `paste` or `code` here.

`CALCULATOR` holds, for the variant tasks (`solutions/_shared/variants.py`), the answers of a
student who does not copy an answer but calls nnlib on their own numbers at the top of the answer
cell, before the graded function runs (the hidden tests block nnlib only while they call it).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Copy:
    assignment: str
    cell: str
    source: str  # "nnlib" (nnlib, nnbook) or "chapters" (lectures/*.ipynb code cells)
    note: str
    code: str
    paste: tuple[str, ...] = ()


COPIES = [
    Copy(
        "01_neurons",
        "activations",
        "nnlib",
        "nnlib.activations: stable_sigmoid, _sigmoid_derivative, _relu, _relu_derivative",
        """
def sigmoid(z):
    return stable_sigmoid(np.asarray(z))


def sigmoid_prime(z):
    return _sigmoid_derivative(np.asarray(z))


def relu(z):
    return _relu(z)


def relu_prime(z):
    return _relu_derivative(np.asarray(z))
""",
        paste=(
            "nnlib.activations:_where",
            "nnlib.activations:stable_sigmoid",
            "nnlib.activations:_sigmoid_derivative",
            "nnlib.activations:_relu",
            "nnlib.activations:_relu_derivative",
        ),
    ),
    Copy(
        "01_neurons",
        "xor",
        "nnlib",
        "nnbook.neurons: xor_by_hand (deck 002's XOR network, for inputs 0 and 1)",
        """
from nnlib import layers

_network = xor_by_hand()
_weights = [
    (_network.layers[0].weight.data.copy(), _network.layers[0].bias.data.copy()),
    (_network.layers[2].weight.data.copy(), _network.layers[2].bias.data.copy()),
]


def xor_params():
    return _weights
""",
        paste=("nnbook.neurons:xor_by_hand",),
    ),
    Copy(
        "01_neurons",
        "rings",
        "chapters",
        "chapter 1, 'Depth and width' (train_rings): an MLP trained on the shared rings",
        """
from nnlib import layers, losses, optim

x_rings, y_rings = nnlib.data.rings(400, rng=0)


def train_rings(width, depth, seed, steps=25):
    model = layers.mlp([2, *[width] * depth, 1], activation="relu", rng=seed)
    loss_fn = losses.BCEWithLogitsLoss()  # the sigmoid is inside the loss
    opt = optim.LBFGS(model.parameters(), max_iter=20)

    def closure():  # L-BFGS calls it whenever it needs the loss and the gradient
        opt.zero_grad()
        loss = loss_fn(model(x_rings), y_rings[:, None] * 1.0)
        model.backward(loss.backward())
        return float(loss)

    for _ in range(steps):
        opt.step(closure)
    return model


_model = train_rings(8, 1, 0)
_weights = [(layer.weight.data.copy(), layer.bias.data.copy()) for layer in _model.layers
            if hasattr(layer, "weight")]


def ring_probability(X, params):
    return stable_sigmoid(mlp_forward(X, params, relu))[:, 0]


def ring_params():
    return _weights
""",
        paste=("nnlib.activations:stable_sigmoid",),
    ),
    Copy(
        "02_backprop",
        "numerical_gradient",
        "nnlib",
        "nnlib.gradcheck: central_difference, _perturbed_values",
        """
def numerical_gradient(f, x, h=1e-5):
    return central_difference(f, x, h)
""",
        paste=("nnlib.gradcheck:_perturbed_values", "nnlib.gradcheck:central_difference"),
    ),
    Copy(
        "04_optimizers",
        "schedule",
        "nnlib",
        "nnlib.optim.schedules: StepSchedule(step_size=...).lr_at (called)",
        """
from nnlib.optim import StepSchedule


def step_schedule(epoch, lr0, drop=0.5, every=10):
    return float(StepSchedule(lr0, gamma=drop, step_size=every).lr_at(epoch))
""",
    ),
    Copy(
        "05_regularization",
        "l2",
        "nnlib",
        "nnlib.losses: l2_penalty (called)",
        """
from nnlib import losses as _losses


def l2_penalty(weights, lam):
    value, gradients = _losses.l2_penalty(list(weights), lam)
    return value, list(gradients)
""",
    ),
    Copy(
        "06_initialization",
        "xavier",
        "nnlib",
        "nnlib.init: xavier_uniform (called)",
        """
from nnlib import init as _init


def xavier_uniform(fan_in, fan_out, rng, dtype=np.float64):
    return _init.xavier_uniform((fan_in, fan_out), rng, dtype)
""",
    ),
    Copy(
        "06_initialization",
        "he",
        "nnlib",
        "nnlib.init: he_normal (called)",
        """
from nnlib import init as _init


def he_normal(fan_in, fan_out, rng, dtype=np.float64):
    return _init.he_normal((fan_in, fan_out), rng, dtype)
""",
    ),
    Copy(
        "07_beyond_mlp",
        "conv",
        "nnlib",
        "nnlib.conv: conv2d, with _check_image_and_kernel, checks.integer, _pad, _windows",
        "from numpy.lib.stride_tricks import sliding_window_view",
        paste=(
            "nnlib.conv:_check_image_and_kernel",
            "nnlib.checks:integer",
            "nnlib.conv:_pad",
            "nnlib.conv:_windows",
            "nnlib.conv:conv2d",
        ),
    ),
    Copy(
        "07_beyond_mlp",
        "pool",
        "nnlib",
        "nnlib.conv: max_pool2d, max_pool2d_backward and their helper _pool_windows",
        "from numpy.lib.stride_tricks import sliding_window_view",
        paste=(
            "nnlib.checks:integer",
            "nnlib.conv:_windows",
            "nnlib.conv:_pool_windows",
            "nnlib.conv:max_pool2d",
            "nnlib.conv:max_pool2d_backward",
        ),
    ),
    Copy(
        "07_beyond_mlp",
        "sparse",
        "nnlib",
        "nnlib.autoencoder: sparsity_penalty, kl_bernoulli (_CLIP = 1e-7 as there)",
        "_CLIP = 1e-7",
        paste=("nnlib.autoencoder:kl_bernoulli", "nnlib.autoencoder:sparsity_penalty"),
    ),
]

# The numbers that handed-out code assumes where a variant task has the student's own: the
# batch also hands the copy in as the student whose variant is closest to them.
ASSUMED = {"01_neurons": {"XOR_LOW": 0.0, "XOR_HIGH": 1.0}}  # nnbook.neurons.xor_by_hand

# The variant tasks answered by calling nnlib on the student's own numbers HAND, at the top of
# the answer cell (the function then returns what nnlib computed). The code writes down only
# the function that the task states.
CALCULATOR = [
    Copy(
        "02_backprop",
        "hand",
        "nnlib",
        "nnlib.autodiff: value_and_grad of the task's L(w1, b1, w2, b2) at HAND",
        """
from nnlib.autodiff import value_and_grad


def _loss(w1, b1, w2, b2):
    return 0.5 * (w2 * (w1 * HAND["x"] + b1).tanh() + b2 - HAND["t"]) ** 2


_, _grads = value_and_grad(_loss, argnums=(0, 1, 2, 3))(
    HAND["w1"], HAND["b1"], HAND["w2"], HAND["b2"]
)
_answer = tuple(float(g) for g in _grads)


def hand_gradients():
    return _answer
""",
    ),
    Copy(
        "03_autodiff",
        "hand",
        "nnlib",
        "nnlib.autodiff: value_and_grad of the task's f(x1, x2) at HAND",
        """
from nnlib.autodiff import value_and_grad

_f, _g = value_and_grad(lambda x1, x2: x1 * x2 + x1.sin(), argnums=(0, 1))(HAND["x1"], HAND["x2"])
_answer = (float(_f), float(_g[0]), float(_g[1]))


def hand_derivatives():
    return _answer
""",
    ),
    Copy(
        "04_optimizers",
        "hand",
        "nnlib",
        "nnlib.optim: Momentum (the slides' average, gamma = 0.9), two steps from HAND",
        """
from nnlib.module import Parameter
from nnlib.optim import Momentum

_theta = Parameter(np.array([HAND["theta0"]]))
_optimizer = Momentum([_theta], lr=HAND["lr"], gamma=0.9)
_thetas = []
for _gradient in (HAND["g1"], HAND["g2"]):
    _theta.grad[...] = _gradient
    _optimizer.step()
    _thetas.append(float(_theta.data[0]))
_answer = tuple(_thetas)


def hand_momentum():
    return _answer
""",
    ),
    Copy(
        "07_beyond_mlp",
        "hand",
        "nnlib",
        "nnlib.conv: output_size and Conv2d (its parameters counted), on HAND",
        """
from nnlib.conv import Conv2d, output_size

_k, _s, _p = HAND["k"], HAND["stride"], HAND["padding"]
_answer = (
    output_size(HAND["h"], _k, _s, _p),
    output_size(HAND["w"], _k, _s, _p),
    sum(p.data.size for p in Conv2d(HAND["c_in"], HAND["c_out"], _k).parameters()),
)


def hand_conv():
    return _answer
""",
    ),
]
