"""Forward mode, reverse mode and central differences agree on random compositions (hypothesis).

A random program draws operands from a pool of arrays of broadcast-compatible shapes
((3, 4), (4,), (3, 1), ()) and applies smooth elementwise operations, broadcasting binary
operations and reductions over axes. The same program runs on NumPy arrays (for central
differences), on Duals (forward mode: J v) and on Tensors (reverse mode: ∇f), and
⟨∇f, v⟩ = J v = (f(x + hv) - f(x - hv)) / 2h.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib.autodiff import cos, exp, grad, jvp, log, sigmoid, sin, sqrt, tanh

UNARY = {
    "tanh": tanh,
    "sin": sin,
    "cos": cos,
    "sigmoid": sigmoid,
    "exp_tanh": lambda u: exp(tanh(u)),
    "log1p_sq": lambda u: log(1 + u * u),
    "sqrt1p_sq": lambda u: sqrt(1 + u * u),
    "square": lambda u: u * u,
    "neg": lambda u: -u,
    "scale": lambda u: 0.5 * u - 0.25,
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (1 + b * b),
    "pow": lambda a, b: (1.5 + tanh(a)) ** tanh(b),
}
REDUCE = ["sum", "mean", "max"]

step = st.one_of(
    st.tuples(st.just("unary"), st.sampled_from(sorted(UNARY)), st.integers(0, 99)),
    st.tuples(
        st.just("binary"), st.sampled_from(sorted(BINARY)), st.integers(0, 99), st.integers(0, 99)
    ),
    st.tuples(st.just("reduce"), st.sampled_from(REDUCE), st.integers(0, 99), st.booleans()),
)


def run(program, x, b, c):
    """Apply the program to the inputs; returns a scalar."""
    pool = [x, b, c]
    for instruction in program:
        kind, name = instruction[0], instruction[1]
        if kind == "unary":
            pool.append(UNARY[name](pool[instruction[2] % len(pool)]))
        elif kind == "binary":
            a, b_ = pool[instruction[2] % len(pool)], pool[instruction[3] % len(pool)]
            pool.append(BINARY[name](a, b_))
        else:
            operand, keepdims = pool[instruction[2] % len(pool)], instruction[3]
            if len(operand.shape) == 0:
                continue
            # keepdims over the last axis or drop the first axis: both broadcast against (3, 4)
            axis = -1 if keepdims else 0
            pool.append(getattr(operand, name)(axis=axis, keepdims=keepdims))
    total = pool[-1].sum()
    for extra in pool[3:-1]:
        total = total + 0.1 * extra.sum()
    return total


@settings(max_examples=60, deadline=None)
@given(program=st.lists(step, min_size=1, max_size=8), seed=st.integers(0, 2**32 - 1))
def test_forward_reverse_and_central_differences_agree(program, seed):
    rng = np.random.default_rng(seed)
    x, b, c = rng.normal(size=(3, 4)), rng.normal(size=(4,)), rng.normal(size=(3, 1))
    vx, vb, vc = rng.normal(size=(3, 4)), rng.normal(size=(4,)), rng.normal(size=(3, 1))

    def f(x, b, c):
        return run(program, x, b, c)

    value, forward = jvp(f, (x, b, c), (vx, vb, vc))
    gx, gb, gc = grad(f, argnums=(0, 1, 2))(x, b, c)
    reverse = np.sum(gx * vx) + np.sum(gb * vb) + np.sum(gc * vc)
    h = 1e-6
    central = (f(x + h * vx, b + h * vb, c + h * vc) - f(x - h * vx, b - h * vb, c - h * vc)) / (
        2 * h
    )
    assert np.isclose(value, f(x, b, c), rtol=1e-12)
    assert np.isclose(forward, reverse, rtol=1e-9, atol=1e-10)
    assert np.isclose(forward, central, rtol=1e-5, atol=1e-6)
    assert gx.shape == x.shape and gb.shape == b.shape and gc.shape == c.shape
