"""Scores from the gradebook, merged with the roster and the report, out as CSV files.

`grades.csv` has one row per roster student and collected assignment (a student who handed in
nothing: 0, "no submission"): the course id, name, email, the LMS identity, the submission time,
the autograded and hand-graded points, nbgrader's late penalty, the final score, the status (what
happened to that student: `nngrade.intake`'s statuses) and the reasons.
`grades-<lms>.csv` is the same final scores in the layout that LMS's gradebook import reads (one
row per student, one column per assignment; see the instructor guide).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import MissingEntry

from nngrade.course import Course, quiet_nbgrader, test_cell_ids, total_points
from nngrade.intake import (
    COLLECTED,
    FAILED,
    GRADED,
    MISSING,
    NO_SUBMISSION,
    OK,
    SKIPPED,
    UNPLACED,
    Intake,
    load_report,
)


@dataclass
class Score:
    """A student's result for one assignment, read from the gradebook."""

    student: str
    autograded: float
    autograded_max: float
    parts: dict[str, float]
    raw_score: float  # autograded and hand-graded points, before the late penalty
    late_penalty: float
    score: float  # max(0, raw_score - late_penalty), as nbgrader's export computes it
    max_score: float
    needs_manual_grade: bool
    seconds_late: float
    to_grade_by_hand: float = 0.0  # the points of cells that still need grading by hand


def read_scores(course: Course, assignment: str) -> dict[str, Score]:
    """Every autograded submission's scores, per test cell, from the course's gradebook."""
    parts = test_cell_ids(course, assignment)
    autograded_dir = course.directory("autograded")
    scores = {}
    with quiet_nbgrader(), course.gradebook() as gb:
        try:
            submissions = gb.find_assignment(assignment).submissions
        except MissingEntry:
            return {}
        for sub in submissions:
            if not (autograded_dir / sub.student.id / assignment).is_dir():
                continue  # recorded once, but since collected again
            got, top, by_hand = {}, 0.0, 0.0
            for nb in sub.notebooks:
                for grade in nb.grades:
                    if grade.needs_manual_grade:
                        by_hand += float(grade.max_score)
                    if grade.name in parts.get(nb.name, {}):
                        got[grade.name] = float(grade.auto_score or 0.0)
                        top += parts[nb.name][grade.name]
            penalty = float(sub.late_submission_penalty or 0.0)
            scores[sub.student.id] = Score(
                student=sub.student.id,
                autograded=sum(got.values()),
                autograded_max=top,
                parts=got,
                raw_score=float(sub.score),
                late_penalty=penalty,
                score=max(0.0, float(sub.score) - penalty),
                max_score=float(sub.max_score),
                needs_manual_grade=bool(sub.needs_manual_grade),
                seconds_late=float(sub.total_seconds_late or 0.0),
                to_grade_by_hand=by_hand,
            )
    return scores


CSV_COLUMNS = [
    "student_id",
    "name",
    "email",
    "lms_id",
    "assignment",
    "submitted_at",
    "autograded",
    "autograded_max",
    "raw_score",
    "late_penalty",
    "score",
    "max_score",
    "needs_manual_grade",
    "status",
    "notes",
]


def exported_assignments(course: Course, names: list[str]) -> list[str]:
    """Of `names`, those collected at least once (they have a report)."""
    return [name for name in names if load_report(course, name)]


def grade_rows(course: Course, names: list[str]) -> list[dict]:
    """One row per roster student (or, without a roster, per collected student) and assignment."""
    roster = course.roster()
    rows = []
    for name in names:
        scores, report = read_scores(course, name), load_report(course, name)
        report.pop(UNPLACED, None)
        top = sum(sum(p.values()) for p in test_cell_ids(course, name).values())
        total = total_points(course, name)
        people = (
            [(s.id, s.name, s.email, s.lms_id) for s in roster.students]
            if roster is not None
            else [(sid, "", "", report[sid].lms_id) for sid in sorted(set(scores) | set(report))]
        )
        for sid, student_name, email, lms_id in people:
            entry = report.get(sid, Intake(status=MISSING, notes=[NO_SUBMISSION]))
            s = scores.get(sid)
            status = OK if s and entry.status == COLLECTED else entry.status
            pending = status in (SKIPPED, COLLECTED, FAILED) and not s  # no score (yet)
            rows.append(
                {
                    "student_id": sid,
                    "name": student_name,
                    "email": email,
                    "lms_id": entry.lms_id or lms_id,
                    "assignment": name,
                    "submitted_at": entry.submitted_at,
                    "autograded": "" if pending else (s.autograded if s else 0.0),
                    "autograded_max": top,
                    "raw_score": "" if pending else (s.raw_score if s else 0.0),
                    "late_penalty": s.late_penalty if s else 0.0,
                    "score": "" if pending else (s.score if s else 0.0),
                    "max_score": s.max_score if s else total,
                    "needs_manual_grade": bool(s and s.needs_manual_grade),
                    "status": status,
                    "notes": "; ".join(entry.notes + _late_note(s)),
                }
            )
    return rows


def _late_note(score: Score | None) -> list[str]:
    """What nbgrader's due date and LateSubmissionPlugin made of a late submission."""
    if score is None or score.seconds_late <= 0:
        return []
    hours, seconds = divmod(round(score.seconds_late), 3600)
    return [f"submitted {hours} h {seconds // 60:02d} min late: penalty {score.late_penalty:g}"]


def export(course: Course, names: list[str], to: Path) -> list[Path]:
    """Write `to` (every detail) and, when the course has an LMS, its gradebook import file."""
    rows = grade_rows(course, names)
    to = Path(to)
    with to.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    written = [to]
    lms = course.downloads_lms
    if lms in LMS_IMPORT_COLUMNS and course.roster() is not None:
        written.append(export_for_lms(course, lms, names, rows, to.with_name(f"grades-{lms}.csv")))
    if lms == "moodle" and course.roster() is not None:
        written += export_worksheets(course, names, rows, to.parent)
    return written


#: The identity columns each LMS's gradebook import reads, then one column per assignment.
#: Canvas: Gradebook > Import (matches on ID; Student and Section must be present, may be empty;
#: an assignment column is matched by the id in `Title (12345)`, a "Points Possible" row sets
#: its points: canvas-lms `app/models/gradebook_importer.rb`, `Assignment.title_and_id`).
#: Moodle: Grades > Import > CSV file (map "Email address" to the user's email address).
#: Blackboard: Grade Center > Work Offline > Upload (matches on Username; a column header
#: `Title [Total Pts: 14 Score] |123456` fills column 123456, any other header makes a new one).
LMS_IMPORT_COLUMNS = {
    "canvas": ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"],
    "moodle": ["Full name", "Email address"],
    "blackboard": ["Last Name", "First Name", "Username"],
}


def _identity(lms: str, name: str, email: str, lms_id: str) -> list[str]:
    first, _, last = name.rpartition(" ") if " " in name else ("", "", name)
    return {
        "canvas": [name, lms_id, "", "", ""],
        "moodle": [name, email],
        "blackboard": [last, first, lms_id],
    }[lms]


def export_for_lms(course: Course, lms: str, names: list[str], rows: list[dict], to: Path) -> Path:
    """One row per roster student, the final score of each assignment in its own column: the
    LMS's existing column when its id is known (`nngrade.lms_columns`), with the maximum."""
    from nngrade.lms_columns import column_headers

    final = {(r["student_id"], r["assignment"]): r["score"] for r in rows}
    tops = {r["assignment"]: r["max_score"] for r in rows}
    headers = column_headers(course, lms, names, tops)
    # Blackboard reads a .csv only with every field quoted (its help on uploading)
    quoting = csv.QUOTE_ALL if lms == "blackboard" else csv.QUOTE_MINIMAL
    with to.open("w", newline="") as handle:
        writer = csv.writer(handle, quoting=quoting)
        writer.writerow(LMS_IMPORT_COLUMNS[lms] + headers)
        if lms == "canvas":  # Canvas reads the points of each column from this row
            blank = [""] * (len(LMS_IMPORT_COLUMNS[lms]) - 1)
            writer.writerow(["Points Possible", *blank] + [f"{tops[n]:g}" for n in names])
        for student in course.roster().students:
            identity = _identity(lms, student.name, student.email, student.lms_id)
            writer.writerow(identity + [final[(student.id, name)] for name in names])
    return to


def moodle_comment(row: dict) -> str:
    """The short feedback comment of a worksheet row: the score and what it is made of."""
    if row["status"] not in GRADED:  # graded now, or earlier and unchanged
        return "; ".join(n for n in row["notes"].split("; ") if n)[:250] or row["status"]
    parts = [f"autograded {row['autograded']:g}/{row['autograded_max']:g}"]
    by_hand = row["raw_score"] - row["autograded"]
    if by_hand:
        parts.append(f"graded by hand {by_hand:g}")
    if row["late_penalty"]:
        parts.append(f"late penalty {row['late_penalty']:g}")
    text = f"{row['score']:g}/{row['max_score']:g}: " + ", ".join(parts)
    if row["needs_manual_grade"]:
        text += "; the written answers are not graded yet"
    return text + ". Details in the feedback file."


def export_worksheets(course: Course, names: list[str], rows: list[dict], folder: Path) -> list:
    """`grades-moodle-<assignment>.csv`: each assignment's grading worksheet (kept by collect)
    with Grade and Feedback comments filled in, for Moodle's "Upload grading worksheet"."""
    from nngrade.intake import worksheet_copy
    from nngrade.moodle import WorksheetError, fill_worksheet, read_worksheet

    written = []
    for name in names:
        kept = worksheet_copy(course, name)
        if not kept.is_file():
            continue
        mine = [r for r in rows if r["assignment"] == name]
        results = {r["student_id"]: {"score": r["score"], "comment": moodle_comment(r)}
                   for r in mine}  # fmt: skip
        try:
            sheet = read_worksheet(kept)
            top = mine[0]["max_score"] if mine else total_points(course, name)
            to = folder / f"grades-moodle-{name}.csv"
            written.append(fill_worksheet(sheet, course.roster(), results, top, to))
        except WorksheetError as error:
            from nngrade.course import CourseError

            raise CourseError(f"{name}: {error}") from None
    return written
