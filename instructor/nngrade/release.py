"""Release: the masters built from their percent sources, `exercises/` generated from them, and
the gradebook told each assignment's notebooks (what autograde restores test cells from)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from nbgrader.api import MissingEntry

from .authoring import build_master
from .course import (
    ALL,
    CONFIG_FILE,
    Course,
    assignments,
    check,
    quiet_nbgrader,
    select,
    source_dir,
)


def copy_course(course: Course, dest: Path) -> Path:
    """A fresh course at `dest` with the same configuration and masters (nothing graded)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(course.root / CONFIG_FILE, dest / CONFIG_FILE)
    shutil.copytree(source_dir(course), dest / source_dir(course).relative_to(course.root))
    return dest


def build_masters(course: Course, assignment: str = ALL) -> list[Path]:
    """Rebuild each master notebook from its percent source, where there is one."""
    built = []
    names = assignments(course) if assignment == ALL else select(course, assignment)
    for name in names:
        source = source_dir(course) / name / f"{name}.py"
        if source.exists():
            built.append(build_master(source))
    return built


def release(course: Course, assignment: str = ALL) -> list[Path]:
    """Regenerate `exercises/<a>/` from `solutions/<a>/` and record the masters in the gradebook.

    `all` here means every assignment of `solutions/`. This is also what prepares a course for
    grading: autograde restores test cells from the gradebook copy made here.
    """
    names = assignments(course) if assignment == ALL else select(course, assignment)
    build_masters(course, assignment)
    api = course.api()
    released_files = []
    for name in names:
        with quiet_nbgrader():
            outcome = api.generate_assignment(name, force=True, create=True)
        check(outcome, f"releasing {name}")
        released_files.extend(sorted((course.directory("release") / name).glob("*.ipynb")))
    return released_files


def release_differences(course: Course, fresh: Course, assignment: str) -> list[str]:
    """How `course`'s `exercises/<assignment>/` differs from the release made in `fresh`."""
    ours = course.directory("release") / assignment
    theirs = fresh.directory("release") / assignment

    def files(root: Path) -> set[str]:
        return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}

    mine, made = files(ours) if ours.is_dir() else set(), files(theirs)
    problems = [f"{name} is missing" for name in sorted(made - mine)]
    problems += [f"{name} is not made from solutions/" for name in sorted(mine - made)]
    problems += [
        f"{name} is stale"
        for name in sorted(mine & made)
        if (ours / name).read_bytes() != (theirs / name).read_bytes()
    ]
    return problems


def stale_releases(course: Course, workdir: Path) -> dict[str, list[str]]:
    """Per assignment whose `exercises/` is not what `make release` would make from `solutions/`
    now, what differs. The release is made in a copy of the course under `workdir`."""
    fresh = Course.open(copy_course(course, Path(workdir) / "fresh-release"))
    release(fresh, ALL)
    found = {name: release_differences(course, fresh, name) for name in assignments(course)}
    return {name: problems for name, problems in found.items() if problems}


def is_released(course: Course, assignment: str) -> bool:
    """Whether the gradebook holds `assignment`'s notebooks (so autograde can restore its tests;
    `nbgrader db assignment add`, which sets a due date, records the assignment without them)."""
    with quiet_nbgrader(), course.gradebook() as gb:
        try:
            return bool(gb.find_assignment(assignment).notebooks)
        except MissingEntry:
            return False


def ensure_in_gradebook(course: Course, assignment: str) -> None:
    """Record `assignment`'s masters in the gradebook if they are not there yet (a fresh
    database), as they are: neither the masters nor `exercises/` are written. nbgrader records
    them while it generates the student version, which goes to a scratch folder here."""
    if is_released(course, assignment):
        return
    select(course, assignment)
    with tempfile.TemporaryDirectory(prefix="nngrade-record-") as scratch:
        config = course.config()
        config.CourseDirectory.release_directory = str(Path(scratch, "release"))
        with quiet_nbgrader():
            outcome = course.api(config).generate_assignment(assignment, force=True, create=True)
        check(outcome, f"recording {assignment} in the gradebook")


__all__ = [
    "build_masters",
    "copy_course",
    "ensure_in_gradebook",
    "is_released",
    "release",
    "release_differences",
    "stale_releases",
]
