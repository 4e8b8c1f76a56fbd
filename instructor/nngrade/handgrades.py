"""Hand-entered grades and comments across a regrade: kept unless that very answer changed.

nbgrader's autograde never erases a manual score (``SaveAutoGrades._add_score``), but it marks
every cell that has one as needing manual grading again, so after a regrade or a resubmission
formgrader shows every hand-graded cell as to do, and a grade given to an answer that the
student has since rewritten would stand as if it were for the new answer. Around each grading,
nngrade therefore remembers what each cell held when it was graded (a SHA-256 of every answer
cell's source, kept in the report) and, after grading, per cell with a hand-entered score or
comment (formgrader's ``Grade.manual_score``, ``Grade.extra_credit``, ``Comment.manual_comment``):

- an answer cell (nbgrader ``solution``) whose source is what it was: kept, and not "needs manual
  grade" (it is graded);
- an answer cell whose source changed: the hand grade and comment are cleared, and the cell needs
  grading by hand again (or is autograded, if nbgrader can score it);
- a test cell whose score was overridden by hand: kept while the autograder gives it the score it
  gave before, cleared when that score changed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import nbformat
from nbgrader.api import MissingEntry

from nngrade.course import Course, quiet_nbgrader

Key = tuple[str, str, str]  # student, notebook, grade id


def answers(course: Course, student: str, assignment: str) -> dict[str, dict[str, str]]:
    """Per notebook of the student's autograded submission, grade id -> SHA-256 of the source
    of every answer cell (nbgrader `solution` cells, graded or not)."""
    folder = course.directory("autograded") / student / assignment
    found = {}
    for path in sorted(folder.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        cells = {}
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("solution") and meta.get("grade_id"):
                cells[meta["grade_id"]] = hashlib.sha256(cell.source.encode()).hexdigest()
        found[Path(path).stem] = cells
    return found


def snapshot(course: Course, assignment: str, students: list[str]) -> dict[Key, float | None]:
    """Every autograded score the gradebook holds for `students` before they are graded again."""
    scores = {}
    with quiet_nbgrader(), course.gradebook() as gb:
        for student in students:
            try:
                submission = gb.find_submission(assignment, student)
            except MissingEntry:
                continue
            for nb in submission.notebooks:
                for grade in nb.grades:
                    scores[(student, nb.name, grade.name)] = grade.auto_score
    return scores


def reconcile(
    course: Course,
    assignment: str,
    student: str,
    before: dict[str, dict[str, str]],
    auto_before: dict[Key, float | None],
) -> dict[str, dict[str, str]]:
    """After `student` was graded again: keep or clear each hand grade (see the module's
    docstring); returns the answers now, to be remembered for the next grading."""
    now = answers(course, student, assignment)
    if not before:  # graded for the first time (or before nngrade kept answers): nbgrader's way
        return now
    with quiet_nbgrader(), course.gradebook() as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            return now
        for nb in submission.notebooks:
            old, new = before.get(nb.name, {}), now.get(nb.name, {})
            for grade in nb.grades:
                if grade.manual_score is None and grade.extra_credit is None:
                    continue
                if grade.cell.name in new or grade.cell.name in old:  # an answer graded by hand
                    same = old.get(grade.name) is not None and old.get(grade.name) == new.get(
                        grade.name
                    )
                else:  # a test cell whose score was overridden
                    same = auto_before.get((student, nb.name, grade.name)) == grade.auto_score
                if same:
                    grade.needs_manual_grade = False
                else:
                    grade.manual_score = grade.extra_credit = None
                    grade.needs_manual_grade = grade.auto_score is None
            for comment in nb.comments:
                if comment.manual_comment and old.get(comment.name) != new.get(comment.name):
                    comment.manual_comment = None
        gb.db.commit()
    return now
