# %% [markdown] locked id=intro
# # Assignment 3: Automatic differentiation
#
# You will build forward-mode automatic differentiation with dual numbers, then a small
# reverse-mode engine on scalars that records a computation graph and backpropagates through it
# in topological order, and use it to differentiate a neuron.
#
# **Rules.** Write each class and function yourself with Python and NumPy. A part answered by
# importing, wrapping or subclassing `nnlib`'s implementation earns no points. Run the visible
# tests below each part while you work; the grader also runs hidden tests on random inputs. Do
# not edit the test cells: the grader restores them anyway.

# %% locked id=setup
import math

import numpy as np

import nnlib

rng = np.random.default_rng(0)

# %% [markdown] locked id=dual_intro
# ## Part 1: dual numbers (2 points)
#
# A dual number $a + a'\varepsilon$ with $\varepsilon^2 = 0$ carries a value $a$ and a tangent
# $a'$. Complete `Dual` so that `+`, `-`, `*` and `/` work between duals and between a dual and
# a plain number (on either side; a number is a constant, tangent 0):
# $(a + a'\varepsilon)(b + b'\varepsilon) = ab + (a'b + ab')\varepsilon$ and
# $(a + a'\varepsilon)/(b + b'\varepsilon) = a/b + \frac{a'b - ab'}{b^2}\varepsilon$.

# %% solution id=dual
class Dual:
    """A dual number value + tangent * eps with eps**2 = 0."""

    def __init__(self, value, tangent=0.0):
        self.value = float(value)
        self.tangent = float(tangent)

    def __add__(self, other):
        ### BEGIN SOLUTION
        other = lift(other)
        return Dual(self.value + other.value, self.tangent + other.tangent)
        ### END SOLUTION

    def __sub__(self, other):
        ### BEGIN SOLUTION
        other = lift(other)
        return Dual(self.value - other.value, self.tangent - other.tangent)
        ### END SOLUTION

    def __mul__(self, other):
        ### BEGIN SOLUTION
        other = lift(other)
        return Dual(
            self.value * other.value, self.tangent * other.value + self.value * other.tangent
        )
        ### END SOLUTION

    def __truediv__(self, other):
        ### BEGIN SOLUTION
        other = lift(other)
        tangent = (self.tangent * other.value - self.value * other.tangent) / other.value**2
        return Dual(self.value / other.value, tangent)
        ### END SOLUTION

    def __radd__(self, other):
        return lift(other) + self

    def __rsub__(self, other):
        return lift(other) - self

    def __rmul__(self, other):
        return lift(other) * self

    def __rtruediv__(self, other):
        return lift(other) / self


def lift(x):
    """x as a Dual (a plain number becomes a constant)."""
    return x if isinstance(x, Dual) else Dual(x, 0.0)

# %% tests id=test_dual points=2
### BEGIN HIDDEN TESTS
#: include nnlib_guard.py


### END HIDDEN TESTS
d = Dual(3.0, 1.0) * Dual(2.0, 0.0) + 1
assert (d.value, d.tangent) == (7.0, 2.0)
### BEGIN HIDDEN TESTS
_own(Dual)
_rng = np.random.default_rng(101)
with _without_nnlib():
    for _ in range(10):
        _a, _da, _b, _db = _rng.uniform(0.5, 2.0, 4) * _rng.choice([-1, 1], 4)
        _c = float(_rng.standard_normal())
        _x, _y = Dual(_a, _da), Dual(_b, _db)
        _cases = [
            (_x + _y, _a + _b, _da + _db),
            (_x - _y, _a - _b, _da - _db),
            (_x * _y, _a * _b, _da * _b + _a * _db),
            (_x / _y, _a / _b, (_da * _b - _a * _db) / _b**2),
            (_c + _x, _c + _a, _da),
            (_c - _x, _c - _a, -_da),
            (_x * _c, _a * _c, _da * _c),
            (_c * _x, _c * _a, _c * _da),
            (_c / _x, _c / _a, -_c * _da / _a**2),
            (_x / _c, _a / _c, _da / _c),
        ]
        for _i, (_got, _value, _tangent) in enumerate(_cases):
            assert isinstance(_got, Dual), f"case {_i}: the result must be a Dual"
            assert np.isclose(_got.value, _value), f"case {_i}: wrong value"
            assert np.isclose(_got.tangent, _tangent), f"case {_i}: wrong tangent"
### END HIDDEN TESTS

# %% [markdown] locked id=forward_intro
# ## Part 2: elementary functions and derivatives (2 points)
#
# Write `sin` and `exp` for duals, with the chain rule:
# $\sin(a + a'\varepsilon) = \sin a + a' \cos a\,\varepsilon$. Then `derivative(f, x)` returns
# $f'(x)$ as a float by evaluating `f` once on a dual number.

# %% solution id=forward_mode
def sin(x):
    """sin of a Dual (chain rule on the tangent)."""
    ### BEGIN SOLUTION
    return Dual(math.sin(x.value), math.cos(x.value) * x.tangent)
    ### END SOLUTION


def exp(x):
    """exp of a Dual (chain rule on the tangent)."""
    ### BEGIN SOLUTION
    e = math.exp(x.value)
    return Dual(e, e * x.tangent)
    ### END SOLUTION


def derivative(f, x):
    """f'(x) by forward mode: one evaluation of f on a dual number."""
    ### BEGIN SOLUTION
    return f(Dual(x, 1.0)).tangent
    ### END SOLUTION

# %% tests id=test_forward_mode points=2
assert np.isclose(derivative(lambda t: t * t, 3.0), 6.0)
assert np.isclose(derivative(sin, 0.0), 1.0)
### BEGIN HIDDEN TESTS
_own(sin, exp, derivative)
_rng = np.random.default_rng(202)
_functions = [
    (lambda t: sin(t) * t, lambda t: math.cos(t) * t + math.sin(t)),
    (lambda t: exp(sin(2 * t)), lambda t: math.exp(math.sin(2 * t)) * 2 * math.cos(2 * t)),
    (lambda t: t / (1 + exp(-1 * t)), None),
    (lambda t: exp(t * t) - 3 * t, lambda t: 2 * t * math.exp(t * t) - 3),
]
with _without_nnlib():
    for _f, _fprime in _functions:
        for _x in _rng.uniform(-1.5, 1.5, 4):
            _got = derivative(_f, float(_x))
            assert isinstance(_got, float), "derivative must return a float"
            if _fprime is None:
                _h = 1e-6
                _want = (_f(Dual(_x + _h)).value - _f(Dual(_x - _h)).value) / (2 * _h)
                assert np.isclose(_got, _want, atol=1e-7), "wrong derivative"
            else:
                assert np.isclose(_got, _fprime(float(_x)), rtol=1e-10), "wrong derivative"
### END HIDDEN TESTS

# %% [markdown] locked id=reverse_intro
# ## Part 3: a reverse-mode engine (3 points)
#
# A `Var` holds a value, a gradient `grad` (0 until `backward` runs) and its parents in the
# graph, each with the local derivative of this node with respect to that parent. Complete `+`
# and `*` (with plain numbers on either side, as constants) and `backward()`: set the output's
# gradient to 1 and visit the graph **once, in reverse topological order**, adding
# $\bar v_{\text{parent}} \mathrel{+}= \bar v \cdot \partial v / \partial \text{parent}$. A
# variable used several times (fan-out) receives the sum of its contributions.

# %% solution id=reverse_mode
class Var:
    """A scalar node of a computation graph for reverse-mode AD."""

    def __init__(self, value, parents=()):
        self.value = float(value)
        self.grad = 0.0
        self.parents = tuple(parents)  # pairs (parent Var, local derivative)

    def __add__(self, other):
        ### BEGIN SOLUTION
        other = other if isinstance(other, Var) else Var(other)
        return Var(self.value + other.value, [(self, 1.0), (other, 1.0)])
        ### END SOLUTION

    def __mul__(self, other):
        ### BEGIN SOLUTION
        other = other if isinstance(other, Var) else Var(other)
        return Var(self.value * other.value, [(self, other.value), (other, self.value)])
        ### END SOLUTION

    __radd__ = __add__
    __rmul__ = __mul__

    def backward(self):
        """Gradients of this node with respect to every node it depends on."""
        ### BEGIN SOLUTION
        order, seen = [], set()

        def visit(node):
            if id(node) in seen:
                return
            seen.add(id(node))
            for parent, _ in node.parents:
                visit(parent)
            order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in node.parents:
                parent.grad += node.grad * local
        ### END SOLUTION

# %% tests id=test_reverse_mode points=3
x, y = Var(2.0), Var(3.0)
z = x * y + x
z.backward()
assert (z.value, x.grad, y.grad) == (8.0, 4.0, 2.0)
### BEGIN HIDDEN TESTS
_own(Var)
_rng = np.random.default_rng(303)


def _expression(a, b, c):
    p = a * b
    q = p + a
    r = q * p + 3 * a
    return r * c + p * 2 + b


with _without_nnlib():
    for _ in range(5):
        _vals = [float(v) for v in _rng.uniform(-2, 2, 3)]
        _vars = [Var(v) for v in _vals]
        _out = _expression(*_vars)
        _out.backward()
        assert np.isclose(_out.value, _expression(*_vals)), "wrong value"
        for _i in range(3):
            _up, _down = list(_vals), list(_vals)
            _up[_i] += 1e-6
            _down[_i] -= 1e-6
            _fd = (_expression(*_up) - _expression(*_down)) / 2e-6
            assert np.isclose(_vars[_i].grad, _fd, rtol=1e-6, atol=1e-6), f"wrong gradient {_i}"
    _x = Var(1.0)
    _v = _x
    for _ in range(12):
        _v = _v * 1.0 + _v * 0.5
    _v.backward()
    assert np.isclose(_x.grad, 1.5**12), "a shared node must be visited once, after its users"
### END HIDDEN TESTS

# %% [markdown] locked id=neuron_intro
# ## Part 4: differentiating a neuron (2 points)
#
# Add `tanh` for `Var` (its local derivative is $1 - \tanh^2$) and use your engine in
# `neuron_grads(w, x, b)` to return the output $y = \tanh(\sum_i w_i x_i + b)$ and the gradients
# $\partial y / \partial w_i$ (a list) and $\partial y / \partial b$, all as floats.

# %% solution id=neuron
def tanh(v):
    """tanh of a Var, recording its local derivative."""
    ### BEGIN SOLUTION
    t = math.tanh(v.value)
    return Var(t, [(v, 1.0 - t * t)])
    ### END SOLUTION


def neuron_grads(w, x, b):
    """(y, [dy/dw_i], dy/db) for y = tanh(w . x + b), computed with Var."""
    ### BEGIN SOLUTION
    ws, bias = [Var(wi) for wi in w], Var(b)
    z = bias
    for wi, xi in zip(ws, x):
        z = z + wi * xi
    y = tanh(z)
    y.backward()
    return y.value, [wi.grad for wi in ws], bias.grad
    ### END SOLUTION

# %% tests id=test_neuron points=2
y, dw, db = neuron_grads([0.0, 0.0], [1.0, 2.0], 0.0)
assert (y, dw, db) == (0.0, [1.0, 2.0], 1.0)
### BEGIN HIDDEN TESTS
_own(tanh, neuron_grads)
_rng = np.random.default_rng(404)
with _without_nnlib():
    for _n in (1, 3, 5):
        _w, _x = list(_rng.standard_normal(_n)), list(_rng.standard_normal(_n))
        _b = float(_rng.standard_normal())
        _y, _dw, _db = neuron_grads(_w, _x, _b)
        _want = math.tanh(float(np.dot(_w, _x)) + _b)
        assert np.isclose(_y, _want), "wrong output"
        assert np.allclose(_dw, [(1 - _want**2) * xi for xi in _x]), "wrong dy/dw"
        assert np.isclose(_db, 1 - _want**2), "wrong dy/db"
### END HIDDEN TESTS

# %% [markdown] locked id=why_intro
# ## Part 5: forward or reverse? (2 points, graded by hand)
#
# A function maps $n$ inputs to $m$ outputs. In three or four sentences: how many forward-mode
# passes and how many reverse-mode passes give its full Jacobian, and which mode you would use
# to train a network with a million weights and one loss, and why.

# %% [markdown] manual id=why_answer points=2
# One forward-mode pass (a dual evaluation seeded with one input direction) gives one column of
# the Jacobian, so the full Jacobian needs $n$ passes; one reverse pass (seeded with one output)
# gives one row, so it needs $m$ passes. Training has $n = 10^6$ weights and $m = 1$ loss:
# reverse mode gives the whole gradient in a single backward pass costing a small constant times
# the forward pass, where forward mode would need a million passes. Forward mode wins only when
# there are fewer inputs than outputs.
