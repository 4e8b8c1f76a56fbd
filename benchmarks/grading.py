"""Grading speed: plain `nbgrader autograde` against `nngrade autograde`, cold and warm.

    .venv/bin/python benchmarks/grading.py [--assignment 01_neurons] [--submissions 24]
                                           [--rounds 2] [--skip-nbgrader]

Builds a course with N submissions of one assignment: `tiny` (tests/safegrade/tiny_course.py,
identical honest submissions) or one of the course's own (the reference solution and the
typical wrong submissions of tests/grading/submissions/, in turn), and grades them with each
command in fresh course copies, in interleaved rounds (the load of a shared machine drifts).
Prints, per command: seconds, submissions per minute and per minute per core (workers), and
whether every submission earned the same score as under plain nbgrader. Then the ratios the
issue sets goals for, the floor (the notebook's own cells run again in an interpreter that has
already run them once: no start, no imports) and, from the sandbox's timings, where a
submission's time goes: sandbox, runner start, notebook parsed and kernel launched, kernel start,
the first cell (the imports), the other cells, the kernel's end, teardown, and nbgrader's
bookkeeping (what is left of the wall time).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
import warnings
from concurrent.futures import Future
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "safegrade"))
sys.path.insert(0, str(REPO / "tests"))  # support
sys.path.insert(0, str(REPO / "tests" / "grading"))

import nbformat  # noqa: E402
from nngrade import course as nncourse  # noqa: E402
from nngrade import release as nnrelease  # noqa: E402
from nngrade.grades import read_scores  # noqa: E402
from nngrade.safe_autograde import grade_assignment  # noqa: E402

TINY = "tiny"


class Recorder:
    """An executor running jobs in the calling thread, keeping each execution's timings."""

    def __init__(self) -> None:
        self.timings: list[dict] = []

    def submit(self, function, job):
        future = Future()
        result = function(job)
        self.timings.append(result.get("timings", {}))
        future.set_result(result)
        return future


def build(root: Path, assignment: str, submissions: int) -> Path:
    """A course with ``submissions`` submissions of ``assignment``."""
    if assignment == TINY:
        from tiny_course import CORRECT_ADD, CORRECT_MUL, make_course, student_notebook, submit

        make_course(root)
        text = student_notebook(root, CORRECT_ADD, CORRECT_MUL)
        for index in range(submissions):
            submit(root, f"student{index:03d}", text)
        return root
    import gradingkit as kit

    nnrelease.copy_course(kit.COURSE, root)
    nnrelease.release(nncourse.Course.open(root), assignment)
    notebooks = [kit.solved_notebook(assignment, root)]
    notebooks += [
        kit.build_submission(assignment, s, root) for s in kit.load_submissions(assignment)
    ]
    for index in range(submissions):
        kit.write_submission(
            root, assignment, f"student{index:03d}", notebooks[index % len(notebooks)]
        )
    return root


def scores_of(root: Path, assignment: str) -> dict[str, float]:
    if assignment == TINY:
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "tiny") as gb:
            return {s.student.id: s.score for s in gb.assignment_submissions("ps1")}
    scores = read_scores(nncourse.Course.open(root), assignment)
    return {student: s.autograded for student, s in scores.items()}


def time_nbgrader(root: Path, assignment: str) -> tuple[float, list[dict]]:
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    name = "ps1" if assignment == TINY else assignment
    if assignment == TINY:
        config = Config()
        config.CourseDirectory.root = str(root)
        config.CourseDirectory.course_id = "tiny"
        api = NbGraderAPI(config=config)
    else:
        api = nncourse.Course.open(root).api()
    start = time.perf_counter()
    with nncourse.quiet_nbgrader(), contextlib.redirect_stderr(open(os.devnull, "w")):
        result = api.autograde(name, "*", force=True, create=True)
    assert result["success"], result.get("log", "")[-500:]
    return time.perf_counter() - start, []


def time_nngrade(root: Path, assignment: str, workers: int, warm: bool) -> tuple[float, list]:
    os.environ["NNGRADE_WARM"] = "1" if warm else "0"
    recorder = Recorder() if workers == 1 else None
    name = "ps1" if assignment == TINY else assignment
    start = time.perf_counter()
    grade_assignment(root, name, workers=workers, executor=recorder)
    elapsed = time.perf_counter() - start
    return elapsed, recorder.timings if recorder else []


def floor_seconds(assignment: str, repeats: int = 5) -> float:
    """The notebook's own code cells, run again in a process that already ran them (numpy,
    matplotlib, nnlib imported): what no grader can go below."""
    with tempfile.TemporaryDirectory(prefix="nngrade-floor-") as tmp:
        root = build(Path(tmp, "c"), assignment, 1)
        name = "ps1" if assignment == TINY else assignment
        folder = next((root / "submitted").glob(f"*/{name}"))
        nb = nbformat.read(next(folder.glob("*.ipynb")), as_version=4)
        cells = [c.source for c in nb.cells if c.cell_type == "code"]
        cells = [
            "\n".join(x for x in s.splitlines() if not x.lstrip().startswith(("%", "!")))
            for s in cells
        ]
        code = [compile(source, f"cell{i}", "exec") for i, source in enumerate(cells)]
        here = os.getcwd()
        os.chdir(folder)
        try:
            times = []
            for _ in range(repeats + 1):
                namespace = {"__name__": "__main__"}
                start = time.perf_counter()
                for cell in code:
                    with contextlib.suppress(Exception), contextlib.redirect_stdout(io.StringIO()):
                        exec(cell, namespace)  # noqa: S102 (the benchmark's own notebook)
                times.append(time.perf_counter() - start)
        finally:
            os.chdir(here)
    return statistics.median(times[1:])


def breakdown(timings: list[dict], wall_per_submission: float) -> dict[str, float]:
    """Mean seconds per submission of each phase (one worker: the phases add up)."""
    phases = {
        "sandbox (bwrap, interpreter start)": ("job", "runner"),
        "runner imports (nbclient, nbformat)": ("runner", "imported"),
        "notebook parsed, kernel launched": ("imported", "launch"),
        "kernel start (until kernel_info)": ("launch", "kernel_ready"),
        "first cell (imports of the notebook)": ("kernel_ready", "first_cell"),
        "other cells": ("first_cell", "last_cell"),
        "kernel stopped, result sent": ("last_cell", "end"),
        "teardown (kill, reap, written files)": ("end", "returned"),
    }
    found = {}
    complete = [t for t in timings if all(k in t for pair in phases.values() for k in pair)]
    for name, (a, b) in phases.items():
        found[name] = statistics.mean(t[b] - t[a] for t in complete) if complete else float("nan")
    executed = statistics.mean(t["returned"] - t["job"] for t in complete) if complete else 0.0
    found["bookkeeping (nbgrader, gradebook)"] = wall_per_submission - executed
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", default=TINY, help="tiny, or one of solutions/")
    parser.add_argument("--submissions", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds (load noise)")
    parser.add_argument("--skip-nbgrader", action="store_true")
    parser.add_argument("--skip-cold", action="store_true")
    args = parser.parse_args()
    n, rounds, assignment = args.submissions, args.rounds, args.assignment
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    warnings.simplefilter("ignore")
    runs = {}
    if not args.skip_nbgrader:
        runs["nbgrader autograde (sequential)"] = (1, lambda r: time_nbgrader(r, assignment))
    if not args.skip_cold:
        runs["nngrade cold --workers 1"] = (1, lambda r: time_nngrade(r, assignment, 1, False))
    runs["nngrade warm --workers 1"] = (1, lambda r: time_nngrade(r, assignment, 1, True))
    runs["nngrade warm --workers 2"] = (2, lambda r: time_nngrade(r, assignment, 2, True))
    times = dict.fromkeys(runs, 0.0)
    timings: dict[str, list] = {name: [] for name in runs}
    scores: dict[str, dict] = {name: {} for name in runs}
    floor = floor_seconds(assignment)  # first: nbgrader's in-process runs change its state
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="nngrade-bench-") as tmp:
        for round_ in range(rounds):
            share = n // rounds + (round_ < n % rounds)
            for index, (name, (_, run)) in enumerate(runs.items()):
                root = build(Path(tmp, f"r{round_}-{index}"), assignment, share)
                seconds, found = run(root)
                times[name] += seconds
                timings[name] += found
                scores[name].update(
                    {f"{round_}/{k}": v for k, v in scores_of(root, assignment).items()}
                )
    load_after = os.getloadavg()
    cpus = os.cpu_count()
    print(
        f"{assignment}: {n} submissions in {rounds} interleaved rounds, {cpus} CPUs, "
        f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after"
    )
    reference = next(iter(scores.values()))
    print(f"{'':34s} {'seconds':>8s} {'sub/min':>8s} {'sub/min/core':>13s}  same scores")
    for name, seconds in times.items():
        per_core = 60 * n / seconds / runs[name][0]
        same = "yes" if scores[name] == reference else "NO"
        print(f"{name:34s} {seconds:8.1f} {60 * n / seconds:8.1f} {per_core:13.1f}  {same}")
    warm1, warm2 = times["nngrade warm --workers 1"], times["nngrade warm --workers 2"]
    if "nbgrader autograde (sequential)" in times:
        plain = times["nbgrader autograde (sequential)"]
        print(
            f"warm per core / nbgrader:  {plain / warm1:.2f}x with 1 worker, "
            f"{plain / warm2 / 2:.2f}x with 2  (goal >= 3)"
        )
    if "nngrade cold --workers 1" in times:
        print(f"warm / cold (1 worker):     {times['nngrade cold --workers 1'] / warm1:.2f}x")
    print(f"two-worker speed-up (warm): {warm1 / warm2:.2f}x")
    print(
        f"floor (cells in a warm interpreter): {1000 * floor:.1f} ms/submission; "
        f"warm path {warm1 / n:.2f} s/submission = {warm1 / n / floor:.1f}x the floor"
    )
    for name in ("nngrade cold --workers 1", "nngrade warm --workers 1"):
        if timings.get(name):
            print(f"breakdown, {name} (mean s/submission):")
            for phase, seconds in breakdown(timings[name], times[name] / n).items():
                print(f"  {phase:40s} {seconds:6.3f}")
    print("(a machine shared with other jobs: repeat on a quiet machine for absolute figures)")


if __name__ == "__main__":
    main()
