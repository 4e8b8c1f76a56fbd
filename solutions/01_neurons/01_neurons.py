# %% [markdown] locked id=intro
# # Assignment 1: Neurons
#
# You will implement the pieces of a neural network's forward pass with NumPy: two activation
# functions and their derivatives, a fully connected layer applied to a whole batch at once, a
# small multilayer perceptron, and a network whose weights you choose by hand to compute XOR.
#
# **Rules.** Write each function yourself with NumPy. A part answered by importing or wrapping
# `nnlib`'s implementation earns no points. Run the visible tests below each part while you work;
# the grader also runs hidden tests on random inputs. Do not edit the test cells: the grader
# restores them anyway. Conventions are nnlib's: a batch is the first axis, `X.shape == (N, D)`,
# a layer's weight has shape `(in_features, out_features)` and computes `X @ W + b`.

# %% locked id=setup
import numpy as np

import nnlib

rng = np.random.default_rng(0)

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
### BEGIN HIDDEN TESTS
#: include nnlib_guard.py


### END HIDDEN TESTS
z = np.array([-2.0, 0.0, 3.0])
assert np.allclose(sigmoid(z), [0.11920292, 0.5, 0.95257413])
assert np.allclose(sigmoid_prime(np.array([0.0])), [0.25])
assert np.array_equal(relu(z), [0.0, 0.0, 3.0])
assert np.array_equal(relu_prime(z), [0.0, 0.0, 1.0])
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
                _out = _f(_z)
                _check_shape_dtype(_out, _z)
                _tol = 1e-12 if _dtype == np.float64 else 1e-6
                assert np.allclose(_out, _want, rtol=_tol, atol=_tol), f"{_f.__name__} is wrong"
    _z = _rng.uniform(-4, 4, size=50)
    _h = 1e-6
    _fd = (sigmoid(_z + _h) - sigmoid(_z - _h)) / (2 * _h)
    assert np.allclose(sigmoid_prime(_z), _fd, atol=1e-8), "sigmoid_prime is not the derivative"
### END HIDDEN TESTS

# %% tests id=test_stable_sigmoid points=1
assert sigmoid(np.array([0.0], dtype=np.float32)).dtype == np.float32
### BEGIN HIDDEN TESTS
_own(sigmoid)
with _without_nnlib():
    _big = np.array([-1000.0, -50.0, 50.0, 1000.0])
    _tiny = np.exp(-50.0) / (1 + np.exp(-50.0))
    assert np.allclose(sigmoid(_big), [0.0, _tiny, 1.0, 1.0], rtol=1e-10, atol=0)
    assert np.array_equal(sigmoid(np.array([-1000.0, 1000.0])), [0.0, 1.0])
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
W = np.array([[1.0, 0.0, -1.0], [0.5, 1.0, 0.0]])
b = np.array([0.0, 1.0, 2.0])
out = dense_forward(X, W, b, relu)
assert out.shape == (3, 3)
assert np.allclose(out, [[2.0, 3.0, 1.0], [0.0, 0.0, 2.0], [3.25, 1.5, 0.0]])
### BEGIN HIDDEN TESTS
_own(dense_forward)
_rng = np.random.default_rng(202)
with _without_nnlib():
    for _n, _d, _h in [(1, 3, 2), (5, 4, 7), (9, 2, 3)]:
        for _dtype in (np.float64, np.float32):
            _X = _rng.standard_normal((_n, _d)).astype(_dtype)
            _W = _rng.standard_normal((_d, _h)).astype(_dtype)
            _b = _rng.standard_normal(_h).astype(_dtype)
            _out = dense_forward(_X, _W, _b, np.tanh)
            assert isinstance(_out, np.ndarray) and _out.shape == (_n, _h), "wrong shape"
            assert _out.dtype == _dtype, f"expected dtype {np.dtype(_dtype)}, got {_out.dtype}"
            _want = np.tanh(_X.astype(np.float64) @ _W + _b)
            assert np.allclose(_out, _want, atol=1e-5), "dense_forward disagrees with phi(XW + b)"
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
params = [(np.eye(2), np.zeros(2)), (np.ones((2, 1)), np.array([0.5]))]
assert np.allclose(mlp_forward(np.array([[1.0, -3.0]]), params, relu), [[1.5]])
### BEGIN HIDDEN TESTS
_own(mlp_forward)
_rng = np.random.default_rng(303)
with _without_nnlib():
    for _sizes in [(3, 5, 2), (4, 6, 6, 1), (2, 1)]:
        _params = [
            (_rng.standard_normal((a, b)), _rng.standard_normal(b))
            for a, b in zip(_sizes[:-1], _sizes[1:])
        ]
        _X = _rng.standard_normal((6, _sizes[0]))
        _H = _X
        for _W, _b in _params[:-1]:
            _H = np.tanh(_H @ _W + _b)
        _want = _H @ _params[-1][0] + _params[-1][1]
        _out = mlp_forward(_X, _params, np.tanh)
        assert _out.shape == _want.shape, f"expected shape {_want.shape}, got {_out.shape}"
        assert np.allclose(_out, _want, atol=1e-10), "mlp_forward disagrees with the reference"
### END HIDDEN TESTS

# %% [markdown] locked id=xor_intro
# ## Part 4: XOR by hand (2 points)
#
# A network with two hidden units and the step activation $H(z) = 1$ if $z > 0$ else $0$ (for
# both layers) can compute XOR. Choose its weights: `xor_params()` returns
# `[(W1, b1), (W2, b2)]` with shapes `(2, 2)`, `(2,)`, `(2, 1)`, `(1,)` such that
# `step(step(X @ W1 + b1) @ W2 + b2)` is XOR of the two inputs for every row of `X_xor`.
# Hint: one hidden unit can compute OR, the other AND.

# %% locked id=xor_setup
X_xor = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
y_xor = np.array([[0.0], [1.0], [1.0], [0.0]])


def step(z):
    return (z > 0).astype(float)

# %% solution id=xor
def xor_params():
    """Weights [(W1, b1), (W2, b2)] of a 2-2-1 step network computing XOR."""
    ### BEGIN SOLUTION
    W1 = np.array([[1.0, 1.0], [1.0, 1.0]])  # column 0: OR, column 1: AND
    b1 = np.array([-0.5, -1.5])
    W2 = np.array([[1.0], [-1.0]])  # OR and not AND
    b2 = np.array([-0.5])
    return [(W1, b1), (W2, b2)]
    ### END SOLUTION

# %% tests id=test_xor points=2
(W1, b1), (W2, b2) = xor_params()
assert W1.shape == (2, 2) and b1.shape == (2,) and W2.shape == (2, 1) and b2.shape == (1,)
### BEGIN HIDDEN TESTS
_out = step(step(X_xor @ W1 + b1) @ W2 + b2)
assert np.array_equal(_out, y_xor), "the network does not compute XOR"
_noisy = X_xor + 0.01 * np.random.default_rng(404).standard_normal(X_xor.shape)
assert np.array_equal(step(step(_noisy @ W1 + b1) @ W2 + b2), y_xor), "no margin around the inputs"
### END HIDDEN TESTS

# %% [markdown] locked id=why_intro
# ## Part 5: why a hidden layer? (2 points, graded by hand)
#
# In two or three sentences: why can no single neuron $H(w^\top x + b)$ compute XOR, whatever
# its weights? Refer to the picture of the four inputs in the plane.

# %% [markdown] manual id=why_answer points=2
# A single neuron outputs 1 on one side of the line $w^\top x + b = 0$ and 0 on the other, so it
# can only separate classes that a straight line separates. XOR's positive inputs (0, 1) and
# (1, 0) sit on one diagonal of the square and its negative inputs on the other: any line that
# puts both positives on one side puts at least one negative with them. The hidden layer maps the
# inputs to (OR, AND), where the classes are linearly separable.
