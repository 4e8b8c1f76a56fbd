"""Seconds per submission of `nngrade autograde` on the course's own assignments.

    .venv/bin/python tests/grading/benchmark_autograde.py [--assignments 01_neurons ...] [-n 4]

For each assignment: a temporary course is released, then `n` copies of the reference solution
are graded in one isolated `grade_assignment` call with two workers, and one more alone. Prints
the wall time per submission of both (the batch spreads the start-up over the submissions; the
single one is what a student waits for). The goal is under 10 s per submission.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # support
sys.path.insert(0, str(Path(__file__).resolve().parent))

import gradingkit as kit  # noqa: E402
from nngrade import course as nncourse  # noqa: E402
from nngrade import release as nnrelease
from nngrade.grades import read_scores  # noqa: E402
from nngrade.safe_autograde import grade_assignment  # noqa: E402


def seconds_per_submission(assignment: str, copies: int) -> tuple[float, float]:
    """(seconds per submission in a batch of `copies`, seconds for one submission alone)."""
    with tempfile.TemporaryDirectory() as tmp:
        course = nnrelease.copy_course(kit.COURSE, Path(tmp) / "course")
        nnrelease.release(nncourse.Course.open(course), assignment)
        solved = kit.solved_notebook(assignment, course)
        for index in range(copies):
            kit.write_submission(course, assignment, f"student{index}", solved)
        start = time.perf_counter()
        grade_assignment(course, assignment, workers=2)
        scores = read_scores(nncourse.Course.open(course), assignment)
        batch = (time.perf_counter() - start) / copies
        full = all(s.autograded == s.autograded_max for s in scores.values())
        assert len(scores) == copies and full, "the reference must earn full marks"
        shutil.rmtree(course / "submitted")
        kit.write_submission(course, assignment, "alone", solved)
        start = time.perf_counter()
        grade_assignment(course, assignment)
        single = time.perf_counter() - start
    return batch, single


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignments", nargs="*", default=kit.assignment_names())
    parser.add_argument("-n", "--copies", type=int, default=4)
    args = parser.parse_args()
    batch_title = f"s/submission (batch of {args.copies})"
    print(f"{'assignment':<20} {batch_title:>28} {'one alone (s)':>14}")
    for assignment in args.assignments:
        batch, single = seconds_per_submission(assignment, args.copies)
        print(f"{assignment:<20} {batch:>28.2f} {single:>14.2f}", flush=True)


if __name__ == "__main__":
    main()
