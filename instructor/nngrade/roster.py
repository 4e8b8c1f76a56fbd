"""The course roster: who the students are, and how each LMS names them.

A roster is a CSV file, UTF-8 (a byte-order mark, as Excel writes it, is accepted), with the header

    student_id,name,email,lms_id

- `student_id`: the course's id for the student, used as nbgrader's student id and as the folder
  name under `submitted/`; letters, digits and `. _ - @ +`, not starting with a dot.
- `name`, `email`: carried to the grade export and feedback; may be empty. On Moodle they are
  how a student is found: the email in the assignment's grading worksheet (`nngrade.moodle`), or
  the full name without one.
- `lms_id`: how the LMS download names this student: the Canvas user id (`12345`), the
  Blackboard username (`kim`), or the folder name of a plain folder-per-student download; on
  Moodle, whose participant ids change with every assignment, the student's Moodle ID number
  (matched against the worksheet's `ID number` column), or a participant id (one assignment
  only). May be empty (the student is then matched by `student_id` only, in the folder layout).

Every problem is reported as one `RosterError` naming the line and what is wrong.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

COLUMNS = ("student_id", "name", "email", "lms_id")
#: What a student id may look like: it becomes a folder name under `submitted/`.
STUDENT_ID = re.compile(r"^[A-Za-z0-9_@+-][A-Za-z0-9._@+-]*$")


class RosterError(ValueError):
    """The roster cannot be used; the message names the file, the line and the problem."""


@dataclass(frozen=True)
class Student:
    id: str
    name: str
    email: str
    lms_id: str


@dataclass
class Roster:
    """The students of the course, looked up by course id or by LMS identity."""

    students: list[Student]
    _by_id: dict[str, Student] = field(init=False, repr=False)
    _by_lms_id: dict[str, Student] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {s.id: s for s in self.students}
        self._by_lms_id = {s.lms_id: s for s in self.students if s.lms_id}

    def by_id(self, id: str) -> Student | None:
        return self._by_id.get(id)

    def by_lms_id(self, lms_id: str) -> Student | None:
        return self._by_lms_id.get(lms_id)

    def __len__(self) -> int:
        return len(self.students)

    def __iter__(self):
        return iter(self.students)


def check_student_id(student_id: str) -> str | None:
    """Why `student_id` cannot be a student id (a folder under `submitted/`), or None."""
    if not student_id:
        return "the student id is empty"
    if not STUDENT_ID.match(student_id):
        return (
            f"student id {student_id!r} may hold only letters, digits and . _ - @ + "
            "(and not start with a dot): it becomes a folder name"
        )
    return None


def load_roster(path: Path) -> Roster:
    """Read and check a roster CSV (see the module docstring for its columns)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RosterError(f"roster {path} does not exist") from None
    except UnicodeDecodeError as error:
        raise RosterError(
            f"roster {path} is not UTF-8 text (byte {error.start}): save it as CSV UTF-8"
        ) from None
    except OSError as error:
        raise RosterError(f"roster {path} cannot be read: {error.strerror}") from None
    rows = csv.reader(text.splitlines(), skipinitialspace=True)
    header = [h.strip() for h in next(rows, [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise RosterError(
            f"roster {path}: missing column(s) {', '.join(missing)}; "
            f"the header must be {','.join(COLUMNS)} (found {','.join(header) or 'nothing'})"
        )
    index = {name: header.index(name) for name in COLUMNS}
    students: list[Student] = []
    lines_of_id: dict[str, int] = {}
    lines_of_lms_id: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise RosterError(
                f"roster {path}, line {line}: {len(row)} fields where the header has "
                f"{len(header)} (a comma inside a name needs quotes)"
            )
        student = Student(*(row[index[name]].strip() for name in COLUMNS))
        problem = check_student_id(student.id)
        if problem:
            raise RosterError(f"roster {path}, line {line}: {problem}")
        if student.id in lines_of_id:
            raise RosterError(
                f"roster {path}, line {line}: duplicate student id {student.id!r} "
                f"(already on line {lines_of_id[student.id]})"
            )
        if student.lms_id and student.lms_id in lines_of_lms_id:
            raise RosterError(
                f"roster {path}, line {line}: duplicate lms_id {student.lms_id!r} "
                f"(already on line {lines_of_lms_id[student.lms_id]}): one LMS identity "
                "can belong to one student only"
            )
        lines_of_id[student.id] = line
        if student.lms_id:
            lines_of_lms_id[student.lms_id] = line
        students.append(student)
    if not students:
        raise RosterError(f"roster {path} lists no student (only a header)")
    return Roster(students)
