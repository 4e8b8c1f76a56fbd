# %% [markdown] locked id=intro
# # Assignment 2: Backpropagation
#
# You will write the backward pass of a dense layer, of the tanh activation and of the
# mean squared error, chain them into the gradients of a small network, and check those
# gradients against finite differences that you also implement. Last, your backpropagation
# trains a network that reads handwritten digits.
#
# **Rules.** Write each function yourself with NumPy. A part answered by importing or wrapping
# `nnlib`'s implementation earns no points. Run the visible tests below each part while you work;
# the grader also runs hidden tests on random inputs. Do not edit the test cells: the grader
# restores them anyway. Conventions are nnlib's: a batch is the first axis, `X.shape == (N, D)`,
# a dense layer computes `Z = X @ W + b` with `W.shape == (D, H)` and `b.shape == (H,)`.
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
# - **File name.** Work in this file, `02_backprop.ipynb`, in
#   `exercises/02_backprop/`: do not rename it or save a copy under another name, because the
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
_start_variant("02_backprop")

# %% [markdown] locked id=dense_intro
# ## Part 1: the dense layer backward (3 points)
#
# Given the upstream gradient $\delta = \partial L / \partial Z$ (shape `(N, H)`) of
# $Z = XW + \mathbf{1} b^\top$, return $(\partial L/\partial X, \partial L/\partial W,
# \partial L/\partial b) = (\delta W^\top,\; X^\top \delta,\; \sum_n \delta_n)$. Each gradient has
# the shape of what it differentiates. The bias is shared by every example of the batch.


# %% solution id=dense_backward
def dense_backward(X, W, b, dZ):
    """Gradients (dX, dW, db) of Z = X @ W + b given dZ = dL/dZ."""
    ### BEGIN SOLUTION
    dX = dZ @ W.T
    dW = X.T @ dZ
    db = dZ.sum(axis=0)
    return dX, dW, db
    ### END SOLUTION


# %% tests id=test_dense_backward points=3
X = np.array([[1.0, 2.0], [3.0, -1.0], [0.0, 0.5]])  # N = 3 examples, D = 2
W = np.array([[1.0, 0.0, -2.0], [0.5, 1.0, 3.0]])  # D = 2, H = 3: not square
b = np.array([0.1, 0.2, 0.3])
dZ = np.array([[1.0, 0.0, 2.0], [0.0, -1.0, 1.0], [3.0, 1.0, 0.0]])
grads = dense_backward(X, W, b, dZ)
check_tuple("dense_backward(X, W, b, dZ)", grads, 3)
called = {"X": X, "W": W, "dZ": dZ}
check_array("dense_backward(X, W, b, dZ)[0] (dX)", grads[0], dZ @ W.T, inputs=called)
check_array("dense_backward(X, W, b, dZ)[1] (dW)", grads[1], X.T @ dZ, inputs=called)
check_array(
    "dense_backward(X, W, b, dZ)[2] (db: summed over the batch)",
    grads[2],
    np.array([4.0, 0.0, 3.0]),
    inputs=called,
)
### BEGIN HIDDEN TESTS
_own(dense_backward)
_rng = np.random.default_rng(202)
with _without_nnlib():
    for _n, _d, _h in [(1, 3, 2), (5, 4, 7), (8, 2, 3)]:
        _X, _W = _rng.standard_normal((_n, _d)), _rng.standard_normal((_d, _h))
        _b, _G = _rng.standard_normal(_h), _rng.standard_normal((_n, _h))
        _grads = dense_backward(_X, _W, _b, _G)
        check_tuple("dense_backward(X, W, b, dZ)", _grads, 3)
        _in = {"X": _X, "W": _W, "dZ": _G}
        for _i, _label, _want in [(0, "dX", _G @ _W.T), (1, "dW", _X.T @ _G), (2, "db", _G.sum(0))]:
            check_array(
                f"dense_backward(X, W, b, dZ)[{_i}] ({_label})",
                _grads[_i],
                _want,
                rtol=1e-10,
                atol=1e-12,
                inputs=_in,
            )
### END HIDDEN TESTS

# %% [markdown] locked id=tanh_intro
# ## Part 2: the tanh backward (1 point)
#
# For $A = \tanh(Z)$ elementwise, return $\partial L/\partial Z = \partial L/\partial A \odot
# (1 - \tanh^2 Z)$. Note that the function receives the *pre-activation* `Z`.


# %% solution id=tanh_backward
def tanh_backward(Z, dA):
    """dL/dZ for A = tanh(Z), given dA = dL/dA."""
    ### BEGIN SOLUTION
    return dA * (1 - np.tanh(Z) ** 2)
    ### END SOLUTION


# %% tests id=test_tanh_backward points=1
Z = np.array([-1.0, 0.5, 2.0])  # the pre-activation, not tanh(Z)
dA = np.array([1.0, 2.0, 3.0])
check_array(
    "tanh_backward(Z, dA)",
    tanh_backward(Z, dA),
    dA * (1 - np.tanh(Z) ** 2),
    inputs={"Z": Z, "dA": dA},
)
### BEGIN HIDDEN TESTS
_own(tanh_backward)
_rng = np.random.default_rng(303)
with _without_nnlib():
    for _shape in [(4,), (3, 5)]:
        _Z, _dA = 2 * _rng.standard_normal(_shape), _rng.standard_normal(_shape)
        _h = 1e-6
        _fd = _dA * (np.tanh(_Z + _h) - np.tanh(_Z - _h)) / (2 * _h)
        check_array(
            "tanh_backward(Z, dA) against finite differences",
            tanh_backward(_Z, _dA),
            _fd,
            rtol=1e-6,
            atol=1e-8,
            inputs={"Z": _Z, "dA": _dA},
        )
### END HIDDEN TESTS

# %% [markdown] locked id=mse_intro
# ## Part 3: mean squared error and its gradient (2 points)
#
# With the slides' factor one half and the mean over the batch of $N$ examples,
# $L = \frac{1}{2N} \sum_n \lVert \hat y_n - y_n \rVert^2$. Return the loss as a Python `float`
# and its gradient $\partial L / \partial \hat Y = (\hat Y - Y) / N$.


# %% solution id=mse
def mse_loss(Y_hat, Y):
    """(L, dL/dY_hat) for L = 1/(2N) sum_n ||y_hat_n - y_n||^2."""
    ### BEGIN SOLUTION
    N = Y_hat.shape[0]
    diff = Y_hat - Y
    return float(0.5 * np.sum(diff**2) / N), diff / N
    ### END SOLUTION


# %% tests id=test_mse points=2
Y_hat = np.array([[1.0, 0.0], [3.0, 2.0]])  # N = 2 examples, 2 outputs each
Y = np.array([[0.0, 0.0], [1.0, 1.0]])
out = mse_loss(Y_hat, Y)
check_tuple("mse_loss(Y_hat, Y)", out, 2)
called = {"Y_hat": Y_hat, "Y": Y}
# (1 + 0 + 4 + 1) / (2 * N) with N = 2: the mean over examples, not over every entry
check_scalar("mse_loss(Y_hat, Y)[0] (the loss)", out[0], 1.5, inputs=called)
check_array("mse_loss(Y_hat, Y)[1] (the gradient)", out[1], (Y_hat - Y) / 2, inputs=called)
### BEGIN HIDDEN TESTS
_own(mse_loss)
_rng = np.random.default_rng(404)
with _without_nnlib():
    for _n, _k in [(1, 1), (6, 3), (10, 2)]:
        _P, _T = _rng.standard_normal((_n, _k)), _rng.standard_normal((_n, _k))
        _out = mse_loss(_P, _T)
        check_tuple("mse_loss(Y_hat, Y)", _out, 2)
        _in = {"Y_hat": _P, "Y": _T}
        check_scalar(
            "mse_loss(Y_hat, Y)[0] (the loss)",
            _out[0],
            0.5 * float(np.sum((_P - _T) ** 2)) / _n,
            rtol=1e-10,
            inputs=_in,
        )
        check_array(
            "mse_loss(Y_hat, Y)[1] (the gradient)",
            _out[1],
            (_P - _T) / _n,
            rtol=1e-10,
            atol=1e-14,
            inputs=_in,
        )
### END HIDDEN TESTS

# %% [markdown] locked id=mlp_intro
# ## Part 4: gradients of a two-layer network (3 points)
#
# The network is $A_1 = \tanh(X W_1 + b_1)$, $\hat Y = A_1 W_2 + b_2$, with the loss of
# Part 3. Return the loss and the list of gradients `[dW1, db1, dW2, db2]`: run the forward
# pass, keep what the backward pass needs, then apply Parts 1 to 3 from the loss back to $W_1$.


# %% solution id=mlp_gradients
def mlp_gradients(X, Y, W1, b1, W2, b2):
    """Loss and [dW1, db1, dW2, db2] of the tanh network with a linear output and MSE."""
    ### BEGIN SOLUTION
    Z1 = X @ W1 + b1
    A1 = np.tanh(Z1)
    Y_hat = A1 @ W2 + b2
    loss, dY = mse_loss(Y_hat, Y)
    dA1, dW2, db2 = dense_backward(A1, W2, b2, dY)
    dZ1 = tanh_backward(Z1, dA1)
    _, dW1, db1 = dense_backward(X, W1, b1, dZ1)
    return loss, [dW1, db1, dW2, db2]
    ### END SOLUTION


# %% tests id=test_mlp_gradients points=3
X, Y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
params = [rng.standard_normal(s) for s in [(3, 4), (4,), (4, 2), (2,)]]


def loss_of(W1, b1, W2, b2):  # the network and loss of this part, written out
    return 0.5 * np.sum((np.tanh(X @ W1 + b1) @ W2 + b2 - Y) ** 2) / len(X)


out = mlp_gradients(X, Y, *params)
check_tuple("mlp_gradients(X, Y, W1, b1, W2, b2)", out, 2)
check_scalar("mlp_gradients(...)[0] (the loss)", out[0], float(loss_of(*params)))
check_list("mlp_gradients(...)[1] (the gradients)", out[1], 4)
for i, label in enumerate(["dW1", "db1", "dW2", "db2"]):
    numeric = np.zeros_like(params[i])  # central differences, one entry at a time
    for j in np.ndindex(params[i].shape):
        up = [p.copy() for p in params]
        down = [p.copy() for p in params]
        up[i][j] += 1e-6
        down[i][j] -= 1e-6
        numeric[j] = (loss_of(*up) - loss_of(*down)) / 2e-6
    check_array(
        f"mlp_gradients(...)[1][{i}] ({label}) against finite differences",
        out[1][i],
        numeric,
        rtol=1e-5,
        atol=1e-8,
    )
### BEGIN HIDDEN TESTS
_own(mlp_gradients)
_rng = np.random.default_rng(505)


def _ref_loss(X, Y, W1, b1, W2, b2):
    return 0.5 * np.sum((np.tanh(X @ W1 + b1) @ W2 + b2 - Y) ** 2) / X.shape[0]


with _without_nnlib():
    for _d, _h, _k in [(2, 3, 1), (4, 5, 2)]:
        _X, _Y = _rng.standard_normal((7, _d)), _rng.standard_normal((7, _k))
        _p = [_rng.standard_normal(s) for s in [(_d, _h), (_h,), (_h, _k), (_k,)]]
        _out = mlp_gradients(_X, _Y, *_p)
        check_tuple("mlp_gradients(X, Y, W1, b1, W2, b2)", _out, 2)
        check_scalar(
            "mlp_gradients(...)[0] (the loss)", _out[0], float(_ref_loss(_X, _Y, *_p)), rtol=1e-10
        )
        check_list("mlp_gradients(...)[1] (the gradients)", _out[1], 4)
        for _i, (_param, _g) in enumerate(zip(_p, _out[1], strict=False)):
            _fd = np.zeros_like(_param)
            for _j in np.ndindex(_param.shape):
                _old = _param[_j]
                _param[_j] = _old + 1e-6
                _up = _ref_loss(_X, _Y, *_p)
                _param[_j] = _old - 1e-6
                _down = _ref_loss(_X, _Y, *_p)
                _param[_j] = _old
                _fd[_j] = (_up - _down) / 2e-6
            check_array(
                f"mlp_gradients(...)[1][{_i}] against finite differences",
                _g,
                _fd,
                rtol=1e-5,
                atol=1e-7,
            )
### END HIDDEN TESTS

# %% [markdown] locked id=numgrad_intro
# ## Part 5: a gradient check (2 points)
#
# `numerical_gradient(f, x, h)` returns the gradient of a scalar function `f` at the float64
# array `x` (any shape) by **central** differences,
# $\partial f / \partial x_i \approx (f(x + h e_i) - f(x - h e_i)) / (2h)$, one entry at a
# time. It must leave `x` exactly as it found it.


# %% solution id=numerical_gradient
def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of scalar f at x (any shape); x is left unchanged."""
    ### BEGIN SOLUTION
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        up = f(x)
        x[i] = old - h
        down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad
    ### END SOLUTION


# %% tests id=test_numerical_gradient points=2
x = np.array([1.0, 2.0, 3.0])
cube_sum = lambda v: float(np.sum(v**3))  # noqa: E731 (its gradient is 3 x**2)
got = numerical_gradient(cube_sum, x, 1e-3)
# central differences are off by h**2 = 1e-6 here; forward differences by 3 x h, 1000 times more
check_array(
    "numerical_gradient(cube_sum, x, 1e-3)", got, 3 * x**2 + 1e-6, rtol=1e-9, inputs={"x": x}
)
check_array("x after numerical_gradient (it must be left unchanged)", x, np.array([1.0, 2.0, 3.0]))
### BEGIN HIDDEN TESTS
_own(numerical_gradient)
_rng = np.random.default_rng(606)
with _without_nnlib():
    for _shape in [(5,), (3, 4)]:
        _x = _rng.uniform(0.5, 2.0, size=_shape)
        _copy = _x.copy()
        _got = numerical_gradient(lambda v: float(np.sum(np.sin(v) * v**3)), _x)
        check_array("x after numerical_gradient(f, x)", _x, _copy, inputs={"x": _copy})
        _exact = np.cos(_x) * _x**3 + 3 * np.sin(_x) * _x**2
        check_array(
            "numerical_gradient(f, x) for f(v) = sum(sin(v) v**3)",
            _got,
            _exact,
            rtol=1e-8,
            atol=1e-8,
            inputs={"x": _copy},
        )
### END HIDDEN TESTS

# %% [markdown] locked id=train_intro
# ## Part 6: putting it together, reading digits (3 points)
#
# Train the network of Part 4 on scikit-learn's 8x8 handwritten digits (`nnlib.data.digits`,
# 64 pixels in [0, 1], labels 0 to 9) with **your** `mlp_gradients` and mini-batch gradient
# descent, the targets being one-hot vectors. `train_mlp(X, Y, hidden, epochs, lr, batch_size,
# seed)` returns the trained parameters `[W1, b1, W2, b2]` and the list of the mean training loss
# of each epoch. Start from
#
# ```python
# rng = np.random.default_rng(seed)
# W1 = rng.standard_normal((D, hidden)) / np.sqrt(D)   # then W2, from the same rng
# W2 = rng.standard_normal((hidden, K)) / np.sqrt(hidden)
# ```
#
# with zero biases; in each epoch, visit the examples in the order `rng.permutation(N)`, in
# consecutive batches of `batch_size` (the last one may be smaller), and after each batch move
# every parameter by `-lr` times its gradient. An epoch's loss is the mean over the examples of
# the batch losses (weight each batch loss by its size). `predict` returns the class with the
# largest output. With `hidden=32, epochs=30, lr=0.1, batch_size=32`, at least 90% of the test
# images are read right, in well under a second.


# %% solution id=train
def train_mlp(X, Y, hidden, epochs, lr, batch_size, seed):
    """Mini-batch gradient descent on the Part 4 network; returns ([W1, b1, W2, b2], losses)."""
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    D, K = X.shape[1], Y.shape[1]
    W1 = rng.standard_normal((D, hidden)) / np.sqrt(D)
    W2 = rng.standard_normal((hidden, K)) / np.sqrt(hidden)
    params = [W1, np.zeros(hidden), W2, np.zeros(K)]
    losses = []
    for _ in range(epochs):
        order, total = rng.permutation(len(X)), 0.0
        for start in range(0, len(X), batch_size):
            batch = order[start : start + batch_size]
            loss, grads = mlp_gradients(X[batch], Y[batch], *params)
            for param, grad in zip(params, grads, strict=False):
                param -= lr * grad
            total += loss * len(batch)
        losses.append(total / len(X))
    return params, losses
    ### END SOLUTION


def predict(X, params):
    """The class (0 to K - 1) with the largest output of the network, for each row of X."""
    ### BEGIN SOLUTION
    W1, b1, W2, b2 = params
    return np.argmax(np.tanh(X @ W1 + b1) @ W2 + b2, axis=1)
    ### END SOLUTION


# %% tests id=test_train points=3
X_digits, y_digits = nnlib.data.digits()
(X_train, y_train), _, (X_test, y_test) = nnlib.data.train_val_test_split(X_digits, y_digits, rng=0)
Y_train = nnlib.data.one_hot(y_train, 10)
out = train_mlp(X_train, Y_train, hidden=32, epochs=30, lr=0.1, batch_size=32, seed=0)
check_tuple("train_mlp(...)", out, 2)
params, losses = out
check_list("train_mlp(...)[1] (one loss per epoch)", losses, 30)
ratio = losses[-1] / losses[0]
check_at_most(
    "the last epoch's loss as a fraction of the first's", ratio, 0.5, types=(float, np.float64)
)
labels = predict(X_test, params)
check_shape("predict(X_test, params)", labels, y_test.shape, dtype=np.int64)
accuracy = float(np.mean(labels == y_test))
check_at_least("test accuracy after 30 epochs", accuracy, 0.9)
### BEGIN HIDDEN TESTS
_own(train_mlp, predict)
(_Xtr, _ytr), _, (_Xte, _yte) = nnlib.data.train_val_test_split(X_digits, y_digits, rng=3)
_Ytr = nnlib.data.one_hot(_ytr, 10)
_rng = np.random.default_rng(606)
_Xs, _Ys = _rng.standard_normal((12, 3)), _rng.standard_normal((12, 2))
with _without_nnlib():
    _out = train_mlp(_Xtr, _Ytr, hidden=32, epochs=30, lr=0.1, batch_size=32, seed=3)
    check_tuple("train_mlp(...)", _out, 2)
    check_list("train_mlp(...)[0] (the parameters)", _out[0], 4)
    _labels = predict(_Xte, _out[0])
    check_shape("predict(X_test, params)", _labels, _yte.shape, dtype=np.int64)
    check_at_least("test accuracy on another split", float(np.mean(_labels == _yte)), 0.9)
    # one epoch of one full batch from the stated start is exactly one gradient step
    _start = np.random.default_rng(7)
    _W1 = _start.standard_normal((3, 5)) / np.sqrt(3)
    _W2 = _start.standard_normal((5, 2)) / np.sqrt(5)
    _p = [_W1, np.zeros(5), _W2, np.zeros(2)]
    _Z1 = _Xs @ _W1
    _dY = (np.tanh(_Z1) @ _W2 - _Ys) / 12
    _dZ1 = (_dY @ _W2.T) * (1 - np.tanh(_Z1) ** 2)
    _want = [
        _W1 - 0.3 * _Xs.T @ _dZ1,
        -0.3 * _dZ1.sum(0),
        _W2 - 0.3 * np.tanh(_Z1).T @ _dY,
        -0.3 * _dY.sum(0),
    ]
    _one = train_mlp(_Xs, _Ys, hidden=5, epochs=1, lr=0.3, batch_size=12, seed=7)
    check_tuple("train_mlp(X, Y, hidden=5, epochs=1, lr=0.3, batch_size=12, seed=7)", _one, 2)
    check_list("train_mlp(...)[0] (the parameters)", _one[0], 4)
    for _i, _label in enumerate(["W1", "b1", "W2", "b2"]):
        check_array(
            f"{_label} after one full-batch step", _one[0][_i], _want[_i], rtol=1e-9, atol=1e-12
        )
    check_list("train_mlp(...)[1] (one loss per epoch)", _one[1], 1)
    _loss0 = 0.5 * float(np.sum((np.tanh(_Z1) @ _W2 - _Ys) ** 2)) / 12
    check_scalar(
        "the epoch's loss (before the step)",
        _one[1][0],
        _loss0,
        rtol=1e-9,
        types=(float, np.float64),
    )
### END HIDDEN TESTS

# %% [markdown] locked id=hand_intro
# ## Part 7: one backward pass by hand, on your numbers (5 points)
#
# A network with one tanh neuron and a linear output, on one example $(x, t)$:
# $z = w_1 x + b_1$, $h = \tanh z$, $y = w_2 h + b_2$, $L = \tfrac12 (y - t)^2$.
# The numbers `HAND` (a dict with `x`, `t`, `w1`, `b1`, `w2`, `b2`) are **your variant**: the
# variant cell above printed them, and every student has their own. Run the forward pass and the
# backward pass by hand (a calculator is fine, nnlib is not) and write the four gradients, to at
# least six significant digits, as Python floats: `hand_gradients()` returns the tuple
# `(dL/dw1, dL/db1, dL/dw2, dL/db2)`.


# %% solution id=hand
def hand_gradients():
    """(dL/dw1, dL/db1, dL/dw2, dL/db2) for your variant's numbers HAND, as Python floats."""
    ### BEGIN SOLUTION
    x, t, w1, b1, w2, b2 = (HAND[k] for k in ("x", "t", "w1", "b1", "w2", "b2"))
    h = float(np.tanh(w1 * x + b1))
    dy = w2 * h + b2 - t
    dz = dy * w2 * (1 - h**2)
    return (dz * x, dz, dy * h, dy)
    ### END SOLUTION


# %% tests id=test_hand points=5
grads = hand_gradients()
check_tuple("hand_gradients()", grads, 4)
hand_z = HAND["w1"] * HAND["x"] + HAND["b1"]
hand_h = float(np.tanh(hand_z))
hand_dy = HAND["w2"] * hand_h + HAND["b2"] - HAND["t"]
check_scalar(
    "hand_gradients()[3] (dL/db2 = y - t)", grads[3], hand_dy, rtol=1e-5, inputs={"HAND": HAND}
)
### BEGIN HIDDEN TESTS
_v = _variant("HAND")
with _without_nnlib():
    _g = hand_gradients()
check_tuple("hand_gradients()", _g, 4)
_h = float(np.tanh(_v["w1"] * _v["x"] + _v["b1"]))
_dy = _v["w2"] * _h + _v["b2"] - _v["t"]
_dz = _dy * _v["w2"] * (1 - _h * _h)
for _k, (_label, _want) in enumerate(
    [("dL/dw1", _dz * _v["x"]), ("dL/db1", _dz), ("dL/dw2", _dy * _h), ("dL/db2", _dy)]
):
    check_scalar(
        f"hand_gradients()[{_k}] ({_label})",
        _g[_k],
        _want,
        rtol=1e-5,
        atol=1e-9,
        inputs={"HAND": _v},
    )
### END HIDDEN TESTS

# %% [markdown] locked id=why_intro
# ## Part 8: reading a gradient check (2 points, graded by hand)
#
# In three or four sentences: why does a gradient check use central rather than forward
# differences, why float64, and what relative error between the analytic and numerical gradient
# would convince you that a backward pass is right?

# %% [markdown] manual id=why_answer points=2
# The error of a central difference shrinks like $h^2$, that of a forward difference only like
# $h$, so with $h = 10^{-5}$ the central estimate is about $10^{-10}$ from the truth instead of
# $10^{-5}$. Round-off grows like $\epsilon / h$: in float32 ($\epsilon \approx 10^{-7}$) it
# swamps the comparison, in float64 ($\epsilon \approx 10^{-16}$) it stays near $10^{-11}$. A
# relative error around $10^{-7}$ or below means the backward pass is right; $10^{-2}$ means a bug.
