"""An nbgrader course of its own kind, built from scratch: assignment `ps1` holds two notebooks,
`p1.ipynb` and `p2.ipynb` (neither named after the assignment), in nbgrader's default layout
(`source/`, `release/`) with its own `nbgrader_config.py`.

- p1: `add` (test_add, 1 point) and a written answer `why` graded by hand (2 points);
- p2: `mul` (test_mul, 2 points, with a hidden test).

A student's folder download is `<lms id>/p1.ipynb`, `<lms id>/p2.ipynb` and nbgrader's
`timestamp.txt`.
"""

from __future__ import annotations

import csv
from pathlib import Path

import nbformat

ASSIGNMENT = "ps1"
NOTEBOOKS = ("p1", "p2")
ADD, MUL = "def add(a, b):\n    return a + b", "def mul(a, b):\n    return a * b"
WRONG_MUL = "def mul(a, b):\n    return a + b"  # right for mul(2, 2) only
TESTS = {"p1": {"test_add": 1.0}, "p2": {"test_mul": 2.0}}
BY_HAND = 2.0  # p1's written answer
TOTAL = 5.0
#: student id -> (name, email, lms id)
ROSTER = {
    "ada": ("Ada Lovelace", "ada@example.edu", "u-101"),
    "ben": ("Ben Babbage", "ben@example.edu", "u-102"),
    "cam": ("Cam Cray", "cam@example.edu", "u-103"),
    "dee": ("Dee Dijkstra", "dee@example.edu", "u-104"),
}


def _cell(kind: str, source: str, grade_id: str, **nbgrader) -> nbformat.NotebookNode:
    maker = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    meta = {"grade_id": grade_id, "schema_version": 3, "grade": False, "solution": False}
    meta.update({"locked": False, **nbgrader})
    return maker(source, metadata={"nbgrader": meta})


def _notebook(cells) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = cells
    return nb


def masters() -> dict[str, nbformat.NotebookNode]:
    solution = "### BEGIN SOLUTION\n{}\n### END SOLUTION"
    p1 = _notebook(
        [
            _cell("markdown", "Write `add`; then say why $a + b = b + a$.", "intro", locked=True),
            _cell("code", solution.format(ADD), "answer_add", solution=True),
            _cell("code", "assert add(1, 2) == 3", "test_add", grade=True, locked=True, points=1),
            _cell("markdown", "Addition commutes.", "why", solution=True, grade=True, points=2),
        ]
    )
    hidden = (
        "assert mul(2, 2) == 4\n### BEGIN HIDDEN TESTS\nassert mul(2, 3) == 6\n### END HIDDEN TESTS"
    )
    p2 = _notebook(
        [
            _cell("code", solution.format(MUL), "answer_mul", solution=True),
            _cell("code", hidden, "test_mul", grade=True, locked=True, points=2),
        ]
    )
    return {"p1": p1, "p2": p2}


def make_course(root: Path, course_id: str = "two-notebooks") -> Path:
    """The course directory as an nbgrader user has it: config and `source/ps1/` (not released)."""
    root.mkdir(parents=True, exist_ok=True)
    config = f'c = get_config()\nc.CourseDirectory.course_id = "{course_id}"\n'
    (root / "nbgrader_config.py").write_text(config)
    source = root / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    for name, nb in masters().items():
        nbformat.write(nb, source / f"{name}.ipynb")
    return root


def write_roster(path: Path) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "name", "email", "lms_id"])
        for sid, (name, email, lms_id) in ROSTER.items():
            writer.writerow([sid, name, email, lms_id])
    return path


def student_notebook(course: Path, notebook: str, answers: dict[str, str]) -> str:
    """The released notebook with the answer cells `answers` (grade id -> source) written."""
    nb = nbformat.read(course / "release" / ASSIGNMENT / f"{notebook}.ipynb", as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nbformat.writes(nb)


def hand_in(download: Path, course: Path, student: str, notebooks: dict[str, dict], when: str):
    """`student`'s folder in a folder download: each notebook with its answers, and the time."""
    folder = download / ROSTER[student][2]
    folder.mkdir(parents=True, exist_ok=True)
    for name, answers in notebooks.items():
        (folder / f"{name}.ipynb").write_text(student_notebook(course, name, answers))
    (folder / "timestamp.txt").write_text(f"{when}.000000 UTC")
