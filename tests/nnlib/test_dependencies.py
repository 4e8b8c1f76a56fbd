"""nnlib needs NumPy (and Pillow for its photographs), nothing of the book's: every module but
the figures (nnlib.viz) imports with SymPy and Matplotlib unavailable."""

from __future__ import annotations

import subprocess
import sys
import textwrap

BLOCKED = textwrap.dedent(
    """
    import importlib, pkgutil, sys
    sys.modules["sympy"] = None  # an import of a module set to None raises ImportError
    sys.modules["matplotlib"] = None
    import nnlib
    for module in pkgutil.walk_packages(nnlib.__path__, "nnlib."):
        if module.name != "nnlib.viz":
            importlib.import_module(module.name)
            print("imported", module.name)
    try:
        import nnlib.viz
    except ImportError as error:
        print("viz needs", error.name)
    """
)


def test_nnlib_imports_without_sympy_and_matplotlib():
    run = subprocess.run([sys.executable, "-c", BLOCKED], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    imported = [line.split()[-1] for line in run.stdout.splitlines() if line.startswith("imported")]
    assert {"nnlib.layers", "nnlib.autodiff", "nnlib.optim", "nnlib.gradcheck"} <= set(imported)
    assert "viz needs matplotlib" in run.stdout  # the blocker works: the figures do need it
