# %% [markdown] locked id=intro
# # Assignment 6: Initialization
#
# You will implement Xavier (Glorot) and He (Kaiming) initialization, measure how activations
# and gradients change from layer to layer in a deep network, and use those statistics to
# diagnose vanishing and exploding gradients. Last, you train a 20-layer ReLU network from your
# He initialization and from small random weights, and see which one learns.
#
# **Rules.** Write each function yourself with NumPy. A part answered by importing or wrapping
# `nnlib`'s implementation earns no points. Run the visible tests below each part while you work;
# the grader also runs hidden tests on random inputs. Do not edit the test cells: the grader
# restores them anyway. A weight matrix has shape `(fan_in, fan_out)`; a layer computes
# `H @ W` (no bias in this assignment).
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
# - **File name.** Work in this file, `06_initialization.ipynb`, in
#   `exercises/06_initialization/`: do not rename it or save a copy under another name, because the
#   grader looks for exactly that name.
#
# **Checks.** The tests call the `check_*` functions of the next cell (folded): a failed check says
# what was expected and what your code returned (type, shape, dtype or values, with the inputs).

# %% locked id=setup
import numpy as np

import nnlib
import nnlib.data

rng = np.random.default_rng(0)


def tanh_prime(z):
    return 1 - np.tanh(z) ** 2


# %% locked id=checks
#: include checks.py

# %% locked id=variant
#: include variants.py
_start_variant("06_initialization")

# %% [markdown] locked id=xavier_intro
# ## Part 1: Xavier uniform (2 points)
#
# Draw from $\mathcal{U}(-a, a)$ with $a = \sqrt{6 / (\text{fan\_in} + \text{fan\_out})}$, so
# that the variance is $2 / (\text{fan\_in} + \text{fan\_out})$. Use exactly one call,
# `rng.uniform(-a, a, size=(fan_in, fan_out))`, then return the weights in the floating `dtype`
# asked for (networks often train in float32).


# %% solution id=xavier
def xavier_uniform(fan_in, fan_out, rng, dtype=np.float64):
    """Glorot uniform weights of shape (fan_in, fan_out) and the given dtype."""
    ### BEGIN SOLUTION
    a = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out)).astype(dtype)
    ### END SOLUTION


# %% tests id=test_xavier points=2
W = xavier_uniform(400, 600, np.random.default_rng(1))
call = "xavier_uniform(400, 600, np.random.default_rng(1))"
check_shape(call, W, (400, 600), dtype=np.float64)
check_scalar(call + ".var() (2 / (400 + 600), up to sampling)", float(W.var()), 0.002, rtol=0.02)
check_at_most(
    call + " largest |entry| (a = sqrt(6 / 1000))", float(np.abs(W).max()), np.sqrt(0.006)
)
W32 = xavier_uniform(3, 5, np.random.default_rng(1), dtype=np.float32)
check_shape(
    "xavier_uniform(3, 5, np.random.default_rng(1), dtype=np.float32)",
    W32,
    (3, 5),
    dtype=np.float32,
)
### BEGIN HIDDEN TESTS
_own(xavier_uniform)
with _without_nnlib():
    for _seed, (_i, _o) in enumerate([(3, 5), (100, 10), (64, 64)]):
        _a = np.sqrt(6.0 / (_i + _o))
        for _dtype in (np.float64, np.float32):
            _want = np.random.default_rng(_seed).uniform(-_a, _a, size=(_i, _o)).astype(_dtype)
            _call = f"xavier_uniform({_i}, {_o}, np.random.default_rng({_seed}), "
            _call += f"dtype={_dtype.__name__})"
            _W = xavier_uniform(_i, _o, np.random.default_rng(_seed), dtype=_dtype)
            check_array(
                _call + " (one call rng.uniform(-a, a, size=(fan_in, fan_out)))",
                _W,
                _want,
                rtol=1e-12 if _dtype == np.float64 else 1e-6,
            )
    _W = xavier_uniform(7, 2, np.random.default_rng(9))
    check_shape("xavier_uniform(7, 2, rng) (default dtype)", _W, (7, 2), dtype=np.float64)
### END HIDDEN TESTS

# %% [markdown] locked id=he_intro
# ## Part 2: He normal (2 points)
#
# For ReLU networks draw from $\mathcal{N}(0, 2 / \text{fan\_in})$ with one call,
# `rng.normal(0.0, std, size=(fan_in, fan_out))`, and return the weights in `dtype`.


# %% solution id=he
def he_normal(fan_in, fan_out, rng, dtype=np.float64):
    """He (Kaiming) normal weights of shape (fan_in, fan_out) and the given dtype."""
    ### BEGIN SOLUTION
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out)).astype(dtype)
    ### END SOLUTION


# %% tests id=test_he points=2
W = he_normal(500, 200, np.random.default_rng(1))
call = "he_normal(500, 200, np.random.default_rng(1))"
check_shape(call, W, (500, 200), dtype=np.float64)
check_scalar(call + ".var() (2 / fan_in = 0.004, up to sampling)", float(W.var()), 0.004, rtol=0.03)
check_scalar(call + ".mean() (0, up to sampling)", float(W.mean()), 0.0, atol=0.001)
W32 = he_normal(8, 4, np.random.default_rng(1), dtype=np.float32)
check_shape(
    "he_normal(8, 4, np.random.default_rng(1), dtype=np.float32)", W32, (8, 4), dtype=np.float32
)
### BEGIN HIDDEN TESTS
_own(he_normal)
with _without_nnlib():
    for _seed, (_i, _o) in enumerate([(8, 4), (50, 200), (32, 32)]):
        for _dtype in (np.float64, np.float32):
            _want = np.random.default_rng(_seed).normal(0.0, np.sqrt(2.0 / _i), size=(_i, _o))
            _call = f"he_normal({_i}, {_o}, np.random.default_rng({_seed}), "
            _call += f"dtype={_dtype.__name__})"
            _W = he_normal(_i, _o, np.random.default_rng(_seed), dtype=_dtype)
            check_array(
                _call + " (one call rng.normal(0.0, std, size=(fan_in, fan_out)))",
                _W,
                _want.astype(_dtype),
                rtol=1e-12 if _dtype == np.float64 else 1e-6,
            )
### END HIDDEN TESTS

# %% [markdown] locked id=stats_intro
# ## Part 3: activation statistics per layer (2 points)
#
# Run a batch `X` through the layers `weights` (a list of matrices):
# $H_0 = X$, $H_\ell = \varphi(H_{\ell-1} W_\ell)$. Return the list of the standard deviations
# of $H_1, \dots, H_L$ (over all entries of each), as Python floats.


# %% solution id=forward_stats
def forward_stats(X, weights, activation):
    """[std(H_1), ..., std(H_L)] for H_l = activation(H_{l-1} @ W_l)."""
    ### BEGIN SOLUTION
    stds, H = [], X
    for W in weights:
        H = activation(H @ W)
        stds.append(float(H.std()))
    return stds
    ### END SOLUTION


# %% tests id=test_forward_stats points=2
X = np.array([[1.0, -2.0], [3.0, 0.0]])
weights = [np.eye(2), np.array([[2.0, 0.0], [0.0, 1.0]])]
relu = lambda z: np.maximum(z, 0.0)  # noqa: E731
# H1 = relu(X) = [[1, 0], [3, 0]] (std of 1, 0, 3, 0 = sqrt(1.5)); H2 = [[2, 0], [6, 0]]
call = "forward_stats(X, weights, relu)"
stats = forward_stats(X, weights, relu)
check_list(call, stats, 2)
check_scalar(
    call + "[0] (std of H1 = relu(X @ W1))",
    stats[0],
    float(np.sqrt(1.5)),
    inputs={"X": X, "W1": weights[0]},
)
check_scalar(
    call + "[1] (std of H2)",
    stats[1],
    float(np.sqrt(6.0)),
    inputs={"X": X, "W1": weights[0], "W2": weights[1]},
)
### BEGIN HIDDEN TESTS
_own(forward_stats)
_rng = np.random.default_rng(303)
with _without_nnlib():
    for _name, _act in (("np.tanh", np.tanh), ("relu", lambda z: np.maximum(z, 0))):
        _X = _rng.standard_normal((20, 6))
        _ws = [0.8 * _rng.standard_normal((6, 6)) for _ in range(5)]
        _got = forward_stats(_X, _ws, _act)
        _call = f"forward_stats(X, weights, {_name}) for 5 layers of width 6"
        _H = _X
        check_list(_call, _got, 5)
        for _i, _W in enumerate(_ws):
            _H = _act(_H @ _W)
            check_scalar(_call + f"[{_i}]", _got[_i], float(_H.std()), rtol=1e-10)
### END HIDDEN TESTS

# %% [markdown] locked id=grads_intro
# ## Part 4: error signals per layer (3 points)
#
# With the same network and the loss $L = \lVert H_L \rVert_F^2 / (2N)$, backpropagate
# ($\partial L / \partial H_L = H_L / N$, then through each layer) and return the Frobenius norms
# of the error signals $\delta_\ell = \partial L / \partial Z_\ell$ where
# $Z_\ell = H_{\ell-1} W_\ell$, as Python floats in layer order $\ell = 1, \dots, L$.
# `activation_prime` is the derivative of `activation`.


# %% solution id=delta_norms
def delta_norms(X, weights, activation, activation_prime):
    """[||dL/dZ_1||_F, ..., ||dL/dZ_L||_F] for L = ||H_L||^2 / (2N)."""
    ### BEGIN SOLUTION
    Zs, H = [], X
    for W in weights:
        Zs.append(H @ W)
        H = activation(Zs[-1])
    dH = H / X.shape[0]
    norms = []
    for layer in reversed(range(len(weights))):
        delta = dH * activation_prime(Zs[layer])
        norms.append(float(np.linalg.norm(delta)))
        dH = delta @ weights[layer].T
    return norms[::-1]
    ### END SOLUTION


# %% tests id=test_delta_norms points=3
# one tanh unit: H = tanh(2), dL/dH = tanh(2), delta = tanh(2) * tanh'(2)
call = "delta_norms([[1.0]], [[[2.0]]], np.tanh, tanh_prime)"
norms = delta_norms(np.array([[1.0]]), [np.array([[2.0]])], np.tanh, tanh_prime)
check_list(call, norms, 1)
check_scalar(call + "[0]", norms[0], float(np.tanh(2.0) * (1 - np.tanh(2.0) ** 2)))
# two linear layers 2 then 3: H2 = 6, delta2 = 6, delta1 = delta2 * 3 = 18 (input layer first)
identity, one = (lambda z: z), (lambda z: np.ones_like(z))
call = "delta_norms([[1.0]], [[[2.0]], [[3.0]]], identity, one)"
norms = delta_norms(np.array([[1.0]]), [np.array([[2.0]]), np.array([[3.0]])], identity, one)
check_list(call, norms, 2)
check_scalar(call + "[0] (the first layer's)", norms[0], 18.0)
check_scalar(call + "[1] (the last layer's)", norms[1], 6.0)
### BEGIN HIDDEN TESTS
_own(delta_norms)


def _ref_loss_from(Z, layer, weights, act):
    """The loss as a function of the pre-activation Z of layer `layer` (0-based)."""
    H = act(Z)
    for W in weights[layer + 1 :]:
        H = act(H @ W)
    return 0.5 * np.sum(H**2) / Z.shape[0]


_rng = np.random.default_rng(404)
with _without_nnlib():
    _X = _rng.standard_normal((5, 3))
    _ws = [_rng.standard_normal((3, 4)), _rng.standard_normal((4, 4)), _rng.standard_normal((4, 2))]
    _got = delta_norms(_X, _ws, np.tanh, tanh_prime)
    _call = "delta_norms(X, weights, np.tanh, tanh_prime) for layers 3-4-4-2 and a batch of 5"
    check_list(_call, _got, 3)
    _H = _X
    for _layer, _W in enumerate(_ws):
        _Z = _H @ _W
        _fd = np.zeros_like(_Z)
        for _i in np.ndindex(_Z.shape):
            _old = _Z[_i]
            _Z[_i] = _old + 1e-6
            _up = _ref_loss_from(_Z, _layer, _ws, np.tanh)
            _Z[_i] = _old - 1e-6
            _down = _ref_loss_from(_Z, _layer, _ws, np.tanh)
            _Z[_i] = _old
            _fd[_i] = (_up - _down) / 2e-6
        check_scalar(
            _call + f"[{_layer}] against finite differences",
            _got[_layer],
            float(np.linalg.norm(_fd)),
            rtol=1e-6,
        )
        _H = np.tanh(_Z)
### END HIDDEN TESTS

# %% [markdown] locked id=diagnose_intro
# ## Part 5: diagnosis (1 point)
#
# From the error-signal norms of Part 4 (input layer first), return the `str` `"vanishing"` when
# the first layer's norm is less than 1/100 of the last layer's, `"exploding"` when it is more
# than 100 times larger, and `"healthy"` otherwise.


# %% solution id=diagnose
def diagnose(norms):
    """'vanishing', 'exploding' or 'healthy' from the ratio first / last error-signal norm."""
    ### BEGIN SOLUTION
    ratio = norms[0] / norms[-1]
    if ratio < 1e-2:
        return "vanishing"
    if ratio > 1e2:
        return "exploding"
    return "healthy"
    ### END SOLUTION


# %% tests id=test_diagnose points=1
for norms, want in [
    ([1e-5, 1e-3, 1.0], "vanishing"),  # the first layer's signal is 1e-5 of the last one's
    ([500.0, 20.0, 1.0], "exploding"),
    ([1.0, 1.0, 1.0], "healthy"),
]:
    check_str(f"diagnose({norms})", diagnose(norms), want)
### BEGIN HIDDEN TESTS
_own(diagnose)
with _without_nnlib():
    for _norms, _want in [
        ([3.0, 0.1], "healthy"),
        ([0.5, 2.0, 10.0], "healthy"),
        ([1.0, 0.5, 100.0], "healthy"),  # exactly 1/100: not less
        ([100.0, 7.0, 1.0], "healthy"),  # exactly 100: not more
        ([1e-9, 1e-3], "vanishing"),
        ([2.0, 1e-3], "exploding"),
    ]:
        check_str(f"diagnose({_norms})", diagnose(_norms), _want)
### END HIDDEN TESTS

# %% [markdown] locked id=deep_intro
# ## Part 6: putting it together, training a 20-layer ReLU network (3 points)
#
# The cell below defines a regression task, 64 noisy points of a sine from `nnlib.data.sine` (a
# second input column holds a constant 1, so that the first layer can shift), and a network of
# **20 weight matrices**, 19 hidden ReLU layers of 32 units and a linear output:
# $H_\ell = \mathrm{ReLU}(H_{\ell-1} W_\ell)$ for $\ell < L$ and $\hat Y = H_{L-1} W_L$, with the
# loss $L = \lVert \hat Y - Y \rVert_F^2 / (2N)$ (`deep_loss`). `deep_net(init, seed)` draws the
# 20 matrices with an initializer of the form `init(fan_in, fan_out, rng)`, such as yours.
#
# Write `train_deep(weights, X, Y, steps, lr)`: `steps` steps of full-batch gradient descent on
# this loss, backpropagating as in Part 4 (now with the linear output layer) to get
# $\partial L / \partial W_\ell = H_{\ell-1}^\top \delta_\ell$. It leaves `weights` unchanged and
# returns the tuple `(new_weights, losses)`: the list of the 20 trained matrices and the Python
# list of the `steps` losses evaluated *before* each step.
#
# The tests train from your `he_normal` and from small weights $\mathcal N(0, 0.01^2)$, 100
# steps with `lr=0.02`: He's start must bring the loss below a quarter of where it started; the
# small start stalls (its loss does not fall by even 1%). Part 7 asks you to explain the same
# vanishing in a tanh network.

# %% locked id=deep
x_sine, Y_deep = nnlib.data.sine(64, noise=0.1, rng=0)
X_deep = np.hstack([2 * x_sine - 1, np.ones_like(x_sine)])  # inputs in [-1, 1], and a constant 1
deep_sizes = [2] + [32] * 19 + [1]  # 20 weight matrices


def relu(z):
    return np.maximum(z, 0.0)


def relu_prime(z):
    return (z > 0).astype(z.dtype)


def small_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, 0.01, size=(fan_in, fan_out))


def deep_net(init, seed, sizes=deep_sizes):
    """[W_1, ..., W_L] drawn with init(fan_in, fan_out, rng) from np.random.default_rng(seed)."""
    draw = np.random.default_rng(seed)
    return [
        init(fan_in, fan_out, draw) for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=False)
    ]


def deep_loss(weights, X, Y):
    """||H_{L-1} W_L - Y||_F^2 / (2N) with ReLU hidden layers H_l = relu(H_{l-1} W_l)."""
    H = X
    for W in weights[:-1]:
        H = relu(H @ W)
    return float(0.5 * np.sum((H @ weights[-1] - Y) ** 2) / X.shape[0])


# %% solution id=train_deep
def train_deep(weights, X, Y, steps, lr):
    """`steps` steps of gradient descent on deep_loss: (new weights, [loss before each step])."""
    ### BEGIN SOLUTION
    weights = [W.copy() for W in weights]
    losses = []
    for _ in range(steps):
        Hs, Zs = [X], []
        for W in weights[:-1]:
            Zs.append(Hs[-1] @ W)
            Hs.append(relu(Zs[-1]))
        error = Hs[-1] @ weights[-1] - Y
        losses.append(float(0.5 * np.sum(error**2) / X.shape[0]))
        delta = error / X.shape[0]
        grads = [None] * len(weights)
        for layer in reversed(range(len(weights))):
            grads[layer] = Hs[layer].T @ delta
            if layer > 0:
                delta = delta @ weights[layer].T * relu_prime(Zs[layer - 1])
        weights = [W - lr * G for W, G in zip(weights, grads, strict=False)]
    return weights, losses
    ### END SOLUTION


# %% tests id=test_train_deep points=3
ratio = {}
for name, initializer in (("he_normal", he_normal), ("small_normal", small_normal)):
    weights = deep_net(initializer, seed=0)
    start = [W.copy() for W in weights]
    call = f"train_deep(deep_net({name}, seed=0), X_deep, Y_deep, steps=100, lr=0.02)"
    out = train_deep(weights, X_deep, Y_deep, steps=100, lr=0.02)
    check_tuple(call, out, 2)
    check_list(call + "[0] (the weights)", out[0], 20)
    for i, W in enumerate(start):
        check_shape(call + f"[0][{i}]", out[0][i], W.shape, dtype=np.float64)
        check_array(f"weights[{i}] after train_deep (must not be modified)", weights[i], W, rtol=0)
    check_list(call + "[1] (the losses)", out[1], 100)
    check_scalar(
        call + "[1][0] (the loss at the start)", out[1][0], deep_loss(start, X_deep, Y_deep)
    )
    ratio[name] = deep_loss(out[0], X_deep, Y_deep) / deep_loss(start, X_deep, Y_deep)
check_at_most(
    "from he_normal: the loss after 100 steps over the loss before", ratio["he_normal"], 0.25
)
check_at_least(
    "from small_normal: the loss after 100 steps over the loss before (it stalls)",
    ratio["small_normal"],
    0.99,
)
### BEGIN HIDDEN TESTS
_own(train_deep)
with _without_nnlib():
    # He's start trains from another draw too
    _start = deep_net(he_normal, seed=3)
    _call = "train_deep(deep_net(he_normal, seed=3), X_deep, Y_deep, steps=100, lr=0.02)"
    _out = train_deep(_start, X_deep, Y_deep, steps=100, lr=0.02)
    check_tuple(_call, _out, 2)
    check_list(_call + "[0]", _out[0], 20)
    for _i, _W in enumerate(_start):
        check_shape(_call + f"[0][{_i}]", _out[0][_i], _W.shape, dtype=np.float64)
    check_list(_call + "[1]", _out[1], 100)
    for _i in range(100):
        check_type(_call + f"[1][{_i}]", _out[1][_i], float)
    check_at_most(
        _call + ": the final loss over the first",
        deep_loss(_out[0], X_deep, Y_deep) / deep_loss(_start, X_deep, Y_deep),
        0.25,
    )
    # the loop itself: two steps of gradient descent on a 2-5-4-3 network with a batch of 6
    _rng = np.random.default_rng(606)
    _X, _Y = _rng.standard_normal((6, 2)), _rng.standard_normal((6, 3))
    _ws = [_rng.standard_normal(_s) for _s in [(2, 5), (5, 4), (4, 3)]]
    _want, _want_losses = [_W.copy() for _W in _ws], []
    for _ in range(2):
        _want_losses.append(deep_loss(_want, _X, _Y))
        _grads = []
        for _layer, _W in enumerate(_want):
            _fd = np.zeros_like(_W)
            for _j in np.ndindex(_W.shape):
                _old = _W[_j]
                _W[_j] = _old + 1e-6
                _up = deep_loss(_want, _X, _Y)
                _W[_j] = _old - 1e-6
                _down = deep_loss(_want, _X, _Y)
                _W[_j] = _old
                _fd[_j] = (_up - _down) / 2e-6
            _grads.append(_fd)
        _want = [_W - 0.1 * _G for _W, _G in zip(_want, _grads, strict=False)]
    _call = "train_deep(weights, X, Y, steps=2, lr=0.1) for layers 2-5-4-3"
    _call += " (against finite differences)"
    _out = train_deep(_ws, _X, _Y, steps=2, lr=0.1)
    check_tuple(_call, _out, 2)
    check_list(_call + "[0]", _out[0], 3)
    for _i in range(3):
        check_array(_call + f"[0][{_i}]", _out[0][_i], _want[_i], rtol=1e-7, atol=1e-9)
    check_list(_call + "[1]", _out[1], 2)
    for _i in range(2):
        check_scalar(_call + f"[1][{_i}]", _out[1][_i], _want_losses[_i], rtol=1e-10)
### END HIDDEN TESTS

# %% [markdown] locked id=hand_intro
# ## Part 7: scales by hand, for your layer (5 points)
#
# A dense layer of your variant has `HAND["fan_in"]` inputs and `HAND["fan_out"]` outputs
# (`HAND` is printed by the variant cell above; every student has their own). Its inputs have
# mean 0 and variance `HAND["var_x"]`. Compute by hand (a calculator is fine) and write
# `hand_scales()`, the tuple of Python floats: the Xavier uniform bound $a$ of Part 1, He's
# standard deviation $\sqrt{2 / \text{fan\_in}}$, and the variance of one pre-activation
# $z = \sum_i w_i x_i$ when the weights are drawn with Xavier's bound (independent of the
# inputs, mean 0), to at least six significant digits.


# %% solution id=hand
def hand_scales():
    """(Xavier bound, He std, Var(z) under Xavier) for your layer HAND, as floats."""
    ### BEGIN SOLUTION
    fan_in, fan_out = HAND["fan_in"], HAND["fan_out"]
    bound = float(np.sqrt(6.0 / (fan_in + fan_out)))
    return (bound, float(np.sqrt(2.0 / fan_in)), fan_in * bound**2 / 3 * HAND["var_x"])
    ### END SOLUTION


# %% tests id=test_hand points=5
answer = hand_scales()
check_tuple("hand_scales()", answer, 3)
hand_bound = float(np.sqrt(6.0 / (HAND["fan_in"] + HAND["fan_out"])))
check_scalar(
    "hand_scales()[0] (Xavier's bound)", answer[0], hand_bound, rtol=1e-5, inputs={"HAND": HAND}
)
### BEGIN HIDDEN TESTS
_v = _variant("HAND")
with _without_nnlib():
    _g = hand_scales()
check_tuple("hand_scales()", _g, 3)
_a = float(np.sqrt(6.0 / (_v["fan_in"] + _v["fan_out"])))
_wants = [
    ("Xavier's bound", _a),
    ("He's std", float(np.sqrt(2.0 / _v["fan_in"]))),
    ("Var(z)", _v["fan_in"] * _a * _a / 3 * _v["var_x"]),
]
for _k, (_label, _want) in enumerate(_wants):
    check_scalar(
        f"hand_scales()[{_k}] ({_label})", _g[_k], _want, rtol=1e-5, atol=1e-9, inputs={"HAND": _v}
    )
### END HIDDEN TESTS

# %% [markdown] locked id=why_intro
# ## Part 8: reading the statistics (2 points, graded by hand)
#
# Use your functions on a 10-layer tanh network of width 64 initialised with
# $\mathcal{N}(0, 0.01^2)$, then with Xavier. Show the two lists of activation standard
# deviations (or plot them) and explain in three or four sentences why the gradients vanish in
# the first network and not in the second.

# %% manual id=why_plot points=2
### BEGIN SOLUTION
X_demo = np.random.default_rng(1).standard_normal((256, 64))
small = [0.01 * np.random.default_rng(i).standard_normal((64, 64)) for i in range(10)]
xavier = [xavier_uniform(64, 64, np.random.default_rng(i)) for i in range(10)]
for name, ws in [("N(0, 0.01^2)", small), ("Xavier", xavier)]:
    deltas = delta_norms(X_demo, ws, np.tanh, tanh_prime)
    print(f"{name:>12}: activation stds", np.array(forward_stats(X_demo, ws, np.tanh)))
    print(f"{'':>12}  first/last error signal {deltas[0] / deltas[-1]:.1e}:", diagnose(deltas))
# With std 0.01 every layer multiplies the scale of the signal by about 0.01 * sqrt(64) = 0.08:
# forward, the activations shrink to ~1e-11 after ten layers (tanh is then linear, tanh' = 1);
# backward, each layer multiplies the error signal by W^T and shrinks it by the same factor, so
# the first layer's signal is ~1e-10 of the last layer's and its weights barely learn. Xavier
# keeps Var(W) * fan_in near 1, so the signal keeps its scale in both directions.
### END SOLUTION
