# Shared by every assignment: nngrade.authoring inlines this file into a LOCKED cell that runs
# before any answer cell (`#: include checks.py`), so students see it in their release and the
# grader restores it. Only the hidden test code that calls these helpers stays hidden.
"""Checks used by the tests below: exact type first, then length or shape, dtype, then values.

Every check raises an `AssertionError` with a message that says what was expected and what was
received (type, shape, dtype or value, the first entry that differs, the relative error and,
when given, the inputs it was called with); it returns None when the answer is right. In a
notebook, in Validate and in `nbgrader validate`, a failure shows that message first and in full
(lines wrapped to 80 characters, so that `nbgrader validate` cuts none), then the line of the test
that failed; none of the checks' own code is shown.

    check_type(name, received, expected_type)             exact type (or a tuple of exact types)
    check_array(name, received, expected, rtol=1e-7, atol=0.0, inputs=None)
        exact numpy.ndarray, same shape, same dtype, values close (exactly equal for int/bool)
    check_shape(name, received, shape, dtype=None, inputs=None)
        exact numpy.ndarray of that shape (and dtype, when given); values are not compared
    check_scalar(name, received, expected, rtol=1e-7, atol=0.0, types=(float,), inputs=None)
        exact type among `types` (Python float by default), value close (equal for int/bool)
    check_tuple(name, received, length, inputs=None)      exact tuple of that length
    check_list(name, received, length, inputs=None)       exact list of that length
    check_str(name, received, expected, inputs=None)      exact str, equal
    check_at_least(name, received, minimum, types=(float,), inputs=None)   received >= minimum
    check_at_most(name, received, maximum, types=(float,), inputs=None)    received <= maximum
    rel_error(x, y)       max |x - y| / (|x| + |y|) over the entries, as in CS231n's gradient
                          checks (without their 1e-8 floor, so that 0 against 1e-22 counts)

Options after `expected` (or `length`, `minimum`...) are passed by keyword. `name` says what is
checked, as you would write it: "sigmoid(z)", "dense_backward(X, W, b, dZ)[1] (dW)".
`inputs` maps argument names to the values the answer was called with; they are shown in the
message, so a test passes them only when they are no secret.

Why exact types: an object whose `==` is always true, or a subclass of ndarray with its own
comparisons, must earn nothing, so a check never calls a method of the received object before
its type is known to be the expected one. Why captured functions: everything a check uses
(numpy's ufuncs, `math.isclose`, `type`, `len`, ...) was bound when this cell ran, before any
answer cell, and lives in a closure, so an answer that replaces `np.allclose`, `np.testing.*`,
`math.isclose` or a builtin changes no comparison. Before every cell runs, these names are bound
again to the functions made here, so an answer that rebinds `check_array` changes nothing either.

The grader also uses `_own(*functions)` (each was written in this notebook, not imported from or
built on nnlib) and `with _without_nnlib():` (every nnlib function raises while the block runs;
`_without_nnlib("nnlib.conv")` blocks that module only, where a part may use nnlib's layers): a part
answered with nnlib's own code earns nothing.
"""


def _make_checks():
    import contextlib
    import linecache
    import math
    import sys
    import textwrap

    import numpy

    # Bound now, before any answer cell runs. ufuncs and ndarray methods are C objects whose
    # attributes cannot be replaced; everything else is called through these references only.
    type_, len_, bool_, float_, int_, str_ = type, len, bool, float, int, str
    tuple_, list_, dict_, repr_, getattr_, callable_ = tuple, list, dict, repr, getattr, callable
    error_, type_error, any_, vars_, modules = AssertionError, TypeError, any, vars, sys.modules
    ndarray, float64, array, dtype_ = numpy.ndarray, numpy.float64, numpy.array, numpy.dtype
    tiny = float_(numpy.finfo(float64).tiny)
    numpy_scalars = (numpy.float64, numpy.float32, numpy.int64, numpy.int32, numpy.bool_)
    isfinite, isnan, absolute, maximum = numpy.isfinite, numpy.isnan, numpy.absolute, numpy.maximum
    logical_and, logical_not, equal = numpy.logical_and, numpy.logical_not, numpy.equal
    subtract, multiply, zeros = numpy.subtract, numpy.multiply, numpy.zeros
    array2string, isclose = numpy.array2string, math.isclose
    exact_kinds = ("b", "i", "u")  # bool and integer arrays are compared exactly

    def is_one_of(received, types):
        kind = type_(received)
        for t in types if type_(types) is tuple_ else (types,):
            if kind is t:
                return True
        return False

    def options(given, **defaults):
        """The keyword options of a check (no function defaults: those could be replaced)."""
        for key in given:
            if key not in defaults:
                raise type_error(f"unknown option {key!r}; the options are {list_(defaults)}")
        defaults.update(given)
        return defaults

    def type_name(t):
        try:
            module, qual = getattr_(t, "__module__", ""), getattr_(t, "__qualname__", "?")
            if type_(module) is not str_ or type_(qual) is not str_:
                return "an unknown type"
            return qual if module in ("builtins", "__main__") else f"{module}.{qual}"
        except Exception:  # noqa: BLE001 (a hostile type may raise on attribute access)
            return "an unknown type"

    def show(x, depth=0):
        """A short text for a value of a known type; other objects are named by type only."""
        try:
            if type_(x) is ndarray:
                return array2string(
                    x, precision=8, threshold=24, edgeitems=3, max_line_width=64, separator=", "
                )
            if is_one_of(x, (float_, int_, bool_, str_, type_(None))):
                return repr_(x)
            if is_one_of(x, numpy_scalars):
                return repr_(x.item())
            if is_one_of(x, (tuple_, list_)) and depth < 2:
                items = [show(v, depth + 1) for v in (x[:6] if len_(x) > 6 else x)]
                more = ", ..." if len_(x) > 6 else ""
                opening, closing = ("(", ")") if type_(x) is tuple_ else ("[", "]")
                return opening + ", ".join(items) + more + closing
            if callable_(x) and getattr_(x, "__module__", None) == "__main__":
                return getattr_(x, "__name__", "a function")
        except Exception:  # noqa: BLE001 (never let a message hide the failure)
            pass
        return f"<a {type_name(type_(x))}>"

    def indented(label, text):
        return f"\n  {label}" + str_(text).replace("\n", "\n" + " " * (len_(label) + 2))

    def describe(name, what, inputs, details):
        message = f"{name}: {what}{details}"
        if type_(inputs) is dict_ and inputs:
            message += "\n  called with:"
            for key, value in inputs.items():
                message += indented(f"  {key} = ", show(value))
        return message

    wrap, getline = textwrap.wrap, linecache.getline

    def test_line(tb):
        """The line that called the first check: the frame before the checks' own frames."""
        caller = None
        while tb is not None:
            code = tb.tb_frame.f_code
            if getattr_(code, "co_qualname", "").startswith("_make_checks."):
                break
            caller, tb = tb, tb.tb_next
        if caller is None:
            return ""
        line = getline(caller.tb_frame.f_code.co_filename, caller.tb_lineno).strip()
        return f"(line {caller.tb_lineno} of the test cell: {line})" if line else ""

    def rendered(failure):
        """What IPython shows for a failed check: the message first, wrapped, then the test's
        line; the checks' frames are left out (they say nothing about the answer)."""
        lines = []
        text = "AssertionError: " + str_(failure)
        for line in text.split("\n"):
            margin = " " * (len_(line) - len_(line.lstrip(" ")) + 2)
            lines += wrap(line, 80, subsequent_indent=margin, break_on_hyphens=False) or [""]
        lines[0] = "\x1b[0;31mAssertionError\x1b[0m" + lines[0][len_("AssertionError") :]
        where = test_line(failure.__traceback__)
        return lines + [""] + wrap(where, 80, subsequent_indent="  ") if where else lines

    class CheckFailed(error_):
        """An AssertionError whose message IPython shows first, without the checks' frames."""

        def _render_traceback_(self):
            try:
                return rendered(self)
            except Exception:  # noqa: BLE001 (never let the display hide the failure)
                return ["AssertionError: " + str_(self)]

    CheckFailed.__name__ = "AssertionError"  # what the student, nbgrader and feedback read

    def fail(name, what, inputs=None, details=""):
        raise CheckFailed(describe(name, what, inputs, details))

    def rel_error(x, y):
        """max |x - y| / (|x| + |y|) over the entries where both are finite (0 if both are 0)."""
        x = x.astype(float64) if type_(x) is ndarray else array(float_(x), dtype=float64)
        y = y.astype(float64) if type_(y) is ndarray else array(float_(y), dtype=float64)
        both = logical_and(isfinite(x), isfinite(y))
        if not both.any():
            return 0.0
        x, y = x[both], y[both]
        num, den = absolute(x - y), maximum(tiny, absolute(x) + absolute(y))
        return float_((num / den).max())

    def check_type(name, received, expected_type, **given):
        """`received` is exactly of `expected_type` (a type or a tuple of types): no subclass."""
        __tracebackhide__ = True  # IPython shows the test's line, not this one
        inputs = options(given, inputs=None)["inputs"]
        if not is_one_of(received, expected_type):
            kinds = expected_type if type_(expected_type) is tuple_ else (expected_type,)
            wanted = " or ".join(type_name(t) for t in kinds)
            fail(
                name, f"expected type {wanted}, received type {type_name(type_(received))}", inputs
            )

    def check_shape(name, received, shape, **given):
        """Exact ndarray of `shape` (a tuple) and, when given, of `dtype`."""
        __tracebackhide__ = True  # IPython shows the test's line, not this one
        o = options(given, dtype=None, inputs=None)
        check_type(name, received, ndarray, inputs=o["inputs"])
        if received.shape != shape:
            fail(name, f"expected shape {shape}, received shape {received.shape}", o["inputs"])
        if o["dtype"] is not None and received.dtype != dtype_(o["dtype"]):
            want = dtype_(o["dtype"])
            fail(name, f"expected dtype {want}, received dtype {received.dtype}", o["inputs"])

    def check_array(name, received, expected, **given):
        """Exact ndarray, then shape, dtype and values (equal for bool and integer dtypes)."""
        __tracebackhide__ = True  # IPython shows the test's line, not this one
        o = options(given, rtol=1e-7, atol=0.0, inputs=None)
        if type_(expected) is not ndarray:
            raise type_error("check_array: `expected` must be a numpy.ndarray")  # a test's bug
        check_shape(name, received, expected.shape, dtype=expected.dtype, inputs=o["inputs"])
        if expected.dtype.kind in exact_kinds:
            good = equal(received, expected)
        elif expected.dtype.kind == "f":
            r, e = received.astype(float64), expected.astype(float64)
            finite = logical_and(isfinite(r), isfinite(e))
            # only where both are finite: inf - inf would warn on stderr (a failed test)
            error = absolute(subtract(r, e, out=zeros(r.shape), where=finite))
            scale = multiply(o["rtol"], absolute(e), out=zeros(r.shape), where=finite)
            good = logical_and(finite, error <= o["atol"] + scale)
            both_nan = logical_and(isnan(r), isnan(e))
            same_inf = logical_and(logical_not(isfinite(e)), equal(r, e))
            good = good | both_nan | same_inf
        else:
            raise type_error(f"check_array: dtype {expected.dtype} is not compared")
        if bool_(good.all()):
            return
        bad = logical_not(good)
        first = tuple_(int_(i[0]) for i in bad.nonzero())
        at = f" at index {first}" if first else ""
        details = (
            f"\n  {int_(bad.sum())} of {expected.size} entries differ; first{at}: expected "
            f"{show(expected[first])}, received {show(received[first])}"
        )
        if expected.dtype.kind == "f":
            details += f"\n  relative error {rel_error(received, expected):.2e}"
        if expected.size > 1:
            details += indented("expected: ", show(expected))
            details += indented("received: ", show(received))
        fail(name, "wrong values", o["inputs"], details)

    def check_scalar(name, received, expected, **given):
        """Exact type among `types`, then the value (close for floats, equal otherwise)."""
        __tracebackhide__ = True  # IPython shows the test's line, not this one
        o = options(given, rtol=1e-7, atol=0.0, types=(float_,), inputs=None)
        check_type(name, received, o["types"], inputs=o["inputs"])
        exact = type_(received) is bool_ or type_(received) is int_
        if exact:
            right = type_(expected) is type_(received) and received == expected
        else:
            value = float_(received)
            right = isclose(value, float_(expected), rel_tol=o["rtol"], abs_tol=o["atol"])
            right = right or (value != value and expected != expected)  # both NaN
        if not right:
            error = (
                "" if exact else f" (relative error {rel_error(float_(received), expected):.2e})"
            )
            what = f"expected {show(expected)}, received {show(received)}{error}"
            fail(name, what, o["inputs"])

    def check_sequence(kind, name, received, length, inputs):
        __tracebackhide__ = True  # IPython shows the test's line, not this one
        check_type(name, received, kind, inputs=inputs)
        if len_(received) != length:
            fail(name, f"expected {length} items, received {len_(received)}", inputs)

    def check_tuple(name, received, length, **given):
        """An exact tuple of `length` items (check the items with the other checks)."""
        __tracebackhide__ = True  # IPython shows the test's line, not this one
        check_sequence(tuple_, name, received, length, options(given, inputs=None)["inputs"])

    def check_list(name, received, length, **given):
        """An exact list of `length` items (check the items with the other checks)."""
        __tracebackhide__ = True  # IPython shows the test's line, not this one
        check_sequence(list_, name, received, length, options(given, inputs=None)["inputs"])

    def check_str(name, received, expected, **given):
        """An exact str equal to `expected`."""
        __tracebackhide__ = True  # IPython shows the test's line, not this one
        inputs = options(given, inputs=None)["inputs"]
        check_type(name, received, str_, inputs=inputs)
        if not str_.__eq__(received, expected):
            fail(name, f"expected {expected!r}, received {show(received)}", inputs)

    def check_at_least(name, received, minimum, **given):
        """An exact `types` value (float by default) no smaller than `minimum`."""
        __tracebackhide__ = True  # IPython shows the test's line, not this one
        o = options(given, types=(float_,), inputs=None)
        check_type(name, received, o["types"], inputs=o["inputs"])
        if not float_(received) >= minimum:
            fail(name, f"expected at least {minimum!r}, received {show(received)}", o["inputs"])

    def check_at_most(name, received, maximum_, **given):
        """An exact `types` value (float by default) no larger than `maximum_`."""
        __tracebackhide__ = True  # IPython shows the test's line, not this one
        o = options(given, types=(float_,), inputs=None)
        check_type(name, received, o["types"], inputs=o["inputs"])
        if not float_(received) <= maximum_:
            fail(name, f"expected at most {maximum_!r}, received {show(received)}", o["inputs"])

    def from_nnlib(obj, packages=("nnlib",)):
        names = (getattr_(obj, "__module__", None), type_(obj).__module__)
        return any_(type_(n) is str_ and n.startswith(packages) for n in names)

    def nnlib_inside(f):
        """An nnlib callable that `f` keeps in its defaults or closure (a hidden wrapper)."""
        kept = list_(getattr_(f, "__defaults__", None) or ())
        kept += list_((getattr_(f, "__kwdefaults__", None) or {}).values())
        kept += [c.cell_contents for c in getattr_(f, "__closure__", None) or () if c_has(c)]
        return any_(callable_(v) and from_nnlib(v) for v in kept)

    def c_has(cell):
        try:
            cell.cell_contents  # noqa: B018 (an empty cell raises ValueError)
        except ValueError:
            return False
        return True

    def own(*functions):
        """Each function (or class) was written in this notebook, not imported from nnlib."""
        __tracebackhide__ = True  # IPython shows the test's line, not this one
        for f in functions:
            label = getattr_(f, "__name__", "this answer")
            if not callable_(f) or getattr_(f, "__module__", None) != "__main__":
                raise CheckFailed(f"{label} must be written in this notebook, not imported")
            if any_(from_nnlib(b) for b in getattr_(f, "__mro__", ())):
                raise CheckFailed(f"{label} must not extend nnlib's classes")
            methods = list_(vars_(f).values()) if type_(f) is type_ else [f]
            if any_(nnlib_inside(m) for m in methods if callable_(m)):
                raise CheckFailed(f"{label} must not call nnlib's implementation")

    @contextlib.contextmanager
    def without_nnlib(*only):
        """Every nnlib callable (in nnlib and in this notebook) raises while the block runs, or,
        given module names ("nnlib.conv", ...), those modules' callables only."""
        packages = tuple_(only) if only else ("nnlib",)

        def blocked(*args, **kwargs):
            raise CheckFailed("this part must not call nnlib's implementation")

        spaces = [vars_(m) for n, m in list_(modules.items()) if n.split(".")[0] == "nnlib"]
        spaces.append(vars_(modules["__main__"]))
        saved = []
        for space in spaces:
            for name, value in list_(space.items()):
                if not name.startswith("__") and callable_(value) and from_nnlib(value, packages):
                    saved.append((space, name, value))
                    space[name] = blocked
        try:
            yield
        finally:
            for space, name, value in saved:
                space[name] = value

    return {
        "_own": own,
        "_without_nnlib": without_nnlib,
        "check_type": check_type,
        "check_array": check_array,
        "check_shape": check_shape,
        "check_scalar": check_scalar,
        "check_tuple": check_tuple,
        "check_list": check_list,
        "check_str": check_str,
        "check_at_least": check_at_least,
        "check_at_most": check_at_most,
        "rel_error": rel_error,
    }


def _keep_checks(checks, namespace):
    """Bind the checks again before every cell runs (when run by IPython, as in a notebook)."""
    update = namespace.update

    def restore(*_):
        update(checks)

    try:
        events = get_ipython().events  # noqa: F821 (IPython's; absent outside a kernel)
    except NameError:
        return
    for old in list(events.callbacks["pre_run_cell"]):
        if getattr(old, "__qualname__", "") == restore.__qualname__:
            events.unregister("pre_run_cell", old)  # this cell ran before: one hook only
    events.register("pre_run_cell", restore)


_checks = _make_checks()
globals().update(_checks)
_keep_checks(_checks, globals())
del _make_checks, _keep_checks, _checks
