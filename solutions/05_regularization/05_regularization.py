# %% [markdown] locked id=intro
# # Assignment 5: Regularization
#
# You will implement inverted dropout, the L2 penalty and its gradient, early stopping with
# patience, and the forward pass of batch normalization in training and in evaluation mode.
# Last, you train a network that over-fits a small training set, and close the gap with your L2.
#
# **Rules.** Write each function yourself with NumPy. A part answered by importing or wrapping
# `nnlib`'s implementation earns no points. Run the visible tests below each part while you work;
# the grader also runs hidden tests on random inputs. Do not edit the test cells: the grader
# restores them anyway. A batch is the first axis, `x.shape == (N, D)`.
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
# - **File name.** Work in this file, `05_regularization.ipynb`, in
#   `exercises/05_regularization/`: do not rename it or save a copy under another name, because the
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
_start_variant("05_regularization")

# %% [markdown] locked id=dropout_intro
# ## Part 1: inverted dropout (2 points)
#
# In training, each entry of `x` is dropped (set to 0) with probability `p` and the kept entries
# are scaled by $1/(1-p)$, so that the expected output equals `x`. Draw the mask exactly as
# `keep = rng.random(x.shape) >= p` (one call). In evaluation (`training=False`) return `x`
# unchanged. The output keeps the dtype of `x` (float32 stays float32).


# %% solution id=dropout
def dropout_forward(x, p, rng, training=True):
    """Inverted dropout with drop probability p; the identity when not training."""
    ### BEGIN SOLUTION
    if not training or p == 0:
        return x
    keep = rng.random(x.shape) >= p
    return x * keep / (1 - p)
    ### END SOLUTION


# %% tests id=test_dropout points=2
x = np.arange(1.0, 13.0).reshape(3, 4)
keep = np.random.default_rng(1).random(x.shape) >= 0.25  # the mask of the statement
want = np.where(keep, x / 0.75, 0.0)  # kept entries scaled by 1 / (1 - p), the others 0
call = "dropout_forward(x, 0.25, np.random.default_rng(1))"
check_array(call, dropout_forward(x, 0.25, np.random.default_rng(1)), want, inputs={"x": x})
x32 = x.astype(np.float32)
check_array(
    call.replace("(x,", "(x32,"),
    dropout_forward(x32, 0.25, np.random.default_rng(1)),
    want.astype(np.float32),
    rtol=1e-6,
    inputs={"x32": x32},
)
check_array(
    "dropout_forward(x, 0.25, rng, training=False) (evaluation: x unchanged)",
    dropout_forward(x, 0.25, np.random.default_rng(1), training=False),
    x,
    rtol=0,
)
### BEGIN HIDDEN TESTS
_own(dropout_forward)
with _without_nnlib():
    for _seed, _p, _shape in [(1, 0.5, (3, 4)), (2, 0.2, (50, 7)), (3, 0.9, (10, 10))]:
        for _dtype, _tol in [(np.float64, 1e-12), (np.float32, 1e-6)]:
            _x = np.random.default_rng(_seed + 10).standard_normal(_shape).astype(_dtype)
            _keep = np.random.default_rng(_seed).random(_shape) >= _p
            _want = np.where(_keep, _x.astype(np.float64) / (1 - _p), 0.0).astype(_dtype)
            _kind = f" for x of {_dtype.__name__}"
            _call = f"dropout_forward(x, {_p}, np.random.default_rng({_seed}))"
            _out = dropout_forward(_x, _p, np.random.default_rng(_seed))
            check_array(_call + _kind, _out, _want, rtol=_tol)
            _out = dropout_forward(_x, _p, np.random.default_rng(_seed), training=False)
            check_array(_call[:-1] + ", training=False)" + _kind, _out, _x, rtol=0)
    _big = np.ones(200_000)
    _mean = float(dropout_forward(_big, 0.3, np.random.default_rng(5)).mean())
    check_scalar(
        "the mean of dropout_forward(ones(200000), 0.3, rng) (its expectation is 1)",
        _mean,
        1.0,
        atol=0.01,
    )
### END HIDDEN TESTS

# %% [markdown] locked id=l2_intro
# ## Part 2: the L2 penalty and its gradient (2 points)
#
# For a list of weight arrays, the penalty is $\frac{\lambda}{2} \sum_\ell \lVert W_\ell
# \rVert_F^2$ (a Python `float`) and its gradient with respect to each $W_\ell$ is
# $\lambda W_\ell$. Return the tuple `(penalty, gradients)` with the gradients in a list.


# %% solution id=l2
def l2_penalty(weights, lam):
    """(lam / 2 * sum of squared entries, [lam * W for each W])."""
    ### BEGIN SOLUTION
    penalty = 0.5 * lam * sum(float(np.sum(W**2)) for W in weights)
    return penalty, [lam * W for W in weights]
    ### END SOLUTION


# %% tests id=test_l2 points=2
weights = [np.array([[1.0, 2.0]]), np.array([3.0])]
out = l2_penalty(weights, lam=0.1)
call = "l2_penalty([W1, W2], lam=0.1)"
inputs = {"W1": weights[0], "W2": weights[1]}
check_tuple(call, out, 2)
check_scalar(call + "[0] (0.1 / 2 * (1 + 4 + 9))", out[0], 0.7, inputs=inputs)
check_list(call + "[1] (the gradients)", out[1], 2)
check_array(call + "[1][0] (0.1 * W1)", out[1][0], np.array([[0.1, 0.2]]), inputs=inputs)
check_array(call + "[1][1] (0.1 * W2)", out[1][1], np.array([0.3]), inputs=inputs)
### BEGIN HIDDEN TESTS
_own(l2_penalty)
_rng = np.random.default_rng(202)
with _without_nnlib():
    _ws = [_rng.standard_normal(s) for s in [(3, 4), (4,), (4, 2)]]
    for _lam in (0.0, 0.01, 2.5):
        _out = l2_penalty(_ws, _lam)
        _call = f"l2_penalty(weights, {_lam}) for weights of shapes (3, 4), (4,), (4, 2)"
        check_tuple(_call, _out, 2)
        _want = _lam / 2 * sum(float(np.sum(_w**2)) for _w in _ws)
        check_scalar(_call + "[0]", _out[0], _want, rtol=1e-12)
        check_list(_call + "[1]", _out[1], 3)
        for _i, _w in enumerate(_ws):
            _fd = np.zeros_like(_w)
            for _j in np.ndindex(_w.shape):
                _old = _w[_j]
                _w[_j] = _old + 1e-6
                _up = _lam / 2 * sum(np.sum(_v**2) for _v in _ws)
                _w[_j] = _old - 1e-6
                _down = _lam / 2 * sum(np.sum(_v**2) for _v in _ws)
                _w[_j] = _old
                _fd[_j] = (_up - _down) / 2e-6
            check_array(
                _call + f"[1][{_i}] against finite differences of the penalty",
                _out[1][_i],
                _fd,
                rtol=1e-6,
                atol=1e-8,
            )
### END HIDDEN TESTS

# %% [markdown] locked id=early_intro
# ## Part 3: early stopping with patience (2 points)
#
# Given the validation loss after each epoch `0, 1, 2, ...`, training stops at the first epoch
# at which `patience` epochs have passed since the best (lowest) loss so far, that is when
# `epoch - best_epoch == patience`. An epoch improves only if its loss is strictly lower than the
# best so far. Return `(best_epoch, stop_epoch)`, a tuple of two Python `int`; if training never
# stops early, `stop_epoch` is the last epoch.


# %% solution id=early_stopping
def early_stopping(val_losses, patience):
    """(epoch of the best validation loss, epoch at which training stops)."""
    ### BEGIN SOLUTION
    best, best_epoch = np.inf, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best:
            best, best_epoch = loss, epoch
        elif epoch - best_epoch >= patience:
            return best_epoch, epoch
    return best_epoch, len(val_losses) - 1
    ### END SOLUTION


# %% tests id=test_early_stopping points=2
for losses, patience, want in [
    ([3.0, 2.0, 1.0, 1.5, 1.2, 1.1, 0.9], 3, (2, 5)),  # epoch 5 - epoch 2 == 3: stop at 5
    ([3.0, 2.0, 1.0], 2, (2, 2)),  # never stops early: the last epoch
    ([1.0, 1.0, 1.0, 0.5], 2, (0, 2)),  # an equal loss is no improvement
]:
    call = f"early_stopping({losses}, patience={patience})"
    out = early_stopping(losses, patience)
    check_tuple(call, out, 2)
    check_scalar(call + "[0] (best epoch)", out[0], want[0], types=(int,))
    check_scalar(call + "[1] (stop epoch)", out[1], want[1], types=(int,))
### BEGIN HIDDEN TESTS
_own(early_stopping)


def _ref_early(losses, patience):
    best_epoch = 0
    for epoch in range(len(losses)):
        if losses[epoch] < losses[best_epoch]:
            best_epoch = epoch
        if epoch - best_epoch == patience:
            return best_epoch, epoch
    return best_epoch, len(losses) - 1


_rng = np.random.default_rng(303)
with _without_nnlib():
    for _trial in range(30):
        _noisy = 1 / np.arange(1, 31) + 0.05 * _rng.standard_normal(30)
        _losses = [float(_v) for _v in np.round(_noisy, 2)]
        for _patience in (1, 2, 5):
            _out = early_stopping(_losses, _patience)
            _want = _ref_early(_losses, _patience)
            _call = f"early_stopping(val_losses, patience={_patience})"
            check_tuple(_call, _out, 2, inputs={"val_losses": _losses})
            check_scalar(
                _call + "[0] (best epoch)",
                _out[0],
                _want[0],
                types=(int,),
                inputs={"val_losses": _losses},
            )
            check_scalar(
                _call + "[1] (stop epoch)",
                _out[1],
                _want[1],
                types=(int,),
                inputs={"val_losses": _losses},
            )
    _out = early_stopping([2.0], 1)
    check_tuple("early_stopping([2.0], 1) (a single epoch)", _out, 2)
    check_scalar("early_stopping([2.0], 1)[1]", _out[1], 0, types=(int,))
### END HIDDEN TESTS

# %% [markdown] locked id=bn_intro
# ## Part 4: batch normalization, forward (4 points)
#
# `batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum, eps)`
# returns `(out, new_running_mean, new_running_var)`, as PyTorch's `BatchNorm1d` does:
#
# - **training**: normalize with the batch mean $\mu$ and the *biased* batch variance
#   $\sigma^2$ (divide by $N$): $\hat x = (x - \mu) / \sqrt{\sigma^2 + \epsilon}$, output
#   $\gamma \hat x + \beta$; update the running averages as
#   $r \leftarrow (1 - \text{momentum})\, r + \text{momentum} \cdot s$ with $s = \mu$ for the mean
#   and the *unbiased* variance ($N - 1$) for the variance;
# - **evaluation**: normalize with the running averages and return them unchanged.
#
# Never modify the arrays you are given.


# %% solution id=batchnorm
def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    """Batch-norm forward: (out, new running mean, new running variance)."""
    ### BEGIN SOLUTION
    if training:
        mean, var = x.mean(axis=0), x.var(axis=0)
        n = x.shape[0]
        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
    else:
        mean, var = running_mean, running_var
    x_hat = (x - mean) / np.sqrt(var + eps)
    return gamma * x_hat + beta, running_mean, running_var
    ### END SOLUTION


# %% tests id=test_batchnorm_train points=2
x = np.array([[1.0, 2.0], [3.0, 6.0]])  # batch means 2 and 4; biased variances 1 and 4
stats = np.zeros(2), np.ones(2)
call = "batchnorm_forward(x, ones, zeros, running_mean=zeros, running_var=ones, training=True)"
out = batchnorm_forward(x, np.ones(2), np.zeros(2), *stats, True)
check_tuple(call, out, 3)
check_array(
    call + "[0] (out)", out[0], np.array([[-1.0, -1.0], [1.0, 1.0]]), atol=1e-4, inputs={"x": x}
)
check_array(call + "[1] (0.9 * 0 + 0.1 * mean)", out[1], np.array([0.2, 0.4]), inputs={"x": x})
# unbiased variances 2 and 8 (divide by N - 1 = 1)
check_array(
    call + "[2] (0.9 * 1 + 0.1 * unbiased var)", out[2], np.array([1.1, 1.7]), inputs={"x": x}
)
check_array("running_mean after the call (must not be modified)", stats[0], np.zeros(2), rtol=0)
### BEGIN HIDDEN TESTS
_own(batchnorm_forward)
_rng = np.random.default_rng(404)
with _without_nnlib():
    for _n, _d in [(4, 3), (16, 5)]:
        _x = 3 + 2 * _rng.standard_normal((_n, _d))
        _g, _b = _rng.standard_normal(_d), _rng.standard_normal(_d)
        _rm, _rv = _rng.standard_normal(_d), _rng.uniform(0.5, 2, _d)
        _before = [_a.copy() for _a in (_x, _rm, _rv)]
        _out = batchnorm_forward(_x, _g, _b, _rm, _rv, True, momentum=0.2)
        _call = "batchnorm_forward(x, gamma, beta, rm, rv, True, momentum=0.2)"
        _call += f" for x of shape {(_n, _d)}"
        check_tuple(_call, _out, 3)
        for _label, _a, _c in zip(
            ("x", "running_mean", "running_var"), (_x, _rm, _rv), _before, strict=False
        ):
            check_array(f"{_label} after batchnorm_forward (modified in place)", _a, _c, rtol=0)
        _mu, _var = _x.mean(axis=0), _x.var(axis=0)
        check_array(
            _call + "[0] (out)",
            _out[0],
            _g * (_x - _mu) / np.sqrt(_var + 1e-5) + _b,
            rtol=1e-10,
            atol=1e-12,
        )
        check_array(_call + "[1] (running mean)", _out[1], 0.8 * _rm + 0.2 * _mu, rtol=1e-10)
        check_array(
            _call + "[2] (running var)",
            _out[2],
            0.8 * _rv + 0.2 * _x.var(axis=0, ddof=1),
            rtol=1e-10,
        )
### END HIDDEN TESTS

# %% tests id=test_batchnorm_eval points=2
rm, rv = np.array([0.2, 0.4]), np.array([1.1, 1.7])
call = "batchnorm_forward(x, ones, zeros, rm, rv, training=False)"
out = batchnorm_forward(x, np.ones(2), np.zeros(2), rm, rv, False)
check_tuple(call, out, 3)
check_array(
    call + "[0] (normalized with rm and rv)",
    out[0],
    (x - rm) / np.sqrt(rv + 1e-5),
    inputs={"x": x, "rm": rm, "rv": rv},
)
check_array(call + "[1] (rm unchanged)", out[1], rm, rtol=0)
check_array(call + "[2] (rv unchanged)", out[2], rv, rtol=0)
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(505)
with _without_nnlib():
    for _n in (1, 3, 8):
        _x = _rng.standard_normal((_n, 4))
        _g, _b = _rng.standard_normal(4), _rng.standard_normal(4)
        _rm, _rv = _rng.standard_normal(4), _rng.uniform(0.5, 2, 4)
        _out = batchnorm_forward(_x, _g, _b, _rm, _rv, False)
        _call = f"batchnorm_forward(x, gamma, beta, rm, rv, False) for a batch of {_n}"
        check_tuple(_call, _out, 3)
        check_array(
            _call + "[0] (out)",
            _out[0],
            _g * (_x - _rm) / np.sqrt(_rv + 1e-5) + _b,
            rtol=1e-10,
            atol=1e-12,
        )
        check_array(_call + "[1] (running mean unchanged)", _out[1], _rm, rtol=0)
        check_array(_call + "[2] (running var unchanged)", _out[2], _rv, rtol=0)
### END HIDDEN TESTS

# %% [markdown] locked id=overfit_intro
# ## Part 5: putting it together, closing the over-fitting gap (3 points)
#
# The cell below draws a *small* training set, 30 points of `nnlib.data.moons`, and 400 more for
# validation, and defines a network with two hidden layers of 32 ReLU units and a softmax output.
# Its parameters are the list `params = [W1, b1, W2, b2, W3, b3]`; `init_params(seed)` draws
# them and `loss_and_grads(params, X, y)` returns the mean cross-entropy (a float) and the list
# of its gradients, in the same order. Trained long enough, the network learns the 30 points by
# heart: its training loss goes to 0 while its validation loss grows.
#
# Write `fit_l2(params, X, y, lam, steps, lr)`: `steps` steps of gradient descent on the loss
# **plus your L2 penalty of the weights** $W_1, W_2, W_3$ (not the biases), starting from
# `params`, which it leaves unchanged. It returns the new list `[W1, b1, W2, b2, W3, b3]`.
#
# The tests train twice from the same start, 600 steps with `lr=0.3`: without the penalty
# (`lam=0`) the gap between the validation and the training loss exceeds 0.25; with `lam=0.02`
# it must be at most half as large, and the validation loss lower.

# %% locked id=moons
X_train, y_train = nnlib.data.moons(30, noise=0.3, rng=0)
X_val, y_val = nnlib.data.moons(400, noise=0.3, rng=1000)


def init_params(seed, hidden=32):
    """[W1, b1, W2, b2, W3, b3] of a 2-hidden-hidden-2 ReLU network, He-initialized."""
    draw = np.random.default_rng(seed)
    return [
        draw.normal(0.0, 1.0, size=(2, hidden)),
        np.zeros(hidden),
        draw.normal(0.0, np.sqrt(2 / hidden), size=(hidden, hidden)),
        np.zeros(hidden),
        draw.normal(0.0, np.sqrt(1 / hidden), size=(hidden, 2)),
        np.zeros(2),
    ]


def loss_and_grads(params, X, y):
    """(mean softmax cross-entropy of the network on (X, y), [dL/dW1, dL/db1, ..., dL/db3])."""
    W1, b1, W2, b2, W3, b3 = params
    Z1 = X @ W1 + b1
    A1 = np.maximum(Z1, 0)
    Z2 = A1 @ W2 + b2
    A2 = np.maximum(Z2, 0)
    Z3 = A2 @ W3 + b3
    E = np.exp(Z3 - Z3.max(axis=1, keepdims=True))
    P = E / E.sum(axis=1, keepdims=True)
    rows = np.arange(len(y))
    loss = float(-np.mean(np.log(P[rows, y])))
    dZ3 = P.copy()
    dZ3[rows, y] -= 1
    dZ3 /= len(y)
    dZ2 = dZ3 @ W3.T * (Z2 > 0)
    dZ1 = dZ2 @ W2.T * (Z1 > 0)
    grads = [X.T @ dZ1, dZ1.sum(axis=0), A1.T @ dZ2, dZ2.sum(axis=0), A2.T @ dZ3, dZ3.sum(axis=0)]
    return loss, grads


# %% solution id=fit_l2
def fit_l2(params, X, y, lam, steps, lr):
    """`steps` steps of gradient descent on loss + L2 penalty of W1, W2, W3: the new params."""
    ### BEGIN SOLUTION
    params = [p.copy() for p in params]
    for _ in range(steps):
        _, grads = loss_and_grads(params, X, y)
        _, decay = l2_penalty(params[0::2], lam)
        for i, g in zip((0, 2, 4), decay, strict=False):
            grads[i] = grads[i] + g
        params = [p - lr * g for p, g in zip(params, grads, strict=False)]
    return params
    ### END SOLUTION


# %% tests id=test_fit_l2 points=3
params0 = init_params(0)
start = [p.copy() for p in params0]
losses = {}
for lam in (0.0, 0.02):
    call = f"fit_l2(params0, X_train, y_train, lam={lam}, steps=600, lr=0.3)"
    out = fit_l2(params0, X_train, y_train, lam, steps=600, lr=0.3)
    check_list(call, out, 6)
    for i, p in enumerate(params0):
        check_shape(call + f"[{i}]", out[i], p.shape, dtype=np.float64)
    losses[lam] = loss_and_grads(out, X_train, y_train)[0], loss_and_grads(out, X_val, y_val)[0]
for i, p in enumerate(params0):
    check_array(f"params0[{i}] after fit_l2 (must not be modified)", p, start[i], rtol=0)
gap = {lam: val - train for lam, (train, val) in losses.items()}
check_at_least(
    "validation minus training loss without L2 (lam=0): the network over-fits", gap[0.0], 0.25
)
check_at_most(
    "validation minus training loss with lam=0.02 (at most half of lam=0's)",
    gap[0.02],
    gap[0.0] / 2,
)
check_at_most("validation loss with lam=0.02 (lower than lam=0's)", losses[0.02][1], losses[0.0][1])
### BEGIN HIDDEN TESTS
_own(fit_l2)
_Xt, _yt = nnlib.data.moons(30, noise=0.3, rng=3)
_Xv, _yv = nnlib.data.moons(400, noise=0.3, rng=1003)
with _without_nnlib():
    # the same claim on another training set from another start
    _p0 = init_params(3)
    _losses = {}
    for _lam in (0.0, 0.02):
        _call = f"fit_l2(params0, X, y, lam={_lam}, steps=600, lr=0.3) on another training set"
        _out = fit_l2(_p0, _Xt, _yt, _lam, steps=600, lr=0.3)
        check_list(_call, _out, 6)
        for _i, _p in enumerate(_p0):
            check_shape(_call + f"[{_i}]", _out[_i], _p.shape, dtype=np.float64)
        _losses[_lam] = loss_and_grads(_out, _Xt, _yt)[0], loss_and_grads(_out, _Xv, _yv)[0]
    _gap = {_lam: _v - _t for _lam, (_t, _v) in _losses.items()}
    check_at_most(
        "on another training set: the gap with lam=0.02 (half of lam=0's at most)",
        _gap[0.02],
        _gap[0.0] / 2,
    )
    check_at_most(
        "on another training set: the validation loss with lam=0.02",
        _losses[0.02][1],
        _losses[0.0][1],
    )
    # the loop itself: two steps are gradient descent on the loss plus your penalty's gradient
    _p0 = init_params(5, hidden=6)
    _want = [_p.copy() for _p in _p0]
    for _ in range(2):
        _, _grads = loss_and_grads(_want, _Xt, _yt)
        _decay = l2_penalty([_want[0], _want[2], _want[4]], 0.5)[1]
        for _i, _d in zip((0, 2, 4), _decay, strict=False):
            _grads[_i] = _grads[_i] + _d
        _want = [_p - 0.1 * _g for _p, _g in zip(_want, _grads, strict=False)]
    _call = "fit_l2(params, X, y, lam=0.5, steps=2, lr=0.1) (penalty on W1, W2, W3, not the biases)"
    _out = fit_l2(_p0, _Xt, _yt, 0.5, steps=2, lr=0.1)
    check_list(_call, _out, 6)
    for _i in range(6):
        check_array(_call + f"[{_i}]", _out[_i], _want[_i], rtol=1e-10, atol=1e-14)
### END HIDDEN TESTS

# %% [markdown] locked id=hand_intro
# ## Part 6: weight decay by hand, on your numbers (5 points)
#
# One gradient-descent step on $L(w) + \tfrac{\lambda}{2} \lVert w \rVert^2$ for a weight
# vector $w$ of three entries, whose data-loss gradient is $g$: $w \leftarrow w - \eta (g +
# \lambda w)$. The numbers `HAND` (a dict with `w` and `g`, Python lists of three floats, and
# `lam`, `lr`) are **your variant**, printed by the variant cell above (every student has their
# own). Compute by hand (a calculator is fine) and write `hand_decay()`: the new $w$ as a
# float64 NumPy array of shape `(3,)`, to at least six significant digits, and the share of
# the step that the penalty made, as a Python float: $\lVert \eta \lambda w \rVert /
# \lVert \eta (g + \lambda w) \rVert$. Return the tuple `(new_w, share)`.


# %% solution id=hand
def hand_decay():
    """(w after one step with weight decay, the penalty's share of the step) for HAND."""
    ### BEGIN SOLUTION
    w, g = np.array(HAND["w"]), np.array(HAND["g"])
    step = HAND["lr"] * (g + HAND["lam"] * w)
    share = float(np.linalg.norm(HAND["lr"] * HAND["lam"] * w) / np.linalg.norm(step))
    return (w - step, share)
    ### END SOLUTION


# %% tests id=test_hand points=5
answer = hand_decay()
check_tuple("hand_decay()", answer, 2)
hand_w = np.array(HAND["w"]) * (1 - HAND["lr"] * HAND["lam"]) - HAND["lr"] * np.array(HAND["g"])
check_array("hand_decay()[0] (new w)", answer[0], hand_w, rtol=1e-5, inputs={"HAND": HAND})
### BEGIN HIDDEN TESTS
_v = _variant("HAND")
with _without_nnlib():
    _g = hand_decay()
check_tuple("hand_decay()", _g, 2)
_w, _gr = np.array(_v["w"]), np.array(_v["g"])
_step = _v["lr"] * (_gr + _v["lam"] * _w)
_share = float(np.sqrt(np.sum((_v["lr"] * _v["lam"] * _w) ** 2)) / np.sqrt(np.sum(_step**2)))
_wants = [("new w", _w - _step), ("the penalty's share", _share)]
check_array("hand_decay()[0] (new w)", _g[0], _wants[0][1], rtol=1e-5, inputs={"HAND": _v})
check_scalar(
    "hand_decay()[1] (the penalty's share)", _g[1], _wants[1][1], rtol=1e-5, inputs={"HAND": _v}
)
### END HIDDEN TESTS

# %% [markdown] locked id=why_intro
# ## Part 7: dropout at test time (2 points, graded by hand)
#
# In two or three sentences: why does inverted dropout scale by $1/(1-p)$ during training and
# do nothing at test time, and what would go wrong at test time if you dropped without scaling?

# %% [markdown] manual id=why_answer points=2
# Each unit of the next layer sums its inputs; with dropout only a fraction $1-p$ of them
# survive, so without a correction the sums are on average $(1-p)$ times smaller in training than
# at test time, when every unit is present. Scaling the kept activations by $1/(1-p)$ makes the
# expected input of every unit the same in training and at test time, so the test-time network
# needs no change. Dropping without scaling would make every activation at test time too large
# by $1/(1-p)$ compared with what the next layer was trained on.
