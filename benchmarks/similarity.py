"""The similarity report for a class: `nngrade similarity` on synthetic answers.

The class is the tests' synthetic one (`tests/grading/test_similarity.py`: six tasks, honest
answers in many forms and habits, five planted copies), grown to `--students`. Prints the seconds
to read the submissions, compare every pair and write the report, and where the planted copies
ranked; no test depends on the time (goal: under 30 s for 200 students).

Usage: .venv/bin/python benchmarks/similarity.py [--students 200]
"""

from __future__ import annotations

import argparse
import importlib.util
import tempfile
import time
from pathlib import Path

from nngrade import similarity
from nngrade.course import Course

ROOT = Path(__file__).resolve().parents[1]


def synthetic_class():
    spec = importlib.util.spec_from_file_location(
        "synthetic_class", ROOT / "tests" / "grading" / "test_similarity.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=200)
    args = parser.parse_args()
    corpus = synthetic_class()
    corpus.STUDENTS = args.students

    class Folders:
        def mktemp(self, name: str) -> Path:
            return Path(tempfile.mkdtemp(prefix=f"{name}-"))

    course, planted = corpus.class_of_forty.__wrapped__(Folders())
    start = time.perf_counter()
    documents = similarity.course_documents(Course.open(course.root), corpus.ASSIGNMENT)
    read = time.perf_counter()
    path, pairs = similarity.write_report(course, corpus.ASSIGNMENT)
    done = time.perf_counter()
    ranks = sorted(i for i, pair in enumerate(pairs, 1) if (pair.first, pair.second) in planted)
    print(f"{len(documents)} students, {len(pairs)} pairs sharing any code")
    print(f"read the submissions: {read - start:.2f} s")
    size = path.stat().st_size // 1024
    print(f"compare every pair and write the report: {done - read:.2f} s ({size} kB)")
    print(f"the {len(planted)} planted copies ranked: {ranks}")


if __name__ == "__main__":
    main()
