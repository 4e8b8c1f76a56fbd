"""The instructor workflow on a course directory, through nbgrader's Python API.

A course directory holds `nbgrader_config.py`, the masters in `solutions/<a>/<a>.ipynb` (built
from `<a>.py` when that percent source exists) and, once used, `exercises/`, `submitted/`,
`autograded/`, `feedback/`, `gradebook.db` and `reports/<a>.json` (the instructor's report).

    python -m nngrade.course release   --course . --assignment all
    python -m nngrade.course collect   --course . --assignment 01_neurons --from downloads.zip
    python -m nngrade.course autograde --course . --assignment 01_neurons
    python -m nngrade.course feedback  --course . --assignment 01_neurons
    python -m nngrade.course export    --course . --to grades.csv
    python -m nngrade.course report    --course . --assignment 01_neurons

nbgrader's apps exit 0 even when a step fails, so every step here checks nbgrader's result and
raises `CourseError` with nbgrader's log instead.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import re
import shutil
import sys
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from nbgrader.apps.zipcollectapp import ZipCollectApp
from nbgrader.plugins import FileNameCollectorPlugin
from nbgrader.preprocessors import GetGrades
from nbgrader.utils import capture_log, temp_attrs
from sqlalchemy.exc import SAWarning
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from nngrade.authoring import build_master
from nngrade.feedback import StripHiddenTests

CONFIG_FILE = "nbgrader_config.py"
#: LMS file names: `<student_id>_<notebook>.ipynb`, for example `alice_01_neurons.ipynb`.
#: Student ids are letters, digits and hyphens (no underscore); nbgrader matches the full path.
SUBMISSION_PATTERN = r".*/(?P<student_id>[A-Za-z0-9-]+)_(?P<file_id>[^/]+\.ipynb)$"
FILE_NAME_PATTERN = re.compile(r"^(?P<student_id>[A-Za-z0-9-]+)_(?P<file_id>.+\.ipynb)$")
COLLECTED, OK, ZERO, SKIPPED = "collected", "graded", "zero", "skipped"


class CourseError(RuntimeError):
    """An nbgrader step failed; the message carries nbgrader's log."""


# ---------------------------------------------------------------------------------------------
# The course and its assignments
# ---------------------------------------------------------------------------------------------


def load_config(course: Path) -> Config:
    """The course's nbgrader configuration, rooted at `course` whatever the working directory."""
    course = Path(course).resolve()
    config = PyFileConfigLoader(CONFIG_FILE, path=str(course)).load_config()
    config.CourseDirectory.root = str(course)
    config.FileNameCollectorPlugin.named_regexp = SUBMISSION_PATTERN
    # whatever the course's file says, feedback never shows hidden tests (nngrade.feedback)
    config.GenerateFeedback.preprocessors = [GetGrades, StripHiddenTests, CSSHTMLHeaderPreprocessor]
    return config


def _venv_on_path() -> None:
    """nbgrader runs `alembic` (and kernels) from PATH: make it this interpreter's bin first."""
    bindir = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bindir:
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def open_api(course: Path) -> NbGraderAPI:
    """nbgrader's Python API on `course`."""
    _venv_on_path()
    return NbGraderAPI(config=load_config(course))


@contextlib.contextmanager
def quiet_nbgrader():
    """Silence SQLAlchemy's warnings inside nbgrader (benign, and errors under strict pytest)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        yield


def _run(result: dict, what: str) -> dict:
    if not result["success"]:
        raise CourseError(f"{what} failed:\n{result.get('log', '')}\n{result.get('error', '')}")
    return result


def source_dir(course: Path) -> Path:
    return Path(course) / load_config(course).CourseDirectory.source_directory


def assignments(course: Path) -> list[str]:
    """Every assignment of the course: a folder of `solutions/` holding `<name>.ipynb` or `.py`."""
    root = source_dir(course)
    return sorted(
        d.name
        for d in root.iterdir()
        if d.is_dir() and any((d / f"{d.name}{ext}").exists() for ext in (".ipynb", ".py"))
    )


def _selected(course: Path, assignment: str) -> list[str]:
    return assignments(course) if assignment == "all" else [assignment]


def master_notebooks(course: Path, assignment: str) -> list[str]:
    """The notebook names (without `.ipynb`) that students receive for `assignment`."""
    folder = source_dir(course) / assignment
    return sorted(p.stem for p in folder.glob("*.ipynb"))


def test_cell_ids(course: Path, assignment: str) -> dict[str, dict[str, float]]:
    """Per notebook, the autograded cells (grade and not solution) and their points."""
    folder = source_dir(course) / assignment
    parts = {}
    for name in master_notebooks(course, assignment):
        nb = nbformat.read(folder / f"{name}.ipynb", as_version=4)
        meta = [c.metadata.get("nbgrader", {}) for c in nb.cells]
        parts[name] = {
            m["grade_id"]: float(m["points"]) for m in meta if m.get("grade") and not m["solution"]
        }
    return parts


def total_points(course: Path, assignment: str) -> float:
    """All the points of `assignment`: autograded tests and answers graded by hand."""
    folder = source_dir(course) / assignment
    total = 0.0
    for name in master_notebooks(course, assignment):
        nb = nbformat.read(folder / f"{name}.ipynb", as_version=4)
        meta = [c.metadata.get("nbgrader", {}) for c in nb.cells]
        total += sum(float(m["points"]) for m in meta if m.get("grade"))
    return total


def copy_course(course: Path, dest: Path) -> Path:
    """A fresh course at `dest` with the same configuration and masters (nothing graded)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(Path(course) / CONFIG_FILE, dest / CONFIG_FILE)
    shutil.copytree(source_dir(course), dest / load_config(course).CourseDirectory.source_directory)
    return dest


# ---------------------------------------------------------------------------------------------
# Release
# ---------------------------------------------------------------------------------------------


def build_masters(course: Path, assignment: str = "all") -> list[Path]:
    """Rebuild each master notebook from its percent source, where there is one."""
    built = []
    for name in _selected(course, assignment):
        source = source_dir(course) / name / f"{name}.py"
        if source.exists():
            built.append(build_master(source))
    return built


def release(course: Path, assignment: str = "all") -> list[Path]:
    """Regenerate `exercises/<a>/` from `solutions/<a>/` and record the masters in the gradebook.

    This is also what prepares a course for grading: autograde restores test cells from the
    gradebook copy made here, so every course that grades must have released first.
    """
    course = Path(course)
    build_masters(course, assignment)
    api = open_api(course)
    released = []
    for name in _selected(course, assignment):
        with quiet_nbgrader():
            outcome = api.generate_assignment(name, force=True, create=True)
        _run(outcome, f"releasing {name}")
        release_dir = course / api.coursedir.release_directory / name
        released.extend(sorted(release_dir.glob("*.ipynb")))
    return released


def release_differences(course: Path, fresh: Path, assignment: str) -> list[str]:
    """How `course`'s `exercises/<assignment>/` differs from the release made in `fresh`."""
    release_dir = load_config(course).CourseDirectory.release_directory
    ours, theirs = Path(course) / release_dir / assignment, Path(fresh) / release_dir / assignment

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


def stale_releases(course: Path, workdir: Path) -> dict[str, list[str]]:
    """Per assignment whose `exercises/` is not what `make release` would make from `solutions/`
    now, what differs. The release is made in a copy of the course under `workdir`."""
    fresh = copy_course(course, Path(workdir) / "fresh-release")
    release(fresh, "all")
    found = {name: release_differences(course, fresh, name) for name in assignments(course)}
    return {name: problems for name, problems in found.items() if problems}


def is_released(course: Path, assignment: str) -> bool:
    """Whether the gradebook knows `assignment` (so autograde can restore its tests)."""
    api = open_api(course)
    with quiet_nbgrader(), Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            return False
    return True


# ---------------------------------------------------------------------------------------------
# The instructor's report
# ---------------------------------------------------------------------------------------------


@dataclass
class Intake:
    """What happened to one student's submission of one assignment."""

    status: str = COLLECTED
    notes: list[str] = field(default_factory=list)


def report_path(course: Path, assignment: str) -> Path:
    return Path(course) / "reports" / f"{assignment}.json"


def load_report(course: Path, assignment: str) -> dict[str, Intake]:
    path = report_path(course, assignment)
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    return {sid: Intake(**entry) for sid, entry in data["students"].items()}


def save_report(course: Path, assignment: str, report: dict[str, Intake]) -> Path:
    path = report_path(course, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    students = {sid: vars(report[sid]) for sid in sorted(report)}
    path.write_text(json.dumps({"assignment": assignment, "students": students}, indent=1) + "\n")
    return path


def format_report(course: Path, assignment: str) -> str:
    """The report as the instructor reads it: one line per student, with the reasons."""
    lines = [f"Assignment {assignment}"]
    for sid, entry in sorted(load_report(course, assignment).items()):
        notes = "; ".join(entry.notes) if entry.notes else "ok"
        lines.append(f"  {sid:<20} {entry.status:<8} {notes}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Collect
# ---------------------------------------------------------------------------------------------


def _submitted(course: Path) -> Path:
    return Path(course) / open_api(course).coursedir.submitted_directory


def _rejected(course: Path, student: str, assignment: str) -> Path:
    return Path(course) / "rejected" / student / assignment


def _copy_folder_submissions(
    source: Path, course: Path, assignment: str
) -> tuple[set[str], list[str]]:
    """Copy `<source>/<student>/[<assignment>/]*` into `submitted/`.

    Returns the students collected and the loose files that match no student.
    """
    students, loose = set(), []
    for entry in sorted(source.iterdir()):
        if entry.is_file():
            match = FILE_NAME_PATTERN.match(entry.name)
            if not match:
                loose.append(entry.name)
                continue
            dest = _submitted(course) / match["student_id"] / assignment
            if match["student_id"] not in students and dest.exists():
                shutil.rmtree(dest)
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copy(entry, dest / match["file_id"])
            students.add(match["student_id"])
            continue
        inner = entry / assignment if (entry / assignment).is_dir() else entry
        dest = _submitted(course) / entry.name / assignment
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(inner, dest)
        students.add(entry.name)
    return students, loose


def _zip_collect(archive: Path, course: Path, assignment: str) -> tuple[set[str], list[str]]:
    """nbgrader's zip_collect on an LMS zip: the students collected and the unmatched names."""
    with zipfile.ZipFile(archive) as zf:
        names = [Path(n).name for n in zf.namelist() if not n.endswith("/")]
    matches = [FILE_NAME_PATTERN.match(n) for n in names]
    students = {m["student_id"] for m in matches if m}
    for student in students:  # a new upload replaces the previous one
        shutil.rmtree(_submitted(course) / student / assignment, ignore_errors=True)
    api = open_api(course)
    archive_dir = Path(course) / "downloaded" / assignment / "archive"
    if archive_dir.exists():
        shutil.rmtree(archive_dir)
    archive_dir.mkdir(parents=True)
    shutil.copy(archive, archive_dir / archive.name)
    with temp_attrs(api.coursedir, assignment_id=assignment):
        app = ZipCollectApp(coursedir=api.coursedir, parent=api)
        app.force = True
        app.collector_plugin = FileNameCollectorPlugin
        with quiet_nbgrader():
            outcome = capture_log(app)
        _run(outcome, f"zip_collect of {archive.name}")
    for student in students:  # nbgrader skips a student whose files all fail; keep the record
        (_submitted(course) / student / assignment).mkdir(parents=True, exist_ok=True)
    return students, [n for n, m in zip(names, matches, strict=True) if not m]


def _check_notebook(path: Path) -> str | None:
    """Read `path`, upgrading an old nbformat in place; returns a note, or raises ValueError."""
    try:
        raw = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    except Exception as error:  # nbformat raises several unrelated types for broken files
        kind = type(error).__name__
        raise ValueError(f"{path.name} is not a readable notebook ({kind})") from None
    version = (raw.get("nbformat"), raw.get("nbformat_minor"))
    if version[0] is None:
        raise ValueError(f"{path.name} is not a notebook (no nbformat version)")
    if version[0] == 4 and version[1] >= 5:
        return None
    nb = nbformat.read(path, as_version=4)
    nb.nbformat_minor = nbformat.v4.nbformat_minor
    nbformat.validator.normalize(nb)
    for index, cell in enumerate(nb.cells):
        cell.setdefault("id", f"cell-{index}")
    nbformat.write(nb, path)
    return f"{path.name} was saved in nbformat {version[0]}.{version[1]}: upgraded to 4.5"


def _intake_one(course: Path, student: str, assignment: str, expected: list[str]) -> Intake:
    """Check one student's submitted folder, setting aside what must not be graded."""
    folder = _submitted(course) / student / assignment
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "timestamp.txt")
    entry = Intake()
    rejected = _rejected(course, student, assignment)
    if not files:
        entry.status, entry.notes = SKIPPED, ["empty submission folder: nothing to grade"]
        shutil.rmtree(folder)
        return entry
    wanted = {f"{name}.ipynb" for name in expected}
    for path in files:
        if path.relative_to(folder).as_posix() not in wanted:
            rejected.mkdir(parents=True, exist_ok=True)
            shutil.move(path, rejected / path.name)
            kind = "unexpected notebook" if path.suffix == ".ipynb" else "extra file"
            entry.notes.append(f"{kind} {path.name} ignored (not graded)")
    present = 0
    strays = sorted(p.name for p in files if p.suffix == ".ipynb" and p.name not in wanted)
    for name in sorted(wanted):
        path = folder / name
        if not path.exists():
            hint = f" (found {', '.join(strays)}: renamed? rename it and collect again)"
            entry.notes.append(f"missing notebook {name}{hint if strays else ''}: scored 0")
            continue
        try:
            note = _check_notebook(path)
        except ValueError as error:
            rejected.mkdir(parents=True, exist_ok=True)
            shutil.move(path, rejected / name)
            entry.notes.append(f"{error}: scored 0")
            continue
        present += 1
        if note:
            entry.notes.append(note)
    if present == 0:
        entry.status = ZERO
        shutil.rmtree(folder)
    return entry


def collect(course: Path, assignment: str, source: Path) -> dict[str, Intake]:
    """Gather submissions from a folder or an LMS zip into `submitted/` and check each one.

    Folder layouts: `<source>/<student>/<notebook>.ipynb`, `<source>/<student>/<a>/...`, or
    LMS file names `<source>/<student_id>_<notebook>.ipynb`. A zip must use the LMS names.
    """
    course, source = Path(course), Path(source)
    if not is_released(course, assignment):
        release(course, assignment)
    if source.is_file() and zipfile.is_zipfile(source):
        students, loose = _zip_collect(source, course, assignment)
    elif source.is_dir():
        students, loose = _copy_folder_submissions(source, course, assignment)
    else:
        raise CourseError(f"{source} is neither a folder nor a zip file")
    report = load_report(course, assignment)
    expected = master_notebooks(course, assignment)
    coursedir = open_api(course).coursedir
    stale = [course / coursedir.autograded_directory, course / coursedir.feedback_directory]
    for student in sorted(students):
        # a new upload replaces the old one: never keep its rejected files or its old grade
        for root in [course / "rejected", *stale]:
            shutil.rmtree(root / student / assignment, ignore_errors=True)
        report[student] = _intake_one(course, student, assignment, expected)
    for name in loose:
        report.setdefault("(unmatched files)", Intake(status=SKIPPED)).notes.append(
            f"{name} does not match <student_id>_<notebook>.ipynb: not collected"
        )
    save_report(course, assignment, report)
    return report


def _student_dirs(course: Path, assignment: str) -> list[str]:
    root = _submitted(course)
    if not root.exists():
        return []
    return sorted(d.name for d in root.iterdir() if (d / assignment).is_dir())


# ---------------------------------------------------------------------------------------------
# Autograde and scores
# ---------------------------------------------------------------------------------------------


@dataclass
class Score:
    """A student's autograded result for one assignment, read from the gradebook."""

    student: str
    autograded: float
    autograded_max: float
    parts: dict[str, float]
    score: float
    max_score: float
    needs_manual_grade: bool


def autograde(course: Path, assignment: str, student: str = "*") -> dict[str, Score]:
    """Autograde every collected submission of `assignment` in ONE nbgrader call.

    nbgrader restores every test cell (source and points) from the gradebook before executing,
    so a submission that edits, empties or re-weights a test is graded with the original.
    """
    course = Path(course)
    if not is_released(course, assignment):
        release(course, assignment)
    api = open_api(course)
    with quiet_nbgrader():
        result = api.autograde(assignment, student, force=True, create=True)
    scores = read_scores(course, assignment)
    note_grading(course, assignment, graded=set(scores))
    if not result["success"] and not scores:
        _run(result, f"autograding {assignment}")
    return scores


def note_grading(
    course: Path, assignment: str, graded: set[str], reasons: dict[str, list[str]] | None = None
) -> dict[str, Intake]:
    """Record in the instructor's report who was graded and who scored 0, with grading's reasons.

    Both graders call this: `autograde` above and the isolated `nngrade autograde`, whose
    `reasons` say what the sandbox stopped (a time limit, a killed kernel, ...).
    """
    report = load_report(course, assignment)
    for sid in _student_dirs(course, assignment):
        entry = report.setdefault(sid, Intake())
        entry.status = OK if sid in graded else ZERO
        notes = [] if sid in graded else ["autograding failed (see the nbgrader log): scored 0"]
        notes += [f"grading: {reason}" for reason in (reasons or {}).get(sid, [])]
        entry.notes += [note for note in notes if note not in entry.notes]
    save_report(course, assignment, report)
    return report


def read_scores(course: Path, assignment: str) -> dict[str, Score]:
    """Every autograded submission's scores, per test cell, from the course's gradebook."""
    course = Path(course)
    api = open_api(course)
    parts = test_cell_ids(course, assignment)
    scores = {}
    with quiet_nbgrader(), Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        try:
            submissions = gb.find_assignment(assignment).submissions
        except MissingEntry:
            return {}
        for sub in submissions:
            graded_dir = course / api.coursedir.autograded_directory / sub.student.id / assignment
            if not graded_dir.is_dir():  # recorded once, but since collected again
                continue
            got, top = {}, 0.0
            for nb in sub.notebooks:
                for grade in nb.grades:
                    if grade.name in parts.get(nb.name, {}):
                        got[grade.name] = float(grade.score or 0.0)
                        top += parts[nb.name][grade.name]
            scores[sub.student.id] = Score(
                student=sub.student.id,
                autograded=sum(got.values()),
                autograded_max=top,
                parts=got,
                score=float(sub.score),
                max_score=float(sub.max_score),
                needs_manual_grade=bool(sub.needs_manual_grade),
            )
    return scores


# ---------------------------------------------------------------------------------------------
# Feedback and export
# ---------------------------------------------------------------------------------------------


def feedback(course: Path, assignment: str) -> list[Path]:
    """Feedback HTML for every autograded submission, without hidden tests (nngrade.feedback)."""
    course = Path(course)
    api = open_api(course)
    with quiet_nbgrader():
        outcome = api.generate_feedback(assignment)
    _run(outcome, f"feedback for {assignment}")
    root = course / api.coursedir.feedback_directory
    return sorted(root.glob(f"*/{assignment}/*.html"))


CSV_COLUMNS = [
    "student_id",
    "assignment",
    "autograded",
    "autograded_max",
    "score",
    "max_score",
    "needs_manual_grade",
    "status",
    "notes",
]


def grade_rows(course: Path) -> list[dict]:
    """One row per student and assignment: the gradebook's scores merged with the report."""
    rows = []
    for name in assignments(course):
        scores = read_scores(course, name)
        report = load_report(course, name)
        top = sum(sum(p.values()) for p in test_cell_ids(course, name).values())
        total = total_points(course, name)
        for sid in sorted(set(scores) | set(report)):
            if sid.startswith("("):
                continue
            entry = report.get(sid, Intake())
            s = scores.get(sid)
            skipped = entry.status in (SKIPPED, COLLECTED) and not s  # nothing graded (yet)
            rows.append(
                {
                    "student_id": sid,
                    "assignment": name,
                    "autograded": "" if skipped else (s.autograded if s else 0.0),
                    "autograded_max": top,
                    "score": "" if skipped else (s.score if s else 0.0),
                    "max_score": s.max_score if s else total,
                    "needs_manual_grade": bool(s and s.needs_manual_grade),
                    "status": OK if s else entry.status,
                    "notes": "; ".join(entry.notes),
                }
            )
    return rows


def export(course: Path, to: Path) -> Path:
    """Write the grades of every assignment to a CSV file."""
    to = Path(to)
    with to.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(grade_rows(course))
    return to


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m nngrade.course", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("release", "collect", "autograde", "feedback", "report", "export"):
        p = sub.add_parser(name)
        p.add_argument("--course", type=Path, default=Path("."))
        if name != "export":
            p.add_argument("--assignment", default="all")
    sub.choices["collect"].add_argument("--from", dest="source", type=Path, required=True)
    sub.choices["export"].add_argument("--to", type=Path, default=Path("grades.csv"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "release":
            for path in release(args.course, args.assignment):
                print(f"released {path}")
        elif args.command == "export":
            print(f"wrote {export(args.course, args.to)}")
        else:
            for name in _selected(args.course, args.assignment):
                _command(args, name)
    except CourseError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


def _command(args: argparse.Namespace, name: str) -> None:
    if args.command == "collect":
        collect(args.course, name, args.source)
        print(format_report(args.course, name))
    elif args.command == "autograde":
        for sid, s in sorted(autograde(args.course, name).items()):
            print(f"{name} {sid}: {s.autograded:g} / {s.autograded_max:g} autograded")
        print(format_report(args.course, name))
    elif args.command == "feedback":
        for path in feedback(args.course, name):
            print(f"feedback {path}")
    elif args.command == "report":
        print(format_report(args.course, name))


if __name__ == "__main__":
    sys.exit(main())


__all__ = [
    "SUBMISSION_PATTERN",
    "CourseError",
    "Intake",
    "Score",
    "assignments",
    "autograde",
    "build_masters",
    "collect",
    "copy_course",
    "export",
    "feedback",
    "grade_rows",
    "is_released",
    "load_config",
    "master_notebooks",
    "note_grading",
    "open_api",
    "read_scores",
    "release",
    "release_differences",
    "stale_releases",
    "total_points",
]
