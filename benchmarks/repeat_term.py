"""A step done again: the same Canvas download collected and graded twice, then feedback.

`nngrade collect` + `nngrade autograde --workers 2` on a class of `--students` (every student
hands in the reference solution; the scenario of `tests/grading/lms_downloads.py` plus on-time
students), then the same two commands again on the unchanged download, which must rewrite and
grade nothing, then `nngrade feedback`. Prints, as each step ends (a run stopped early keeps what
it measured), its seconds and the machine's load average, then the feedback pages' mean and
largest size and the upload zip's size (total and per page); no test depends on them.

Usage: .venv/bin/python benchmarks/repeat_term.py [--students 40] [--assignment 01_neurons]
       [--no-feedback]  (stop after the repeat: feedback for 200 students takes minutes)
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO / "tests"))  # support
sys.path.insert(0, str(REPO / "tests" / "grading"))

from collect import prepare  # noqa: E402

NNGRADE = str(Path(sys.executable).parent / "nngrade")


def cpu() -> float:
    """CPU seconds of the finished child processes (nngrade and what it ran, kernels included)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def timed(*args: str) -> tuple[float, str, float]:
    """(wall seconds, output, CPU seconds) of `nngrade *args`; on a shared machine the CPU time
    says more than the wall time."""
    start, start_cpu = time.perf_counter(), cpu()
    done = subprocess.run([NNGRADE, *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"nngrade {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return time.perf_counter() - start, done.stdout, cpu() - start_cpu


def say(text: str) -> None:
    """Print one measured line at once, with the load average when it was taken (the machine
    may be shared: the load says how much of it the benchmark had)."""
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{text}  [load {load}]", flush=True)


def files(folder: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--assignment", default="01_neurons")
    parser.add_argument("--no-feedback", action="store_true", help="stop after the repeat")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nngrade-repeat-bench-") as tmp:
        course, download = prepare(Path(tmp), args.assignment, args.students)
        say(f"{len(download.expected)} students of {args.assignment}, {os.cpu_count()} CPUs; "
            "seconds as wall (CPU)")  # fmt: skip
        where = ["--course", str(course)]
        collect = ["collect", args.assignment, *where, "--from", str(download.path)]
        collect += ["--roster", str(download.roster_csv)]
        grade = ["autograde", args.assignment, *where, "--workers", "2", "--no-progress"]
        steps = {}
        for name, command in [("first collect", collect), ("first autograde", grade)]:
            steps[name] = timed(*command)
            say(f"{name:20s} {steps[name][0]:7.1f} ({steps[name][2]:7.1f})")
        before = files(course / "submitted") | files(course / "autograded")
        for name, command in [("repeat collect", collect), ("repeat autograde", grade)]:
            steps[name] = timed(*command)
            say(f"{name:20s} {steps[name][0]:7.1f} ({steps[name][2]:7.1f})")
        after = files(course / "submitted") | files(course / "autograded")
        assert before == after, "a repeat collect and autograde rewrote files"
        repeat = steps["repeat autograde"][1]
        assert f"{args.assignment}: nothing to grade" in repeat, repeat
        again = steps["repeat collect"][0] + steps["repeat autograde"][0]
        say(f"repeat collect + autograde of the unchanged batch: {again:.1f} s")
        if args.no_feedback:
            return
        feedback = timed("feedback", args.assignment, *where)
        found = (course / "feedback").glob(f"*/{args.assignment}/*.html")
        pages = [p.stat().st_size for p in found]
        upload = (course / "feedback-upload" / f"{args.assignment}.zip").stat().st_size
        say(
            f"feedback {feedback[0]:.1f} ({feedback[2]:.1f}): {len(pages)} pages, mean "
            f"{sum(pages) / len(pages) / 1000:.0f} kB, largest {max(pages) / 1000:.0f} kB; upload "
            f"zip {upload / 1e6:.2f} MB ({upload / len(pages) / 1000:.1f} kB per page)"
        )


if __name__ == "__main__":
    main()
