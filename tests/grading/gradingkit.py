"""Helpers for the grading tests: build submissions from their written descriptions.

An assignment is pure content: `solutions/<a>/<a>.py` (the master's source) and, under
`tests/grading/submissions/<a>/`, one TOML file per typical wrong submission:

    description = "uses W.T: works only for square layers"
    score = 5.0                           # the autograded score this submission must earn
    failing = ["test_dense", "test_mlp"]  # the test cells that must score 0 (all others full)
    [cells]                               # grade_id -> what the student wrote in that cell
    dense = '''
    def dense_forward(X, W, b, activation):
        return activation(X @ W.T + b)
    '''
    [points]                              # optional tampering: grade_id -> points written
    test_dense = 100

A submission starts from the student version (`exercises/`) with every answer cell filled in as
the reference solution does; `[cells]` then replaces whole cells (answer or test cells).
"""

from __future__ import annotations

import copy
import html
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nngrade import course as nncourse

REPO = Path(__file__).resolve().parents[2]
SUBMISSIONS = Path(__file__).resolve().parent / "submissions"
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN_MARKERS = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")


@dataclass
class Submission:
    """One written submission of one assignment and the score it must earn."""

    name: str
    description: str
    score: float
    failing: list[str]
    cells: dict[str, str] = field(default_factory=dict)
    points: dict[str, float] = field(default_factory=dict)
    base: str = "solved"


def assignment_names() -> list[str]:
    return nncourse.assignments(REPO)


def load_submissions(assignment: str) -> list[Submission]:
    """The written wrong submissions of `assignment`, sorted by name."""
    subs = []
    for path in sorted((SUBMISSIONS / assignment).glob("*.toml")):
        data = tomllib.loads(path.read_text())
        unknown = set(data) - {"description", "score", "failing", "cells", "points", "base"}
        assert not unknown, f"{path}: unknown keys {unknown}"
        subs.append(Submission(name=path.stem.replace("_", "-"), **data))
    return subs


def master(assignment: str, course: Path = REPO) -> nbformat.NotebookNode:
    src = nncourse.source_dir(course) / assignment / f"{assignment}.ipynb"
    return nbformat.read(src, as_version=4)


def release_notebook(assignment: str, course: Path = REPO) -> nbformat.NotebookNode:
    path = Path(course) / "exercises" / assignment / f"{assignment}.ipynb"
    return nbformat.read(path, as_version=4)


def _grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def without_shared(source: str, name: str) -> str:
    """`source` less the lines that `#: include NAME` inlined from solutions/_shared/."""
    shared = set((REPO / "solutions" / "_shared" / name).read_text().splitlines())
    return "\n".join(line for line in source.split("\n") if line not in shared or not line.strip())


def hidden_part(source: str) -> str:
    """The lines of `source` between the hidden-test markers."""
    kept, inside = [], False
    for line in source.split("\n"):
        if line.strip() in HIDDEN_MARKERS:
            inside = line.strip() == HIDDEN_MARKERS[0]
        elif inside:
            kept.append(line)
    return "\n".join(kept)


def without_markers(source: str, markers: tuple[str, str]) -> str:
    return "\n".join(line for line in source.split("\n") if line.strip() not in markers)


def solved_notebook(assignment: str, course: Path = REPO) -> nbformat.NotebookNode:
    """The student version with every answer cell written as the reference solution."""
    answers = {
        _grade_id(c): without_markers(c.source, SOLUTION_MARKERS)
        for c in master(assignment, course).cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    nb = copy.deepcopy(release_notebook(assignment, course))
    for cell in nb.cells:
        if _grade_id(cell) in answers:
            cell.source = answers[_grade_id(cell)]
    return nb


def build_submission(assignment: str, sub: Submission, course: Path = REPO):
    """The notebook a student with this submission hands in."""
    if sub.base == "release":
        nb = copy.deepcopy(release_notebook(assignment, course))
    else:
        nb = solved_notebook(assignment, course)
    ids = {_grade_id(c) for c in nb.cells}
    for grade_id in set(sub.cells) | set(sub.points):
        assert grade_id in ids, f"{assignment}/{sub.name}: no cell {grade_id!r}"
    for cell in nb.cells:
        gid = _grade_id(cell)
        if gid in sub.cells:
            cell.source = sub.cells[gid].strip("\n")
        if gid in sub.points:
            cell.metadata.nbgrader["points"] = sub.points[gid]
    return nb


def write_submission(course: Path, assignment: str, student: str, nb) -> Path:
    folder = Path(course) / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{assignment}.ipynb"
    nbformat.write(nb, path)
    return path


def tampered_blank(assignment: str, course: Path = REPO):
    """The untouched student version whose test cells are emptied or made trivial, worth 100."""
    nb = copy.deepcopy(release_notebook(assignment, course))
    for index, cell in enumerate(c for c in nb.cells if _is_test(c)):
        cell.source = "" if index % 2 == 0 else "assert True"
        cell.metadata.nbgrader["points"] = 100.0
    return nb


def _is_test(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


def secret_lines(assignment: str, course: Path = REPO) -> tuple[set[str], set[str]]:
    """(solution lines, hidden-test lines) of the master that appear nowhere else in it."""
    solution, hidden, public = set(), set(), set()
    for cell in master(assignment, course).cells:
        meta = cell.metadata.get("nbgrader", {})
        whole_answer = meta.get("solution") and SOLUTION_MARKERS[0] not in cell.source
        region = None
        for line in cell.source.split("\n"):
            text = line.strip()
            if text in (SOLUTION_MARKERS[0], HIDDEN_MARKERS[0]):
                region = solution if text == SOLUTION_MARKERS[0] else hidden
            elif text in (SOLUTION_MARKERS[1], HIDDEN_MARKERS[1]):
                region = None
            elif whole_answer:
                solution.add(text)
            else:
                (region if region is not None else public).add(text)

    # a line quoted in the instructions is no secret (markdown shows `code` without backticks)
    public_text = "\n".join(public).replace("`", "")

    def significant(lines):
        return {t for t in lines if len(t) >= 8 and not t.startswith("#") and t not in public_text}

    # a hidden test may repeat a line of the solution (a reference loop): students write it too
    return significant(solution), significant(hidden) - solution


def notebook_lines(nb) -> set[str]:
    """Every stripped line of every cell's source and text outputs."""
    lines = set()
    for cell in nb.cells:
        lines.update(t.strip() for t in cell.source.split("\n"))
        for out in cell.get("outputs", []):
            text = out.get("text", "") or "\n".join(out.get("traceback", []))
            lines.update(t.strip() for t in text.split("\n"))
    return lines


def html_text(path: Path) -> str:
    """The visible text of an HTML page (tags removed, entities decoded)."""
    raw = Path(path).read_text(errors="replace")
    raw = re.sub(r"<(script|style)\b.*?</\1>", "", raw, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", raw))


def leaked(lines: set[str], text: str) -> list[str]:
    return sorted(line for line in lines if line in text)
