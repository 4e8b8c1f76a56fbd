# %% [markdown] locked id=intro
# # Assignment 6: Initialization
#
# You will implement Xavier (Glorot) and He (Kaiming) initialization, measure how activations
# and gradients change from layer to layer in a deep network, and use those statistics to
# diagnose vanishing and exploding gradients.
#
# **Rules.** Write each function yourself with NumPy. A part answered by importing or wrapping
# `nnlib`'s implementation earns no points. Run the visible tests below each part while you work;
# the grader also runs hidden tests on random inputs. Do not edit the test cells: the grader
# restores them anyway. A weight matrix has shape `(fan_in, fan_out)`; a layer computes
# `H @ W` (no bias in this assignment).

# %% locked id=setup
import numpy as np

import nnlib

rng = np.random.default_rng(0)


def tanh_prime(z):
    return 1 - np.tanh(z) ** 2

# %% [markdown] locked id=xavier_intro
# ## Part 1: Xavier uniform (2 points)
#
# Draw from $\mathcal{U}(-a, a)$ with $a = \sqrt{6 / (\text{fan\_in} + \text{fan\_out})}$, so
# that the variance is $2 / (\text{fan\_in} + \text{fan\_out})$. Use exactly one call,
# `rng.uniform(-a, a, size=(fan_in, fan_out))`.

# %% solution id=xavier
def xavier_uniform(fan_in, fan_out, rng):
    """Glorot uniform weights of shape (fan_in, fan_out)."""
    ### BEGIN SOLUTION
    a = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))
    ### END SOLUTION

# %% tests id=test_xavier points=2
### BEGIN HIDDEN TESTS
#: include nnlib_guard.py


### END HIDDEN TESTS
W = xavier_uniform(3, 5, np.random.default_rng(1))
assert W.shape == (3, 5) and np.all(np.abs(W) <= np.sqrt(6 / 8))
### BEGIN HIDDEN TESTS
_own(xavier_uniform)
with _without_nnlib():
    for _seed, (_i, _o) in enumerate([(3, 5), (100, 10), (64, 64)]):
        _W = xavier_uniform(_i, _o, np.random.default_rng(_seed))
        _a = np.sqrt(6.0 / (_i + _o))
        _want = np.random.default_rng(_seed).uniform(-_a, _a, size=(_i, _o))
        _check_shape_dtype(_W, _want)
        assert np.allclose(_W, _want), "not U(-a, a) with a = sqrt(6 / (fan_in + fan_out))"
    _big = xavier_uniform(400, 600, np.random.default_rng(9))
    assert abs(_big.var() / (2 / 1000) - 1) < 0.02, "the variance must be 2 / (fan_in + fan_out)"
### END HIDDEN TESTS

# %% [markdown] locked id=he_intro
# ## Part 2: He normal (2 points)
#
# For ReLU networks draw from $\mathcal{N}(0, 2 / \text{fan\_in})$ with one call,
# `rng.normal(0.0, std, size=(fan_in, fan_out))`.

# %% solution id=he
def he_normal(fan_in, fan_out, rng):
    """He (Kaiming) normal weights of shape (fan_in, fan_out)."""
    ### BEGIN SOLUTION
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
    ### END SOLUTION

# %% tests id=test_he points=2
W = he_normal(8, 4, np.random.default_rng(1))
assert W.shape == (8, 4)
### BEGIN HIDDEN TESTS
_own(he_normal)
with _without_nnlib():
    for _seed, (_i, _o) in enumerate([(8, 4), (50, 200), (32, 32)]):
        _W = he_normal(_i, _o, np.random.default_rng(_seed))
        _want = np.random.default_rng(_seed).normal(0.0, np.sqrt(2.0 / _i), size=(_i, _o))
        _check_shape_dtype(_W, _want)
        assert np.allclose(_W, _want), "not N(0, 2 / fan_in)"
### END HIDDEN TESTS

# %% [markdown] locked id=stats_intro
# ## Part 3: activation statistics per layer (2 points)
#
# Run a batch `X` through the layers `weights` (a list of matrices):
# $H_0 = X$, $H_\ell = \varphi(H_{\ell-1} W_\ell)$. Return the list of the standard deviations
# of $H_1, \dots, H_L$ (over all entries), as Python floats.

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
stats = forward_stats(np.ones((2, 2)), [np.eye(2), -np.eye(2)], np.tanh)
assert len(stats) == 2 and all(isinstance(s, float) for s in stats)
### BEGIN HIDDEN TESTS
_own(forward_stats)
_rng = np.random.default_rng(303)
with _without_nnlib():
    for _act in (np.tanh, lambda z: np.maximum(z, 0)):
        _X = _rng.standard_normal((20, 6))
        _ws = [0.8 * _rng.standard_normal((6, 6)) for _ in range(5)]
        _got = forward_stats(_X, _ws, _act)
        _want, _H = [], _X
        for _W in _ws:
            _H = _act(_H @ _W)
            _want.append(_H.std())
        assert len(_got) == len(_ws) and all(isinstance(s, float) for s in _got)
        assert np.allclose(_got, _want), "wrong statistics (of the activations after phi?)"
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
norms = delta_norms(np.ones((1, 1)), [np.array([[2.0]])], lambda z: z, lambda z: np.ones_like(z))
assert len(norms) == 1 and np.isclose(norms[0], 2.0)
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
    _want, _H = [], _X
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
        _want.append(np.linalg.norm(_fd))
        _H = np.tanh(_Z)
    assert len(_got) == 3 and all(isinstance(n, float) for n in _got), "a list of 3 floats"
    assert np.allclose(_got, _want, rtol=1e-6), "error signal norms disagree with finite differences"
### END HIDDEN TESTS

# %% [markdown] locked id=diagnose_intro
# ## Part 5: diagnosis (1 point)
#
# From the error-signal norms of Part 4 (input layer first), return `"vanishing"` when the first
# layer's norm is less than 1/100 of the last layer's, `"exploding"` when it is more than 100
# times larger, and `"healthy"` otherwise.

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
assert diagnose([1.0, 1.0, 1.0]) == "healthy"
### BEGIN HIDDEN TESTS
_own(diagnose)
with _without_nnlib():
    assert diagnose([1e-5, 1e-3, 1.0]) == "vanishing"
    assert diagnose([500.0, 20.0, 1.0]) == "exploding"
    assert diagnose([0.5, 2.0, 10.0]) == "healthy"
    assert diagnose([3.0, 0.1]) == "healthy"
### END HIDDEN TESTS

# %% [markdown] locked id=why_intro
# ## Part 6: reading the statistics (2 points, graded by hand)
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
