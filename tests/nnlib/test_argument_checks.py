"""nnlib.checks: the one argument check per meaning, and the one float promotion."""

import pathlib

import numpy as np
import pytest

import nnlib
from nnlib import checks


@pytest.mark.parametrize("value", [3, 3.0, np.int64(3)])
def test_integer_accepts_whole_numbers(value):
    assert checks.integer("n", value) == 3 and type(checks.integer("n", value)) is int


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "3", None])
def test_integer_refuses_the_rest_naming_the_argument(value):
    with pytest.raises(ValueError, match=r"^n must be a positive integer, got "):
        checks.integer("n", value)


def test_integer_with_a_minimum_of_zero():
    assert checks.integer("patience", 0, minimum=0) == 0
    with pytest.raises(ValueError, match="patience must be an integer >= 0"):
        checks.integer("patience", -1, minimum=0)


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        (checks.unit_interval, [0.0, 0.5, 0.999], [1.0, -0.1, np.nan]),
        (checks.nonnegative, [0.0, 2.0], [-1e-9, np.inf, np.nan]),
        (checks.positive, [1e-9, 2.0], [0.0, -1.0, np.inf]),
    ],
)
def test_interval_checks(check, good, bad):
    assert [check("x", v) for v in good] == good
    for value in bad:
        with pytest.raises(ValueError, match="^x must"):
            check("x", value)


def test_as_float_array_keeps_floats_and_makes_the_rest_float64():
    x32 = np.ones(2, dtype=np.float32)
    assert checks.as_float_array(x32) is x32
    assert checks.as_float_array([1, 2]).dtype == np.float64
    assert checks.as_float_array(np.array([True])).dtype == np.float64


@pytest.mark.parametrize(
    "phrase",
    ["a positive integer", "must lie in [0, 1)", "must be a finite number >= 0",
     "x.astype(np.float64)"],
)  # fmt: skip
def test_each_check_is_written_once_in_nnlib(phrase):
    """A second copy of a check in a module of nnlib is a near-twin: use nnlib.checks."""
    root = pathlib.Path(nnlib.__file__).parent
    holders = [p.relative_to(root).as_posix() for p in sorted(root.rglob("*.py"))
               if phrase in p.read_text(encoding="utf-8")]  # fmt: skip
    assert holders == ["checks.py"]
