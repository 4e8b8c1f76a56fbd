# %% [markdown] locked id=intro
# # Assignment 4: Optimizers
#
# You will implement one update step of momentum, RMSProp and Adam (with its bias correction) and
# a step learning-rate schedule. Last, you put your steps together into a training loop and race
# Adam against plain gradient descent on a small network.
#
# **Rules.** Write each function yourself with NumPy. A part answered by importing or wrapping
# `nnlib`'s implementation earns no points. Run the visible tests below each part while you work;
# the grader also runs hidden tests on random inputs. Do not edit the test cells: the grader
# restores them anyway. Every step function is *pure*: it returns the new parameters and the new
# optimizer state as a `tuple` of arrays and never modifies its arguments in place.
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
# - **File name.** Work in this file, `04_optimizers.ipynb`, in
#   `exercises/04_optimizers/`: do not rename it or save a copy under another name, because the
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
_start_variant("04_optimizers")

# %% [markdown] locked id=momentum_intro
# ## Part 1: momentum as a moving average (2 points)
#
# The slides' momentum keeps an exponential moving average of the gradients $g$:
# $m \leftarrow \gamma m + (1 - \gamma) g$, then $\theta \leftarrow \theta - \eta m$.
# (PyTorch's `SGD(momentum=...)` omits the factor $1 - \gamma$; here use the slides' form.)


# %% solution id=momentum
def momentum_step(theta, grad, m, lr, gamma=0.9):
    """One momentum step: returns (new theta, new m)."""
    ### BEGIN SOLUTION
    m = gamma * m + (1 - gamma) * grad
    return theta - lr * m, m
    ### END SOLUTION


# %% tests id=test_momentum points=2
theta, grad, m = np.array([1.0, -2.0]), np.array([2.0, 4.0]), np.array([0.5, 0.0])
inputs = {"theta": theta, "grad": grad, "m": m}
out = momentum_step(theta, grad, m, lr=0.1, gamma=0.5)
call = "momentum_step(theta, grad, m, lr=0.1, gamma=0.5)"
check_tuple(call, out, 2)
check_array(
    call + "[1] (the new m = 0.5 m + 0.5 grad)", out[1], np.array([1.25, 2.0]), inputs=inputs
)
check_array(call + "[0] (the new theta)", out[0], np.array([0.875, -2.2]), inputs=inputs)
check_array(
    "theta after the call (a step must not modify it)", theta, np.array([1.0, -2.0]), rtol=0
)
check_array("m after the call (a step must not modify it)", m, np.array([0.5, 0.0]), rtol=0)
### BEGIN HIDDEN TESTS
_own(momentum_step)
_rng = np.random.default_rng(101)
with _without_nnlib():
    for _shape, _gamma in [((3,), 0.9), ((2, 4), 0.5), ((5,), 0.0)]:
        _t, _g, _m = (_rng.standard_normal(_shape) for _ in range(3))
        _copies = [_a.copy() for _a in (_t, _g, _m)]
        _out = momentum_step(_t, _g, _m, lr=0.03, gamma=_gamma)
        _want_m = _gamma * _copies[2] + (1 - _gamma) * _copies[1]
        _call = f"momentum_step(theta, grad, m, lr=0.03, gamma={_gamma})"
        check_tuple(_call, _out, 2)
        check_array(_call + "[1] (m)", _out[1], _want_m, rtol=1e-12, atol=1e-15)
        check_array(_call + "[0] (theta)", _out[0], _copies[0] - 0.03 * _want_m, rtol=1e-12)
        for _label, _a, _c in zip(("theta", "grad", "m"), (_t, _g, _m), _copies, strict=False):
            check_array(f"{_label} after momentum_step (modified in place)", _a, _c, rtol=0)
### END HIDDEN TESTS

# %% [markdown] locked id=rmsprop_intro
# ## Part 2: RMSProp (2 points)
#
# Keep a moving average of the *squared* gradient, $v \leftarrow \alpha v + (1 - \alpha) g^2$,
# and divide the step by its root: $\theta \leftarrow \theta - \eta\, g / (\sqrt{v} + \epsilon)$
# (PyTorch's placement of $\epsilon$; the slides put it under the root, which differs by a
# negligible amount).


# %% solution id=rmsprop
def rmsprop_step(theta, grad, v, lr, alpha=0.99, eps=1e-8):
    """One RMSProp step: returns (new theta, new v)."""
    ### BEGIN SOLUTION
    v = alpha * v + (1 - alpha) * grad**2
    return theta - lr * grad / (np.sqrt(v) + eps), v
    ### END SOLUTION


# %% tests id=test_rmsprop points=2
theta, grad, v = np.array([1.0, 1.0]), np.array([2.0, -1.0]), np.array([0.0, 1.0])
inputs = {"theta": theta, "grad": grad, "v": v}
out = rmsprop_step(theta, grad, v, lr=0.1, alpha=0.75)
call = "rmsprop_step(theta, grad, v, lr=0.1, alpha=0.75)"
check_tuple(call, out, 2)
check_array(
    call + "[1] (the new v = 0.75 v + 0.25 grad**2)", out[1], np.array([1.0, 1.0]), inputs=inputs
)
check_array(call + "[0] (the new theta)", out[0], np.array([0.8, 1.1]), inputs=inputs)
check_array("v after the call (a step must not modify it)", v, np.array([0.0, 1.0]), rtol=0)
### BEGIN HIDDEN TESTS
_own(rmsprop_step)
_rng = np.random.default_rng(202)
with _without_nnlib():
    for _shape, _alpha in [((3,), 0.99), ((2, 4), 0.9)]:
        _t, _g = _rng.standard_normal(_shape), _rng.standard_normal(_shape)
        _v = _rng.uniform(0, 2, size=_shape)
        _copies = [_a.copy() for _a in (_t, _g, _v)]
        _out = rmsprop_step(_t, _g, _v, lr=0.01, alpha=_alpha)
        _want_v = _alpha * _copies[2] + (1 - _alpha) * _copies[1] ** 2
        _want_t = _copies[0] - 0.01 * _copies[1] / (np.sqrt(_want_v) + 1e-8)
        _call = f"rmsprop_step(theta, grad, v, lr=0.01, alpha={_alpha})"
        check_tuple(_call, _out, 2)
        check_array(_call + "[1] (v)", _out[1], _want_v, rtol=1e-12)
        check_array(_call + "[0] (theta)", _out[0], _want_t, rtol=1e-12)
        for _label, _a, _c in zip(("theta", "grad", "v"), (_t, _g, _v), _copies, strict=False):
            check_array(f"{_label} after rmsprop_step (modified in place)", _a, _c, rtol=0)
    # a zero gradient with a zero average: eps keeps the step finite (0, not nan)
    _out = rmsprop_step(np.ones(2), np.zeros(2), np.zeros(2), lr=0.1)
    check_tuple("rmsprop_step(theta, 0, 0, lr=0.1)", _out, 2)
    check_array("rmsprop_step(theta, 0, 0, lr=0.1)[0]", _out[0], np.ones(2), rtol=0)
### END HIDDEN TESTS

# %% [markdown] locked id=adam_intro
# ## Part 3: Adam with bias correction (3 points)
#
# At step $k = 1, 2, \dots$ (the first call has `k=1`):
# $m \leftarrow \beta_1 m + (1 - \beta_1) g$, $v \leftarrow \beta_2 v + (1 - \beta_2) g^2$,
# $\hat m = m / (1 - \beta_1^k)$, $\hat v = v / (1 - \beta_2^k)$ and
# $\theta \leftarrow \theta - \eta\, \hat m / (\sqrt{\hat v} + \epsilon)$.
# Return the new $\theta$, $m$ and $v$ (the state keeps the *uncorrected* averages).
#
# A property to check yours by: from $m = v = 0$ with a gradient that does not change, the
# corrected averages are exactly $\hat m = g$ and $\hat v = g^2$, so every step moves each
# coordinate by $\eta$ (less a hair for $\epsilon$), from the very first step on.


# %% solution id=adam
def adam_step(theta, grad, m, v, k, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step at step number k >= 1: returns (new theta, new m, new v)."""
    ### BEGIN SOLUTION
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**k)
    v_hat = v / (1 - beta2**k)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
    ### END SOLUTION


# %% tests id=test_adam points=3
theta, grad = np.array([1.0, -1.0]), np.array([0.5, -2.0])
out1 = adam_step(theta, grad, np.zeros(2), np.zeros(2), k=1, lr=0.1)
call = "adam_step(theta, grad, m=0, v=0, k=1, lr=0.1)"
inputs = {"theta": theta, "grad": grad}
check_tuple(call, out1, 3)
check_array(call + "[1] (m = 0.1 grad)", out1[1], np.array([0.05, -0.2]), inputs=inputs)
check_array(call + "[2] (v = 0.001 grad**2)", out1[2], np.array([0.00025, 0.004]), inputs=inputs)
check_array(
    call + "[0] (theta moves by lr: bias-corrected)", out1[0], np.array([0.9, -0.9]), inputs=inputs
)
theta1, m1, v1 = out1
out2 = adam_step(theta1, grad, m1, v1, k=2, lr=0.1)  # the same gradient again, step 2
call = "adam_step(theta1, grad, m1, v1, k=2, lr=0.1)"
inputs = {"theta1": theta1, "grad": grad, "m1": m1, "v1": v1}
check_tuple(call, out2, 3)
check_array(call + "[1] (m)", out2[1], np.array([0.095, -0.38]), inputs=inputs)
check_array(call + "[2] (v)", out2[2], np.array([0.00049975, 0.007996]), inputs=inputs)
check_array(call + "[0] (theta moves by lr again)", out2[0], np.array([0.8, -0.8]), inputs=inputs)
### BEGIN HIDDEN TESTS
_own(adam_step)
_rng = np.random.default_rng(303)
with _without_nnlib():
    for _k in (1, 2, 7, 100):
        _t, _g, _m = (_rng.standard_normal(4) for _ in range(3))
        _v = _rng.uniform(0, 1, size=4)
        _copies = [_a.copy() for _a in (_t, _g, _m, _v)]
        _out = adam_step(_t, _g, _m, _v, k=_k, lr=0.01)
        _wm, _wv = 0.9 * _copies[2] + 0.1 * _copies[1], 0.999 * _copies[3] + 0.001 * _copies[1] ** 2
        _want = _copies[0] - 0.01 * (_wm / (1 - 0.9**_k)) / (np.sqrt(_wv / (1 - 0.999**_k)) + 1e-8)
        _call = f"adam_step(theta, grad, m, v, k={_k}, lr=0.01)"
        check_tuple(_call, _out, 3)
        check_array(_call + "[1] (m)", _out[1], _wm, rtol=1e-12)
        check_array(_call + "[2] (v)", _out[2], _wv, rtol=1e-12)
        check_array(_call + "[0] (theta)", _out[0], _want, rtol=1e-10)
        for _label, _a, _c in zip(
            ("theta", "grad", "m", "v"), (_t, _g, _m, _v), _copies, strict=False
        ):
            check_array(f"{_label} after adam_step (modified in place)", _a, _c, rtol=0)
    # other betas: the correction uses the betas it is given
    _t, _g = _rng.standard_normal(3), _rng.standard_normal(3)
    _out = adam_step(_t, _g, np.zeros(3), np.zeros(3), k=3, lr=0.1, beta1=0.5, beta2=0.9)
    _wm, _wv = 0.5 * _g, 0.1 * _g**2
    _want = _t - 0.1 * (_wm / (1 - 0.5**3)) / (np.sqrt(_wv / (1 - 0.9**3)) + 1e-8)
    check_tuple("adam_step(..., k=3, beta1=0.5, beta2=0.9)", _out, 3)
    check_array("adam_step(..., k=3, beta1=0.5, beta2=0.9)[0]", _out[0], _want, rtol=1e-10)
### END HIDDEN TESTS

# %% [markdown] locked id=schedule_intro
# ## Part 4: a step schedule (2 points)
#
# The learning rate starts at `lr0` at epoch 0 and is multiplied by `drop` every `every` epochs:
# epochs `0 .. every-1` use `lr0`, epochs `every .. 2*every-1` use `lr0 * drop`, and so on.
# Return a Python `float`.


# %% solution id=schedule
def step_schedule(epoch, lr0, drop=0.5, every=10):
    """Learning rate at `epoch` (0, 1, 2, ...): lr0 * drop ** (epoch // every)."""
    ### BEGIN SOLUTION
    return float(lr0 * drop ** (epoch // every))
    ### END SOLUTION


# %% tests id=test_schedule points=2
for epoch, want in [(0, 0.1), (9, 0.1), (10, 0.05), (19, 0.05), (20, 0.025), (25, 0.025)]:
    check_scalar(f"step_schedule({epoch}, 0.1)", step_schedule(epoch, 0.1), want, rtol=1e-12)
check_scalar(
    "step_schedule(3, 1.0, drop=0.1, every=1)",
    step_schedule(3, 1.0, drop=0.1, every=1),
    0.001,
    rtol=1e-12,
)
### BEGIN HIDDEN TESTS
_own(step_schedule)
with _without_nnlib():
    for _every in (1, 3, 10):
        for _epoch in range(0, 4 * _every + 1):
            _want = 0.2 * 0.1 ** (_epoch // _every)
            check_scalar(
                f"step_schedule({_epoch}, 0.2, drop=0.1, every={_every})",
                step_schedule(_epoch, 0.2, drop=0.1, every=_every),
                _want,
                rtol=1e-12,
            )
    check_scalar(
        "step_schedule(7, 1, drop=0.5, every=2) (integer lr0)",
        step_schedule(7, 1, drop=0.5, every=2),
        0.125,
        rtol=1e-12,
    )
### END HIDDEN TESTS

# %% [markdown] locked id=race_intro
# ## Part 5: putting it together, Adam against gradient descent (3 points)
#
# The cell below builds a small classifier of the two spirals of `nnlib.data.spirals`: a network
# with 16 tanh units and a softmax output, whose parameters all live in **one flat vector**
# `theta`, so that your step functions apply to it unchanged. `spirals_problem(X, y)` returns
# `loss_and_grad`, a function `theta -> (mean cross-entropy as a float, its gradient)`, and the
# starting vector `theta0`.
#
# Write `train(loss_and_grad, theta0, method, steps, lr)` that runs `steps` steps of `method`
# from `theta0` and returns the tuple `(theta, losses)`: the final parameters and the Python list
# of the `steps` losses evaluated *before* each step. `method` is `"sgd"`
# ($\theta \leftarrow \theta - \eta g$), `"momentum"`, `"rmsprop"` or `"adam"` (**your** step
# functions with their default hyper-parameters, state starting at zero, Adam counting
# $k = 1, 2, \dots$). Leave `theta0` unchanged.
#
# The tests race the two extremes with the same learning rate 0.05: after 200 steps Adam must be
# below a loss of 0.1 and plain gradient descent is still above 0.2. (Why? The chapter's section
# on RMSProp has the answer: per-coordinate step sizes.)

# %% locked id=spirals
X_spirals, y_spirals = nnlib.data.spirals(200, classes=2, noise=0.2, rng=0)


def spirals_problem(X, y, hidden=16, seed=0):
    """(loss_and_grad, theta0) of a 2-hidden-2 tanh network with softmax cross-entropy on (X, y).

    theta = W1, b1, W2, b2 flattened and concatenated; W1 ~ N(0, 1/2), W2 ~ N(0, 1/hidden).
    """
    shapes = [(2, hidden), (hidden,), (hidden, 2), (2,)]
    splits = np.cumsum([int(np.prod(shape)) for shape in shapes])[:-1]
    targets = np.eye(2)[y]

    def loss_and_grad(theta):
        W1, b1, W2, b2 = (
            p.reshape(s) for p, s in zip(np.split(theta, splits), shapes, strict=False)
        )
        A = np.tanh(X @ W1 + b1)
        Z = A @ W2 + b2
        E = np.exp(Z - Z.max(axis=1, keepdims=True))
        P = E / E.sum(axis=1, keepdims=True)
        loss = float(-np.mean(np.log(P[np.arange(len(y)), y])))
        dZ = (P - targets) / len(y)
        dA = dZ @ W2.T * (1 - A**2)
        grads = [X.T @ dA, dA.sum(axis=0), A.T @ dZ, dZ.sum(axis=0)]
        return loss, np.concatenate([g.ravel() for g in grads])

    init = np.random.default_rng(seed)
    W1 = init.normal(0.0, np.sqrt(1 / 2), size=shapes[0])
    W2 = init.normal(0.0, np.sqrt(1 / hidden), size=shapes[2])
    theta0 = np.concatenate([W1.ravel(), np.zeros(hidden), W2.ravel(), np.zeros(2)])
    return loss_and_grad, theta0


# %% solution id=race
def train(loss_and_grad, theta0, method, steps, lr):
    """(final theta, [loss before step 1, ..., loss before step `steps`]) for one method."""
    ### BEGIN SOLUTION
    theta = theta0.copy()
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    losses = []
    for k in range(1, steps + 1):
        loss, grad = loss_and_grad(theta)
        losses.append(loss)
        if method == "sgd":
            theta = theta - lr * grad
        elif method == "momentum":
            theta, m = momentum_step(theta, grad, m, lr)
        elif method == "rmsprop":
            theta, v = rmsprop_step(theta, grad, v, lr)
        elif method == "adam":
            theta, m, v = adam_step(theta, grad, m, v, k, lr)
        else:
            raise ValueError(f"unknown method {method!r}: 'sgd', 'momentum', 'rmsprop' or 'adam'")
    return theta, losses
    ### END SOLUTION


# %% tests id=test_race points=3
loss_and_grad, theta0 = spirals_problem(X_spirals, y_spirals)
start = theta0.copy()
final_loss = {}
for method in ("sgd", "adam"):
    call = f'train(loss_and_grad, theta0, "{method}", steps=200, lr=0.05)'
    out = train(loss_and_grad, theta0, method, steps=200, lr=0.05)
    check_tuple(call, out, 2)
    check_shape(call + "[0] (theta)", out[0], theta0.shape, dtype=np.float64)
    check_list(call + "[1] (losses)", out[1], 200)
    check_scalar(call + "[1][0] (the loss at theta0)", out[1][0], loss_and_grad(start)[0])
    final_loss[method] = loss_and_grad(out[0])[0]
check_array("theta0 after train (train must not modify it)", theta0, start, rtol=0)
check_at_most("the loss after 200 Adam steps (lr 0.05)", final_loss["adam"], 0.1)
check_at_least("the loss after 200 gradient-descent steps (lr 0.05)", final_loss["sgd"], 0.2)
### BEGIN HIDDEN TESTS
_own(train)
_X, _y = nnlib.data.spirals(160, classes=2, noise=0.2, rng=1)
with _without_nnlib():
    # the race again on other spirals, another width and another start
    _lg, _t0 = spirals_problem(_X, _y, hidden=12, seed=1)
    for _method in ("sgd", "adam"):
        _call = f'train(loss_and_grad, theta0, "{_method}", steps=200, lr=0.05) on other spirals'
        _out = train(_lg, _t0, _method, steps=200, lr=0.05)
        check_tuple(_call, _out, 2)
        check_shape(_call + "[0] (theta)", _out[0], _t0.shape, dtype=np.float64)
        check_list(_call + "[1] (losses)", _out[1], 200)
        for _i in range(200):
            check_type(_call + f"[1][{_i}]", _out[1][_i], float)
        if _method == "adam":
            check_at_most(_call + ": the final loss", _lg(_out[0])[0], 0.1)
        else:
            check_at_least(_call + ": the final loss", _lg(_out[0])[0], 0.2)
    # the loop itself: three steps of each method are your step functions applied in turn
    _start = _t0.copy()
    for _method in ("sgd", "momentum", "rmsprop", "adam"):
        _theta, _m, _v, _want_losses = _start.copy(), np.zeros_like(_t0), np.zeros_like(_t0), []
        for _k in (1, 2, 3):
            _loss, _g = _lg(_theta)
            _want_losses.append(_loss)
            if _method == "sgd":
                _theta = _theta - 0.3 * _g
            elif _method == "momentum":
                _theta, _m = momentum_step(_theta, _g, _m, 0.3)
            elif _method == "rmsprop":
                _theta, _v = rmsprop_step(_theta, _g, _v, 0.3)
            else:
                _theta, _m, _v = adam_step(_theta, _g, _m, _v, _k, 0.3)
        _call = f'train(loss_and_grad, theta0, "{_method}", steps=3, lr=0.3)'
        _out = train(_lg, _t0, _method, steps=3, lr=0.3)
        check_tuple(_call, _out, 2)
        check_array(
            _call + "[0] (theta after 3 steps of your step function)",
            _out[0],
            _theta,
            rtol=1e-10,
            atol=1e-14,
        )
        check_list(_call + "[1]", _out[1], 3)
        for _i in range(3):
            check_scalar(_call + f"[1][{_i}]", _out[1][_i], _want_losses[_i], rtol=1e-10)
        check_array("theta0 after train (modified in place)", _t0, _start, rtol=0)
### END HIDDEN TESTS

# %% [markdown] locked id=hand_intro
# ## Part 6: two momentum steps by hand, on your numbers (4 points)
#
# A single parameter starts at $\theta_0$ with $m_0 = 0$ and receives the gradients $g_1$, then
# $g_2$; each step is Part 1's: $m \leftarrow \gamma m + (1 - \gamma) g$, then
# $\theta \leftarrow \theta - \eta m$, with $\gamma = 0.9$. The numbers `HAND` (a dict with
# `theta0`, `g1`, `g2`, `lr`) are **your variant**, printed by the variant cell above (every
# student has their own). Compute by hand (a calculator is fine) and write `hand_momentum()`: the
# tuple of Python floats $(\theta_1, \theta_2)$, to at least six significant digits.


# %% solution id=hand
def hand_momentum():
    """(theta1, theta2) after two momentum steps from your numbers HAND, as floats."""
    ### BEGIN SOLUTION
    lr, m = HAND["lr"], 0.1 * HAND["g1"]
    theta1 = HAND["theta0"] - lr * m
    m = 0.9 * m + 0.1 * HAND["g2"]
    return (theta1, theta1 - lr * m)
    ### END SOLUTION


# %% tests id=test_hand points=4
answer = hand_momentum()
check_tuple("hand_momentum()", answer, 2)
hand_theta1 = HAND["theta0"] - HAND["lr"] * 0.1 * HAND["g1"]
check_scalar(
    "hand_momentum()[0] (theta1)", answer[0], hand_theta1, rtol=1e-5, inputs={"HAND": HAND}
)
### BEGIN HIDDEN TESTS
_v = _variant("HAND")
with _without_nnlib():
    _g = hand_momentum()
check_tuple("hand_momentum()", _g, 2)
_m1 = (1 - 0.9) * _v["g1"]
_t1 = _v["theta0"] - _v["lr"] * _m1
_t2 = _t1 - _v["lr"] * (0.9 * _m1 + (1 - 0.9) * _v["g2"])
_wants = [("theta1", _t1), ("theta2", _t2)]
for _k, (_label, _want) in enumerate(_wants):
    check_scalar(
        f"hand_momentum()[{_k}] ({_label})",
        _g[_k],
        _want,
        rtol=1e-5,
        atol=1e-9,
        inputs={"HAND": _v},
    )
### END HIDDEN TESTS

# %% [markdown] locked id=why_intro
# ## Part 7: why bias correction? (2 points, graded by hand)
#
# In three or four sentences, or with a small plot of $|\Delta\theta|$ over the first 20 steps
# with and without correction: what goes wrong in Adam's first steps without the bias
# correction, and why does it matter less after a few hundred steps?

# %% [markdown] manual id=why_answer points=2
# With $m_0 = v_0 = 0$ the averages start biased towards zero: after one step $m = 0.1 g$ and
# $v = 0.001 g^2$, so the uncorrected step is $0.1 g / (0.032 |g|) \approx 3.2\eta$ in size and
# the early steps are erratic (their size depends on how the two biases happen to combine).
# Dividing by $1 - \beta^k$ makes both averages unbiased, so the first step has size $\eta$.
# Since $\beta^k \to 0$ the correction factors tend to 1: after a few hundred steps (a few
# thousand for $\beta_2 = 0.999$) they no longer change anything.
