"""Chapter 3's experiments: finite differences (truncation against round-off) and symbolic
expression swell (nnbook.autodiff, on nnlib.gradcheck's differences)."""

import numpy as np
import pytest
import sympy

from nnbook.autodiff import (
    difference_errors,
    error_model,
    expression_swell,
    logistic_map,
    optimal_step,
    x,
)

STEPS = np.logspace(-15, -1, 57)


@pytest.mark.parametrize("scheme", ["forward", "central"])
def test_error_is_v_shaped_with_minimum_near_the_theory(scheme):
    errors = difference_errors(np.sin, np.cos(1.0), 1.0, STEPS, scheme)
    best = STEPS[np.argmin(errors)]
    assert optimal_step(scheme) / 30 < best < optimal_step(scheme) * 30
    assert errors[0] > 100 * errors.min() and errors[-1] > 100 * errors.min()


def test_central_beats_forward_at_its_best_step():
    forward = difference_errors(np.exp, np.e, 1.0, STEPS, "forward").min()
    central = difference_errors(np.exp, np.e, 1.0, STEPS, "central").min()
    assert central < forward / 100


def test_truncation_part_of_the_model_matches_at_large_h():
    h = np.array([1e-2, 1e-3])
    errors = difference_errors(np.exp, np.e, 1.0, h, "forward")
    np.testing.assert_allclose(errors, error_model(h, "forward", np.e, np.e), rtol=0.02)


def test_unknown_scheme_is_refused():
    with pytest.raises(ValueError, match="scheme"):
        difference_errors(np.sin, 1.0, 1.0, STEPS, "backward-ish")


SLIDE = {  # deck 004, the table of l_n and d l_n / dx
    1: (x, 1),
    2: (4 * x * (1 - x), 4 * (1 - x) - 4 * x),
    3: (
        16 * x * (1 - x) * (1 - 2 * x) ** 2,
        16 * (1 - x) * (1 - 2 * x) ** 2
        - 16 * x * (1 - 2 * x) ** 2
        - 64 * x * (1 - x) * (1 - 2 * x),
    ),
    4: (
        64 * x * (1 - x) * (1 - 2 * x) ** 2 * (1 - 8 * x + 8 * x**2) ** 2,
        128 * x * (1 - x) * (-8 + 16 * x) * (1 - 2 * x) ** 2 * (1 - 8 * x + 8 * x**2)
        + 64 * (1 - x) * (1 - 2 * x) ** 2 * (1 - 8 * x + 8 * x**2) ** 2
        - 64 * x * (1 - 2 * x) ** 2 * (1 - 8 * x + 8 * x**2) ** 2
        - 256 * x * (1 - x) * (1 - 2 * x) * (1 - 8 * x + 8 * x**2) ** 2,
    ),
}


def test_logistic_map_table_matches_the_slide():
    rows = expression_swell(4)
    for row in rows:
        l_n, dl_n = SLIDE[row.n]
        assert sympy.expand(row.l_n - l_n) == 0
        assert sympy.expand(row.derivative - dl_n) == 0
        assert sympy.expand(logistic_map(row.n) - l_n) == 0


def test_derivative_swells_faster_than_the_function():
    rows = expression_swell(5)
    ratios = [r.derivative_ops / r.l_n_ops for r in rows[1:]]
    assert all(b > a for a, b in zip(ratios, ratios[1:], strict=False))
    assert rows[-1].derivative_ops > 4 * rows[-1].l_n_ops
    nested = [r.nested_derivative_ops / r.nested_ops for r in rows[1:]]
    assert all(b > a for a, b in zip(nested, nested[1:], strict=False))
