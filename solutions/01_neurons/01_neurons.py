# %% [markdown] locked id=intro
# # Assignment 1: Neurons
#
# You will implement the pieces of a neural network's forward pass with NumPy: two activation
# functions and their derivatives, a fully connected layer applied to a whole batch at once, a
# small multilayer perceptron, and a network whose weights you choose by hand to compute XOR.
# Last, you put your pieces together into a classifier of two concentric rings.
#
# **Rules.** Write each function yourself with NumPy. A part answered by importing or wrapping
# `nnlib`'s implementation earns no points. Run the visible tests below each part while you work;
# the grader also runs hidden tests on random inputs. Do not edit the test cells: the grader
# restores them anyway. Conventions are nnlib's: a batch is the first axis, `X.shape == (N, D)`,
# a layer's weight has shape `(in_features, out_features)` and computes `X @ W + b`.
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
# - **File name.** Work in this file, `01_neurons.ipynb`, in
#   `exercises/01_neurons/`: do not rename it or save a copy under another name, because the
#   grader looks for exactly that name.
#
# **Checks.** The tests call the `check_*` functions of the next cell (folded): a failed check says
# what was expected and what your code returned (type, shape, dtype or values, with the inputs).

# %% locked id=setup
import numpy as np

import nnlib
import nnlib.data

rng = np.random.default_rng(0)

# %% locked id=checks
#: include checks.py

# %% locked id=variant
#: include variants.py
_start_variant("01_neurons")

# %% [markdown] locked id=activations_intro
# ## Part 1: activations (3 points)
#
# Implement the logistic sigmoid $\sigma(z) = 1 / (1 + e^{-z})$, its derivative
# $\sigma'(z) = \sigma(z)\,(1 - \sigma(z))$, the rectifier $\mathrm{ReLU}(z) = \max(0, z)$ and its
# derivative (take $\mathrm{ReLU}'(0) = 0$). Each works elementwise on an array of any shape and
# returns an array of the same shape and floating dtype (float32 stays float32).
#
# The sigmoid must be **numerically stable**: `sigmoid(np.array([-1000.0, 1000.0]))` returns
# `[0.0, 1.0]` without any warning. Hint: never evaluate `exp` of a large positive number.


# %% solution id=activations
def sigmoid(z):
    """Logistic function 1 / (1 + exp(-z)), elementwise, stable for large |z|."""
    ### BEGIN SOLUTION
    z = np.asarray(z)
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    ### END SOLUTION


def sigmoid_prime(z):
    """Derivative of the sigmoid: sigma(z) * (1 - sigma(z))."""
    ### BEGIN SOLUTION
    s = sigmoid(z)
    return s * (1 - s)
    ### END SOLUTION


def relu(z):
    """Rectified linear unit max(0, z), elementwise."""
    ### BEGIN SOLUTION
    return np.maximum(z, 0)
    ### END SOLUTION


def relu_prime(z):
    """Derivative of ReLU: 1 where z > 0, else 0 (same dtype as z)."""
    ### BEGIN SOLUTION
    z = np.asarray(z)
    return (z > 0).astype(z.dtype)
    ### END SOLUTION


# %% tests id=test_activations points=2
z = np.array([-2.0, 0.0, 3.0])
s = 1 / (1 + np.exp(-z))
check_array("sigmoid(z)", sigmoid(z), s, inputs={"z": z})
check_array("sigmoid_prime(z)", sigmoid_prime(z), s * (1 - s), inputs={"z": z})
check_array("relu(z)", relu(z), np.array([0.0, 0.0, 3.0]), inputs={"z": z})
check_array("relu_prime(z)", relu_prime(z), np.array([0.0, 0.0, 1.0]), inputs={"z": z})
z32 = z.astype(np.float32)  # float32 in, float32 out
check_array("sigmoid(z32)", sigmoid(z32), s.astype(np.float32), rtol=1e-6, inputs={"z32": z32})
check_array(
    "relu_prime(z32)", relu_prime(z32), np.array([0, 0, 1], np.float32), inputs={"z32": z32}
)
### BEGIN HIDDEN TESTS
_own(sigmoid, sigmoid_prime, relu, relu_prime)
_rng = np.random.default_rng(101)
with _without_nnlib():
    for _shape in [(7,), (4, 5), (2, 3, 4)]:
        for _dtype in (np.float64, np.float32):
            _z = (3 * _rng.standard_normal(_shape)).astype(_dtype)
            _s = 1 / (1 + np.exp(-_z.astype(np.float64)))
            for _f, _want in [
                (sigmoid, _s),
                (sigmoid_prime, _s * (1 - _s)),
                (relu, np.maximum(_z, 0)),
                (relu_prime, (_z > 0) * 1.0),
            ]:
                _tol = 1e-12 if _dtype == np.float64 else 1e-6
                _want = _want.astype(_dtype)
                check_array(
                    f"{_f.__name__}(z)", _f(_z), _want, rtol=_tol, atol=_tol, inputs={"z": _z}
                )
    _z = _rng.uniform(-4, 4, size=50)
    _h = 1e-6
    _fd = (sigmoid(_z + _h) - sigmoid(_z - _h)) / (2 * _h)
    check_array(
        "sigmoid_prime(z) against finite differences of sigmoid",
        sigmoid_prime(_z),
        _fd,
        atol=1e-8,
        inputs={"z": _z},
    )
### END HIDDEN TESTS

# %% tests id=test_stable_sigmoid points=1
z = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
with np.errstate(over="raise"):  # here an overflow in exp is an error, not a warning
    s = sigmoid(z)
tiny = np.exp(-50.0) / (1 + np.exp(-50.0))  # about 1.9e-22: not 0
check_array("sigmoid(z)", s, np.array([0.0, tiny, 0.5, 1.0, 1.0]), rtol=1e-10, inputs={"z": z})
### BEGIN HIDDEN TESTS
_own(sigmoid)
with _without_nnlib(), np.errstate(over="raise", invalid="raise"):
    for _dtype, _tol in [(np.float64, 1e-10), (np.float32, 1e-5)]:
        _big = np.array([-745.0, -700.0, -80.0, -20.0, 20.0, 80.0, 700.0, 745.0]).astype(_dtype)
        _ref = np.exp(-np.abs(_big.astype(np.float64)))
        _ref = np.where(_big >= 0, 1 / (1 + _ref), _ref / (1 + _ref)).astype(_dtype)
        check_array("sigmoid(z)", sigmoid(_big), _ref, rtol=_tol, inputs={"z": _big})
        _z = np.full((2, 3), -1e4, dtype=_dtype)
        check_array("sigmoid(z)", sigmoid(_z), np.zeros((2, 3), _dtype), inputs={"z": _z})
### END HIDDEN TESTS

# %% [markdown] locked id=dense_intro
# ## Part 2: a dense layer on a whole batch (3 points)
#
# `dense_forward(X, W, b, activation)` returns $\varphi(XW + b)$ for a batch `X` of shape
# `(N, D)`, weights `W` of shape `(D, H)` and bias `b` of shape `(H,)`: one matrix product for the
# whole batch, no Python loop over examples. The result has shape `(N, H)` and the dtype of `X`.


# %% solution id=dense
def dense_forward(X, W, b, activation):
    """phi(X @ W + b) for a batch X (N, D), weights W (D, H), bias b (H,)."""
    ### BEGIN SOLUTION
    return activation(X @ W + b)
    ### END SOLUTION


# %% tests id=test_dense points=3
X = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]])
W = np.array([[1.0, 0.0, -1.0], [0.5, 1.0, 0.0]])  # 2 inputs, 3 units: not square
b = np.array([0.0, 1.0, 2.0])
want = np.array([[2.0, 3.0, 1.0], [0.0, 0.0, 2.0], [3.25, 1.5, 0.0]])  # relu(X @ W + b)
check_array(
    "dense_forward(X, W, b, relu)",
    dense_forward(X, W, b, relu),
    want,
    inputs={"X": X, "W": W, "b": b},
)
X32, W32, b32 = X.astype(np.float32), W.astype(np.float32), b.astype(np.float32)
check_array(
    "dense_forward(X32, W32, b32, relu)",
    dense_forward(X32, W32, b32, relu),
    want.astype(np.float32),
    rtol=1e-6,
    inputs={"X32": X32, "W32": W32, "b32": b32},
)
### BEGIN HIDDEN TESTS
_own(dense_forward)
_rng = np.random.default_rng(202)
with _without_nnlib():
    for _n, _d, _h in [(1, 3, 2), (5, 4, 7), (9, 2, 3)]:
        for _dtype in (np.float64, np.float32):
            _X = _rng.standard_normal((_n, _d)).astype(_dtype)
            _W = _rng.standard_normal((_d, _h)).astype(_dtype)
            _b = _rng.standard_normal(_h).astype(_dtype)
            _want = np.tanh(_X.astype(np.float64) @ _W + _b).astype(_dtype)
            check_array(
                "dense_forward(X, W, b, np.tanh)",
                dense_forward(_X, _W, _b, np.tanh),
                _want,
                atol=1e-5,
                inputs={"X": _X, "W": _W, "b": _b},
            )
### END HIDDEN TESTS

# %% [markdown] locked id=mlp_intro
# ## Part 3: a multilayer perceptron (2 points)
#
# `mlp_forward(X, params, activation)` runs a batch through the layers `params`, a list of
# `(W, b)` pairs: every layer but the last applies `activation`, the last layer is linear (the
# identity), as for a regression output. Reuse `dense_forward`.


# %% solution id=mlp
def mlp_forward(X, params, activation):
    """Hidden layers phi(H W + b), then a linear output layer H W + b."""
    ### BEGIN SOLUTION
    H = X
    for W, b in params[:-1]:
        H = dense_forward(H, W, b, activation)
    W, b = params[-1]
    return dense_forward(H, W, b, lambda a: a)
    ### END SOLUTION


# %% tests id=test_mlp points=2
X = np.array([[1.0, -3.0], [2.0, 1.0]])
params = [
    (np.eye(2), np.zeros(2)),  # hidden layer 1: relu(X)
    (np.array([[1.0, 0.0, 2.0], [1.0, -1.0, 0.0]]), np.array([0.0, 0.5, -1.0])),  # hidden 2
    (np.ones((3, 1)), np.array([-4.0])),  # linear output: may be negative
]
H1 = np.maximum(X, 0)
H2 = np.maximum(H1 @ params[1][0] + params[1][1], 0)
want = H2 @ params[2][0] + params[2][1]  # [[-1.5], [2.0]]
check_array(
    "mlp_forward(X, params, relu)",
    mlp_forward(X, params, relu),
    want,
    inputs={"X": X, "params": params},
)
### BEGIN HIDDEN TESTS
_own(mlp_forward)
_rng = np.random.default_rng(303)
with _without_nnlib():
    for _sizes in [(3, 5, 2), (4, 6, 6, 1), (2, 1)]:
        _params = [
            (_rng.standard_normal((a, b)), _rng.standard_normal(b))
            for a, b in zip(_sizes[:-1], _sizes[1:], strict=False)
        ]
        _X = _rng.standard_normal((6, _sizes[0]))
        _H = _X
        for _W, _b in _params[:-1]:
            _H = np.tanh(_H @ _W + _b)
        _want = _H @ _params[-1][0] + _params[-1][1]
        check_array(
            "mlp_forward(X, params, np.tanh)",
            mlp_forward(_X, _params, np.tanh),
            _want,
            atol=1e-10,
            inputs={"layer sizes": _sizes},
        )
### END HIDDEN TESTS

# %% [markdown] locked id=xor_intro
# ## Part 4: XOR by hand (2 points)
#
# A network with two hidden units and the step activation $H(z) = 1$ if $z > 0$ else $0$ (for
# both layers) can compute XOR. Here each input is a signal at one of two levels: `XOR_LOW`
# stands for 0 and `XOR_HIGH` for 1. These two numbers are **your variant** (printed by the
# variant cell above; every student has their own). Choose the weights for your levels:
# `xor_params()` returns `[(W1, b1), (W2, b2)]` with shapes `(2, 2)`, `(2,)`, `(2, 1)`, `(1,)`
# such that `step(step(X @ W1 + b1) @ W2 + b2)` is XOR of the two inputs (1 when exactly one
# input is high) for every row of `X_xor`, with a margin: inputs moved by 0.01 give the same.
# Hint: one hidden unit can compute OR, the other AND; put each threshold halfway between the
# sums it must separate.

# %% locked id=xor_setup
X_xor = np.array(
    [[XOR_LOW, XOR_LOW], [XOR_LOW, XOR_HIGH], [XOR_HIGH, XOR_LOW], [XOR_HIGH, XOR_HIGH]]
)
y_xor = np.array([[0.0], [1.0], [1.0], [0.0]])


def step(z):
    return (z > 0).astype(float)


# %% solution id=xor
def xor_params():
    """Weights [(W1, b1), (W2, b2)] of a 2-2-1 step network computing XOR."""
    ### BEGIN SOLUTION
    low, high = XOR_LOW, XOR_HIGH
    W1 = np.array([[1.0, 1.0], [1.0, 1.0]])  # column 0: OR, column 1: AND
    b1 = -np.array([(3 * low + high) / 2, (low + 3 * high) / 2])  # between the sums
    W2 = np.array([[1.0], [-1.0]])  # OR and not AND
    b2 = np.array([-0.5])
    return [(W1, b1), (W2, b2)]
    ### END SOLUTION


# %% tests id=test_xor points=2
params = xor_params()
check_list("xor_params()", params, 2)
check_tuple("xor_params()[0]", params[0], 2)
check_tuple("xor_params()[1]", params[1], 2)
(W1, b1), (W2, b2) = params
for label, value, shape in [("W1", W1, (2, 2)), ("b1", b1, (2,)), ("W2", W2, (2, 1))]:
    check_shape(label, value, shape, dtype=np.float64)
check_shape("b2", b2, (1,), dtype=np.float64)
xor_out = step(step(X_xor @ W1 + b1) @ W2 + b2)  # the four outputs
check_array("step(step(X_xor @ W1 + b1) @ W2 + b2)", xor_out, y_xor, inputs={"X_xor": X_xor})
### BEGIN HIDDEN TESTS
_lo, _hi = _variant("XOR_LOW"), _variant("XOR_HIGH")  # the grader's own copies
_X4 = np.array([[_lo, _lo], [_lo, _hi], [_hi, _lo], [_hi, _hi]])
_y4 = np.array([[0.0], [1.0], [1.0], [0.0]])


def _step(z):
    return (z > 0).astype(np.float64)


check_array(
    "the XOR network's four outputs",
    _step(_step(_X4 @ W1 + b1) @ W2 + b2),
    _y4,
    inputs={"XOR_LOW": _lo, "XOR_HIGH": _hi},
)
_noisy = _X4 + 0.01 * np.random.default_rng(404).standard_normal(_X4.shape)
check_array(
    "the XOR network on inputs moved by 0.01 (it needs a margin)",
    _step(_step(_noisy @ W1 + b1) @ W2 + b2),
    _y4,
    inputs={"X": _noisy},
)
### END HIDDEN TESTS

# %% [markdown] locked id=rings_intro
# ## Part 5: putting it together, two rings (2 points)
#
# `nnlib.data.rings` draws points of two classes: the disk $|x| < 1/3$ (label 0) and the ring
# $2/3 < |x| < 1$ around it (label 1). Your rings are moved to **your variant's** centre
# `RING_CENTER` (printed by the variant cell above): the disk is $|x - c| < 1/3$. No single
# neuron separates them, and the chapter's topology claim says a hidden layer of at least 3
# units is needed. Use **your** pieces:
#
# - `ring_probability(X, params)` returns the probability of the outer ring for each row of
#   `X`, shape `(N,)`: your `mlp_forward` with your `relu` in the hidden layers, then your
#   `sigmoid` on the single output;
# - `ring_params()` returns `[(W1, b1), (W2, b2)]` of a 2-H-1 network (you choose H) whose output
#   is negative on the disk and positive on the ring.
#
# Hint: four hidden units, one per side of a square around the disk: unit $i$ is
# $\mathrm{ReLU}(u_i^\top (x - c) - r)$ with $u_i$ the four unit directions, and the output adds
# them up minus a small constant. Which $r$ puts the whole disk inside the square and the whole
# ring outside it? The tests measure your classifier's accuracy on points it has not seen.


# %% solution id=rings
def ring_probability(X, params):
    """P(outer ring | x) for each row of X: sigmoid of your MLP's single output, shape (N,)."""
    ### BEGIN SOLUTION
    return sigmoid(mlp_forward(X, params, relu))[:, 0]
    ### END SOLUTION


def ring_params():
    """[(W1, b1), (W2, b2)] of a 2-H-1 ReLU network: negative on the disk, positive on the ring."""
    ### BEGIN SOLUTION
    W1 = 10.0 * np.array([[1.0, -1.0, 0.0, 0.0], [0.0, 0.0, 1.0, -1.0]])  # the square's sides
    b1 = -W1.T @ RING_CENTER - 10.0 * 0.4  # inradius 0.4 > 1/3, circumradius 0.4 * sqrt(2) < 2/3
    W2 = np.ones((4, 1))
    b2 = np.array([-0.1])
    return [(W1, b1), (W2, b2)]
    ### END SOLUTION


# %% tests id=test_rings points=2
X_rings, y_rings = nnlib.data.rings(400, rng=0)
X_rings = X_rings + RING_CENTER
params = ring_params()
p = ring_probability(X_rings, params)
check_shape("ring_probability(X_rings, ring_params())", p, (400,), dtype=np.float64)
accuracy = float(np.mean((p > 0.5) == (y_rings == 1)))
check_at_least(
    "accuracy on nnlib.data.rings(400, rng=0) + RING_CENTER",
    accuracy,
    0.99,
    inputs={"RING_CENTER": RING_CENTER},
)
### BEGIN HIDDEN TESTS
_own(ring_probability, ring_params)
_X, _y = nnlib.data.rings(3000, rng=2026)
_X = _X + _variant("RING_CENTER")
with _without_nnlib():
    _params = ring_params()
    _logits = mlp_forward(_X, _params, relu)
    check_shape("mlp_forward(X, ring_params(), relu)", _logits, (3000, 1), dtype=np.float64)
    _right = (_logits[:, 0] > 0) == (_y == 1)
    check_at_least(
        "accuracy on 3000 new ring points",
        float(np.mean(_right)),
        1.0,
        inputs={"RING_CENTER": _variant("RING_CENTER")},
    )
    _rng = np.random.default_rng(505)
    _any = [
        (_rng.standard_normal((2, 5)), _rng.standard_normal(5)),
        (_rng.standard_normal((5, 1)), _rng.standard_normal(1)),
    ]
    _H = np.maximum(_X[:50] @ _any[0][0] + _any[0][1], 0)
    _want = 1 / (1 + np.exp(-(_H @ _any[1][0] + _any[1][1])[:, 0]))
    check_array(
        "ring_probability(X, params) for other params",
        ring_probability(_X[:50], _any),
        _want,
        rtol=1e-10,
        inputs={"X": _X[:50]},
    )
### END HIDDEN TESTS

# %% [markdown] locked id=why_intro
# ## Part 6: why a hidden layer? (2 points, graded by hand)
#
# In two or three sentences: why can no single neuron $H(w^\top x + b)$ compute XOR, whatever
# its weights? Refer to the picture of the four inputs in the plane.

# %% [markdown] manual id=why_answer points=2
# A single neuron outputs 1 on one side of the line $w^\top x + b = 0$ and 0 on the other, so it
# can only separate classes that a straight line separates. XOR's positive inputs (0, 1) and
# (1, 0) sit on one diagonal of the square and its negative inputs on the other: any line that
# puts both positives on one side puts at least one negative with them. The hidden layer maps the
# inputs to (OR, AND), where the classes are linearly separable.
