"""Symbolic differentiation and expression swell, with the logistic map l_{n+1} = 4 l_n (1 - l_n).

Differentiating the composed expression symbolically repeats the product rule at every
composition, so the derivative's expression grows much faster than the function's, although
both are cheap to *evaluate* step by step (which is what AD does).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

x = sympy.Symbol("x")


def logistic_map(n: int) -> sympy.Expr:
    """l_n with l_1 = x and l_{n+1} = 4 l_n (1 - l_n), unsimplified."""
    if n < 1:
        raise ValueError(f"n starts at 1, got {n}")
    expr: sympy.Expr = x
    for _ in range(n - 1):
        expr = 4 * expr * (1 - expr)
    return expr


@dataclass
class SwellRow:
    n: int
    l_n: sympy.Expr  # factored, as the slides print it
    derivative: sympy.Expr  # sympy.diff of the factored form, as the slides print it
    l_n_ops: int
    derivative_ops: int
    expanded_derivative_ops: int
    nested_ops: int  # l_n as the composed expression tree, unsimplified
    nested_derivative_ops: int  # sympy.diff of that tree, unsimplified


def expression_swell(n_max: int = 4) -> list[SwellRow]:
    """For n = 1..n_max: l_n, its symbolic derivative, and their sizes (sympy.count_ops)."""
    rows = []
    for n in range(1, n_max + 1):
        nested = logistic_map(n)
        l_n = sympy.factor(nested)
        d = sympy.diff(l_n, x)
        counts = [sympy.count_ops(e) for e in (l_n, d, sympy.expand(d), nested)]
        counts.append(sympy.count_ops(sympy.diff(nested, x)))
        rows.append(SwellRow(n, l_n, d, *counts))
    return rows
