"""A term's batch: 200 students of one assignment from one Canvas zip, collected and graded.

- nngrade: `nngrade.lms.collect_download` (roster, Canvas's file names, latest attempt) then
  `nngrade autograde --course DIR --assignment A --workers 2` (isolated, parallel).
- plain nbgrader: the same latest notebooks renamed `<student_id>_<notebook>.ipynb` for its
  `FileNameCollectorPlugin`, then `nbgrader zip_collect` and `nbgrader autograde` (sequential,
  no isolation).

Every student hands in the reference solution (ben's first attempt is the blank student
version, superseded), so every grade must be full marks; the benchmark checks it. The download
is the scenario of `tests/grading/lms_downloads.py` plus on-time students up to `--students`.
Prints the seconds of each step and the two totals; no test depends on them.

Usage: .venv/bin/python benchmarks/collect.py [--students 200] [--assignment 01_neurons]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # support
sys.path.insert(0, str(REPO / "tests" / "grading"))

import gradingkit as kit  # noqa: E402
import lms_downloads as scenario  # noqa: E402
from nngrade import course as nncourse  # noqa: E402
from nngrade import release as nnrelease  # noqa: E402
from nngrade.lms import collect_download  # noqa: E402
from nngrade.roster import load_roster  # noqa: E402

BIN = Path(sys.executable).parent
#: What plain nbgrader is told: `<student_id>_<notebook>.ipynb`, ids without underscores.
NBGRADER_PATTERN = r".*/(?P<student_id>[^/_]+)_(?P<file_id>[^/]+\.ipynb)$"


def prepare(root: Path, assignment: str, students: int) -> tuple[Path, scenario.Download]:
    """A released copy of the course and the Canvas download of `students` students."""
    base = nnrelease.copy_course(nncourse.Course.open(REPO), root / "base")
    nnrelease.release(nncourse.Course.open(base), assignment)
    solved = nbformat.writes(kit.solved_notebook(assignment, base)).encode()
    blank = nbformat.writes(kit.release_notebook(assignment, base)).encode()
    extras = [f"s{index:03d}" for index in range(students - 4)]  # ada, ben, cam, dee + extras
    notebooks = {sid: solved for sid in [*scenario.SUBMITTERS, *extras]}
    download = scenario.build_canvas(
        root / "canvas.zip", notebooks, first_attempt=blank, assignment=assignment,
        notebook=assignment,
    )  # fmt: skip
    return base, download


def run(command: list[str], cwd: Path) -> str:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def full_marks(course: Path, assignment: str) -> tuple[int, int]:
    """(submissions with every autograded point, submissions graded) in the course's gradebook
    (the assignment's hand-graded answer is left to formgrader)."""
    from nngrade.grades import read_scores

    scores = read_scores(nncourse.Course.open(course), assignment).values()
    return sum(s.autograded == s.autograded_max for s in scores), len(scores)


def time_nngrade(base: Path, download: scenario.Download, assignment: str, root: Path) -> dict:
    course = root / "nngrade"
    shutil.copytree(base, course)
    start = time.perf_counter()
    result = collect_download(
        download.path,
        assignment=assignment,
        notebooks=[assignment],
        roster=load_roster(download.roster_csv),
        lms="canvas",
        submitted_dir=course / "submitted",
    )
    collected = time.perf_counter()
    command = [str(BIN / "nngrade"), "autograde", "--course", str(course)]
    run([*command, "--assignment", assignment, "--workers", "2", "--no-progress"], course)
    graded = time.perf_counter()
    assert len(result.placed) == len(download.expected), (len(result.placed), result.unplaced)
    return {
        "collect": collected - start,
        "autograde": graded - collected,
        "marks": full_marks(course, assignment),
        "placed": result.placed,
    }


def time_nbgrader(base: Path, download: scenario.Download, assignment: str, root: Path, placed):
    course = root / "nbgrader"
    shutil.copytree(base, course)
    archive_dir = course / "downloaded" / assignment / "archive"
    archive_dir.mkdir(parents=True)
    with (
        zipfile.ZipFile(download.path) as canvas,
        zipfile.ZipFile(archive_dir / "batch.zip", "w", zipfile.ZIP_DEFLATED) as renamed,
    ):
        for p in placed:  # the same latest files, renamed for nbgrader's plugin
            renamed.writestr(f"{p.student_id}_{assignment}.ipynb", canvas.read(p.source))
    nbgrader = str(BIN / "nbgrader")
    start = time.perf_counter()
    pattern = f"--FileNameCollectorPlugin.named_regexp={NBGRADER_PATTERN}"
    run([nbgrader, "zip_collect", assignment, "--force", pattern, "--log-level=ERROR"], course)
    collected = time.perf_counter()
    run([nbgrader, "autograde", assignment, "--log-level=ERROR"], course)
    graded = time.perf_counter()
    students = [p.name for p in (course / "submitted").iterdir() if (p / assignment).is_dir()]
    assert len(students) == len(placed), (len(students), len(placed))
    return {
        "collect": collected - start,
        "autograde": graded - collected,
        "marks": full_marks(course, assignment),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--assignment", default="01_neurons")
    args = parser.parse_args()
    if args.students < 4 or not re.fullmatch(r"[A-Za-z0-9_]+", args.assignment):
        parser.error("--students must be at least 4 and --assignment an assignment name")
    os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ['PATH']}"
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory(prefix="nngrade-collect-bench-") as tmp:
        root = Path(tmp)
        base, download = prepare(root, args.assignment, args.students)
        size = download.path.stat().st_size >> 10
        with zipfile.ZipFile(download.path) as archive:
            files = len(archive.namelist())
        print(f"Canvas zip: {files} files, {size} KiB, {len(download.expected)} students placed")
        ours = time_nngrade(base, download, args.assignment, root)
        plain = time_nbgrader(base, download, args.assignment, root, ours["placed"])
    print(f"{args.students} students of {args.assignment}, {os.cpu_count()} CPUs")
    for name, times in [("nngrade (collect_download + autograde --workers 2)", ours),
                        ("nbgrader (zip_collect + autograde, sequential)", plain)]:  # fmt: skip
        total = times["collect"] + times["autograde"]
        full, graded = times["marks"]
        print(
            f"{name:52s} collect {times['collect']:6.2f} s  autograde {times['autograde']:7.1f} s"
            f"  total {total:7.1f} s  ({full}/{graded} full marks)"
        )
    ratio = (plain["collect"] + plain["autograde"]) / (ours["collect"] + ours["autograde"])
    print(f"nngrade is {ratio:.2f}x the speed of plain nbgrader on this batch")


if __name__ == "__main__":
    main()
