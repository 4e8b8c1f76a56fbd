"""A tiny nbgrader course built from scratch: one assignment, two answers, two graded tests.

``add`` is worth 1 point (visible test), ``mul`` 2 points (visible and hidden tests), so a
submission's score says exactly which parts ran and passed.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from nbgrader.apps import NbGraderAPI
from traitlets.config import Config

ASSIGNMENT = "ps1"
NOTEBOOK = "ps1"
MAX_SCORE = 3.0
CORRECT_ADD = "def add(a, b):\n    return a + b"
CORRECT_MUL = "def mul(a, b):\n    return a * b"


def _cell(kind: str, source: str, grade_id: str, **nbgrader) -> nbformat.NotebookNode:
    maker = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    meta = {"grade_id": grade_id, "schema_version": 3, "grade": False, "solution": False}
    meta.update({"locked": False, **nbgrader})
    return maker(source, metadata={"nbgrader": meta})


def source_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    solution = "### BEGIN SOLUTION\n{}\n### END SOLUTION"
    nb.cells = [
        _cell("markdown", "Write `add` and `mul`.", "intro", locked=True),
        _cell("code", solution.format(CORRECT_ADD), "answer_add", solution=True),
        _cell("code", "assert add(1, 2) == 3", "test_add", grade=True, locked=True, points=1),
        _cell("code", solution.format(CORRECT_MUL), "answer_mul", solution=True),
        _cell(
            "code",
            "assert mul(2, 3) == 6\n### BEGIN HIDDEN TESTS\nassert mul(0, 7) == 0\n"
            "### END HIDDEN TESTS",
            "test_mul",
            grade=True,
            locked=True,
            points=2,
        ),
    ]
    return nb


def make_course(root: Path, db_url: str | None = None) -> Path:
    """Write the course (config, source), release it and register it in the gradebook."""
    root.mkdir(parents=True, exist_ok=True)
    lines = ["c = get_config()", 'c.CourseDirectory.course_id = "tiny"']
    if db_url:
        lines.append(f"c.CourseDirectory.db_url = {db_url!r}")
    (root / "nbgrader_config.py").write_text("\n".join(lines) + "\n")
    source = root / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    nbformat.write(source_notebook(), source / f"{NOTEBOOK}.ipynb")
    api = NbGraderAPI(config=course_config(root, db_url))
    result = api.generate_assignment(ASSIGNMENT)
    assert result["success"], result.get("log")
    return root


def course_config(root: Path, db_url: str | None = None) -> Config:
    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.course_id = "tiny"
    if db_url:
        config.CourseDirectory.db_url = db_url
    return config


def student_notebook(root: Path, add_code: str, mul_code: str) -> str:
    """The released notebook with the two answer cells filled in."""
    nb = nbformat.read(root / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    answers = {"answer_add": add_code, "answer_mul": mul_code}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nbformat.writes(nb)


def submit(root: Path, student: str, notebook_text: str, files: dict[str, str] | None = None):
    folder = root / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{NOTEBOOK}.ipynb").write_text(notebook_text)
    (folder / "timestamp.txt").write_text("2026-01-01 00:00:00.000000 UTC")
    for name, text in (files or {}).items():
        (folder / name).write_text(text)


def autograded_notebook(root: Path, student: str) -> nbformat.NotebookNode:
    path = root / "autograded" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    return nbformat.read(path, as_version=4)


def grading_text(root: Path, student: str) -> str:
    """Everything a student's feedback can show: grading notes and cell outputs."""
    return json.dumps(autograded_notebook(root, student).cells)
