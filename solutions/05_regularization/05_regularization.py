# %% [markdown] locked id=intro
# # Assignment 5: Regularization
#
# You will implement inverted dropout, the L2 penalty and its gradient, early stopping with
# patience, and the forward pass of batch normalization in training and in evaluation mode.
#
# **Rules.** Write each function yourself with NumPy. A part answered by importing or wrapping
# `nnlib`'s implementation earns no points. Run the visible tests below each part while you work;
# the grader also runs hidden tests on random inputs. Do not edit the test cells: the grader
# restores them anyway. A batch is the first axis, `x.shape == (N, D)`.

# %% locked id=setup
import numpy as np

import nnlib

rng = np.random.default_rng(0)

# %% [markdown] locked id=dropout_intro
# ## Part 1: inverted dropout (2 points)
#
# In training, each entry of `x` is dropped (set to 0) with probability `p` and the kept entries
# are scaled by $1/(1-p)$, so that the expected output equals `x`. Draw the mask exactly as
# `keep = rng.random(x.shape) >= p` (one call). In evaluation (`training=False`) return `x`
# unchanged. The output keeps the dtype of `x`.

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
### BEGIN HIDDEN TESTS
#: include nnlib_guard.py


### END HIDDEN TESTS
x = np.ones((4, 5))
out = dropout_forward(x, 0.5, np.random.default_rng(1))
assert out.shape == x.shape and set(np.unique(out)) <= {0.0, 2.0}
assert dropout_forward(x, 0.5, np.random.default_rng(1), training=False) is x
### BEGIN HIDDEN TESTS
_own(dropout_forward)
with _without_nnlib():
    for _seed, _p, _shape in [(1, 0.5, (3, 4)), (2, 0.2, (50, 7)), (3, 0.9, (10, 10))]:
        for _dtype in (np.float64, np.float32):
            _x = np.random.default_rng(_seed + 10).standard_normal(_shape).astype(_dtype)
            _out = dropout_forward(_x, _p, np.random.default_rng(_seed))
            _keep = np.random.default_rng(_seed).random(_shape) >= _p
            _check_shape_dtype(_out, _x)
            _tol = 1e-6 if _dtype == np.float32 else 1e-12
            assert np.allclose(_out, np.where(_keep, _x / (1 - _p), 0), rtol=_tol), (
                "not inverted dropout with the mask rng.random(x.shape) >= p"
            )
    _big = np.ones(200_000)
    _mean = dropout_forward(_big, 0.3, np.random.default_rng(5)).mean()
    assert abs(_mean - 1) < 0.01, "the expected output must equal the input"
### END HIDDEN TESTS

# %% [markdown] locked id=l2_intro
# ## Part 2: the L2 penalty and its gradient (2 points)
#
# For a list of weight arrays, the penalty is $\frac{\lambda}{2} \sum_\ell \lVert W_\ell
# \rVert_F^2$ (a Python `float`) and its gradient with respect to each $W_\ell$ is
# $\lambda W_\ell$. Return the penalty and the list of gradients.

# %% solution id=l2
def l2_penalty(weights, lam):
    """(lam / 2 * sum of squared entries, [lam * W for each W])."""
    ### BEGIN SOLUTION
    penalty = 0.5 * lam * sum(float(np.sum(W**2)) for W in weights)
    return penalty, [lam * W for W in weights]
    ### END SOLUTION

# %% tests id=test_l2 points=2
penalty, grads = l2_penalty([np.array([[1.0, 2.0]]), np.array([3.0])], lam=0.1)
assert isinstance(penalty, float) and np.isclose(penalty, 0.7)
assert np.allclose(grads[0], [[0.1, 0.2]])
### BEGIN HIDDEN TESTS
_own(l2_penalty)
_rng = np.random.default_rng(202)
with _without_nnlib():
    _ws = [_rng.standard_normal(s) for s in [(3, 4), (4,), (4, 2)]]
    for _lam in (0.0, 0.01, 2.5):
        _pen, _grads = l2_penalty(_ws, _lam)
        assert isinstance(_pen, float), "the penalty must be a Python float"
        assert np.isclose(_pen, _lam / 2 * sum(np.sum(_w**2) for _w in _ws)), "wrong penalty"
        assert len(_grads) == len(_ws)
        for _w, _g in zip(_ws, _grads):
            _check_shape_dtype(_g, _w)
            _fd = np.zeros_like(_w)
            for _i in np.ndindex(_w.shape):
                _old = _w[_i]
                _w[_i] = _old + 1e-6
                _up = _lam / 2 * sum(np.sum(_v**2) for _v in _ws)
                _w[_i] = _old - 1e-6
                _down = _lam / 2 * sum(np.sum(_v**2) for _v in _ws)
                _w[_i] = _old
                _fd[_i] = (_up - _down) / 2e-6
            assert np.allclose(_g, _fd, atol=1e-6), "the gradient is not that of the penalty"
### END HIDDEN TESTS

# %% [markdown] locked id=early_intro
# ## Part 3: early stopping with patience (2 points)
#
# Given the validation loss after each epoch `0, 1, 2, ...`, training stops at the first epoch
# at which `patience` epochs have passed since the best (lowest) loss so far, that is when
# `epoch - best_epoch == patience`. An epoch improves only if its loss is strictly lower than the
# best so far. Return `(best_epoch, stop_epoch)`; if training never stops early,
# `stop_epoch` is the last epoch.

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
assert early_stopping([3.0, 2.0, 1.0, 1.5, 1.2, 1.1, 0.9], patience=3) == (2, 5)
assert early_stopping([3.0, 2.0, 1.0], patience=2) == (2, 2)
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
        _losses = list(np.round(1 / np.arange(1, 31) + 0.05 * _rng.standard_normal(30), 2))
        for _patience in (1, 2, 5):
            assert early_stopping(_losses, _patience) == _ref_early(_losses, _patience), (
                f"wrong for patience={_patience} on {_losses}"
            )
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
x = np.array([[1.0, 2.0], [3.0, 6.0]])
out, rm, rv = batchnorm_forward(x, np.ones(2), np.zeros(2), np.zeros(2), np.ones(2), True)
assert np.allclose(out, [[-1.0, -1.0], [1.0, 1.0]], atol=1e-4)
assert np.allclose(rm, [0.2, 0.4])
### BEGIN HIDDEN TESTS
_own(batchnorm_forward)
_rng = np.random.default_rng(404)
assert np.allclose(rv, [0.9 + 0.1 * 2.0, 0.9 + 0.1 * 8.0]), "running variance must be unbiased"
with _without_nnlib():
    for _n, _d in [(4, 3), (16, 5)]:
        _x = 3 + 2 * _rng.standard_normal((_n, _d))
        _g, _b = _rng.standard_normal(_d), _rng.standard_normal(_d)
        _rm, _rv = _rng.standard_normal(_d), _rng.uniform(0.5, 2, _d)
        _before = [_a.copy() for _a in (_x, _rm, _rv)]
        _out, _nrm, _nrv = batchnorm_forward(_x, _g, _b, _rm, _rv, True, momentum=0.2)
        assert all(np.array_equal(_a, _c) for _a, _c in zip((_x, _rm, _rv), _before)), (
            "batchnorm_forward modified its inputs"
        )
        _mu, _var = _x.mean(axis=0), _x.var(axis=0)
        _check_shape_dtype(_out, _x)
        assert np.allclose(_out, _g * (_x - _mu) / np.sqrt(_var + 1e-5) + _b), "wrong output"
        assert np.allclose(_nrm, 0.8 * _rm + 0.2 * _mu), "wrong running mean"
        assert np.allclose(_nrv, 0.8 * _rv + 0.2 * _x.var(axis=0, ddof=1)), "wrong running var"
### END HIDDEN TESTS

# %% tests id=test_batchnorm_eval points=2
out, rm2, rv2 = batchnorm_forward(x, np.ones(2), np.zeros(2), rm, rv, False)
assert out.shape == x.shape
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(505)
with _without_nnlib():
    for _n in (1, 3, 8):
        _x = _rng.standard_normal((_n, 4))
        _g, _b = _rng.standard_normal(4), _rng.standard_normal(4)
        _rm, _rv = _rng.standard_normal(4), _rng.uniform(0.5, 2, 4)
        _out, _nrm, _nrv = batchnorm_forward(_x, _g, _b, _rm, _rv, False)
        _check_shape_dtype(_out, _x)
        assert np.allclose(_out, _g * (_x - _rm) / np.sqrt(_rv + 1e-5) + _b), (
            "evaluation must normalize with the running averages"
        )
        assert np.array_equal(_nrm, _rm) and np.array_equal(_nrv, _rv), "eval changed the stats"
### END HIDDEN TESTS

# %% [markdown] locked id=why_intro
# ## Part 5: dropout at test time (2 points, graded by hand)
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
