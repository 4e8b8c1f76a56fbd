"""Set your student id once, so that every exercise gives you your own variant.

    python -m nnbook.student_id 12345

Run it in the student edition's folder. Some exercise tasks draw their numbers (an XOR network's
input levels, a dataset's centre...) from your student id: the exercises read it from the file
`.nnbook-student-id` this command writes in the edition's folder (restart a running notebook's
kernel to pick it up). Use the id your course's roster knows you by: the grader draws your
variant from the roster's id, whatever this file says, so an exercise solved for another id
loses those tasks' points. `python -m nnbook.upgrade` carries the file to a newer edition.
Without an argument, the command prints the id set.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from nnbook.reset import EditionError, edition_root, print_or_explain

ID_FILE = ".nnbook-student-id"  # read by solutions/_shared/variants.py in every exercise


def set_student_id(root: Path, student: str) -> list[str]:
    """Store `student` as the edition's student id; returns what was done, as lines."""
    student = student.strip()
    if not re.fullmatch(r"[\w.@+-]{1,100}", student):
        raise EditionError(f"{student!r} is not a student id (letters, digits, . @ + - _ only)")
    (Path(root) / ID_FILE).write_text(student + "\n")
    return [f"student id set to {student!r} in {ID_FILE}; restart any open exercise's kernel"]


def current(root: Path) -> list[str]:
    stored = Path(root) / ID_FILE
    if not stored.is_file():
        return ["no student id set: the exercises use the default variant"]
    return [f"student id: {stored.read_text().strip()!r}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nnbook.student_id",
        description="Set your student id once: the exercises draw your variant from it.",
    )
    parser.add_argument("student_id", nargs="?", help="your id on the course's roster")
    args = parser.parse_args(argv)
    if args.student_id is None:
        return print_or_explain(lambda: current(edition_root()))
    return print_or_explain(lambda: set_student_id(edition_root(), args.student_id))


if __name__ == "__main__":
    sys.exit(main())
