# Shared by every assignment's first hidden test cell (nngrade.authoring inlines it where a
# cell says `#: include nnlib_guard.py`): a part answered with nnlib's own code earns nothing.
# Superseded by checks.py, which defines `_own` and `_without_nnlib` in a locked cell before any
# answer: remove this file once no master includes it.
import contextlib as _contextlib
import sys as _sys


def _from_nnlib(obj):
    names = (getattr(obj, "__module__", None), type(obj).__module__)
    return any(isinstance(n, str) and n.startswith("nnlib") for n in names)


def _own(*functions):
    for f in functions:
        assert callable(f) and getattr(f, "__module__", None) == "__main__", (
            f"{getattr(f, '__name__', f)} must be written in this notebook, not imported"
        )
        bases = getattr(f, "__mro__", ())
        assert not any(_from_nnlib(b) for b in bases), f"{f.__name__} must not extend nnlib"


@_contextlib.contextmanager
def _without_nnlib():
    """Every nnlib callable (in nnlib and in this notebook) raises while the block runs."""

    def _blocked(*args, **kwargs):
        raise AssertionError("this part must not call nnlib's implementation")

    spaces = [vars(m) for n, m in list(_sys.modules.items()) if n.split(".")[0] == "nnlib"]
    spaces.append(vars(_sys.modules["__main__"]))
    saved = []
    for space in spaces:
        for name, value in list(space.items()):
            if not name.startswith("__") and callable(value) and _from_nnlib(value):
                saved.append((space, name, value))
                space[name] = _blocked
    try:
        yield
    finally:
        for space, name, value in saved:
            space[name] = value


def _check_shape_dtype(out, like):
    assert isinstance(out, np.ndarray), f"expected an ndarray, got {type(out).__name__}"
    assert out.shape == like.shape, f"expected shape {like.shape}, got {out.shape}"
    assert out.dtype == like.dtype, f"expected dtype {like.dtype}, got {out.dtype}"
