"""Collect an LMS download into `submitted/`, check every submission, and keep the report.

Reading the download (which LMS, whose file, which attempt) is `nngrade.lms`'s; this module puts
its result into the course. `nngrade.lms` writes into a staging folder; a student's submission
moves into `submitted/` only when it is new or its content changed (a SHA-256 of what the LMS
gave, kept in the report), so collecting the same download again rewrites nothing, keeps every
file's time and grade, and leaves nothing to regrade. Each submission moved in is checked
(unreadable notebooks and extra files set aside in `rejected/`, old nbformats upgraded), its
earlier autograded notebook and feedback are dropped (so autograde grades it again), and the
instructor's report `reports/<a>.json` records, per student, the LMS identity, the submission
time, lateness, every reason and what the last step did (the statuses below).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import nbformat

from nngrade.course import ALL, Course, CourseError, master_notebooks, select
from nngrade.release import ensure_in_gradebook

#: What the report says of a student, one word each:
#: collected  new or changed since the last grading: autograde grades it next
#: graded     graded by the latest autograde run
#: unchanged  graded by an earlier run; handed in nothing new since, so not graded again
#: failed     autograding failed (nbgrader's log says why): no score
#: zero       nothing could be graded (unreadable notebooks, ...): scored 0, the notes say why
#: skipped    an empty submission, or (UNPLACED) files of the download that were not collected
#: missing    on the roster, nothing handed in
COLLECTED, OK, UNCHANGED, FAILED = "collected", "graded", "unchanged", "failed"
ZERO, SKIPPED, MISSING = "zero", "skipped", "missing"
GRADED = (OK, UNCHANGED)
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
    digest: str = ""  # SHA-256 of what the LMS gave (files and time): a changed hand-in differs
    collected_at: str = ""  # when this content was moved into submitted/ (ISO 8601, UTC)
    graded_at: str = ""  # when autograde last graded it
    answers: dict = field(default_factory=dict)  # notebook -> grade id -> SHA-256 of its source


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


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
    """Write the report; an unchanged report is not rewritten (a repeat collect changes nothing)."""
    path = report_path(course, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    students = {sid: asdict(report[sid]) for sid in sorted(report)}
    text = json.dumps({"assignment": assignment, "students": students}, indent=1) + "\n"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


def score_text(score) -> str:
    """`12.0/14.0 (2 points to grade by hand)`: nbgrader's score, and what formgrader still owes."""
    text = f"{score.score:g}/{score.max_score:g}"
    if score.to_grade_by_hand:
        points = score.to_grade_by_hand
        text += f" ({points:g} point{'s' if points != 1 else ''} to grade by hand)"
    return text


def format_report(course: Course, assignment: str, only: str | None = None) -> str:
    """The report as the instructor reads it: one line per student (or the one student `only`):
    what happened, the score with the points still to grade by hand, and the reasons."""
    from nngrade.grades import read_scores

    report = load_report(course, assignment)
    scores = read_scores(course, assignment)
    lines = [f"Assignment {assignment}"]
    roster = course.roster()
    if roster is not None:
        for student in roster.students:
            report.setdefault(student.id, Intake(status=MISSING, notes=[NO_SUBMISSION]))
    for sid, entry in sorted(report.items()):
        if only is not None and sid != only:
            continue
        score = scores.get(sid)
        shown = score_text(score) if score and entry.status in GRADED else ""
        notes = "; ".join(entry.notes) if entry.notes else "ok"
        lines.append(f"  {sid:<20} {entry.status:<9} {shown:<34} {notes}".rstrip())
    return "\n".join(lines)


def note_grading(
    course: Course,
    assignment: str,
    graded: set[str],
    reasons: dict[str, list[str]],
    failed: set[str] = frozenset(),
) -> dict[str, Intake]:
    """Record this autograde run: `graded` now (with grading's reasons: what the sandbox
    stopped, what the tamper check flagged), `failed` now; every other student graded before
    is `unchanged` (not graded again). Nobody else's line changes."""
    report = load_report(course, assignment)
    moment = now()
    for sid, entry in report.items():
        if entry.status == OK and sid not in graded | failed:
            entry.status = UNCHANGED
    for sid in sorted(graded | failed):
        entry = report.setdefault(sid, Intake())
        entry.notes = [n for n in entry.notes if not n.startswith(("grading: ", "autograding"))]
        if sid in graded:
            entry.status, entry.graded_at = OK, moment
            entry.notes += [f"grading: {reason}" for reason in reasons.get(sid, [])]
        else:
            entry.status = FAILED
            entry.notes.append("autograding failed (see the nbgrader log): no score")
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


@dataclass
class Collected:
    """What one collect did: the report, and the students of the download whose submission was
    new or changed (moved in) or the same as already collected (left as it was)."""

    report: dict[str, Intake]
    changed: list[str]
    unchanged: list[str]


def collect(
    course: Course,
    assignment: str,
    source: Path,
    worksheet: Path | None = None,
    student: str | None = None,
) -> Collected:
    """Gather one assignment's submissions from an LMS download and check each new or changed
    one; with `student`, that student's alone (nobody else's files, report line or grade move)."""
    from nngrade.lms import collect_download
    from nngrade.moodle import find_worksheet

    source = Path(source)
    check_source(source)
    expected = master_notebooks(course, assignment)
    submitted = course.directory("submitted")
    report = load_report(course, assignment)
    with tempfile.TemporaryDirectory(prefix=".collect-", dir=course.root) as tmp:
        staging = Path(tmp)
        _seed_staging(submitted, staging, assignment)
        result = collect_download(
            source,
            assignment=assignment,
            notebooks=expected,
            roster=course.roster(),
            lms=course.lms,
            submitted_dir=staging,
            timezone=course.timezone or "UTC",
            worksheet=worksheet,
        )
        if student is not None:
            _only(result, student)
        changed = _move_changed(course, assignment, staging, result, report, student)
    worksheet = worksheet or find_worksheet(source)
    if result.lms == "moodle" and worksheet:  # kept for export: the worksheet goes back filled in
        _write_if_changed(worksheet_copy(course, assignment), Path(worksheet).read_bytes())
    ensure_in_gradebook(course, assignment)
    for sid in changed:
        # a new upload replaces the old one: never keep its rejected files or its old grade
        stale = [course.directory(kind) / sid / assignment for kind in ("autograded", "feedback")]
        for folder in [_rejected(course, sid, assignment), *stale]:
            shutil.rmtree(folder, ignore_errors=True)
        before = report.get(sid)
        entry = _intake_one(course, sid, assignment, expected)
        entry.digest, entry.collected_at = changed[sid], now()
        if before is not None:
            entry.answers = before.answers  # what hand grades were given against
            if before.status in GRADED:
                entry.notes.insert(0, "handed in again: replaces the graded submission")
        report[sid] = entry
    _record_download(report, result, set(changed), keep_unplaced=student is not None)
    save_report(course, assignment, report)
    _names_in_gradebook(course, set(changed))
    course.remember_detected_lms(result.lms)
    placed = {p.student_id for p in result.placed}
    return Collected(report, sorted(changed), sorted(placed - set(changed)))


def worksheet_copy(course: Course, assignment: str) -> Path:
    """Where collect keeps the Moodle grading worksheet it was given, for export."""
    return course.root / "reports" / f"{assignment}.moodle-worksheet.csv"


def _digest(folder: Path) -> str:
    """SHA-256 of a folder's files (names and bytes): the same hand-in gives the same digest."""
    sha = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        sha.update(path.relative_to(folder).as_posix().encode() + b"\0")
        sha.update(hashlib.sha256(path.read_bytes()).digest())
    return sha.hexdigest()


def _seed_staging(submitted: Path, staging: Path, assignment: str) -> None:
    """Give `nngrade.lms` in `staging` what it compares attempts against in `submitted/`: its
    record of earlier collects and every `timestamp.txt`."""
    from nngrade.lms import STATE_DIR

    if (submitted / STATE_DIR).is_dir():
        shutil.copytree(submitted / STATE_DIR, staging / STATE_DIR)
    for stamp in submitted.glob(f"*/{assignment}/timestamp.txt"):
        target = staging / stamp.relative_to(submitted)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(stamp, target)


def _only(result, student: str) -> None:
    """Keep in `result` only what concerns `student` (`--student`)."""
    result.placed = [p for p in result.placed if p.student_id == student]
    result.superseded = [p for p in result.superseded if p.student_id == student]
    result.unplaced = []


def _move_changed(course, assignment, staging, result, report, student) -> dict[str, str]:
    """Move into `submitted/` each placed submission that is new or changed; return their
    digests. The record of attempts follows (for `student` alone, only that student's)."""
    from nngrade.lms.state import STATE_DIR, state_path

    submitted = course.directory("submitted")
    changed = {}
    for sid in sorted({p.student_id for p in result.placed}):
        new = staging / sid / assignment
        digest = _digest(new)
        before = report.get(sid)
        target = submitted / sid / assignment
        kept = target.is_dir() or (before is not None and before.status in (ZERO, SKIPPED))
        if before is not None and before.digest == digest and kept:
            continue
        if (
            before is not None
            and not before.digest
            and target.is_dir()
            and _digest(target) == digest
        ):
            before.digest = digest  # collected before digests were kept, and untouched since
            continue
        shutil.rmtree(target, ignore_errors=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(new, target)
        changed[sid] = digest
    if not result.placed:
        return changed
    if student is None:
        for path in sorted((staging / STATE_DIR).rglob("*")):
            if path.is_file():
                _write_if_changed(submitted / path.relative_to(staging), path.read_bytes())
    else:
        state_file = state_path(submitted, assignment)
        state = json.loads(state_file.read_text()) if state_file.is_file() else {}
        staged = json.loads(state_path(staging, assignment).read_text())
        state[student] = staged[student]
        text = json.dumps(state, indent=1, sort_keys=True) + "\n"
        _write_if_changed(state_file, text.encode())
    return changed


def _write_if_changed(path: Path, data: bytes) -> None:
    if not path.is_file() or path.read_bytes() != data:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _names_in_gradebook(course: Course, students: set[str]) -> None:
    """The roster's names and emails on nbgrader's students, so formgrader shows who is who."""
    roster = course.roster()
    if roster is None or not students:
        return
    from nngrade.course import quiet_nbgrader

    with quiet_nbgrader(), course.gradebook() as gb:
        for sid in sorted(students):
            person = roster.by_id(sid)
            if person is None:
                continue
            first, _, last = person.name.rpartition(" ")
            if not first:
                first, last = "", person.name
            gb.update_or_create_student(
                sid, first_name=first, last_name=last, email=person.email or None
            )


def _record_download(
    report: dict[str, Intake], result, changed: set[str], keep_unplaced: bool = False
) -> None:
    """What the LMS said about the submissions moved in (identity, files, time, lateness,
    renames), the superseded attempts and the files not collected."""
    for placed in result.placed:
        if placed.student_id not in changed:
            continue
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
    if keep_unplaced:
        return
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
