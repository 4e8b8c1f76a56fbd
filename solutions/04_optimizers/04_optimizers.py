# %% [markdown] locked id=intro
# # Assignment 4: Optimizers
#
# You will implement one update step of momentum, RMSProp and Adam (with its bias correction),
# a step learning-rate schedule, and a loop that runs Adam from its initial state.
#
# **Rules.** Write each function yourself with NumPy. A part answered by importing or wrapping
# `nnlib`'s implementation earns no points. Run the visible tests below each part while you work;
# the grader also runs hidden tests on random inputs. Do not edit the test cells: the grader
# restores them anyway. Every step function is *pure*: it returns the new parameters and the new
# optimizer state and never modifies its arguments in place.

# %% locked id=setup
import numpy as np

import nnlib

rng = np.random.default_rng(0)

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
### BEGIN HIDDEN TESTS
#: include nnlib_guard.py


### END HIDDEN TESTS
theta, m = momentum_step(np.array([1.0]), np.array([2.0]), np.array([0.0]), lr=0.1, gamma=0.5)
assert np.allclose(m, [1.0]) and np.allclose(theta, [0.9])
### BEGIN HIDDEN TESTS
_own(momentum_step)
_rng = np.random.default_rng(101)
with _without_nnlib():
    for _shape, _gamma in [((3,), 0.9), ((2, 4), 0.5), ((5,), 0.0)]:
        _t, _g, _m = (_rng.standard_normal(_shape) for _ in range(3))
        _copies = [_a.copy() for _a in (_t, _g, _m)]
        _nt, _nm = momentum_step(_t, _g, _m, lr=0.03, gamma=_gamma)
        _want_m = _gamma * _m + (1 - _gamma) * _g
        _check_shape_dtype(_nt, _t)
        assert np.allclose(_nm, _want_m), "the moving average m is wrong"
        assert np.allclose(_nt, _t - 0.03 * _want_m), "the parameter update is wrong"
        assert all(np.array_equal(_a, _c) for _a, _c in zip((_t, _g, _m), _copies)), "in place"
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
theta, v = rmsprop_step(np.array([1.0]), np.array([2.0]), np.array([0.0]), lr=0.1, alpha=0.75)
assert np.allclose(v, [1.0]) and np.allclose(theta, [0.8])
### BEGIN HIDDEN TESTS
_own(rmsprop_step)
_rng = np.random.default_rng(202)
with _without_nnlib():
    for _shape, _alpha in [((3,), 0.99), ((2, 4), 0.9)]:
        _t, _g = _rng.standard_normal(_shape), _rng.standard_normal(_shape)
        _v = _rng.uniform(0, 2, size=_shape)
        _nt, _nv = rmsprop_step(_t, _g, _v, lr=0.01, alpha=_alpha)
        _want_v = _alpha * _v + (1 - _alpha) * _g**2
        _check_shape_dtype(_nt, _t)
        assert np.allclose(_nv, _want_v), "the moving average of squared gradients is wrong"
        assert np.allclose(_nt, _t - 0.01 * _g / (np.sqrt(_want_v) + 1e-8)), "the step is wrong"
### END HIDDEN TESTS

# %% [markdown] locked id=adam_intro
# ## Part 3: Adam with bias correction (3 points)
#
# At step $k = 1, 2, \dots$ (the first call has `k=1`):
# $m \leftarrow \beta_1 m + (1 - \beta_1) g$, $v \leftarrow \beta_2 v + (1 - \beta_2) g^2$,
# $\hat m = m / (1 - \beta_1^k)$, $\hat v = v / (1 - \beta_2^k)$ and
# $\theta \leftarrow \theta - \eta\, \hat m / (\sqrt{\hat v} + \epsilon)$.
# Return the new $\theta$, $m$ and $v$ (the state keeps the *uncorrected* averages).

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
theta, m, v = adam_step(np.array([1.0]), np.array([0.5]), np.zeros(1), np.zeros(1), k=1, lr=0.1)
assert np.allclose(m, [0.05]) and np.allclose(v, [0.00025])
### BEGIN HIDDEN TESTS
_own(adam_step)
_rng = np.random.default_rng(303)
assert np.allclose(theta, [0.9]), "the first Adam step moves by lr (bias correction)"
with _without_nnlib():
    for _k in (1, 2, 7, 100):
        _t, _g, _m = (_rng.standard_normal(4) for _ in range(3))
        _v = _rng.uniform(0, 1, size=4)
        _nt, _nm, _nv = adam_step(_t, _g, _m, _v, k=_k, lr=0.01)
        _wm, _wv = 0.9 * _m + 0.1 * _g, 0.999 * _v + 0.001 * _g**2
        _want = _t - 0.01 * (_wm / (1 - 0.9**_k)) / (np.sqrt(_wv / (1 - 0.999**_k)) + 1e-8)
        _check_shape_dtype(_nt, _t)
        assert np.allclose(_nm, _wm) and np.allclose(_nv, _wv), "m or v is wrong"
        assert np.allclose(_nt, _want, rtol=1e-10), f"the Adam step is wrong at k={_k}"
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
assert step_schedule(0, 0.1) == 0.1
assert np.isclose(step_schedule(25, 0.1), 0.025)
### BEGIN HIDDEN TESTS
_own(step_schedule)
with _without_nnlib():
    for _every in (1, 3, 10):
        for _epoch in range(0, 4 * _every + 1):
            _got = step_schedule(_epoch, 0.2, drop=0.1, every=_every)
            assert isinstance(_got, float), "return a Python float"
            _want = 0.2 * 0.1 ** (_epoch // _every)
            assert np.isclose(_got, _want, rtol=1e-12), f"wrong rate at epoch {_epoch}"
### END HIDDEN TESTS

# %% [markdown] locked id=run_intro
# ## Part 5: running Adam (2 points)
#
# `run_adam(grad_fn, theta0, steps, lr)` starts from `theta0` with $m = v = 0$ and applies
# `steps` Adam steps (your `adam_step`, default betas), where `grad_fn(theta)` returns the
# gradient. It returns the final parameters and leaves `theta0` unchanged.

# %% solution id=run_adam
def run_adam(grad_fn, theta0, steps, lr):
    """Final parameters after `steps` Adam steps from theta0 (m = v = 0, k = 1, 2, ...)."""
    ### BEGIN SOLUTION
    theta = theta0.copy()
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    for k in range(1, steps + 1):
        theta, m, v = adam_step(theta, grad_fn(theta), m, v, k, lr)
    return theta
    ### END SOLUTION

# %% tests id=test_run_adam points=2
target = np.array([1.0, -2.0])
final = run_adam(lambda t: 2 * (t - target), np.zeros(2), steps=500, lr=0.05)
assert np.allclose(final, target, atol=1e-2)
### BEGIN HIDDEN TESTS
_own(run_adam)


def _ref_run(grad_fn, theta, steps, lr, b1=0.9, b2=0.999, eps=1e-8):
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    for k in range(1, steps + 1):
        g = grad_fn(theta)
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g**2
        theta = theta - lr * (m / (1 - b1**k)) / (np.sqrt(v / (1 - b2**k)) + eps)
    return theta


_rng = np.random.default_rng(404)
with _without_nnlib():
    _A = _rng.standard_normal((3, 3))
    _A = _A @ _A.T + np.eye(3)
    _grad = lambda t: _A @ t - 1.0  # noqa: E731
    for _steps in (1, 3, 40):
        _t0 = _rng.standard_normal(3)
        _copy = _t0.copy()
        _got = run_adam(_grad, _t0, _steps, 0.1)
        assert np.array_equal(_t0, _copy), "run_adam modified theta0"
        assert np.allclose(_got, _ref_run(_grad, _t0, _steps, 0.1), rtol=1e-10), (
            f"wrong parameters after {_steps} steps"
        )
### END HIDDEN TESTS

# %% [markdown] locked id=why_intro
# ## Part 6: why bias correction? (2 points, graded by hand)
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
