"""Time the variant cell of every assignment with variants (solutions/_shared/variants.py).

    .venv/bin/python benchmarks/variants.py

Prints, per assignment, the best of 20 runs of the locked variant cell (identity lookup, the
keyed hash, drawing the data, publishing the names) in a fresh namespace, numpy already
imported as the setup cell imports it. The goal is well under 0.2 s per notebook.
"""

from __future__ import annotations

import contextlib
import io
import time
from pathlib import Path

import numpy  # noqa: F401 (imported by every setup cell before the variant cell runs)

SOURCE = (Path(__file__).resolve().parents[1] / "solutions" / "_shared" / "variants.py").read_text()


def best_time(assignment: str, repeats: int = 20) -> float:
    code = compile(SOURCE + f"\n_start_variant({assignment!r})\n", "variants.py", "exec")
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            exec(code, {"__name__": "__main__"})
        best = min(best, time.perf_counter() - start)
    return best


if __name__ == "__main__":
    namespace: dict = {}
    exec(compile(SOURCE, "variants.py", "exec"), namespace)
    for name in namespace["VARIANTS"]:
        print(f"{name}: variant cell {1000 * best_time(name):.2f} ms (best of 20)")
