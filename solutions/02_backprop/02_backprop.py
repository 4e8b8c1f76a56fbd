# %% [markdown] locked id=intro
# # Assignment 2: Backpropagation
#
# You will write the backward pass of a dense layer, of the tanh activation and of the
# mean squared error, chain them into the gradients of a small network, and check those
# gradients against finite differences that you also implement.
#
# **Rules.** Write each function yourself with NumPy. A part answered by importing or wrapping
# `nnlib`'s implementation earns no points. Run the visible tests below each part while you work;
# the grader also runs hidden tests on random inputs. Do not edit the test cells: the grader
# restores them anyway. Conventions are nnlib's: a batch is the first axis, `X.shape == (N, D)`,
# a dense layer computes `Z = X @ W + b` with `W.shape == (D, H)` and `b.shape == (H,)`.

# %% locked id=setup
import numpy as np

import nnlib

rng = np.random.default_rng(0)

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
### BEGIN HIDDEN TESTS
#: include nnlib_guard.py


### END HIDDEN TESTS
dX, dW, db = dense_backward(
    np.array([[1.0, 2.0]]), np.array([[1.0], [1.0]]), np.array([0.0]), np.array([[1.0]])
)
assert np.allclose(dX, [[1.0, 1.0]]) and np.allclose(dW, [[1.0], [2.0]]) and np.allclose(db, [1.0])
### BEGIN HIDDEN TESTS
_own(dense_backward)
_rng = np.random.default_rng(202)
with _without_nnlib():
    for _n, _d, _h in [(1, 3, 2), (5, 4, 7), (8, 2, 3)]:
        _X, _W = _rng.standard_normal((_n, _d)), _rng.standard_normal((_d, _h))
        _b, _G = _rng.standard_normal(_h), _rng.standard_normal((_n, _h))
        _dX, _dW, _db = dense_backward(_X, _W, _b, _G)
        for _got, _like in [(_dX, _X), (_dW, _W), (_db, _b)]:
            _check_shape_dtype(np.asarray(_got), _like)
        assert np.allclose(_dX, _G @ _W.T), "dX is wrong"
        assert np.allclose(_dW, _X.T @ _G), "dW is wrong"
        assert np.allclose(_db, _G.sum(axis=0)), "db is wrong: the bias is shared by the batch"
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
assert np.allclose(tanh_backward(np.zeros(3), np.array([1.0, 2.0, 3.0])), [1.0, 2.0, 3.0])
### BEGIN HIDDEN TESTS
_own(tanh_backward)
_rng = np.random.default_rng(303)
with _without_nnlib():
    for _shape in [(4,), (3, 5)]:
        _Z, _dA = 2 * _rng.standard_normal(_shape), _rng.standard_normal(_shape)
        _got = tanh_backward(_Z, _dA)
        _check_shape_dtype(_got, _Z)
        _h = 1e-6
        _fd = _dA * (np.tanh(_Z + _h) - np.tanh(_Z - _h)) / (2 * _h)
        assert np.allclose(_got, _fd, atol=1e-8), "tanh_backward disagrees with finite differences"
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
loss, grad = mse_loss(np.array([[1.0], [3.0]]), np.array([[0.0], [1.0]]))
assert isinstance(loss, float) and np.isclose(loss, 1.25)
assert np.allclose(grad, [[0.5], [1.0]])
### BEGIN HIDDEN TESTS
_own(mse_loss)
_rng = np.random.default_rng(404)
with _without_nnlib():
    for _n, _k in [(1, 1), (6, 3), (10, 2)]:
        _P, _T = _rng.standard_normal((_n, _k)), _rng.standard_normal((_n, _k))
        _loss, _grad = mse_loss(_P, _T)
        assert isinstance(_loss, float), "the loss must be a Python float"
        assert np.isclose(_loss, 0.5 * np.sum((_P - _T) ** 2) / _n), "the loss value is wrong"
        _check_shape_dtype(_grad, _P)
        assert np.allclose(_grad, (_P - _T) / _n), "the gradient is wrong"
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
params = [rng.standard_normal(s) for s in [(3, 4), (4,), (4, 2), (2,)]]
loss, grads = mlp_gradients(rng.standard_normal((5, 3)), rng.standard_normal((5, 2)), *params)
assert [g.shape for g in grads] == [p.shape for p in params]
### BEGIN HIDDEN TESTS
_own(mlp_gradients)
_rng = np.random.default_rng(505)


def _ref_loss(X, Y, W1, b1, W2, b2):
    return 0.5 * np.sum((np.tanh(X @ W1 + b1) @ W2 + b2 - Y) ** 2) / X.shape[0]


with _without_nnlib():
    for _d, _h, _k in [(2, 3, 1), (4, 5, 2)]:
        _X, _Y = _rng.standard_normal((7, _d)), _rng.standard_normal((7, _k))
        _p = [_rng.standard_normal(s) for s in [(_d, _h), (_h,), (_h, _k), (_k,)]]
        _loss, _grads = mlp_gradients(_X, _Y, *_p)
        assert np.isclose(_loss, _ref_loss(_X, _Y, *_p)), "the loss is wrong"
        for _i, (_param, _g) in enumerate(zip(_p, _grads)):
            _fd = np.zeros_like(_param)
            for _j in np.ndindex(_param.shape):
                _old = _param[_j]
                _param[_j] = _old + 1e-6
                _up = _ref_loss(_X, _Y, *_p)
                _param[_j] = _old - 1e-6
                _down = _ref_loss(_X, _Y, *_p)
                _param[_j] = _old
                _fd[_j] = (_up - _down) / 2e-6
            _check_shape_dtype(np.asarray(_g), _param)
            assert np.allclose(_g, _fd, atol=1e-7), f"gradient {_i} fails the gradient check"
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
assert np.allclose(numerical_gradient(lambda v: float(np.sum(v**2)), x), [2.0, 4.0, 6.0])
assert np.array_equal(x, [1.0, 2.0, 3.0])
### BEGIN HIDDEN TESTS
_own(numerical_gradient)
_rng = np.random.default_rng(606)
with _without_nnlib():
    for _shape in [(5,), (3, 4)]:
        _x = _rng.uniform(0.5, 2.0, size=_shape)
        _copy = _x.copy()
        _got = numerical_gradient(lambda v: float(np.sum(np.sin(v) * v**3)), _x)
        assert np.array_equal(_x, _copy), "numerical_gradient changed x"
        _check_shape_dtype(_got, _x)
        _exact = np.cos(_x) * _x**3 + 3 * np.sin(_x) * _x**2
        assert np.allclose(_got, _exact, rtol=1e-8, atol=1e-8), "not central differences?"
### END HIDDEN TESTS

# %% [markdown] locked id=why_intro
# ## Part 6: reading a gradient check (2 points, graded by hand)
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
