"""Grading speed: sequential `nbgrader autograde` against `nngrade autograde` (1 and 2 workers).

Builds one tiny assignment (tests/safegrade/course.py) with N identical honest submissions and
grades them with each command in fresh course copies, in interleaved rounds, in one run. Prints
seconds, submissions per minute and the two ratios the issue sets goals for:

- isolation overhead = nngrade(1 worker) / nbgrader time      (goal: <= 1.2)
- parallel speed-up  = nngrade(1 worker) / nngrade(2 workers)  (goal: >= 1.8)

Usage: .venv/bin/python benchmarks/grading.py [--submissions 60]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "safegrade"))

from nngrade.safe_autograde import grade_assignment  # noqa: E402
from tiny_course import (  # noqa: E402
    ASSIGNMENT,
    CORRECT_ADD,
    CORRECT_MUL,
    make_course,
    student_notebook,
    submit,
)


def build(root: Path, submissions: int) -> Path:
    make_course(root)
    text = student_notebook(root, CORRECT_ADD, CORRECT_MUL)
    for index in range(submissions):
        submit(root, f"student{index:03d}", text)
    return root


def time_nbgrader(root: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [
            str(Path(sys.executable).parent / "nbgrader"),
            "autograde",
            ASSIGNMENT,
            "--log-level=ERROR",
        ],
        cwd=root,
        check=True,
        stderr=subprocess.DEVNULL,  # one kernel warning per submission
    )
    return time.perf_counter() - start


def time_nngrade(root: Path, workers: int) -> float:
    start = time.perf_counter()
    outcomes = grade_assignment(root, ASSIGNMENT, workers=workers)
    elapsed = time.perf_counter() - start
    assert all(o.score == 3.0 for o in outcomes), [o for o in outcomes if o.score != 3.0]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (load noise)")
    args = parser.parse_args()
    n, rounds = args.submissions, args.rounds
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    warnings.simplefilter("ignore")
    runs = {
        "nbgrader autograde (sequential)": time_nbgrader,
        "nngrade autograde --workers 1": lambda root: time_nngrade(root, 1),
        "nngrade autograde --workers 2": lambda root: time_nngrade(root, 2),
    }
    times = dict.fromkeys(runs, 0.0)
    # On a shared machine the load drifts: every command grades n/rounds submissions per round,
    # in turn, so all three see the same conditions.
    with tempfile.TemporaryDirectory(prefix="nngrade-bench-") as tmp:
        for round_ in range(rounds):
            share = n // rounds + (round_ < n % rounds)
            for index, (name, run) in enumerate(runs.items()):
                times[name] += run(build(Path(tmp, f"r{round_}-{index}"), share))
    print(f"{n} submissions in {rounds} interleaved rounds, {os.cpu_count()} CPUs")
    for name, seconds in times.items():
        print(f"{name:34s} {seconds:7.1f} s  {60 * n / seconds:6.1f} submissions/min")
    plain, one, two = times.values()
    print(f"isolation overhead (1 worker / nbgrader): {one / plain:.2f}x  (goal <= 1.2)")
    print(f"parallel speed-up (1 worker / 2 workers): {one / two:.2f}x  (goal >= 1.8)")


if __name__ == "__main__":
    main()
