# %% [markdown] locked id=intro
# # Assignment 3: Automatic differentiation
#
# You will build forward-mode automatic differentiation with dual numbers, then a small
# reverse-mode engine on scalars that records a computation graph and backpropagates through it
# in topological order, and use it to differentiate a neuron. Last, your engine trains that
# neuron to classify points.
#
# **Rules.** Write each class and function yourself with Python and NumPy. A part answered by
# importing, wrapping or subclassing `nnlib`'s implementation earns no points. Run the visible
# tests below each part while you work; the grader also runs hidden tests on random inputs. Do
# not edit the test cells: the grader restores them anyway.
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
# - **File name.** Work in this file, `03_autodiff.ipynb`, in
#   `exercises/03_autodiff/`: do not rename it or save a copy under another name, because the
#   grader looks for exactly that name.
#
# **Checks.** The tests call the `check_*` functions of the next cell (folded): a failed check says
# what was expected and what your code returned (type or value, with the inputs).

# %% locked id=setup
import math

import numpy as np

import nnlib
import nnlib.data

rng = np.random.default_rng(0)

# %% locked id=checks
#: include checks.py

# %% locked id=variant
#: include variants.py
_start_variant("03_autodiff")

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
def check_dual(name, received, value, tangent):
    check_type(name, received, Dual)
    check_scalar(f"{name}.value", received.value, value)
    check_scalar(f"{name}.tangent", received.tangent, tangent)


check_dual("Dual(3.0, 1.0) * Dual(2.0, 5.0)", Dual(3.0, 1.0) * Dual(2.0, 5.0), 6.0, 1 * 2 + 3 * 5)
check_dual(
    "Dual(3.0, 1.0) / Dual(2.0, 5.0)", Dual(3.0, 1.0) / Dual(2.0, 5.0), 1.5, (1 * 2 - 3 * 5) / 2**2
)
check_dual("Dual(3.0, 1.0) * Dual(2.0, 0.0) + 1", Dual(3.0, 1.0) * Dual(2.0, 0.0) + 1, 7.0, 2.0)
check_dual("1 - Dual(3.0, 1.0)", 1 - Dual(3.0, 1.0), -2.0, -1.0)
check_dual("2 / Dual(4.0, 1.0)", 2 / Dual(4.0, 1.0), 0.5, -2 / 4**2)
### BEGIN HIDDEN TESTS
_own(Dual)
_rng = np.random.default_rng(101)
with _without_nnlib():
    for _ in range(10):
        _a, _da, _b, _db = (float(v) for v in _rng.uniform(0.5, 2.0, 4) * _rng.choice([-1, 1], 4))
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
        _names = [
            "x + y",
            "x - y",
            "x * y",
            "x / y",
            "c + x",
            "c - x",
            "x * c",
            "c * x",
            "c / x",
            "x / c",
        ]
        for _label, (_got, _value, _tangent) in zip(_names, _cases, strict=False):
            _label = (
                f"{_label} for x = Dual({_a!r}, {_da!r}), y = Dual({_b!r}, {_db!r}), c = {_c!r}"
            )
            check_type(_label, _got, Dual)
            check_scalar(f"({_label}).value", _got.value, float(_value), rtol=1e-9)
            check_scalar(
                f"({_label}).tangent", _got.tangent, float(_tangent), rtol=1e-9, atol=1e-12
            )
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
check_scalar("derivative(lambda t: t * t, 3.0)", derivative(lambda t: t * t, 3.0), 6.0)
check_scalar("derivative(sin, 0.0)", derivative(sin, 0.0), 1.0)
# the chain rule: the tangent coming in multiplies the local derivative
check_scalar(
    "derivative(lambda t: sin(t * t), 1.5)",
    derivative(lambda t: sin(t * t), 1.5),
    math.cos(2.25) * 3.0,
)
check_scalar(
    "derivative(lambda t: exp(2 * t), 0.5)", derivative(lambda t: exp(2 * t), 0.5), 2 * math.e
)
### BEGIN HIDDEN TESTS
_own(sin, exp, derivative)
_rng = np.random.default_rng(202)
_functions = [
    (lambda t: sin(t) * t, lambda t: math.cos(t) * t + math.sin(t)),
    (lambda t: exp(sin(2 * t)), lambda t: math.exp(math.sin(2 * t)) * 2 * math.cos(2 * t)),
    (lambda t: t / (1 + exp(-1 * t)), None),
    (lambda t: exp(t * t) - 3 * t, lambda t: 2 * t * math.exp(t * t) - 3),
]
_fname = {
    id(_functions[0][0]): "sin(t) * t",
    id(_functions[1][0]): "exp(sin(2 * t))",
    id(_functions[2][0]): "t / (1 + exp(-1 * t))",
    id(_functions[3][0]): "exp(t * t) - 3 * t",
}
with _without_nnlib():
    for _f, _fprime in _functions:
        for _x in _rng.uniform(-1.5, 1.5, 4):
            _x = float(_x)
            _got = derivative(_f, _x)
            _label = f"derivative(f, {_x!r}) for f = {_fname[id(_f)]}"
            if _fprime is None:
                _h = 1e-6
                _want = (_f(Dual(_x + _h)).value - _f(Dual(_x - _h)).value) / (2 * _h)
                check_scalar(_label, _got, float(_want), rtol=1e-6, atol=1e-7)
            else:
                check_scalar(_label, _got, _fprime(_x), rtol=1e-10)
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
z = x * y + x  # x is used twice: its gradient is the sum y + 1
z.backward()
check_scalar("z.value for z = x * y + x, x = 2, y = 3", z.value, 8.0)
check_scalar("x.grad", x.grad, 4.0)
check_scalar("y.grad", y.grad, 2.0)
x = Var(1.0)
v = x
for _ in range(3):  # every v is used twice by the next: visit it once, after both users
    v = v * 1.0 + v * 0.5
v.backward()
check_scalar("x.grad for v = v * 1.0 + v * 0.5 three times from v = x", x.grad, 1.5**3)
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
        _label = f"r * c + p * 2 + b with p = a * b, q = p + a, r = q * p + 3 * a at {_vals}"
        check_scalar(f"({_label}).value", _out.value, _expression(*_vals), rtol=1e-10)
        for _i, _name in enumerate("abc"):
            _up, _down = list(_vals), list(_vals)
            _up[_i] += 1e-6
            _down[_i] -= 1e-6
            _fd = (_expression(*_up) - _expression(*_down)) / 2e-6
            check_scalar(f"{_name}.grad for {_label}", _vars[_i].grad, _fd, rtol=1e-6, atol=1e-6)
    _x = Var(1.0)
    _v = _x
    for _ in range(12):
        _v = _v * 1.0 + _v * 0.5
    _v.backward()
    check_scalar("x.grad for v = v * 1.0 + v * 0.5 twelve times", _x.grad, 1.5**12, rtol=1e-12)
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
    for wi, xi in zip(ws, x, strict=False):
        z = z + wi * xi
    y = tanh(z)
    y.backward()
    return y.value, [wi.grad for wi in ws], bias.grad
    ### END SOLUTION


# %% tests id=test_neuron points=2
out = neuron_grads([0.5, -1.0], [1.0, 2.0], 0.25)
check_tuple("neuron_grads([0.5, -1.0], [1.0, 2.0], 0.25)", out, 3)
y_want = math.tanh(0.5 * 1.0 - 1.0 * 2.0 + 0.25)
local = 1 - y_want**2  # tanh's derivative at its output
check_scalar("neuron_grads(...)[0] (y)", out[0], y_want)
check_list("neuron_grads(...)[1] (dy/dw)", out[1], 2)
check_scalar("neuron_grads(...)[1][0] (dy/dw_0)", out[1][0], local * 1.0)
check_scalar("neuron_grads(...)[1][1] (dy/dw_1)", out[1][1], local * 2.0)
check_scalar("neuron_grads(...)[2] (dy/db)", out[2], local)
### BEGIN HIDDEN TESTS
_own(tanh, neuron_grads)
_rng = np.random.default_rng(404)
with _without_nnlib():
    for _n in (1, 3, 5):
        _w = [float(v) for v in _rng.standard_normal(_n)]
        _x = [float(v) for v in _rng.standard_normal(_n)]
        _b = float(_rng.standard_normal())
        _out = neuron_grads(_w, _x, _b)
        _label = f"neuron_grads({_w}, {_x}, {_b!r})"
        check_tuple(_label, _out, 3)
        _want = math.tanh(float(np.dot(_w, _x)) + _b)
        check_scalar(f"{_label}[0] (y)", _out[0], _want, rtol=1e-10)
        check_list(f"{_label}[1] (dy/dw)", _out[1], _n)
        for _i in range(_n):
            check_scalar(
                f"{_label}[1][{_i}]", _out[1][_i], (1 - _want**2) * _x[_i], rtol=1e-9, atol=1e-12
            )
        check_scalar(f"{_label}[2] (dy/db)", _out[2], 1 - _want**2, rtol=1e-9)
### END HIDDEN TESTS

# %% [markdown] locked id=fit_intro
# ## Part 5: putting it together, training the neuron (3 points)
#
# Train the neuron $\hat y = \tanh(w^\top x + b)$ of Part 4 to separate two clouds of points
# (labels $y_n = \pm 1$) with **your** `Var` and `tanh`, by gradient descent on the mean squared
# error $L = \frac{1}{N} \sum_n (\hat y_n - y_n)^2$. `fit_neuron(X, y, steps, lr)` starts from
# $w = 0$, $b = 0$; at each step it builds $L$ over all $N$ examples from `Var`s, calls
# `backward()` once, records $L$'s value, and moves every $w_i$ and $b$ by $-\text{lr}$ times its
# gradient. It returns `(w, b, losses)`: the weights as a list of floats, the bias as a float and
# the loss of each step (before its update). Hint: each $w_i$ is used by every example; your
# engine must add up all its contributions.


# %% solution id=fit
def fit_neuron(X, y, steps, lr):
    """Gradient descent on L = mean((tanh(X w + b) - y)**2) with Var; returns (w, b, losses)."""
    ### BEGIN SOLUTION
    w, b, losses = [0.0] * X.shape[1], 0.0, []
    for _ in range(steps):
        ws, bias = [Var(wi) for wi in w], Var(b)
        total = Var(0.0)
        for xn, yn in zip(X, y, strict=False):
            z = bias
            for wi, xi in zip(ws, xn, strict=False):
                z = z + wi * float(xi)
            error = tanh(z) + (-float(yn))
            total = total + error * error
        loss = total * (1.0 / len(X))
        loss.backward()
        losses.append(loss.value)
        w = [wi.value - lr * wi.grad for wi in ws]
        b = bias.value - lr * bias.grad
    return w, b, losses
    ### END SOLUTION


# %% tests id=test_fit points=3
centers = np.array([[-1.0, -1.0], [1.0, 1.0]])
X_train, labels = nnlib.data.blobs(80, centers=centers, std=0.8, rng=0)
y_train = 2.0 * labels - 1  # -1 and +1
out = fit_neuron(X_train, y_train, steps=50, lr=0.5)
check_tuple("fit_neuron(X_train, y_train, steps=50, lr=0.5)", out, 3)
w, b, losses = out
check_list("fit_neuron(...)[0] (w)", w, 2)
for i in range(2):
    check_type(f"fit_neuron(...)[0][{i}]", w[i], float)
check_type("fit_neuron(...)[1] (b)", b, float)
check_list("fit_neuron(...)[2] (losses)", losses, 50)
check_scalar("the loss before the first step (w = 0, b = 0: every tanh is 0)", losses[0], 1.0)
check_at_most("the last loss", losses[-1], 0.3)
X_test, test_labels = nnlib.data.blobs(400, centers=centers, std=0.8, rng=100)
accuracy = float(np.mean((np.tanh(X_test @ np.array(w) + b) > 0) == (test_labels == 1)))
check_at_least("accuracy on 400 new points", accuracy, 0.9)
### BEGIN HIDDEN TESTS
_own(fit_neuron)
_X, _lab = nnlib.data.blobs(80, centers=centers, std=0.8, rng=3)
_Xt, _labt = nnlib.data.blobs(400, centers=centers, std=0.8, rng=103)
_y = 2.0 * _lab - 1
with _without_nnlib():
    # two steps from w = 0, b = 0 against the same descent written with numpy (the second
    # step starts where tanh is no longer 0)
    _wr, _br, _lr = np.zeros(2), 0.0, []
    for _ in range(2):
        _a = np.tanh(_X @ _wr + _br)
        _lr.append(float(np.mean((_a - _y) ** 2)))
        _g = 2 / 80 * (_a - _y) * (1 - _a**2)
        _wr, _br = _wr - 0.25 * (_X.T @ _g), _br - 0.25 * float(np.sum(_g))
    _two = fit_neuron(_X, _y, steps=2, lr=0.25)
    check_tuple("fit_neuron(X, y, steps=2, lr=0.25)", _two, 3)
    check_list("fit_neuron(X, y, steps=2, lr=0.25)[0] (w)", _two[0], 2)
    for _i in range(2):
        check_scalar(
            f"w[{_i}] after two steps (each a sum over all 80 examples)",
            _two[0][_i],
            float(_wr[_i]),
            rtol=1e-9,
        )
    check_scalar("b after two steps", _two[1], _br, rtol=1e-9, atol=1e-12)
    check_list("fit_neuron(X, y, steps=2, lr=0.25)[2] (losses)", _two[2], 2)
    check_scalar("the loss before the second step", _two[2][1], _lr[1], rtol=1e-9)
    _out = fit_neuron(_X, _y, steps=50, lr=0.5)
    check_tuple("fit_neuron(X, y, steps=50, lr=0.5)", _out, 3)
    check_list("fit_neuron(...)[0] (w)", _out[0], 2)
    for _i in range(2):
        check_type(f"fit_neuron(...)[0][{_i}]", _out[0][_i], float)
    check_type("fit_neuron(...)[1] (b)", _out[1], float)
    _wv = np.array(_out[0])
    _acc = float(np.mean((np.tanh(_Xt @ _wv + _out[1]) > 0) == (_labt == 1)))
    check_at_least("accuracy on 400 new points of another draw", _acc, 0.9)
### END HIDDEN TESTS

# %% [markdown] locked id=hand_intro
# ## Part 6: derivatives by hand, on your numbers (4 points)
#
# Take $f(x_1, x_2) = x_1 x_2 + \sin x_1$ at the point `HAND` (a dict with `x1` and `x2`): **your
# variant**, printed by the variant cell above (every student has their own). Trace it by hand, as
# the chapter's evaluation traces do (a calculator is fine, nnlib is not), and write
# `hand_derivatives()`: the tuple of Python floats $(f, \partial f / \partial x_1,
# \partial f / \partial x_2)$ at your point, to at least six significant digits.


# %% solution id=hand
def hand_derivatives():
    """(f, df/dx1, df/dx2) of f(x1, x2) = x1 * x2 + sin(x1) at your point HAND, as floats."""
    ### BEGIN SOLUTION
    x1, x2 = HAND["x1"], HAND["x2"]
    return (x1 * x2 + float(np.sin(x1)), x2 + float(np.cos(x1)), x1)
    ### END SOLUTION


# %% tests id=test_hand points=4
answer = hand_derivatives()
check_tuple("hand_derivatives()", answer, 3)
hand_f = HAND["x1"] * HAND["x2"] + float(np.sin(HAND["x1"]))
check_scalar("hand_derivatives()[0] (f)", answer[0], hand_f, rtol=1e-5, inputs={"HAND": HAND})
### BEGIN HIDDEN TESTS
_v = _variant("HAND")
with _without_nnlib():
    _g = hand_derivatives()
check_tuple("hand_derivatives()", _g, 3)
_f = _v["x1"] * _v["x2"] + float(np.sin(_v["x1"]))
_wants = [("f", _f), ("df/dx1", _v["x2"] + float(np.cos(_v["x1"]))), ("df/dx2", _v["x1"])]
for _k, (_label, _want) in enumerate(_wants):
    check_scalar(
        f"hand_derivatives()[{_k}] ({_label})",
        _g[_k],
        _want,
        rtol=1e-5,
        atol=1e-9,
        inputs={"HAND": _v},
    )
### END HIDDEN TESTS

# %% [markdown] locked id=why_intro
# ## Part 7: forward or reverse? (2 points, graded by hand)
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
