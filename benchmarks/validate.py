"""How long a student waits for Validate: `python -m nnbook.validate` on every exercise.

The edition's README prints `.venv/bin/python -m nnbook.validate exercises/<a>/<a>.ipynb`; the
Validate button runs the same nbgrader validator in the server. For each assignment this runs that
command on the reference solution (every test passes, so every cell runs) from a folder holding
the edition's nbgrader settings (`scripts/student/jupyter-config/nbgrader_config.py`: kernels over
local sockets), and prints the median wall and CPU time of `--runs` runs with the machine's load;
then the time of the validation alone in this process, which has nbgrader loaded as the Validate
button's server has. The command's difference is its imports (nbgrader, nbformat, nbclient: about
2 to 3 s of CPU). Goal (issue 19): under 3 s per exercise. No test depends on the time.

Usage: .venv/bin/python benchmarks/validate.py [--runs 3] [ASSIGNMENT ...]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nnbook.validate import validate

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = ROOT / "scripts" / "student" / "jupyter-config" / "nbgrader_config.py"
GOAL = 3.0


def validate_seconds(folder: Path, notebook: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one validation; CPU counts the command and its kernel, and depends
    far less on what else the machine runs than the wall time does."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "nnbook.validate", str(notebook.relative_to(folder))],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if run.returncode != 0:
        raise SystemExit(f"{notebook.name}: validate exited {run.returncode}\n{run.stdout}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def button_seconds(folder: Path, notebook: Path) -> float:
    """Wall seconds of the validation alone in a process that has nbgrader loaded already, as the
    Validate button's server has (it runs the same Validator, in-process)."""
    with contextlib.chdir(folder):
        start = time.perf_counter()
        results = validate(notebook.relative_to(folder))
        seconds = time.perf_counter() - start
    if results:
        raise SystemExit(f"{notebook.name}: the Validate button would report {list(results)}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignments", nargs="*")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    names = args.assignments or sorted(
        p.name for p in (ROOT / "solutions").iterdir() if (p / f"{p.name}.ipynb").exists()
    )
    print(f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores; median of {args.runs}")
    print("| exercise | command: wall s | command: CPU s | button: wall s | goal (wall) |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        shutil.copyfile(SETTINGS, folder / "nbgrader_config.py")
        for name in names:
            notebook = folder / "exercises" / name / f"{name}.ipynb"
            notebook.parent.mkdir(parents=True)
            shutil.copyfile(ROOT / "solutions" / name / f"{name}.ipynb", notebook)
            runs = [validate_seconds(folder, notebook) for _ in range(args.runs)]
            wall = statistics.median(w for w, _ in runs)
            cpu = statistics.median(c for _, c in runs)
            button = statistics.median(button_seconds(folder, notebook) for _ in range(args.runs))
            verdict = "ok" if max(wall, button) < GOAL else f"MISS >= {GOAL:.0f} s"
            print(f"| {name} | {wall:.2f} | {cpu:.2f} | {button:.2f} | {verdict} |", flush=True)


if __name__ == "__main__":
    main()
