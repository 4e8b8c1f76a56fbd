"""Collect an LMS download into `submitted/`, check every submission, and keep the report.

Reading the download (which LMS, whose file, which attempt) is `nngrade.lms`'s; this module puts
its result into the course: each placed submission is checked (unreadable notebooks and extra
files set aside in `rejected/`, old nbformats upgraded), earlier grades and feedback of a student
who handed in again are dropped, and the instructor's report `reports/<a>.json` records, per
student, the LMS identity, the submission time, lateness and every reason.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from nngrade.course import ALL, Course, CourseError, ensure_in_gradebook, master_notebooks, select

COLLECTED, OK, ZERO, SKIPPED, MISSING = "collected", "graded", "zero", "skipped", "missing"
UNPLACED = "(unplaced files)"
NO_SUBMISSION = "no submission: scored 0"


@dataclass
class Intake:
    """What happened to one student's submission of one assignment."""

    status: str = COLLECTED
    notes: list[str] = field(default_factory=list)
    lms_id: str = ""
    sources: list[str] = field(default_factory=list)  # the download's files that were placed
    submitted_at: str = ""  # ISO 8601, UTC, from the LMS
    lms_late: bool = False


# ---------------------------------------------------------------------------------------------
# The instructor's report
# ---------------------------------------------------------------------------------------------


def report_path(course: Course, assignment: str) -> Path:
    return course.root / "reports" / f"{assignment}.json"


def load_report(course: Course, assignment: str) -> dict[str, Intake]:
    path = report_path(course, assignment)
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    return {sid: Intake(**entry) for sid, entry in data["students"].items()}


def save_report(course: Course, assignment: str, report: dict[str, Intake]) -> Path:
    path = report_path(course, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    students = {sid: asdict(report[sid]) for sid in sorted(report)}
    path.write_text(json.dumps({"assignment": assignment, "students": students}, indent=1) + "\n")
    return path


def format_report(course: Course, assignment: str) -> str:
    """The report as the instructor reads it: one line per student, with the reasons."""
    report = load_report(course, assignment)
    lines = [f"Assignment {assignment}"]
    roster = course.roster()
    if roster is not None:
        for student in roster.students:
            report.setdefault(student.id, Intake(status=MISSING, notes=[NO_SUBMISSION]))
    for sid, entry in sorted(report.items()):
        notes = "; ".join(entry.notes) if entry.notes else "ok"
        lines.append(f"  {sid:<20} {entry.status:<9} {notes}")
    return "\n".join(lines)


def note_grading(
    course: Course, assignment: str, graded: set[str], reasons: dict[str, list[str]]
) -> dict[str, Intake]:
    """Record who was graded and who scored 0, with grading's reasons (what the sandbox
    stopped, what the tamper check flagged)."""
    report = load_report(course, assignment)
    for sid in submitted_students(course, assignment):
        entry = report.setdefault(sid, Intake())
        entry.status = OK if sid in graded else ZERO
        notes = [] if sid in graded else ["autograding failed (see the nbgrader log): scored 0"]
        notes += [f"grading: {reason}" for reason in reasons.get(sid, [])]
        entry.notes = [n for n in entry.notes if not n.startswith("grading: ")]
        entry.notes += [note for note in notes if note not in entry.notes]
    save_report(course, assignment, report)
    return report


def submitted_students(course: Course, assignment: str) -> list[str]:
    root = course.directory("submitted")
    if not root.exists():
        return []
    return sorted(d.name for d in root.iterdir() if (d / assignment).is_dir())


# ---------------------------------------------------------------------------------------------
# Which assignments a download holds
# ---------------------------------------------------------------------------------------------


def check_source(source: Path) -> None:
    if not Path(source).exists():
        raise CourseError(
            f"{source} does not exist: give the LMS download (a zip or a folder) with "
            "SUBMISSIONS=... (nngrade collect --from ...)"
        )


def member_names(source: Path) -> list[str]:
    """Every file name in a download (a zip or a folder), lower-cased."""
    check_source(source)
    if source.is_dir():
        return [str(p.relative_to(source)).lower() for p in source.rglob("*") if p.is_file()]
    try:
        with zipfile.ZipFile(source) as archive:
            return [name.lower() for name in archive.namelist()]
    except (zipfile.BadZipFile, OSError) as error:
        problem = f"{source} is neither a folder nor a readable zip file ({error})"
        raise CourseError(problem) from None


def assignments_in(course: Course, source: Path, name: str) -> list[str]:
    """The assignments to collect from `source`: the one named, or (`all`) every released
    assignment one of whose notebooks appears in the download."""
    if name != ALL:
        return select(course, name)
    names = member_names(source)
    found = [
        a
        for a in select(course, ALL)
        if any(nb.lower() in member for nb in master_notebooks(course, a) for member in names)
    ]
    if not found:
        raise CourseError(
            f"{source} holds no notebook of any released assignment "
            f"({', '.join(select(course, ALL))}): name the assignment with ASSIGNMENT=..."
        )
    return found


# ---------------------------------------------------------------------------------------------
# Collect
# ---------------------------------------------------------------------------------------------


def _rejected(course: Course, student: str, assignment: str) -> Path:
    return course.root / "rejected" / student / assignment


def collect(
    course: Course, assignment: str, source: Path, worksheet: Path | None = None
) -> dict[str, Intake]:
    """Gather one assignment's submissions from an LMS download and check each one."""
    from nngrade.lms import collect_download
    from nngrade.moodle import find_worksheet

    source = Path(source)
    check_source(source)
    expected = master_notebooks(course, assignment)
    result = collect_download(
        source,
        assignment=assignment,
        notebooks=expected,
        roster=course.roster(),
        lms=course.lms,
        submitted_dir=course.directory("submitted"),
        timezone=course.timezone or "UTC",
        worksheet=worksheet,
    )
    worksheet = worksheet or find_worksheet(source)
    if result.lms == "moodle" and worksheet:  # kept for export: the worksheet goes back filled in
        path, data = worksheet_copy(course, assignment), Path(worksheet).read_bytes()
        if not path.is_file() or path.read_bytes() != data:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    ensure_in_gradebook(course, assignment)
    report = load_report(course, assignment)
    for sid in sorted({placed.student_id for placed in result.placed}):
        # a new upload replaces the old one: never keep its rejected files or its old grade
        stale = [course.directory(kind) / sid / assignment for kind in ("autograded", "feedback")]
        for folder in [_rejected(course, sid, assignment), *stale]:
            shutil.rmtree(folder, ignore_errors=True)
        report[sid] = _intake_one(course, sid, assignment, expected)
    _record_download(report, result)
    save_report(course, assignment, report)
    course.remember_detected_lms(result.lms)
    return report


def worksheet_copy(course: Course, assignment: str) -> Path:
    """Where collect keeps the Moodle grading worksheet it was given, for export."""
    return course.root / "reports" / f"{assignment}.moodle-worksheet.csv"


def _record_download(report: dict[str, Intake], result) -> None:
    """What the LMS said: identity, files, time, lateness, renames, superseded and unplaced."""
    for placed in result.placed:
        entry = report[placed.student_id]
        entry.lms_id, entry.lms_late = placed.lms_id, entry.lms_late or placed.lms_late
        entry.sources.append(placed.source)
        if placed.submitted_at is not None:
            entry.submitted_at = max(entry.submitted_at, placed.submitted_at.isoformat())
        if placed.note:
            entry.notes.insert(0, placed.note)
    for old in result.superseded:
        note = f"not graded: {old.source} ({old.note})"
        if old.student_id in report and note not in report[old.student_id].notes:
            report[old.student_id].notes.append(note)
    report.pop(UNPLACED, None)
    if result.unplaced:
        notes = [f"{u.source}: {u.reason}" for u in result.unplaced]
        report[UNPLACED] = Intake(status=SKIPPED, notes=notes)


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


def _intake_one(course: Course, student: str, assignment: str, expected: list[str]) -> Intake:
    """Check one student's submitted folder, setting aside what must not be graded."""
    folder = course.directory("submitted") / student / assignment
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "timestamp.txt")
    entry = Intake()
    rejected = _rejected(course, student, assignment)
    if not files:
        entry.status, entry.notes = SKIPPED, ["empty submission: nothing to grade"]
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
    for name in sorted(wanted):
        path = folder / name
        if not path.exists():
            entry.notes.append(f"missing notebook {name}: scored 0")
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
