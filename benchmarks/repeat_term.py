"""A step done again: the same Canvas download collected and graded twice, then feedback.

`nngrade collect` + `nngrade autograde --workers 2` on a class of `--students` (every student
hands in the reference solution; the scenario of `tests/grading/lms_downloads.py` plus on-time
students), then the same two commands again on the unchanged download, which must rewrite and
grade nothing, then `nngrade feedback`. Prints the seconds of each step, the feedback pages'
largest size and the upload zip's size; no test depends on them.

Usage: .venv/bin/python benchmarks/repeat_term.py [--students 40] [--assignment 01_neurons]
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


def files(folder: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--assignment", default="01_neurons")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nngrade-repeat-bench-") as tmp:
        course, download = prepare(Path(tmp), args.assignment, args.students)
        where = ["--course", str(course)]
        collect = ["collect", args.assignment, *where, "--from", str(download.path)]
        collect += ["--roster", str(download.roster_csv)]
        grade = ["autograde", args.assignment, *where, "--workers", "2", "--no-progress"]
        first = [timed(*collect), timed(*grade)]
        before = files(course / "submitted") | files(course / "autograded")
        again = [timed(*collect), timed(*grade)]
        after = files(course / "submitted") | files(course / "autograded")
        assert before == after, "a repeat collect and autograde rewrote files"
        assert f"{args.assignment}: nothing to grade" in again[1][1], again[1][1]
        feedback = timed("feedback", args.assignment, *where)
        pages = list((course / "feedback").glob(f"*/{args.assignment}/*.html"))
        largest = max(p.stat().st_size for p in pages)
        upload = course / "feedback-upload" / f"{args.assignment}.zip"
        load = os.getloadavg()[0]
        print(
            f"{len(download.expected)} students of {args.assignment}, {os.cpu_count()} CPUs, "
            f"load average {load:.1f}; seconds as wall (CPU)"
        )
        for name, (c, g) in [("first collect + autograde", first), ("the same again", again)]:
            print(
                f"{name:28s} collect {c[0]:6.1f} ({c[2]:5.1f})  autograde {g[0]:6.1f} "
                f"({g[2]:6.1f})  total {c[0] + g[0]:6.1f} ({c[2] + g[2]:6.1f})"
            )
        print(
            f"feedback {feedback[0]:.1f} ({feedback[2]:.1f}): {len(pages)} pages, largest "
            f"{largest / 1000:.0f} kB, upload zip {upload.stat().st_size / 1000:.0f} kB"
        )


if __name__ == "__main__":
    main()
